"""The four principles scorecard: every figure against a hand-built data set, the lists
behind them, the CSV table, query bounds and access."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts.models import Language
from engagement_portal.core.privacy import Figure
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_principles import DRILL_DOWNS, TABLES, principles
from programs.dashboard.services import rebuild
from programs.models import EngagementType

from ..factories import (
    AccommodationRequestFactory,
    AnnouncementFactory,
    EventCoFacilitatorFactory,
    EventFactory,
    NeighbourhoodFactory,
    PartnerOrganisationFactory,
    ProgramFactory,
    RecommendationFactory,
    RegistrationFactory,
    SurveyFactory,
    TierFactory,
)
from .test_reach import answers, survey_for

pytestmark = pytest.mark.django_db

MARCH = Scope(start=date(2025, 3, 1), end=date(2025, 3, 31))
TODAY = date(2025, 4, 15)


def at(day: int, month: int = 3, hour: int = 18) -> datetime:
    return timezone.make_aware(datetime(2025, month, day, hour))


def program_of(slug: str, **kwargs):
    return ProgramFactory(engagement_type=EngagementType.objects.get(slug=slug), **kwargs)


def event(program, start: datetime, **kwargs):
    return EventFactory(program=program, starts_at=start, ends_at=start.replace(hour=20), **kwargs)


@pytest.fixture
def world():
    """March 2025: three neighbourhoods at 2.0, 5.0 and 10.0 per 1,000 (score 0.2), four
    programs active (one with a partner), four question-and-answer sessions held."""
    a = NeighbourhoodFactory(name="Alder", code="al", population=10_000)
    b = NeighbourhoodFactory(name="Birch", code="bi", population=4_000)
    c = NeighbourhoodFactory(name="Cedar", code="ce", population=2_000)
    survey = survey_for()
    answers(survey, a, 20, date(2025, 3, 3))
    answers(survey, b, 20, date(2025, 3, 10))
    answers(survey, c, 20, date(2025, 3, 31))

    english, spanish = Language.objects.get(code="en"), Language.objects.get(code="es")
    french = Language.objects.get_or_create(
        code="fr", defaults={"name": "French", "native_name": "Français"}
    )[0]
    town_hall = program_of("town-hall-meetings", title="Town halls")
    town_hall.languages.add(english, spanish)
    town_hall.partners.add(PartnerOrganisationFactory(name="Faith council"))
    press = program_of("press-conferences", title="Press briefings")
    listening = program_of("listening-sessions", title="Listening on use of force")
    academy = program_of("citizen-police-academy", title="Academy")  # nothing in March
    academy.languages.add(french)
    academy.partners.add(PartnerOrganisationFactory(name="Community college"))

    held = event(town_hall, at(5), neighbourhood=b)
    cancelled = event(town_hall, at(6), status="cancelled")
    april = event(town_hall, at(2, month=4))
    event(press, at(10))
    first_session = event(listening, at(20))
    second_session = event(listening, at(21))
    event(academy, at(12, month=2))

    # Accessibility and interpretation: 12 requests for the town hall held, 9 arranged.
    for i in range(12):
        registration = RegistrationFactory(event=held, resident__neighbourhood=a)
        AccommodationRequestFactory(
            registration=registration,
            kind="interpretation" if i % 3 == 0 else "accessibility",
            fulfilled=i < 9,
        )
    for other, status in ((cancelled, "confirmed"), (april, "confirmed"), (held, "cancelled")):
        AccommodationRequestFactory(
            registration=RegistrationFactory(event=other, status=status, resident__neighbourhood=a)
        )

    # Community co-facilitators: two at the first listening session, one at the second.
    EventCoFacilitatorFactory.create_batch(2, event=first_session)
    EventCoFacilitatorFactory(event=second_session)

    # Surveys that closed in March: three, two with published results.
    owner = town_hall.owner
    SurveyFactory(owner=owner, closed_at=at(15), status="closed", results_published=True)
    SurveyFactory(owner=owner, closed_at=at(31, hour=23), status="closed")
    SurveyFactory(owner=owner, closes_at=at(10), results_published=True)
    SurveyFactory(owner=owner, closed_at=at(1, month=4), results_published=True)
    newer = SurveyFactory(owner=owner, version=2)
    SurveyFactory(owner=owner, closed_at=at(20), results_published=True, replaced_by=newer)

    # Announcements published in March: two (one for Alder, one for the whole city).
    AnnouncementFactory(published_at=at(2)).neighbourhoods.add(a)
    AnnouncementFactory(published_at=at(31, hour=12))
    AnnouncementFactory(published_at=at(1, month=4))
    AnnouncementFactory(published_at=None)

    # Recommendations from the town halls.
    def recommendation(**kwargs):
        return RecommendationFactory(program=town_hall, received_on=date(2025, 3, 1), **kwargs)

    recommendation(response_due=date(2025, 3, 10), answered_on=date(2025, 3, 9), status="adopted")
    recommendation(
        response_due=date(2025, 3, 15),
        answered_on=date(2025, 3, 15),
        status="adopted",
        public=False,
    )
    recommendation(
        response_due=date(2025, 3, 20), answered_on=date(2025, 3, 25), status="not_adopted"
    )
    recommendation(response_due=date(2025, 3, 25))
    RecommendationFactory(
        program=town_hall, received_on=date(2025, 2, 1), response_due=date(2025, 4, 10)
    )
    rebuild()
    return {
        "a": a,
        "b": b,
        "town_hall": town_hall,
        "listening": listening,
        "survey": survey,
    }


def figures(scope=MARCH, today=TODAY):
    return {m.key: m for p in principles(scope, today=today) for m in p.measures}


def test_the_scorecard_follows_the_four_aims(world):
    cards = principles(MARCH, today=TODAY)
    assert [p.title for p in cards] == [
        "Equitable opportunity",
        "Productive dialogue",
        "Collective solutions",
        "Acting on feedback",
    ]


def test_equitable_opportunity(world):
    found = figures()
    score = found["representation"]
    assert score.value.value == pytest.approx(0.2)
    # The residents of no recorded neighbourhood are fewer than 10, so the city-wide 60
    # is withheld (the overview's total less it would give them) and Alder with it; a
    # withheld neighbourhood at the lowest rate is not named, and the score is coarse.
    assert score.text == "0.2"
    assert "Lowest: a neighbourhood with fewer than 10" in score.detail
    assert "Highest: Cedar" in score.detail
    assert score.href.startswith(reverse("dashboard:reach"))

    requests = found["accommodations"]
    # 9 of 12 arranged: 9 is a count of people, and 75.0 % of the 12 shown would give it.
    assert requests.value == Figure(None, 12)
    assert "75" not in requests.text
    assert "fewer than 10 of 12 requests" in requests.detail

    languages = found["languages"]
    assert languages.value == 2
    assert languages.detail == "English, Español (Spanish)"


def test_productive_dialogue(world):
    found = figures()
    sessions = found["dialogue-events"]
    assert sessions.value == 4
    assert "Press conferences: 1" in sessions.detail
    assert sessions.detail == (
        "Press conferences: 1; Town hall meetings: 1; "
        "Listening sessions, roundtables and focus groups: 2"
    )
    surveys = found["survey-results"]
    assert surveys.value == 2
    assert surveys.detail == "2 of 3 (66.7 %)"
    assert found["announcements"].value == 2
    assert found["announcements"].extra_href == reverse("announcements:public-list")


def test_collective_solutions(world):
    found = figures()
    partners = found["partner-programs"]
    assert partners.value == 1
    assert partners.detail == "1 of 4 (25.0 %)"
    co_facilitation = found["co-facilitation"]
    assert co_facilitation.value == 2  # two session days
    assert co_facilitation.detail.endswith("fewer than 10")  # three people


def test_acting_on_feedback(world):
    found = figures()
    on_time = found["on-time"]
    assert on_time.value == 50.0
    assert on_time.text == "50.0 %"
    assert on_time.detail == "2 of 4 answers due in the period"
    you_said = found["you-said-we-did"]
    assert you_said.value == 3
    assert you_said.detail == "2 of them already answered"
    assert you_said.extra_href == reverse("recommendations:public-list")


def test_answers_not_yet_due_are_not_counted_as_late(world):
    on_time = figures(today=date(2025, 3, 18))["on-time"]
    assert on_time.value == 100.0
    assert on_time.detail == "2 of 2 answers due in the period"


def test_an_empty_period():
    NeighbourhoodFactory(name="Alder", code="al", population=1_000)
    found = figures()
    assert found["representation"].text == "undefined"
    assert "Undefined" in found["representation"].detail
    assert found["accommodations"].text == "fewer than 10"
    assert found["accommodations"].detail == "No requests for events in the period."
    assert found["on-time"].text == "—"
    assert found["languages"].value == 0
    assert found["dialogue-events"].value == 0


def test_few_accommodation_requests_are_shown_as_fewer_than_ten(world):
    few = Scope(start=date(2025, 3, 1), end=date(2025, 3, 31), neighbourhood=world["a"])
    # The held town hall is in Birch: for Alder there are no requests at all.
    assert figures(few)["accommodations"].detail == "No requests for events in the period."
    AccommodationRequestFactory.create_batch(
        3, registration__event=event(world["town_hall"], at(8), neighbourhood=world["a"])
    )
    value = figures(few)["accommodations"]
    assert value.value.suppressed and value.text == "fewer than 10"
    headers, rows = TABLES["principles"](few)
    row = next(r for r in rows if r[1] == value.label)
    assert row[2].export() == "<10"


def test_filters_narrow_the_figures(world):
    town_halls = Scope(start=MARCH.start, end=MARCH.end, program=world["town_hall"])
    found = figures(town_halls)
    assert found["dialogue-events"].value == 1
    assert found["languages"].value == 2
    assert found["partner-programs"].detail == "1 of 1 (100.0 %)"
    assert found["announcements"].value == 0  # none were about the town halls
    assert found["on-time"].value == 50.0
    assert found["survey-results"].value == 0  # the surveys belong to no program
    assert f"program={world['town_hall'].pk}" in found["you-said-we-did"].extra_href

    tier5 = Scope(start=MARCH.start, end=MARCH.end, tier=TierFactory(number=5))
    found = figures(tier5)
    assert found["dialogue-events"].value == 2
    assert found["co-facilitation"].value == 2
    assert found["you-said-we-did"].value == 0

    in_birch = Scope(start=MARCH.start, end=MARCH.end, neighbourhood=world["b"])
    found = figures(in_birch)
    assert found["announcements"].value == 1  # the whole-city one, not Alder's
    assert found["dialogue-events"].value == 1  # the town hall held in Birch
    assert found["co-facilitation"].whole_city and found["co-facilitation"].value == 2


# --- Drill-down lists --------------------------------------------------------------------


def test_drill_down_lists(world):
    def listing(name, scope=MARCH, **kwargs):
        return DRILL_DOWNS[name](scope, **kwargs)

    _t, headers, rows = listing("principle-accommodations")
    assert rows == [
        ["Town halls", "Accessibility", Figure(None, 8), Figure(None, 6)],
        ["Town halls", "Interpretation", Figure(None, 4), Figure(None, 3)],
    ]
    _t, _h, rows = listing("principle-languages")
    assert ["Town halls", "Town hall meetings", "English, Español (Spanish)"] in rows
    assert len(rows) == 4 and "Academy" not in [row[0] for row in rows]
    _t, _h, rows = listing("principle-dialogue-events")
    assert [row[0] for row in rows] == [
        date(2025, 3, 5),
        date(2025, 3, 10),
        date(2025, 3, 20),
        date(2025, 3, 21),
    ]
    assert rows[0][4] == "Birch"
    _t, _h, rows = listing("principle-survey-results")
    assert [row[3] for row in rows] == ["Yes", "Yes", "No"]
    assert rows[0][4].startswith("/surveys/") and rows[2][4] == ""
    _t, _h, rows = listing("principle-announcements")
    assert len(rows) == 2 and rows[0][4].startswith("/news/")
    _t, _h, rows = listing("principle-partner-programs")
    assert [row[2] for row in rows if row[0] == "Town halls"] == ["Faith council"]
    _t, _h, rows = listing("principle-co-facilitation")
    assert rows == [["Listening on use of force", 5, 2, Figure(None, 3)]]
    _t, _h, rows = listing("principle-recommendations-on-time", today=TODAY)
    assert [row[4] for row in rows] == ["Yes", "Yes", "No", "No"]
    _t, _h, rows = listing("principle-you-said-we-did")
    assert len(rows) == 3 and rows[0][4].startswith("/you-said-we-did/")


def test_csv_table(world):
    headers, rows = TABLES["principles"](MARCH)
    assert headers == ["Principle", "Figure", "Value", "Details", "Whole city"]
    assert len(rows) == 10
    by_figure = {row[1]: row for row in rows}
    assert by_figure["Representation score"][2] == "0.2"  # coarse: see above
    assert by_figure["Accessibility and interpretation requests arranged"][2] == Figure(None, 12)


# --- The page ------------------------------------------------------------------------------


def test_page_shows_every_figure_with_its_link(client, carol, world):
    client.force_login(carol)
    response = client.get(
        reverse("dashboard:principles"), {"start": "2025-03-01", "end": "2025-03-31"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    for name in DRILL_DOWNS:
        assert reverse("dashboard:drill-down", args=[name]) + "?start=2025-03-01" in html
    assert reverse("announcements:public-list") in html
    assert reverse("recommendations:public-list") in html
    assert reverse("dashboard:export", args=["principles"]) in html
    assert "75.0 %" not in html and "0.2" in html and "0.20" not in html
    assert html.count("<h1") == 1


def _load(size: int):
    hoods = [NeighbourhoodFactory(population=1_000 + i) for i in range(size)]
    survey = survey_for()
    for i, hood in enumerate(hoods):
        answers(survey, hood, 3, date(2025, 3, 1 + i % 28))
    for i in range(size):
        program = program_of("town-hall-meetings")
        program.partners.add(PartnerOrganisationFactory())
        program.languages.add(Language.objects.get(code="en"))
        session = event(program, at(1 + i % 28))
        AccommodationRequestFactory(registration__event=session)
        EventCoFacilitatorFactory(event=session)
        AnnouncementFactory(published_at=at(1 + i % 28))
        SurveyFactory(closed_at=at(1 + i % 28), results_published=bool(i % 2))
        RecommendationFactory(
            program=program, received_on=date(2025, 3, 1), response_due=date(2025, 3, 20)
        )
    rebuild()


@pytest.mark.parametrize("size", [1, 15])
def test_page_query_count_does_not_grow_with_the_data(
    client, carol, size, django_assert_max_num_queries
):
    _load(size)
    client.force_login(carol)
    with django_assert_max_num_queries(20):  # 19 + when the figures were refreshed
        response = client.get(
            reverse("dashboard:principles"), {"start": "2025-03-01", "end": "2025-03-31"}
        )
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 15])
def test_drill_down_query_count_does_not_grow_with_the_data(size, django_assert_max_num_queries):
    _load(size)
    for fn in DRILL_DOWNS.values():
        with django_assert_max_num_queries(3):
            fn(MARCH)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("dashboard:principles"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_program_staff_and_residents_are_refused(db, client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("dashboard:principles")).status_code == 403


@pytest.mark.parametrize("persona", ["carol", "root"])
def test_command_staff_and_administrators_see_the_page(db, client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("dashboard:principles"))
    assert response.status_code == 200
    assert response.context["tab"] == "principles"


@pytest.mark.parametrize(
    "query",
    [
        {"start": "nope", "tier": "x", "program": "0"},
        {"start": "2025-03-31", "end": "2025-03-01"},
        {"start": "0001-01-01", "end": "0001-01-31"},
        {"start": "9999-12-01", "end": "9999-12-31"},
    ],
)
def test_bad_filters_fall_back_to_defaults(client, carol, query):
    client.force_login(carol)
    response = client.get(reverse("dashboard:principles"), query)
    assert response.status_code == 200
    assert response.context["scope"].end <= timezone.localdate()
