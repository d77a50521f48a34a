"""Reach and representation: rates per 1,000 residents, the representation score,
suppression, demographics, drill-down lists, CSV tables, query bounds and access."""

import itertools
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts.models import Resident
from engagement_portal.core.privacy import Figure
from programs.dashboard import selectors_reach
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_reach import (
    DRILL_DOWNS,
    TABLES,
    month_starts,
    reach,
    representation_score,
)
from programs.dashboard.services import rebuild
from programs.models import EngagementType
from surveys.models import Response

from ..factories import (
    EventFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    RegistrationFactory,
    SurveyFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

MARCH = Scope(start=date(2025, 3, 1), end=date(2025, 3, 31))  # previous: 29 Jan – 28 Feb


# --- Building data ---------------------------------------------------------------------


_emails = itertools.count()


def survey_for(program=None):
    return SurveyFactory(program=program or ProgramFactory(), mode="identified")


def answers(survey, hood, n: int, day: date, *, residents: list | None = None) -> list:
    """n identified responses from residents of `hood` on `day` (new residents unless
    given). Returns the residents."""
    if residents is None:
        first = next(_emails)
        for _i in range(n - 1):
            next(_emails)
        residents = Resident.objects.bulk_create(
            Resident(
                name=f"Resident {first + i}",
                email=f"r{first + i}@example.net",
                email_normalised=f"r{first + i}@example.net",
                neighbourhood=hood,
            )
            for i in range(n)
        )
    Response.objects.bulk_create(
        Response(
            survey=survey,
            language="en",
            source="web",
            submitted_on=day,
            neighbourhood=hood,
            resident=resident,
        )
        for resident in residents[:n]
    )
    return residents


@pytest.fixture
def city():
    """Three neighbourhoods whose March rates are 2.0, 5.0 and 10.0 per 1,000."""
    a = NeighbourhoodFactory(name="Alder", code="al", population=10_000)
    b = NeighbourhoodFactory(name="Birch", code="bi", population=4_000)
    c = NeighbourhoodFactory(name="Cedar", code="ce", population=2_000)
    survey = survey_for()
    answers(survey, a, 20, date(2025, 3, 3))
    answers(survey, b, 20, date(2025, 3, 10))
    answers(survey, c, 20, date(2025, 3, 31))
    rebuild()
    return {"a": a, "b": b, "c": c, "survey": survey}


def row_for(data, name):
    return next(row for row in data.neighbourhoods if row.label == name)


# --- Arithmetic ---------------------------------------------------------------------------


def test_score_is_lowest_rate_over_highest():
    hoods = [(1, "A", 10_000), (2, "B", 4_000), (3, "C", 2_000)]
    score = representation_score({1: 20, 2: 20, 3: 20}, hoods)
    assert score.value == pytest.approx(0.2)
    assert score.lowest == ("A",) and score.highest == ("C",)
    assert str(score) == "0.20"


def test_score_is_zero_when_a_neighbourhood_has_nobody():
    hoods = [(1, "A", 10_000), (2, "B", 4_000), (3, "C", 2_000)]
    score = representation_score({1: 20, 3: 20}, hoods)
    assert score.value == 0
    assert score.lowest == ("B",)


def test_score_is_undefined_when_nobody_took_part():
    hoods = [(1, "A", 10_000), (2, "B", 4_000)]
    assert representation_score({}, hoods).value is None
    assert representation_score({None: 50}, hoods).value is None  # only "not recorded"
    assert str(representation_score({}, hoods)) == "undefined"
    assert representation_score({}, []).value is None


def test_neighbourhoods_without_population_are_left_out_of_the_score():
    hoods = [(1, "A", 1_000), (2, "B", 0)]
    assert representation_score({1: 10}, hoods).value == 1


def test_month_starts_cover_twelve_months_up_to_the_end():
    starts = month_starts(date(2025, 3, 31))
    assert starts[0] == date(2024, 4, 1)
    assert starts[-1] == date(2025, 3, 1)
    assert len(starts) == 12


# --- The page's figures ------------------------------------------------------------------


def test_rates_per_thousand_and_shares(city):
    data = reach(MARCH)
    alder, birch, cedar = (row_for(data, n) for n in ("Alder", "Birch", "Cedar"))
    assert alder.rate.value == pytest.approx(2.0)
    assert birch.rate.value == pytest.approx(5.0)
    assert cedar.rate.value == pytest.approx(10.0)
    assert alder.participations == Figure(20, 20)
    assert alder.residents == Figure(20, 20)
    assert alder.population_share == pytest.approx(62.5)
    assert alder.participation_share.value == pytest.approx(100 / 3)
    assert data.city.rate.value == pytest.approx(60 / 16_000 * 1000)
    assert data.city.participations.value == 60
    assert data.score.value == pytest.approx(0.2)
    assert data.score.lowest == ("Alder",) and data.score.highest == ("Cedar",)


def test_people_count_the_whole_party(city):
    """A registration for three that came is three people in the rate."""
    program = ProgramFactory()
    event = EventFactory(
        program=program,
        starts_at=timezone.make_aware(datetime(2025, 3, 12, 18)),
        ends_at=timezone.make_aware(datetime(2025, 3, 12, 20)),
    )
    for _ in range(4):
        RegistrationFactory(
            event=event,
            status="attended",
            party_size=3,
            resident__neighbourhood=city["c"],
        )
    rebuild()
    cedar = row_for(reach(MARCH), "Cedar")
    assert cedar.participations.value == 32
    assert cedar.residents.value == 24  # 20 respondents + 4 who registered (guests unknown)
    assert cedar.rate.value == pytest.approx(16.0)


def test_a_neighbourhood_with_no_participation_is_listed_and_makes_the_score_zero(city):
    NeighbourhoodFactory(name="Dogwood", code="do", population=3_000)
    data = reach(MARCH)
    dogwood = row_for(data, "Dogwood")
    assert dogwood.participations == Figure(0, 0)
    assert dogwood.rate == Figure(0.0, 0)
    assert data.score.value == 0
    assert data.score.lowest == ("Dogwood",)


def test_score_is_undefined_when_nobody_took_part_in_the_period(city):
    quiet = Scope(start=date(2024, 1, 1), end=date(2024, 1, 31))
    data = reach(quiet)
    assert data.score.value is None
    assert all(row.rate == Figure(0.0, 0) for row in data.neighbourhoods)
    assert data.score_change is None


def test_page_says_when_the_score_is_undefined(client, carol, city):
    client.force_login(carol)
    response = client.get(reverse("dashboard:reach"), {"start": "2024-01-01", "end": "2024-01-31"})
    assert response.status_code == 200
    assert "Undefined: nobody from a recorded neighbourhood took part" in response.content.decode()


def test_previous_period_score_and_rates(city):
    survey = city["survey"]
    # February (inside the previous period, 29 Jan – 28 Feb): 10 in Alder, 40 in Birch.
    answers(survey, city["a"], 10, date(2025, 2, 1))
    answers(survey, city["b"], 40, date(2025, 2, 28))
    answers(survey, city["c"], 10, date(2025, 1, 29))
    answers(survey, city["c"], 15, date(2025, 1, 28))  # before the previous period
    rebuild()
    data = reach(MARCH)
    # Rates 1.0, 10.0, 5.0 → 0.1.
    assert data.previous_score.value == pytest.approx(0.1)
    assert data.score.value == pytest.approx(0.2)
    assert data.score_change == pytest.approx(0.1)
    assert data.score_change_text == "+0.10"
    assert row_for(data, "Birch").previous_rate.value == pytest.approx(10.0)
    assert data.city.previous_participations.value == 60


def test_trend_has_a_score_per_month(city):
    survey = city["survey"]
    answers(survey, city["a"], 10, date(2024, 4, 30))
    answers(survey, city["b"], 10, date(2024, 4, 1))
    answers(survey, city["c"], 10, date(2024, 4, 15))
    answers(survey, city["c"], 30, date(2024, 3, 31))  # thirteen months back: left out
    rebuild()
    trend = reach(MARCH).trend
    assert [m.month for m in trend] == month_starts(date(2025, 3, 31))
    april = trend[0]
    assert april.score.value == pytest.approx(1.0 / 5.0)  # rates 1.0, 2.5, 5.0
    assert april.participations.value == 30
    assert all(m.score.value is None for m in trend[1:-1])
    assert trend[-1].score.value == pytest.approx(0.2)
    assert not trend[-1].partial  # the period ends on the last day of March

    partial = reach(Scope(start=date(2025, 3, 1), end=date(2025, 3, 20)))
    assert partial.trend[-1].partial
    # Cedar's 31 March answers fall outside: Alder 2.0, Birch 5.0, Cedar 0.
    assert partial.trend[-1].score.value == 0


def test_not_recorded_participations_are_shown_separately(city):
    answers(city["survey"], None, 12, date(2025, 3, 5))
    rebuild()
    data = reach(MARCH)
    assert data.not_recorded.participations.value == 12
    assert data.not_recorded.residents.value == 12
    assert data.not_recorded.rate is None
    # The city-wide rate and the shares are of participations with a recorded neighbourhood.
    assert data.city.participations.value == 60
    assert data.score.value == pytest.approx(0.2)


def test_unique_residents_count_each_person_once(city):
    residents = list(Resident.objects.filter(neighbourhood=city["a"]))
    answers(city["survey"], city["a"], 20, date(2025, 3, 20), residents=residents)
    rebuild()
    alder = row_for(reach(MARCH), "Alder")
    assert alder.participations.value == 40
    assert alder.residents.value == 20
    assert reach(MARCH).city.residents.value == 60


def test_filters_by_program_and_tier(city):
    other = ProgramFactory(engagement_type=EngagementType.objects.get(slug="listening-sessions"))
    answers(survey_for(other), city["a"], 30, date(2025, 3, 4))
    rebuild()
    assert row_for(reach(MARCH), "Alder").participations.value == 50
    only = Scope(start=MARCH.start, end=MARCH.end, program=city["survey"].program)
    assert row_for(reach(only), "Alder").participations.value == 20
    tier2 = Scope(start=MARCH.start, end=MARCH.end, tier=TierFactory(number=2))
    assert row_for(reach(tier2), "Alder").participations.value == 20


def test_the_ranking_puts_the_city_rate_where_it_falls_and_hidden_rates_after_known(city):
    NeighbourhoodFactory(name="Dogwood", code="do", population=3_000)  # nobody: 0
    elm = NeighbourhoodFactory(name="Elm", code="el", population=100)
    answers(city["survey"], elm, 5, date(2025, 3, 8))  # 50 per 1,000, but only 5 people
    rebuild()
    data = reach(MARCH)
    labels = [row.label for row in data.ranked]
    assert labels == ["Cedar", "Birch", "City-wide", "Alder", "Elm", "Dogwood"]
    assert [bar.label for bar in data.chart.bars] == labels
    assert data.chart.bars[2].colour != data.chart.bars[0].colour
    assert data.chart.bars[4].value is None  # Elm: drawn as "fewer than 10"


def test_score_uses_true_numbers_when_a_neighbourhood_is_shown_as_fewer_than_ten(city):
    dogwood = NeighbourhoodFactory(name="Dogwood", code="do", population=500)
    answers(city["survey"], dogwood, 9, date(2025, 3, 8))  # 18 per 1,000
    rebuild()
    data = reach(MARCH)
    row = row_for(data, "Dogwood")
    assert row.participations.suppressed and row.rate.suppressed
    assert row.participation_share.suppressed
    assert row.residents.suppressed
    # 2.0 / 18.0 = 0.111..., but with Dogwood's population the exact ratio would give its
    # hidden count back: the score is rounded to one decimal.
    assert data.score.coarse
    assert data.score.value == 0.1
    assert str(data.score) == "0.1" and data.score.export() == "0.1"
    # Its name next to the score would point at its hidden number.
    assert data.score.highest == ("a neighbourhood with fewer than 10 participations",)


def test_suppressed_figures_on_the_page(client, carol, city):
    dogwood = NeighbourhoodFactory(name="Dogwood", code="do", population=500)
    answers(city["survey"], dogwood, 9, date(2025, 3, 8))
    rebuild()
    client.force_login(carol)
    response = client.get(reverse("dashboard:reach"), {"start": "2025-03-01", "end": "2025-03-31"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "fewer than 10" in html
    assert "18.0" not in html  # Dogwood's real rate
    assert ">9<" not in html
    assert "The representation score is the lowest" in html
    assert "computed from the true numbers" in html
    assert "boundaries are not loaded" in html


def test_suppression_in_the_csv_tables(city):
    dogwood = NeighbourhoodFactory(name="Dogwood", code="do", population=500)
    answers(city["survey"], dogwood, 9, date(2025, 3, 8))
    answers(city["survey"], None, 3, date(2025, 3, 8))
    rebuild()
    headers, rows = TABLES["reach-neighbourhoods"](MARCH)
    assert headers[0] == "Neighbourhood"
    by_name = {row[0]: row for row in rows}
    dog = by_name["Dogwood"]
    printed = [cell.export() if isinstance(cell, Figure) else str(cell) for cell in dog]
    assert printed[4] == "<10" and printed[5] == "<10" and printed[6] == "<10"
    assert printed[7] == "<10"
    assert "9" not in printed[4:] and "18.0" not in printed
    # City-wide 69 less every other neighbourhood would give Dogwood's 9: Alder, the
    # smallest shown, is withheld with it, count, share and rate alike.
    assert [by_name["Alder"][i].export() for i in (4, 5, 7)] == ["<10", "<10", "<10"]
    assert by_name["Neighbourhood not recorded"][4].export() == "<10"
    # The overview shows 72 participations for the same period: 72 - 69 would give the
    # 3 not recorded back, so the city-wide count is withheld with them.
    assert by_name["City-wide"][4].export() == "<10"


def test_score_trend_table(city):
    headers, rows = TABLES["reach-score-trend"](MARCH)
    assert headers == ["Period", "From", "To", "Representation score", "Participations"]
    assert rows[0][:4] == ["This period", date(2025, 3, 1), date(2025, 3, 31), "0.200"]
    assert rows[1][:4] == ["Previous period", date(2025, 1, 29), date(2025, 2, 28), ""]
    assert len(rows) == 14
    assert rows[-1][0] == "2025-03" and rows[-1][3] == "0.200"
    assert rows[2][0] == "2024-04" and rows[2][2] == date(2024, 4, 30)


def test_population_by_group():
    NeighbourhoodFactory(
        name="Alder",
        code="al",
        population=10_000,
        demographics={"age": {"under 18": 0.2, "18-64": 0.6, "65+": 0.2}},
    )
    NeighbourhoodFactory(
        name="Birch", code="bi", population=5_000, demographics={"age": {"under 18": 0.4}}
    )
    NeighbourhoodFactory(name="Cedar", code="ce", population=5_000)
    data = reach(MARCH)
    assert data.demographics_population == 20_000
    [age] = data.demographics
    groups = {row.code: (row.population, round(row.population_share, 2)) for row in age.groups}
    assert groups == {
        "under 18": (4_000, 20.0),
        "18-64": (6_000, 30.0),
        "65+": (2_000, 10.0),
    }
    # Birch's other 60 % and all of Cedar.
    assert (age.population_not_recorded, round(age.population_not_recorded_share, 2)) == (
        8_000,
        40.0,
    )
    assert data.neighbourhoods_without_demographics == ["Cedar"]
    headers, rows = TABLES["reach-demographics"](MARCH)
    assert [row[:4] for row in rows] == [
        ["Age", "65 or older", 2_000, 10.0],  # a code the portal asks about: its label
        ["Age", "18-64", 6_000, 30.0],  # codes the portal does not know come after, by name
        ["Age", "under 18", 4_000, 20.0],
        ["Age", "Did not say", "", ""],
        ["Age", "Not recorded", 8_000, 40.0],
    ]


def test_population_by_group_narrows_to_the_chosen_neighbourhood(client, carol):
    alder = NeighbourhoodFactory(
        name="Alder", code="al", population=10_000, demographics={"age": {"65+": 0.25}}
    )
    NeighbourhoodFactory(
        name="Birch", code="bi", population=5_000, demographics={"age": {"65+": 0.5}}
    )
    scope = Scope(start=MARCH.start, end=MARCH.end, neighbourhood=alder)
    data = reach(scope)
    assert data.demographics_population == 10_000
    assert {g.code: g.population for g in data.demographics[0].groups}["65+"] == 2_500
    # The comparison itself still lists every neighbourhood, the chosen one highlighted.
    assert [row.selected for row in data.neighbourhoods] == [True, False]

    client.force_login(carol)
    response = client.get(reverse("dashboard:reach"), {"neighbourhood": alder.pk})
    html = response.content.decode()
    assert "Alder is highlighted" in html
    assert "Participants against the population, by group" in html
    assert "Residents are estimated from the population shares recorded for Alder" in html


# --- Drill-down lists --------------------------------------------------------------------


def test_drill_down_lists(city):
    answers(city["survey"], None, 11, date(2025, 3, 5))
    rebuild()
    program = city["survey"].program
    title, headers, rows = DRILL_DOWNS["reach-participations"](MARCH)
    assert rows == [[program.title, 2, "Answered a survey", Figure(60, 60), Figure(60, 60)]]
    scoped = Scope(start=MARCH.start, end=MARCH.end, neighbourhood=city["b"])
    title, headers, rows = DRILL_DOWNS["reach-participations"](scoped)
    assert "Birch" in title and rows[0][4] == Figure(20, 20)
    _title, _headers, rows = DRILL_DOWNS["reach-not-recorded"](MARCH)
    assert rows[0][4] == Figure(11, 11)
    _title, _headers, rows = DRILL_DOWNS["reach-residents"](scoped)
    assert rows == [[program.title, 2, Figure(20, 20)]]


def test_page_links_each_figure_to_its_list(client, carol, city):
    client.force_login(carol)
    html = client.get(
        reverse("dashboard:reach"), {"start": "2025-03-01", "end": "2025-03-31"}
    ).content.decode()
    drill = reverse("dashboard:drill-down", args=["reach-participations"])
    assert f"{drill}?start=2025-03-01&amp;end=2025-03-31&amp;neighbourhood={city['a'].pk}" in html
    assert reverse("dashboard:drill-down", args=["reach-residents"]) in html
    assert reverse("dashboard:drill-down", args=["reach-not-recorded"]) in html
    assert reverse("dashboard:export", args=["reach-neighbourhoods"]) in html


# --- Queries, access, bad input ------------------------------------------------------------


def _load(neighbourhoods: int, per: int):
    survey = survey_for()
    for i in range(neighbourhoods):
        hood = NeighbourhoodFactory(
            population=1_000 + i, demographics={"age": {"under 18": 0.2, "65+": 0.1}}
        )
        answers(survey, hood, per, date(2025, 3, 1 + i % 28))
        answers(survey, hood, per, date(2024, 11, 1 + i % 28))
        answers(survey, hood, per, date(2025, 2, 1 + i % 28))
    answers(survey, None, per, date(2025, 3, 2))
    rebuild()


@pytest.mark.parametrize("neighbourhoods, per", [(2, 3), (25, 12)])
def test_page_query_count_does_not_grow_with_the_data(
    client, carol, neighbourhoods, per, django_assert_max_num_queries
):
    _load(neighbourhoods, per)
    client.force_login(carol)
    with django_assert_max_num_queries(17):  # 13, two for participants by group, the map, as-of
        response = client.get(
            reverse("dashboard:reach"), {"start": "2025-03-01", "end": "2025-03-31"}
        )
    assert response.status_code == 200


@pytest.mark.parametrize("neighbourhoods, per", [(2, 3), (25, 12)])
def test_selector_query_count_is_constant(neighbourhoods, per, django_assert_num_queries):
    _load(neighbourhoods, per)
    # Six (one the residents reached in all, so that the city-wide and the not recorded
    # are protected against the overview's total), two for participants by group and one
    # for the map's outlines.
    with django_assert_num_queries(9):
        reach(MARCH)
    with django_assert_num_queries(2):
        selectors_reach.reach_score(MARCH)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("dashboard:reach"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_program_staff_and_residents_are_refused(db, client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("dashboard:reach")).status_code == 403


@pytest.mark.parametrize("persona", ["carol", "root"])
def test_command_staff_and_administrators_see_the_page(db, client, persona, request, city):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("dashboard:reach"))
    assert response.status_code == 200
    assert response.context["tab"] == "reach"


@pytest.mark.parametrize(
    "query",
    [
        {"start": "yesterday", "end": "2025-13-45"},
        {"start": "2025-03-31", "end": "2025-03-01"},
        {"tier": "99", "type": "x", "program": "-1", "neighbourhood": "abc"},
        {"start": "1900-01-01", "end": "2025-01-01"},
        {"start": "0001-01-01", "end": "0001-01-31"},
        {"end": "0001-01-31"},
        {"start": "9999-12-01", "end": "9999-12-31"},
    ],
)
def test_bad_filters_fall_back_to_defaults(client, carol, city, query):
    client.force_login(carol)
    response = client.get(reverse("dashboard:reach"), query)
    assert response.status_code == 200


# The page and the test each read today: a clock that ticked past midnight between them
# would compare two days. Frozen on a plain day.
@pytest.mark.as_of("2027-05-12T10:00", tick=False)
def test_default_period_is_the_last_ninety_days(client, carol, city):
    client.force_login(carol)
    response = client.get(reverse("dashboard:reach"))
    scope = response.context["scope"]
    assert scope.end == timezone.localdate()
    assert scope.start == timezone.localdate() - timedelta(days=89)


@pytest.mark.as_of("2027-05-12T10:00", tick=False)  # as above: one today for both
@pytest.mark.parametrize("name", ["dashboard:reach", "dashboard:principles"])
def test_the_date_fields_show_the_default_period(client, carol, name):
    client.force_login(carol)
    html = client.get(reverse(name)).content.decode()
    default = Scope.default()
    assert f'name="start" value="{default.start.isoformat()}"' in html
    assert f'name="end" value="{default.end.isoformat()}"' in html
