"""Participants against the population by group: what people told us (age group on a
registration or a walk-in card, date of birth on an application, demographic survey
questions), the DemographicDay summary that keeps it, and the reach page that compares it
with the neighbourhoods' demographic shares. Known answers throughout."""

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from engagement_portal.core.privacy import Figure
from events.models import Registration
from programs.dashboard import demographics, services
from programs.dashboard.demographics import age_group_on, compare, table_rows
from programs.dashboard.models import DemographicDay, ParticipationDay
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_trust import _items
from programs.models import EngagementType
from surveys import builder
from surveys.models import Answer, Response, StandardItem

from ..factories import (
    ApplicationFactory,
    AttendanceFactory,
    EventFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    RegistrationFactory,
    ResidentFactory,
    SurveyFactory,
    WalkInFactory,
)

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 12)
SCOPE = Scope(start=date(2025, 3, 1), end=date(2025, 3, 31))
SHARES = {"age": {"under-18": 0.2, "18-34": 0.3, "35-64": 0.35, "65+": 0.15}}


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


# --- Age on a day ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "born, day, group",
    [
        (date(2008, 3, 1), date(2026, 2, 28), "under-18"),  # the day before the 18th birthday
        (date(2008, 3, 1), date(2026, 3, 1), "18-34"),
        (date(1991, 3, 1), date(2026, 2, 28), "18-34"),  # 34
        (date(1991, 3, 1), date(2026, 3, 1), "35-64"),
        (date(1961, 3, 1), date(2026, 2, 28), "35-64"),  # 64
        (date(1961, 3, 1), date(2026, 3, 1), "65+"),
        (None, date(2026, 3, 1), ""),
    ],
)
def test_age_group_on_a_day(born, day, group):
    assert age_group_on(born, day) == group


# --- A hand-built day with known answers --------------------------------------------------------


@pytest.fixture
def city():
    """One neighbourhood (10,000 residents with age shares). On 12 March 2025:

    coffee event: 12 registrants aged 18-34; 10 aged 65+ with one companion each; 3 under
    18; 5 who did not say; one 35-64 registrant who never came; 11 walk-ins aged 35-64;
    an identified survey of the program: one answer 65+, one "prefer not to say".
    academy session: an applicant born 2008 (17 on the day) and one attendee with no
    application.
    """
    oak = NeighbourhoodFactory(name="Oak", code="oak", population=10_000, demographics=SHARES)
    coffee = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="unstructured-engagement")
    )
    event = EventFactory(program=coffee, starts_at=at(DAY, 18), ends_at=at(DAY, 20))

    def came(age: str, n: int, party: int = 1, status=Registration.Status.ATTENDED):
        for _i in range(n):
            RegistrationFactory(
                event=event,
                resident=ResidentFactory(neighbourhood=oak),
                age_group=age,
                party_size=party,
                status=status,
            )

    came("18-34", 12)
    came("65+", 10, party=2)
    came("under-18", 3)
    came("", 5)
    came("35-64", 1, status=Registration.Status.CONFIRMED)  # never came
    for _i in range(11):
        WalkInFactory(event=event, neighbourhood=oak, age_group="35-64")

    survey = SurveyFactory(program=coffee, mode="identified")
    question = builder.add_standard_item(
        survey=survey, item=StandardItem.objects.get(key="age-group")
    )
    older = question.choices.get(code="65+")
    for choice, declined in ((older, False), (None, True)):
        response = Response.objects.create(
            survey=survey,
            language="en",
            source="web",
            submitted_on=DAY,
            neighbourhood=oak,
            resident=ResidentFactory(neighbourhood=oak),
        )
        Answer.objects.create(
            response=response, question=question, choice=choice, declined=declined
        )

    academy = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="citizen-police-academy")
    )
    session = EventFactory(program=academy, starts_at=at(DAY, 10), ends_at=at(DAY, 12))
    applicant = ResidentFactory(neighbourhood=oak)
    ApplicationFactory(program=academy, resident=applicant, date_of_birth=date(2008, 3, 13))
    AttendanceFactory(event=session, resident=applicant, present=True)
    AttendanceFactory(event=session, resident=ResidentFactory(neighbourhood=oak), present=True)
    return {"oak": oak, "coffee": coffee, "academy": academy, "event": event}


def groups_of(program) -> dict[str, int]:
    rows = DemographicDay.objects.filter(program=program, category="age")
    return dict(rows.values_list("group", "people"))


EXPECTED_COFFEE = {"18-34": 12, "65+": 11, "under-18": 3, "35-64": 11, "": 16}
EXPECTED_ACADEMY = {"under-18": 1, "": 1}


def test_each_bucket_counts_everyone_once_per_category(city):
    services.participation_changed(city["coffee"].pk, DAY)
    services.participation_changed(city["academy"].pk, DAY)
    assert groups_of(city["coffee"]) == EXPECTED_COFFEE
    assert groups_of(city["academy"]) == EXPECTED_ACADEMY
    # A category's groups add up to the people who took part.
    for program in (city["coffee"], city["academy"]):
        people = sum(
            ParticipationDay.objects.filter(program=program).values_list("people", flat=True)
        )
        assert sum(groups_of(program).values()) == people


def test_a_rebuild_gives_the_same_rows(city):
    services.participation_changed(city["coffee"].pk, DAY)
    services.participation_changed(city["academy"].pk, DAY)
    kept = sorted(
        DemographicDay.objects.values_list(
            "program", "day", "neighbourhood", "category", "group", "people"
        )
    )
    written = services.rebuild()
    assert written["demographics"] == len(kept)
    assert (
        sorted(
            DemographicDay.objects.values_list(
                "program", "day", "neighbourhood", "category", "group", "people"
            )
        )
        == kept
    )
    assert groups_of(city["coffee"]) == EXPECTED_COFFEE


def test_a_bucket_nobody_took_part_in_has_no_rows(city):
    services.rebuild()
    Registration.objects.filter(event=city["event"]).delete()
    city["event"].walk_ins.all().delete()
    Response.objects.all().delete()
    services.participation_changed(city["coffee"].pk, DAY)
    assert not DemographicDay.objects.filter(program=city["coffee"]).exists()


def test_participants_against_the_population(city):
    services.rebuild()
    [age] = compare(SCOPE, [city["oak"]])
    assert (age.code, age.label, age.asked) == ("age", "Age", True)
    assert age.participants == Figure(55, 55)
    by_code = {group.code: group for group in age.groups}
    assert list(by_code) == ["under-18", "18-34", "35-64", "65+"]  # the order they are offered
    # 38 said: under 18 (4) is hidden, and so is the smallest other cell (35-64, 11), or
    # "said" minus the others would give it back.
    assert by_code["under-18"].participants == Figure(None, 4)
    assert by_code["35-64"].participants == Figure(None, 11)
    assert age.said == Figure(None, 38)
    eighteen = by_code["18-34"]
    assert eighteen.participants == Figure(12, 12)
    assert eighteen.population == 3_000 and eighteen.population_share == pytest.approx(30.0)
    assert eighteen.participant_share.value == pytest.approx(12 / 38 * 100)
    assert eighteen.gap_text == f"{12 / 38 * 100 - 30:+.1f}"  # +1.6
    older = by_code["65+"]
    assert older.participant_share.value == pytest.approx(11 / 38 * 100)
    assert older.gap == pytest.approx(11 / 38 * 100 - 15)
    assert age.not_said == Figure(17, 17)
    assert age.not_said_share.value == pytest.approx(17 / 55 * 100)

    headers, rows = table_rows([age])
    assert headers[4:] == [
        "Participants",
        "Share of participants who said (%)",
        "Difference (percentage points)",
    ]
    assert rows[0][:6] == ["Age", "Under 18", 2_000, 20.0, Figure(None, 4), Figure(None, 4)]
    assert rows[0][4].export() == "<10"
    assert rows[1][4:] == [Figure(12, 12), Figure(31.6, 12), 1.6]
    assert rows[4] == ["Age", "Did not say", "", "", Figure(17, 17), Figure(30.9, 17), ""]


def test_the_comparison_narrows_to_the_scope(city):
    services.rebuild()
    scope = Scope(start=SCOPE.start, end=SCOPE.end, program=city["academy"])
    [age] = compare(scope, [city["oak"]])
    assert age.participants == Figure(None, 2)
    assert all(
        group.participants.suppressed or group.participants.value == 0 for group in age.groups
    )
    elsewhere = Scope(start=date(2025, 4, 1), end=date(2025, 4, 30))
    [age] = compare(elsewhere, [city["oak"]])
    assert age.participants == Figure(0, 0) and age.not_said_share is None


def test_a_category_participants_are_not_asked_about_shows_the_population_only(city):
    city["oak"].demographics = {**SHARES, "tenure": {"owner": 0.6, "renter": 0.4}}
    city["oak"].save()
    services.rebuild()
    tenure = {c.code: c for c in compare(SCOPE, [city["oak"]])}["tenure"]
    assert not tenure.asked
    assert [(g.code, g.population) for g in tenure.groups] == [("owner", 6_000), ("renter", 4_000)]


def test_the_reach_page_sets_participants_against_the_population(client, carol, city):
    services.rebuild()
    client.force_login(carol)
    page = client.get(reverse("dashboard:reach"), {"start": "2025-03-01", "end": "2025-03-31"})
    html = page.content.decode()
    assert "Participants against the population, by group" in html
    assert "Share of participants who said" in html
    assert "Did not say" in html and "30.9 % of all participants" in html
    assert "fewer than 10" in html
    csv = client.get(
        reverse("dashboard:export", args=["reach-demographics"]),
        {"start": "2025-03-01", "end": "2025-03-31"},
    ).content.decode()
    assert "Age,Under 18,2000,20.0,<10,<10," in csv
    assert "Age,18 to 34,3000,30.0,12,31.6,1.6" in csv


# --- Where the groups come from ---------------------------------------------------------------


def test_the_age_question_from_the_bank_carries_the_group_codes():
    survey = SurveyFactory()
    item = StandardItem.objects.get(key="age-group")
    question = builder.add_standard_item(survey=survey, item=item)
    assert question.demographic and not question.required  # optional, "prefer not to say"
    assert list(question.choices.values_list("code", flat=True)) == [
        "under-18",
        "18-34",
        "35-64",
        "65+",
    ]
    assert question.choices.first().label["es"] == "Menos de 18"
    # It describes who answered, not how they rate the agency: no trust trend for it.
    assert item not in _items()


def test_categories_include_age_and_the_banks_demographic_items():
    found = demographics.categories()
    assert list(found) == ["age"]
    assert found["age"].groups["65+"] == "65 or older"


def test_registering_records_the_age_group_given(client):
    event = EventFactory(capacity=5)
    data = {
        "name": "Rosa Ruiz",
        "email": "rosa@example.net",
        "phone": "",
        "neighbourhood": "",
        "age_group": "18-34",
        "language": "en",
    }
    response = client.post(reverse("events:register", args=[event.public_id]), data)
    assert response.status_code == 302
    assert event.registrations.get().age_group == "18-34"


def test_an_unknown_age_group_is_refused_and_nothing_typed_is_lost(client):
    event = EventFactory(capacity=5)
    data = {"name": "Rosa Ruiz", "email": "rosa@example.net", "age_group": "150", "language": "en"}
    response = client.post(reverse("events:register", args=[event.public_id]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert 'value="Rosa Ruiz"' in html and 'value="rosa@example.net"' in html
    assert not event.registrations.exists()


def test_the_age_group_is_optional(client):
    event = EventFactory(capacity=5)
    data = {"name": "Rosa Ruiz", "email": "rosa@example.net", "language": "en"}
    response = client.post(reverse("events:register", args=[event.public_id]), data)
    assert response.status_code == 302
    assert event.registrations.get().age_group == ""
