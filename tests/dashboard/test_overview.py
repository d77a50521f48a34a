"""Overview, spectrum and drill-down selectors against a hand-built city with known answers.

The city is built from source rows (registrations, walk-ins, responses, invitations, hours,
personnel, recommendations) and `rebuild()`, like the nightly rebuild would. `city()` is
also used by the view tests and the browser test.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from engagement_portal.accounts import roles
from engagement_portal.core.privacy import Figure
from events.models import Event
from programs.coproduction.models_recommendations import Recommendation
from programs.dashboard import selectors_overview as selectors
from programs.dashboard.scope import Scope
from programs.dashboard.services import rebuild
from programs.models import EngagementType, Program, Tier
from programs.sources import KINDS

from ..factories import (
    EngagementTypeFactory,
    EventFactory,
    EventPersonnelFactory,
    HoursEntryFactory,
    InvitationFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    RecommendationFactory,
    RegistrationFactory,
    ResidentFactory,
    ResponseFactory,
    StaffUserFactory,
    SurveyFactory,
    UnitFactory,
    VolunteerFactory,
    VolunteerRoleFactory,
    WalkInFactory,
)

START = date(2024, 3, 1)  # the period: 30 days from here; the previous one: 30 days before
TODAY = START + timedelta(days=40)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@dataclass
class City:
    start: date
    north: object
    south: object
    coffee: Program
    academy: Program
    patrol: Program
    surveys: Program
    board: Program
    residents: list = field(default_factory=list)
    staff: list = field(default_factory=list)

    @property
    def scope(self) -> Scope:
        return Scope(start=self.start, end=self.start + timedelta(days=29))

    @property
    def today(self) -> date:
        return self.start + timedelta(days=40)

    def query(self, **extra) -> dict:
        return self.scope.params(**extra)


def _program(title, type_slug, owner) -> Program:
    return ProgramFactory(
        title=title, engagement_type=EngagementType.objects.get(slug=type_slug), owner=owner
    )


def _event(program, day, hood, *, capacity=None, cancelled=False, personnel=()) -> Event:
    event = EventFactory(
        program=program,
        title=f"{program.title} on {day:%b %d}",
        starts_at=at(day),
        ends_at=at(day, 14),
        neighbourhood=hood,
        capacity=capacity,
        status=Event.Status.CANCELLED if cancelled else Event.Status.SCHEDULED,
    )
    for user in personnel:
        EventPersonnelFactory(event=event, user=user)
    return event


def _register(event, residents, status, party_size=1):
    for resident in residents:
        RegistrationFactory(event=event, resident=resident, status=status, party_size=party_size)


def city(outreach_unit, alice, *, start: date = START) -> City:
    """The hand-built data set. Every number the tests expect is derived in the comments.

    Staff with access to the staff pages: alice, o2, o3 (outreach) and p1..p11 (patrol): 14.
    """

    def d(offset: int) -> date:
        return start + timedelta(days=offset)

    north = NeighbourhoodFactory(name="Northside", code="north", population=12000)
    south = NeighbourhoodFactory(name="Southside", code="south", population=9000)
    patrol_unit = UnitFactory(name="Patrol")
    o2, o3 = (StaffUserFactory(unit=outreach_unit) for _ in range(2))
    p = [None] + [StaffUserFactory(unit=patrol_unit) for _ in range(11)]  # p[1]..p[11]

    coffee = _program("Coffee on Main", "unstructured-engagement", alice)  # tier 2
    academy = _program("Spring academy", "citizen-police-academy", alice)  # tier 3
    patrol = _program("Citizens on Patrol", "volunteer-opportunities", alice)  # tier 3
    surveys = _program("Neighbourhood survey", "community-surveys", alice)  # tier 1
    board = _program("Policy review committee", "policy-review-committees", alice)  # tier 5

    r = [None] + [ResidentFactory(neighbourhood=north) for _ in range(15)]  # r[1]..r[15]
    r += [ResidentFactory(neighbourhood=south) for _ in range(11)]  # r[16]..r[26]
    A, N, C = "attended", "no_show", "confirmed"

    # This period. E1: 15 seated of 20 (11 came, 2 no-shows), 2 walk-in parties of 3.
    e1 = _event(coffee, d(4), north, capacity=20, personnel=[alice, *p[1:6]])
    _register(e1, r[1:12], A)
    _register(e1, r[12:14], N)
    _register(e1, r[14:16], C)
    for _ in range(2):
        WalkInFactory(event=e1, party_size=3, neighbourhood=north, recorded_by=alice)
    # E2: 5 seated of 10 (4 came, 1 no-show), 1 walk-in party of 5.
    e2 = _event(coffee, d(11), south, capacity=10, personnel=[p[6], p[7], o2])
    _register(e2, r[16:20], A)
    _register(e2, r[20:21], N)
    WalkInFactory(event=e2, party_size=5, neighbourhood=south, recorded_by=alice)
    # E3: no seat limit; 3 parties of 2 came.
    e3 = _event(academy, d(19), south, personnel=[alice, p[8], p[9], p[10]])
    _register(e3, r[21:24], A, party_size=2)
    # E4: cancelled, so it counts nowhere (nor does p11, who was only on it).
    e4 = _event(coffee, d(24), north, capacity=10, cancelled=True, personnel=[p[11]])
    _register(e4, r[24:27], C)

    # The previous period. P1: 10 of 10 came; a walk-in party of 4.
    p1 = _event(coffee, d(-19), north, capacity=10, personnel=[p[1], p[2], o3])
    _register(p1, r[1:11], A)
    WalkInFactory(event=p1, party_size=4, neighbourhood=north, recorded_by=alice)

    # Surveys: 12 responses this period (r1 and r2 identified, in Northside; 10 anonymous
    # from Southside); 10 of 40 invitations used this period, 8 of 20 the period before.
    survey = SurveyFactory(program=surveys, owner=alice, mode="identified")
    for resident in r[1:3]:
        ResponseFactory(survey=survey, submitted_on=d(2), resident=resident, neighbourhood=north)
    for _ in range(10):
        ResponseFactory(survey=survey, submitted_on=d(2), neighbourhood=south)
    for i in range(40):
        InvitationFactory(survey=survey, status="sent", used=i < 10, last_sent_at=at(d(0)))
    earlier = SurveyFactory(program=surveys, owner=alice)
    for i in range(20):
        InvitationFactory(survey=earlier, status="sent", used=i < 8, last_sent_at=at(d(-25)))

    # Volunteers: 10 approved entries of 90 minutes (r1 and 9 new Southside residents);
    # one entry still waiting for approval does not count.
    role = VolunteerRoleFactory(program=patrol)
    volunteers = [r[1]] + [ResidentFactory(neighbourhood=south) for _ in range(9)]
    for resident in volunteers:
        volunteer = VolunteerFactory(role=role, program=patrol, resident=resident)
        HoursEntryFactory(
            volunteer=volunteer,
            started_at=at(d(14), 9),
            ended_at=at(d(14), 9) + timedelta(minutes=90),
            status="approved",
        )
    HoursEntryFactory(volunteer=volunteer, started_at=at(d(15), 9), ended_at=at(d(15), 11))

    # Recommendations (today = day 40): received this period 1, 3, 4, 5; answered this
    # period 1 (10 days), 2 (19), 3 (24); before: received 2 and 6, answered 6 (14 days);
    # overdue now: 4 and 7.
    def rec(title, received, due, status="received", answered=None):
        RecommendationFactory(
            program=board,
            title=title,
            received_on=d(received),
            response_due=d(due),
            status=status,
            answered_on=d(answered) if answered is not None else None,
            responsible_user=alice,
        )

    rec("Publish stop data by beat", 1, 30, "adopted", 11)
    rec("Bilingual officers at town halls", -10, 20, "adopted", 9)
    rec("Body cameras at protests", 4, 34, "not_adopted", 28)
    rec("Evening hours at the front desk", 9, 31)
    rec("Youth seat on the committee", 19, 61, "under_review")
    rec("Quarterly listening sessions", -29, 1, "adopted", -15)
    rec("Independent complaint intake", -55, -29)

    rebuild()
    return City(
        start=start,
        north=north,
        south=south,
        coffee=coffee,
        academy=academy,
        patrol=patrol,
        surveys=surveys,
        board=board,
        residents=r[1:],
        staff=[alice, o2, o3, *p[1:]],
    )


@pytest.fixture
def town(outreach_unit, alice):
    return city(outreach_unit, alice)


def values(data) -> dict:
    return {m.name: (m.figure.value if m.figure else None) for m in data.metrics}


def previous_values(data) -> dict:
    return {m.name: (m.previous.value if m.previous else None) for m in data.metrics}


# --- Overview -------------------------------------------------------------------------------


def test_overview_figures_for_the_period(town):
    data = selectors.overview(town.scope, today=TODAY)

    assert values(data) == {
        "residents": 27,
        "participations": 54,
        "survey-responses": 12,
        "response-rate": pytest.approx(25.0),
        "volunteer-hours": pytest.approx(15.0),
        "events": 3,
        "fill-rate": pytest.approx(62.5),
        "no-show-rate": 11.5,  # 3 of 26
        "walk-ins": 11,
        "recommendations-received": 4,
        "recommendations-answered": 3,
        "recommendations-overdue": 2,
        "days-to-answer": 19.0,
        "personnel": 85.7,  # 12 of 14
        # Patrol's 10, the only unit outside outreach: hidden with Patrol's row, which
        # would give back the outreach unit's 2 of 3 (see the drill-down by unit).
        "personnel-outside": None,
    }


def test_overview_figures_for_the_previous_period(town):
    data = selectors.overview(town.scope, today=TODAY)

    assert data.previous_scope == Scope(start=date(2024, 1, 31), end=date(2024, 2, 29))
    assert previous_values(data) == {
        "residents": 10,
        "participations": 14,
        "survey-responses": 0,
        "response-rate": pytest.approx(40.0),
        "volunteer-hours": 0,
        "events": 1,
        "fill-rate": pytest.approx(100.0),
        "no-show-rate": 0.0,
        "walk-ins": None,  # 4 people: fewer than 10
        "recommendations-received": 2,
        "recommendations-answered": 1,
        "recommendations-overdue": None,  # "now": no previous period
        "days-to-answer": 14.0,
        "personnel": None,  # 3 of 14: "out of 14 personnel" beside 21.4% gives 3 back
        "personnel-outside": None,  # 2 people
    }


def test_overview_changes_against_the_previous_period(town):
    data = selectors.overview(town.scope, today=TODAY)
    changes = {m.name: (str(m.change) if m.change else None) for m in data.metrics}

    assert changes == {
        "residents": "+17 (+170.0%)",
        "participations": "+40 (+285.7%)",
        "survey-responses": "+12",  # no percentage of zero
        "response-rate": "\u221215.0 points",
        "volunteer-hours": "+15.0",
        "events": "+2 (+200.0%)",
        "fill-rate": "\u221237.5 points",
        "no-show-rate": "+11.5 points",
        "walk-ins": None,  # the previous figure is hidden: no difference may reveal it
        "recommendations-received": "+2 (+100.0%)",
        "recommendations-answered": "+2 (+200.0%)",
        "recommendations-overdue": None,
        "days-to-answer": "+5.0 (+35.7%)",
        "personnel": None,  # the previous share is hidden
        "personnel-outside": None,
    }
    assert data.metric("residents").change.direction == "up"
    assert data.metric("fill-rate").change.direction == "down"
    assert data.metric("fill-rate").change.export() == "-37.5 points"
    assert data.metric("fill-rate").change.export_delta() == "-37.5"


def test_overview_displays_units_and_hidden_figures(town):
    data = selectors.overview(town.scope, today=TODAY)

    assert data.metric("fill-rate").display == "62.5%"
    assert data.metric("volunteer-hours").display == "15.0 hours"
    assert data.metric("days-to-answer").display == "19.0 days"
    assert data.metric("walk-ins").previous_display == "fewer than 10"
    assert data.metric("personnel").note == "12 of 14 personnel"


def test_participation_by_kind(town):
    data = selectors.overview(town.scope, today=TODAY)
    rows = {row.kind: row for row in data.by_kind}

    busy = {"event_attendance", "walk_in", "survey_response", "volunteer_shift"}
    assert list(rows) == list(KINDS)  # every kind is listed, in the sources' order
    assert all(rows[k].people == Figure(0, 0) for k in rows if k not in busy)
    assert rows["event_attendance"].participations.value == 18
    assert rows["event_attendance"].people.value == 21
    # Before: 10 came to an event and 14 took part in all, so the party of 4 who walked
    # in would be 14 - 10: the 10 are withheld with them (complementary suppression).
    assert rows["event_attendance"].previous_people.suppressed
    assert rows["walk_in"].participations.value == 3  # three parties, eleven people
    assert rows["walk_in"].people.value == 11
    assert rows["walk_in"].previous_people.suppressed  # a party of 4
    assert rows["survey_response"].people.value == 12
    assert rows["volunteer_shift"].people.value == 10
    assert rows["group_membership"].people == Figure(0, 0)


def test_median_days_with_an_even_number_of_answers(town):
    RecommendationFactory(
        program=town.board,
        received_on=town.start + timedelta(days=20),
        answered_on=town.start + timedelta(days=25),  # 5 days
        status="adopted",
        responsible_user=town.staff[0],
    )
    data = selectors.overview(town.scope, today=TODAY)

    assert data.metric("days-to-answer").figure.value == 14.5  # median of 5, 10, 19, 24
    assert data.metric("recommendations-answered").figure.value == 4


def test_median_days_without_answers_is_not_measured(db):
    data = selectors.overview(Scope(start=START, end=START + timedelta(days=29)), today=TODAY)

    metric = data.metric("days-to-answer")
    assert metric.figure is None
    assert metric.display == "\u2014"
    assert metric.change is None


def test_an_empty_city_shows_zeroes_not_errors(db):
    data = selectors.overview(Scope(start=START, end=START + timedelta(days=29)), today=TODAY)

    assert values(data)["participations"] == 0
    assert values(data)["events"] == 0
    assert data.metric("fill-rate").figure is None
    assert data.metric("response-rate").figure is None
    assert data.metric("no-show-rate").figure.suppressed  # a rate over nobody


def test_personnel_share_counts_only_users_with_staff_access(town):
    resident_user = StaffUserFactory(role=roles.RESIDENT)  # in an event's personnel, no access
    EventPersonnelFactory(
        event=Event.objects.get(title__startswith="Spring academy"), user=resident_user
    )
    rebuild()

    data = selectors.overview(town.scope, today=TODAY)

    assert data.metric("personnel").figure.value == 85.7


# --- Suppression ------------------------------------------------------------------------------


def test_small_numbers_are_hidden_in_figures_and_tables(outreach_unit, alice):
    hood = NeighbourhoodFactory(name="Lakeside", code="lake")
    program = _program("Small coffee", "unstructured-engagement", alice)
    event = _event(program, START + timedelta(days=3), hood, capacity=12)
    _register(event, [ResidentFactory(neighbourhood=hood) for _ in range(3)], "attended")
    rebuild()
    scope = Scope(start=START, end=START + timedelta(days=29))

    data = selectors.overview(scope, today=TODAY)

    assert data.metric("residents").figure.suppressed
    assert data.metric("residents").display == "fewer than 10"
    assert data.metric("participations").figure.suppressed
    assert data.metric("fill-rate").figure.suppressed  # 3 registered
    assert data.metric("events").figure.value == 1  # events are not people
    headers, rows = selectors.TABLES["overview"](scope)
    by_label = {row[0]: row for row in rows}
    assert by_label["Unique residents reached"][2].export() == "<10"
    assert by_label["Average fill rate"][2].export() == "<10"
    assert by_label["Events held"][2].export() == "1"
    headers, rows = selectors.TABLES["drill-residents"](scope)
    assert [cell.export() if isinstance(cell, Figure) else cell for cell in rows[0]] == [
        "Small coffee",
        "2. In-person interactions",
        "Unstructured engagement (Coffee with a Cop, National Night Out)",
        "<10",
    ]
    headers, rows = selectors.TABLES["drill-events"](scope)
    assert rows[0][5].export() == "<10"  # registered
    assert rows[0][9].export() == "<10"  # fill


# --- Filters ---------------------------------------------------------------------------------


def test_tier_filter(town):
    tier = Tier.objects.get(number=3)
    data = selectors.overview(Scope(town.scope.start, town.scope.end, tier=tier), today=TODAY)

    got = values(data)
    assert got["residents"] == 13  # 3 academy graduates + 10 volunteers
    assert got["participations"] == 16
    assert got["events"] == 1
    assert got["fill-rate"] is None  # the academy had no seat limit
    assert data.metric("no-show-rate").figure.suppressed  # 6 registered
    # 16 in tier 3: 6 academy graduates (hidden) and 10 volunteers, withheld with them
    # so that 16 - 10 does not give the 6 away; their hours go with them.
    assert got["volunteer-hours"] is None
    assert got["response-rate"] is None
    assert got["recommendations-received"] == 0
    assert got["personnel"] is None  # alice, p8, p9, p10: 4 of 14 would give the 4
    assert data.metric("personnel").note == "out of 14 personnel"  # not "fewer than 10 of"


def test_type_filter(town):
    volunteering = EngagementType.objects.get(slug="volunteer-opportunities")
    data = selectors.overview(
        Scope(town.scope.start, town.scope.end, engagement_type=volunteering), today=TODAY
    )

    got = values(data)
    assert got["participations"] == 10
    assert got["residents"] == 10
    assert got["volunteer-hours"] == pytest.approx(15.0)
    assert got["events"] == 0


def test_program_filter(town):
    data = selectors.overview(
        Scope(town.scope.start, town.scope.end, program=town.coffee), today=TODAY
    )

    got = values(data)
    assert got["residents"] == 15
    assert got["participations"] == 26
    assert got["events"] == 2
    assert got["fill-rate"] == pytest.approx(62.5)
    assert got["response-rate"] is None


def test_neighbourhood_filter_counts_homes_and_event_places(town):
    data = selectors.overview(
        Scope(town.scope.start, town.scope.end, neighbourhood=town.north), today=TODAY
    )

    got = values(data)
    assert got["residents"] == 11
    assert got["participations"] == 20  # 11 came + 6 walked in + 2 answered + 1 volunteered
    assert got["events"] == 1
    assert got["fill-rate"] == pytest.approx(75.0)
    assert got["no-show-rate"] == 13.3  # 2 of 15
    assert data.metric("walk-ins").figure.suppressed  # 6 people
    # No neighbourhood on these: unchanged.
    assert got["response-rate"] == pytest.approx(25.0)
    assert got["recommendations-received"] == 4
    assert got["personnel"] == 85.7


# --- Spectrum ---------------------------------------------------------------------------------


def test_spectrum_per_tier_and_type(town):
    data = selectors.spectrum(town.scope)
    tiers = {block.row.tier.number: block for block in data.tiers}

    def row(r):
        return (r.people.value, r.residents.value, r.events.value, r.programs.value)

    assert list(tiers) == [1, 2, 3, 4, 5]
    assert row(tiers[1].row) == (12, None, 0, 1)  # 2 identified respondents: hidden
    assert row(tiers[2].row) == (26, 15, 2, 1)
    assert row(tiers[3].row) == (16, 13, 1, 2)
    assert row(tiers[4].row) == (0, 0, 0, 0)
    assert row(tiers[5].row) == (0, 0, 0, 0)
    types = {r.engagement_type.slug: r for r in tiers[3].types}
    assert row(types["citizen-police-academy"]) == (None, None, 1, 1)
    # 16 - 10 would give the academy's 6 back: the 10 volunteers are withheld with them.
    assert row(types["volunteer-opportunities"]) == (None, 10, 0, 1)
    assert row(types["youth-engagement"]) == (0, 0, 0, 0)


def test_spectrum_calls_out_idle_tiers_and_types_without_hiding_them(town):
    custom = EngagementTypeFactory(name="Chess with a Cop", tier=Tier.objects.get(number=4))

    data = selectors.spectrum(town.scope)

    assert [row.tier.number for row in data.idle_tiers] == [4, 5]
    idle = {row.engagement_type.pk for row in data.idle_types}
    assert custom.pk in idle
    assert EngagementType.objects.get(slug="unstructured-engagement").pk not in idle
    assert len(idle) == EngagementType.objects.count() - 4  # four types had activity
    shown = [row.engagement_type.pk for block in data.tiers for row in block.types]
    assert len(shown) == EngagementType.objects.count()  # the 21 seeded + the agency's own
    assert next(r for r in data.idle_types if r.engagement_type == custom).added_by_agency


def test_spectrum_chart_has_a_bar_per_tier_in_tier_colours(town):
    data = selectors.spectrum(town.scope)

    assert [bar.value for bar in data.chart.bars] == [12, 26, 16, 0, 0]
    assert [bar.colour for bar in data.chart.bars] == [
        "#56B4E9",
        "#009E73",
        "#E69F00",
        "#CC79A7",
        "#0072B2",
    ]


def test_spectrum_with_a_tier_filter_lists_that_tier(town):
    tier = Tier.objects.get(number=3)
    data = selectors.spectrum(Scope(town.scope.start, town.scope.end, tier=tier))

    assert [block.row.tier.number for block in data.tiers] == [3]
    assert data.tiers[0].row.people.value == 16


def test_spectrum_tables(town):
    headers, rows = selectors.TABLES["spectrum-tiers"](town.scope)
    assert headers[0] == "Tier"
    assert [cell.export() for cell in rows[0][1:]] == ["12", "<10", "0", "1"]
    headers, rows = selectors.TABLES["spectrum-types"](town.scope)
    assert len(rows) == EngagementType.objects.count()


# --- Drill-down ---------------------------------------------------------------------------


def export(rows):
    return [[cell.export() if isinstance(cell, Figure) else cell for cell in row] for row in rows]


def test_drill_down_participations_by_program_and_kind(town):
    headers, rows = selectors.TABLES["drill-participations"](town.scope)
    assert headers == ["Program", "Tier", "Engagement type", "People", "Participations"]
    assert [row[0] for row in rows] == [
        "Coffee on Main",  # 26
        "Neighbourhood survey",  # 12
        "Citizens on Patrol",  # 10
        "Spring academy",  # 6: hidden, so after the shown ones
    ]
    assert export(rows)[0][3:] == ["26", "18"]  # 11 + 4 came, 3 walk-in parties
    assert export(rows)[3][3:] == ["<10", "<10"]
    headers, rows = selectors.TABLES["drill-participations-kinds"](town.scope)
    assert export(rows) == [
        ["Came to an event", "21", "18"],
        ["Answered a survey", "12", "12"],
        ["Walked in to an event", "11", "3"],
        ["Volunteered (approved hours)", "10", "10"],
    ]


def test_drill_down_residents_by_neighbourhood(town):
    headers, rows = selectors.TABLES["drill-residents-neighbourhoods"](town.scope)

    assert export(rows) == [["Southside", "16"], ["Northside", "11"]]


def test_drill_down_events(town):
    headers, rows = selectors.TABLES["drill-events"](town.scope)

    assert [(row[0], row[2]) for row in rows] == [
        ("Spring academy", date(2024, 3, 20)),
        ("Coffee on Main", date(2024, 3, 12)),
        ("Coffee on Main", date(2024, 3, 5)),
    ]
    assert export(rows)[2][3:] == ["Northside", 20, "15", "11", "<10", "<10", "75.0"]
    assert export(rows)[0][4] == "no limit"
    assert export(rows)[0][9] == ""
    headers, rows = selectors.TABLES["drill-fill-rate"](town.scope)
    assert len(rows) == 2
    headers, rows = selectors.TABLES["drill-walk-ins"](town.scope)
    assert len(rows) == 2


def test_drill_down_recommendations(outreach_unit, alice, monkeypatch):
    town = city(outreach_unit, alice)
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)

    headers, rows = selectors.TABLES["drill-recommendations-overdue"](town.scope)
    assert [row[0] for row in rows] == [
        "Independent complaint intake",
        "Evening hours at the front desk",
    ]
    assert rows[0][-1] == "overdue"
    headers, rows = selectors.TABLES["drill-days-to-answer"](town.scope)
    assert [(row[0], row[6]) for row in rows] == [
        ("Body cameras at protests", 24),
        ("Publish stop data by beat", 10),
        ("Bilingual officers at town halls", 19),
    ]
    headers, rows = selectors.TABLES["drill-recommendations-received"](town.scope)
    assert len(rows) == 4
    assert Recommendation.objects.count() == 7


@pytest.mark.django_db
def test_a_response_rate_beside_the_invitations_sent_hides_with_the_number_used():
    from programs.dashboard.models import SurveySummary

    summary = SurveySummary(survey=SurveyFactory(), invitations_sent=50, invitations_used=3)
    cells = selectors._survey_cells(summary, selectors.Context.load())
    assert [cell.export() for cell in cells[4:]] == ["50", "<10", "<10"]  # not 6.0 (3 of 50)


def test_drill_down_surveys_and_volunteer_hours(town):
    headers, rows = selectors.TABLES["drill-response-rate"](town.scope)
    assert export(rows) == [
        [rows[0][0], "Neighbourhood survey", START, START, "40", "10", "25.0"],
    ]
    headers, rows = selectors.TABLES["drill-volunteer-hours"](town.scope)
    assert export(rows)[0][0] == "Citizens on Patrol"
    assert export(rows)[0][3:] == ["10", "15.0"]
    headers, rows = selectors.TABLES["drill-survey-responses"](town.scope)
    assert export(rows) == [
        [
            "Neighbourhood survey",
            "1. Information sharing",
            "Community surveys",
            "12",
        ]
    ]


def test_drill_down_personnel_by_unit(town):
    headers, rows = selectors.TABLES["drill-personnel"](town.scope)
    assert export(rows) == [
        ["Community Outreach", "yes", "<10", "<10", "<10"],  # 2 of 3
        # 10 of 11: shown beside the overview's 12 of 14, it gives the 2 of 3 back.
        ["Patrol", "no", "<10", "<10", "<10"],
    ]
    headers, rows = selectors.TABLES["drill-personnel-outside"](town.scope)
    assert export(rows) == [["Patrol", "no", "<10", "<10", "<10"]]


def test_every_table_has_headers_and_rows_of_the_same_width(town):
    for name, table in selectors.TABLES.items():
        headers, rows = table(town.scope)
        assert headers, name
        assert all(len(row) == len(headers) for row in rows), name


def test_every_overview_figure_has_a_drill_down():
    assert {
        "residents",
        "participations",
        "survey-responses",
        "response-rate",
        "volunteer-hours",
        "events",
        "fill-rate",
        "no-show-rate",
        "walk-ins",
        "recommendations-received",
        "recommendations-answered",
        "recommendations-overdue",
        "days-to-answer",
        "personnel",
        "personnel-outside",
    } <= set(selectors.DRILL_DOWNS)
    for name in selectors.DRILL_DOWNS:
        assert f"drill-{name}" in selectors.TABLES


@pytest.mark.django_db
def test_overview_metric_names_are_drill_downs():
    data = selectors.overview(Scope(start=START, end=START + timedelta(days=29)), today=TODAY)

    assert {m.name for m in data.metrics} <= set(selectors.DRILL_DOWNS)


def test_change_reads_with_a_real_minus_and_exports_with_ascii():
    assert str(selectors.Change(-3, -10.0)) == "\u22123 (\u221210.0%)"
    assert selectors.Change(-3, -10.0).export() == "-3 (-10.0%)"
    assert selectors.Change(-3, -10.0).export_delta() == "-3"
    assert selectors.Change(-3, -10.0).export_percent() == "-10.0"
    assert str(selectors.Change(0, None)) == "±0"
    assert selectors.Change(0, None).export() == "0"
    assert selectors.Change(0, None).export_delta() == "0"
    assert str(selectors.Change(2.5, None, points=True)) == "+2.5 points"
    assert str(selectors.Change(1234, 12.34)) == "+1,234 (+12.3%)"
    assert selectors.Change(1234, 12.34).export_delta() == "+1234"
    assert selectors.Change(-37.5, None, points=True).export_delta() == "-37.5"


def test_overview_table_for_the_csv(town):
    headers, rows = selectors.TABLES["overview"](town.scope)
    rows = {row[0]: row[1:] for row in export(rows)}

    assert headers == ["Figure", "Unit", "This period", "Previous period", "Change", "Change (%)"]
    assert rows["Unique residents reached"] == ["", "27", "10", "+17", "170.0"]
    assert rows["Average fill rate"] == ["%", "62.5", "100.0", "-37.5", ""]
    assert rows["Walk-ins"] == ["", "11", "<10", "", ""]
    assert rows["Volunteer hours"] == ["hours", "15.0", "0.0", "+15.0", ""]
    assert rows["Median days to an answer"] == ["days", "19.0", "14.0", "+5.0", "35.7"]
    # 21.4% of 14 personnel is 3 people: hidden like the count it gives back.
    assert rows["Personnel who took part in an engagement"] == ["%", "85.7", "<10", "", ""]


def test_participation_by_kind_table_for_the_csv(town):
    headers, rows = selectors.TABLES["participation-by-kind"](town.scope)

    assert headers == [
        "Kind of participation",
        "Participations",
        "People",
        "People, previous period",
    ]
    assert export(rows)[:2] == [
        ["Came to an event", "18", "21", "<10"],  # 14 before - 10 would give the 4
        ["Walked in to an event", "3", "11", "<10"],
    ]
