"""The reader who subtracts: every count hidden on a page, a CSV file, the monthly report,
its e-mail or the open data stays hidden after arithmetic.

The attacker collects every published figure of one output and the sums between them
(a total is the sum of its parts across every table of the same page or report for the
same period; a shown share or rate with its published denominator gives its count back),
and knows that counts are whole numbers, that a hidden count of 1 to 9 people is a
"fewer than 10" and, in the worst case, which hidden cells are secondary (10 or more).
Interval propagation over every sum, to a fixpoint, must pin no hidden cell to one value:
two hidden cells known to add up to 2 are both 1, and that counts as recovered.
"""

import itertools
from datetime import date, datetime, time
from math import inf

import pytest
from django.utils import timezone

from engagement_portal.accounts.models import Resident
from engagement_portal.core.privacy import MIN_PEOPLE, Figure
from events.models import Registration
from programs.dashboard import (
    selectors_opendata,
    selectors_overview,
    selectors_principles,
    selectors_reach,
    selectors_report,
    selectors_trust,
)
from programs.dashboard.scope import Scope
from programs.dashboard.services import rebuild
from programs.models import EngagementType

from ..factories import (
    AccommodationRequestFactory,
    EventFactory,
    EventPersonnelFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    RegistrationFactory,
    ResponseFactory,
    StaffUserFactory,
    SurveyFactory,
    UnitFactory,
    WalkInFactory,
)
from .test_trust import APRIL as TRUST_APRIL
from .test_trust import MARCH as TRUST_MARCH
from .test_trust import MAY as TRUST_MAY
from .test_trust import answer, survey_for

pytestmark = [pytest.mark.django_db, pytest.mark.as_of("2025-04-10T10:00")]

TODAY = date(2025, 4, 10)
MARCH = date(2025, 3, 1)
FEBRUARY = date(2025, 2, 1)
_numbers = itertools.count(1)


# --- The attacker ---------------------------------------------------------------------------


class Reader:
    """What one reader sees of one output, and what they can work out from it."""

    def __init__(self):
        self.truth: dict = {}  # every cell the sums mention (the test's knowledge only)
        self.shown: dict = {}
        self.hidden: set = set()
        self.sums: list = []

    def see(self, key, figure: Figure | None, *, derived: bool = False):
        """A published count, or (`derived`) a figure that gives one back when shown (a
        share or a rate whose denominator is published): Figure.base is the true count
        it rests on. A count hidden here but shown elsewhere is shown."""
        if figure is None:
            return
        n = figure.base
        assert self.truth.setdefault(key, n) == n, key
        if figure.suppressed:
            if not derived:
                self.hidden.add(key)
        else:
            self.shown[key] = n

    def unseen(self, key, n: int):
        """A cell a sum of this output runs through without publishing it."""
        assert self.truth.setdefault(key, n) == n, key

    def total(self, total, parts):
        parts = list(parts)
        if not parts:
            return
        assert self.truth[total] == sum(self.truth[p] for p in parts), (total, parts)
        self.sums.append((total, parts))

    def recovered(self) -> dict:
        """Every hidden cell pinned to one value, with that value."""
        box = {}
        for key, n in self.truth.items():
            if key in self.shown:
                box[key] = [n, n]
            elif key in self.hidden:
                box[key] = [1, MIN_PEOPLE - 1] if n < MIN_PEOPLE else [MIN_PEOPLE, inf]
            else:
                box[key] = [0, inf]
        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                for i, target in enumerate([total, *parts]):
                    others = [p for j, p in enumerate([total, *parts]) if j != i]
                    if i == 0:  # total = sum of the parts
                        low = sum(box[p][0] for p in parts)
                        high = sum(box[p][1] for p in parts)
                    else:  # part = total - the other parts
                        rest = [p for p in others if p != total]
                        low = box[total][0] - sum(box[p][1] for p in rest)
                        high = box[total][1] - sum(box[p][0] for p in rest)
                    b = box[target]
                    if low > b[0]:
                        b[0], changed = low, True
                    if high < b[1]:
                        b[1], changed = high, True
                    assert b[0] <= b[1], f"contradiction at {target}"
        return {k: box[k][0] for k in self.hidden if box[k][0] == box[k][1]}

    @property
    def hidden_in_one_place_shown_in_another(self) -> set:
        return self.hidden & set(self.shown)


# --- A city with small groups in many places ----------------------------------------------------


def at(day: date, hour: int = 18) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def residents(n: int, hood) -> list:
    first = next(_numbers)
    for _i in range(n - 1):
        next(_numbers)
    return Resident.objects.bulk_create(
        Resident(
            name=f"Attack Resident {first + i}",
            email=f"attack{first + i}@example.net",
            email_normalised=f"attack{first + i}@example.net",
            neighbourhood=hood,
        )
        for i in range(n)
    )


def program(slug: str, owner):
    return ProgramFactory(engagement_type=EngagementType.objects.get(slug=slug), owner=owner)


def event(prog, day: date, where, *groups):
    held = EventFactory(program=prog, starts_at=at(day), ends_at=at(day, 20), neighbourhood=where)
    for n, hood in groups:
        for resident in residents(n, hood):
            RegistrationFactory(event=held, resident=resident, status=Registration.Status.ATTENDED)
    return held


def responses(survey, day: date, *groups):
    for n, hood in groups:
        for resident in residents(n, hood):
            ResponseFactory(survey=survey, resident=resident, neighbourhood=hood, submitted_on=day)


@pytest.fixture
def city(alice):
    a = NeighbourhoodFactory(name="Alder", code="al", population=10_000)
    b = NeighbourhoodFactory(name="Birch", code="bi", population=4_000)
    c = NeighbourhoodFactory(name="Cedar", code="ce", population=2_000)
    d = NeighbourhoodFactory(name="Dogwood", code="do", population=500)
    e = NeighbourhoodFactory(name="Elm", code="el", population=8_000)
    coffee = program("unstructured-engagement", alice)
    survey = SurveyFactory(program=program("community-surveys", alice), mode="identified")
    academy = program("citizen-police-academy", alice)

    # March: small groups among the kinds (7 walked in), the types (6 in youth
    # engagement, 9 on an advisory group, 1 + 2 ... per neighbourhood), the
    # neighbourhoods (Dogwood 3) and those with no neighbourhood (3).
    first = event(coffee, MARCH.replace(day=5), a, (30, a), (12, b))
    WalkInFactory(event=first, party_size=4, neighbourhood=b)
    WalkInFactory(event=first, party_size=3, neighbourhood=None)
    event(program("community-events", alice), MARCH.replace(day=6), c, (11, c), (2, e))
    responses(survey, MARCH.replace(day=8), (25, e), (5, b), (1, d))
    event(program("press-conferences", alice), MARCH.replace(day=9), e, (11, e))
    event(academy, MARCH.replace(day=12), c, (14, c), (2, d))
    event(program("youth-engagement", alice), MARCH.replace(day=13), a, (6, a))
    event(program("training-scenario-participation", alice), MARCH.replace(day=14), a, (7, a))
    event(program("community-advisory-groups", alice), MARCH.replace(day=15), b, (9, b))
    event(program("listening-sessions", alice), MARCH.replace(day=16), e, (22, e), (1, a))
    # 15 registered at a ride-out, 12 came: the 3 who did not are 15 - 12 unless hidden.
    ride_out = event(program("ride-outs", alice), MARCH.replace(day=17), c, (12, c))
    for resident in residents(3, c):
        RegistrationFactory(event=ride_out, resident=resident, status=Registration.Status.NO_SHOW)
    # February: the report's previous month, and most of the overview's previous period.
    event(coffee, FEBRUARY.replace(day=10), a, (20, a))
    responses(survey, FEBRUARY.replace(day=11), (6, b))
    feb = event(academy, FEBRUARY.replace(day=12), c, (15, c))
    WalkInFactory(event=feb, party_size=2, neighbourhood=d)
    rebuild()
    return [a, b, c, d, e]


# --- What each output publishes, and the sums between its figures ----------------------------


def read_spectrum(reader: Reader, scope: Scope, period: str):
    for block in selectors_overview.spectrum(scope).tiers:
        tier = ("tier", block.row.tier.number, period)
        reader.see(tier, block.row.people)
        for row in block.types:
            reader.see(("type", row.engagement_type.pk, period), row.people)
        reader.total(tier, [("type", row.engagement_type.pk, period) for row in block.types])


def read_overview(reader: Reader, data, periods: dict[str, str]):
    """The overview's figures: `periods` names the tags of its "now" and "before"."""
    for when, tag in periods.items():
        field = "figure" if when == "now" else "previous"
        reader.see(("all", tag), getattr(data.metric("participations"), field))
        reader.see(
            ("kind", "survey_response", tag), getattr(data.metric("survey-responses"), field)
        )
    for row in data.by_kind:
        reader.see(("kind", row.kind, periods["now"]), row.people)
        walk_ins = data.metric("walk-ins").figure
        if row.kind == "walk_in" and walk_ins.base == row.people.base:
            reader.see(("kind", row.kind, periods["now"]), walk_ins)  # the same people
        if "before" in periods:
            reader.see(("kind", row.kind, periods["before"]), row.previous_people)
    for tag in periods.values():
        reader.total(("all", tag), [("kind", row.kind, tag) for row in data.by_kind])


def read_reach(reader: Reader, data, now: str, before: str):
    hoods = list(data.neighbourhoods)
    for row in hoods:
        pk = row.neighbourhood.pk
        reader.see(("hood", pk, now), row.participations)
        reader.see(
            ("hood", pk, now), row.participation_share, derived=True
        )  # of the shown city-wide
        reader.see(("hood", pk, now), row.rate, derived=True)  # with the shown population
        reader.see(("hood", pk, before), row.previous_rate, derived=True)
        reader.see(("residents", pk, now), row.residents)
    reader.see(("city", now), data.city.participations)
    reader.see(("city", now), data.city.rate, derived=True)
    reader.see(("city", before), data.city.previous_rate, derived=True)
    reader.see(("city", before), data.city.previous_participations)
    reader.see(("nr", now), data.not_recorded.participations)
    reader.see(("residents", "city", now), data.city.residents)
    reader.see(("residents", "nr", now), data.not_recorded.residents)
    for tag in (now, before):
        reader.total(("city", tag), [("hood", row.neighbourhood.pk, tag) for row in hoods])
    parts = [("residents", row.neighbourhood.pk, now) for row in hoods]
    if reader.truth[("residents", "city", now)] == sum(reader.truth[p] for p in parts):
        reader.total(("residents", "city", now), parts)
    for month in data.trend:
        if (month.month, selectors_report.month_end(month.month)) == (
            data.scope.start,
            data.scope.end,
        ):
            reader.see(("city", now), month.participations)


def read_report(reader: Reader, report, reach_month):
    """The report's page (its CSV and e-mail are parts of it: the same figures)."""
    month, previous = "M", "F"
    for tag, field in ((month, "figure"), (previous, "previous")):
        reader.see(("all", tag), getattr(report.metric("participations"), field))
        reader.see(
            ("kind", "survey_response", tag), getattr(report.metric("survey-responses"), field)
        )
    for block in report.tiers:
        reader.see(("tier", block.row.tier.number, month), block.row.people)
    reader.total(("all", month), [("tier", b.row.tier.number, month) for b in report.tiers])
    for row in report.top + report.lowest:
        reader.see(("hood", row.neighbourhood.pk, month), row.participations)
        reader.see(("hood", row.neighbourhood.pk, month), row.rate, derived=True)
    # Every participation is in a neighbourhood or in none: the city-wide count and those
    # not recorded are not in the report, but the sums still run through them.
    for row in reach_month.neighbourhoods:
        reader.unseen(("hood", row.neighbourhood.pk, month), row.participations.base)
    reader.unseen(("city", month), reach_month.city.participations.base)
    reader.unseen(("nr", month), reach_month.not_recorded.participations.base)
    reader.total(
        ("city", month), [("hood", r.neighbourhood.pk, month) for r in reach_month.neighbourhoods]
    )
    reader.total(("all", month), [("city", month), ("nr", month)])


def read_open_data(reader: Reader):
    data = selectors_opendata.open_data(today=TODAY)
    for cell in data.cells:
        key = (cell.month, cell.tier, cell.neighbourhood_id)
        reader.see(("people",) + key, cell.people)
        reader.see(("residents",) + key, cell.residents)
    for row in selectors_opendata.page_table(data):
        for tier, figure in zip(data.tiers, row.people, strict=True):
            parts = [
                ("people", c.month, c.tier, c.neighbourhood_id)
                for c in data.cells
                if (c.month, c.tier) == (row.month, tier.number)
            ]
            reader.see(("tier-total", row.month, tier.number), figure)
            reader.total(("tier-total", row.month, tier.number), parts)


# --- The attacks ---------------------------------------------------------------------------------


def attacked(reader: Reader) -> dict:
    assert any(reader.truth[k] < MIN_PEOPLE for k in reader.hidden), "nothing small to attack"
    assert reader.hidden_in_one_place_shown_in_another == set()
    return reader.recovered()


MARCH_SCOPE = Scope(start=MARCH, end=date(2025, 3, 31))


def test_the_spectrum_gives_no_hidden_count_back(city):
    reader = Reader()
    read_spectrum(reader, MARCH_SCOPE, "M")
    assert attacked(reader) == {}
    # Not vacuous: the audit's tier 5 (9 on an advisory group beside 23 at listening
    # sessions, 32 in all) needs a second hidden cell.
    assert any(reader.truth[k] >= MIN_PEOPLE for k in reader.hidden)


def test_the_overview_gives_no_hidden_count_back(city):
    reader = Reader()
    data = selectors_overview.overview(MARCH_SCOPE, today=TODAY)
    read_overview(reader, data, {"now": "M", "before": "B"})
    assert attacked(reader) == {}


def test_the_reach_page_and_its_csv_give_no_hidden_count_back(city):
    reader = Reader()
    read_reach(reader, selectors_reach.reach(MARCH_SCOPE), "M", "B")
    assert attacked(reader) == {}
    assert reader.hidden & {("hood", city[3].pk, "M"), ("nr", "M")}


def test_the_monthly_report_gives_no_hidden_count_back(city):
    reader = Reader()
    report = selectors_report.monthly_report(MARCH, today=TODAY)
    read_report(reader, report, selectors_reach.reach(MARCH_SCOPE))
    assert attacked(reader) == {}
    # Its CSV and e-mail print the same figures, hidden alike.
    headers, rows = selectors_report.table_monthly_report(MARCH_SCOPE)
    by_label = {row[0]: row for row in rows}
    assert by_label["Participations"][3] == report.metric("participations").figure
    lines = {line.label: line.value for line in selectors_report.email_lines(report)}
    assert lines["Survey responses"] == report.metric("survey-responses").display


def test_the_open_data_gives_no_hidden_count_back(city):
    reader = Reader()
    read_open_data(reader)
    assert attacked(reader) == {}


def test_the_participations_drill_down_gives_no_hidden_count_back(city):
    """By program and by kind on one page: both add up to every participation."""
    reader = Reader()
    rows = read_participations_drill(reader, MARCH_SCOPE)
    assert attacked(reader) == {}
    # Hidden rows come after every shown one: their place says nothing of their size.
    hidden = [row[3].suppressed for row in rows]
    assert hidden == sorted(hidden)


def read_participations_drill(reader: Reader, scope: Scope) -> list:
    drill = selectors_overview.DRILL_DOWNS["participations"]
    programs, kinds = drill.sections
    _headers, rows = selectors_overview.drill_down_table(drill, programs, scope)
    for row in rows:
        reader.see(("program", row[0]), row[3])
        reader.see(("program", row[0]), row[4], derived=True)
    _headers, by_kind = selectors_overview.drill_down_table(drill, kinds, scope)
    for row in by_kind:
        reader.see(("kind", row[0]), row[1])
    reader.unseen(("all",), sum(reader.truth[("kind", row[0])] for row in by_kind))
    reader.total(("all",), [("kind", row[0]) for row in by_kind])
    reader.total(("all",), [("program", row[0]) for row in rows])
    return rows


def test_one_small_program_beside_its_only_kind_stays_hidden(alice):
    """20 and 3 people came to two programs' events: the kind shows 23."""
    hood = NeighbourhoodFactory(population=1_000)
    event(program("community-events", alice), MARCH.replace(day=3), hood, (20, hood))
    event(program("town-hall-meetings", alice), MARCH.replace(day=4), hood, (3, hood))
    rebuild()
    reader = Reader()
    read_participations_drill(reader, MARCH_SCOPE)
    assert attacked(reader) == {}


def test_the_events_drill_down_gives_no_hidden_count_back(city):
    """Each event's row: once every registration is marked, registered = came + did not."""
    drill = selectors_overview.DRILL_DOWNS["events"]
    _headers, rows = selectors_overview.drill_down_table(drill, drill.sections[0], MARCH_SCOPE)
    marked = 0
    for i, row in enumerate(rows):
        reader = Reader()
        registered, came, missed = (("event", i, name) for name in ("r", "a", "n"))
        reader.see(registered, row[5])
        reader.see(registered, row[9] or None, derived=True)  # the fill, with the seats
        reader.see(came, row[6])
        reader.see(missed, row[7])
        if reader.truth[registered] == reader.truth[came] + reader.truth[missed]:
            reader.total(registered, [came, missed])
            marked += reader.truth[missed] > 0
        assert reader.hidden_in_one_place_shown_in_another == set()
        assert reader.recovered() == {}, row
    assert marked  # the ride-out


def test_the_dashboard_pages_of_one_period_together_give_no_hidden_count_back(city):
    """Spectrum, overview, reach and the monthly report of March, read side by side:
    every page hides a count alike, so putting them together recovers nothing either."""
    reader = Reader()
    read_spectrum(reader, MARCH_SCOPE, "M")
    read_overview(reader, selectors_overview.overview(MARCH_SCOPE, today=TODAY), {"now": "M"})
    reach = selectors_reach.reach(MARCH_SCOPE)
    read_reach(reader, reach, "M", "B")
    read_report(reader, selectors_report.monthly_report(MARCH, today=TODAY), reach)
    # The overview's total is also every tier's and every neighbourhood's (with none).
    reader.total(("all", "M"), [("tier", n, "M") for n in range(1, 6)])
    assert attacked(reader) == {}


# --- Personnel by unit ---------------------------------------------------------------------


def read_personnel(reader: Reader, scope: Scope):
    """The overview's personnel figures and both drill-downs by unit, for one period."""
    units, outside = [], []
    for name, key in (("personnel", units), ("personnel-outside", outside)):
        drill = selectors_overview.DRILL_DOWNS[name]
        _headers, rows = selectors_overview.drill_down_table(drill, drill.sections[0], scope)
        for row in rows:
            took = row[2]
            reader.see(("took", row[0]), took)
            reader.see(("staff", row[0]), row[3])
            if not row[3].suppressed:  # the share, with the unit's personnel shown
                reader.see(("took", row[0]), Figure(row[4].value, took.base), derived=True)
            key.append(row[0])
    data = selectors_overview.overview(scope, today=TODAY)
    took_all = sum(reader.truth[("took", unit)] for unit in units)
    reader.see(("staff", "all"), Figure(agency_total(), agency_total()))  # "of 14 personnel"
    share = data.metric("personnel").figure  # with the personnel beside it
    reader.see(("took", "all"), Figure(share.value, took_all), derived=True)
    reader.see(("outside", "all"), data.metric("personnel-outside").figure)
    reader.total(("took", "all"), [("took", unit) for unit in units])
    reader.total(("staff", "all"), [("staff", unit) for unit in units])
    reader.total(("outside", "all"), [("took", unit) for unit in outside])


def agency_total() -> int:
    return selectors_overview.agency_personnel().distinct().count()


def test_personnel_by_unit_give_no_hidden_count_back(alice, outreach_unit):
    """The audit: the overview shows 12 of 14 took part, 10 outside the outreach unit;
    Patrol's row showed 10 of 11, so the outreach unit's hidden 2 of 3 was 12 - 10 of
    14 - 11, and a unit's hidden count came back from its share of its shown personnel."""
    patrol, traffic = UnitFactory(name="Patrol"), UnitFactory(name="Traffic")
    hood = NeighbourhoodFactory(population=1_000)
    held = event(program("community-events", alice), MARCH.replace(day=5), hood, (12, hood))
    staff = [alice, *(StaffUserFactory(unit=outreach_unit) for _ in range(2))]
    staff += [StaffUserFactory(unit=patrol) for _ in range(11)]
    staff += [StaffUserFactory(unit=traffic) for _ in range(15)]
    for user in staff[1:3] + staff[3:13] + staff[14:18]:  # 2 of 3, 10 of 11, 4 of 15
        EventPersonnelFactory(event=held, user=user)
    rebuild()
    reader = Reader()
    read_personnel(reader, MARCH_SCOPE)
    assert attacked(reader) == {}


# --- Unique residents ------------------------------------------------------------------------


def read_residents(reader: Reader, city, scope: Scope):
    """Residents reached in the period: the overview's total, the reach page's city-wide,
    not recorded and per neighbourhood, and the overview's drill-down by neighbourhood.
    Each resident lives in one neighbourhood, or none recorded."""
    data = selectors_overview.overview(scope, today=TODAY)
    reader.see(("residents", "all"), data.metric("residents").figure)
    reach = selectors_reach.reach(scope)
    reader.see(("residents", "city"), reach.city.residents)
    reader.see(("residents", "nr"), reach.not_recorded.residents)
    for row in reach.neighbourhoods:
        reader.see(("residents", row.neighbourhood.pk), row.residents)
    names = {hood.name: hood.pk for hood in city}
    drill = selectors_overview.DRILL_DOWNS["residents"]
    by_hood = next(s for s in drill.sections if s.key == "neighbourhoods")
    _headers, rows = selectors_overview.drill_down_table(drill, by_hood, scope)
    for name, figure in rows:
        reader.see(("residents", names.get(name, "nr")), figure)
    hoods = [("residents", hood.pk) for hood in city]
    for hood in hoods:
        reader.truth.setdefault(hood, 0)
    reader.total(("residents", "city"), hoods)
    reader.total(("residents", "all"), [("residents", "city"), ("residents", "nr")])


def test_residents_reached_give_no_hidden_count_back(city, alice):
    """3 residents with no neighbourhood recorded: the overview's total less the reach
    page's city-wide gave them back, as did the drill-down's neighbourhoods."""
    event(program("community-events", alice), MARCH.replace(day=20), city[0], (3, None))
    rebuild()
    reader = Reader()
    read_residents(reader, city, MARCH_SCOPE)
    assert ("residents", "nr") in reader.hidden
    assert attacked(reader) == {}


# --- The trust dashboard -------------------------------------------------------------------


def read_trust(reader: Reader, scope: Scope):
    """Respondents per question: by month (the trend and its CSV), by neighbourhood and
    "All respondents" (the table and its CSV); months and neighbourhoods both add up to
    everyone who answered in the period."""
    page = selectors_trust.trust(scope)
    for trend in page.trends:
        months = [("trust", trend.item.key, m.month) for m in trend.months]
        for key, month in zip(months, trend.months, strict=True):
            reader.see(key, month.estimate.respondents)
        reader.unseen(("trust", trend.item.key), sum(m.n for m in trend.months))
        reader.total(("trust", trend.item.key), months)
    for item in page.neighbourhoods:
        everyone = ("trust", item.item.key)
        reader.see(everyone, item.overall.estimate.respondents)
        areas = [("trust", item.item.key, row.label) for row in [*item.rows, *item.few]]
        for key, row in zip(areas, [*item.rows, *item.few], strict=True):
            reader.see(key, row.estimate.respondents)
        reader.total(everyone, areas)
    # The CSV files hold the same figures.
    _headers, rows = selectors_trust.table_trends(scope)
    assert [row[3] for row in rows] == [
        m.estimate.respondents for t in page.trends for m in t.months
    ]


def test_the_trust_dashboard_gives_no_hidden_count_back(db):
    """The audit: 10 answered in March, 23 in April, 5 in May, 38 in all, so May's
    "fewer than 10" was 38 - 10 - 23; Oakwood's 3 were 38 less the other two."""
    north, hill, oak = (
        NeighbourhoodFactory(name=name, code=name[:2]) for name in ("North", "Hill", "Oakwood")
    )
    survey = survey_for("trust-neighbourhood")
    answer(survey, TRUST_MARCH, date(2025, 3, 12), north)
    answer(survey, TRUST_APRIL[:10], date(2025, 4, 2), north)
    answer(survey, TRUST_APRIL[10:], date(2025, 4, 28), hill)
    answer(survey, [4, 4, 5], date(2025, 4, 29), oak)
    answer(survey, TRUST_MAY, date(2025, 5, 30), hill)
    rebuild()
    reader = Reader()
    read_trust(reader, Scope(start=MARCH, end=date(2025, 6, 30)))
    assert attacked(reader) == {}


# --- The reach page's drill-downs ----------------------------------------------------------


def test_the_reach_drill_downs_by_program_give_no_hidden_count_back(city):
    """Each neighbourhood's people by program and kind add up to its count on the reach
    page: Elm's 60 less 25, 11 and 22 gave back the 2 at a community event."""
    reach = selectors_reach.reach(MARCH_SCOPE)
    read_reach(reader := Reader(), reach, "M", "B")
    for hood in city:
        _title, _headers, rows = selectors_reach.drill_participations(
            Scope(start=MARCH_SCOPE.start, end=MARCH_SCOPE.end, neighbourhood=hood)
        )
        keys = [("row", hood.pk, i) for i in range(len(rows))]
        for key, row in zip(keys, rows, strict=True):
            reader.see(key, row[4])
        reader.total(("hood", hood.pk, "M"), keys)
    _title, _headers, rows = selectors_reach.drill_not_recorded(MARCH_SCOPE)
    keys = [("row", "nr", i) for i in range(len(rows))]
    for key, row in zip(keys, rows, strict=True):
        reader.see(key, row[4])
    reader.total(("nr", "M"), keys)
    assert attacked(reader) == {}


def test_the_open_data_monthly_tier_totals_give_no_hidden_count_back(alice):
    """Not a hole: the page's only sums are its (month, tier) totals, and each is the very
    total its neighbourhood cells are protected against (privacy.withhold); one under 10
    is withheld with all its cells. No other open-data figure adds up across tiers or
    months. Here one tier has 4 and 3 (7), another 30 and 2 (32)."""
    a, b = (NeighbourhoodFactory(population=1_000) for _ in range(2))
    event(program("community-surveys", alice), MARCH.replace(day=3), a, (4, a), (3, b))
    event(program("community-advisory-groups", alice), MARCH.replace(day=4), a, (30, a), (2, b))
    rebuild()
    reader = Reader()
    read_open_data(reader)
    assert attacked(reader) == {}
    month = next(
        row
        for row in selectors_opendata.page_table(selectors_opendata.open_data(today=TODAY))
        if row.month == MARCH
    )
    assert [f.base for f in month.people if f.suppressed] == [7]


# --- The principles page and its drill-downs -------------------------------------------------


def test_the_accommodation_requests_give_no_hidden_count_back(alice):
    """30 requests, 23 arranged, on the page; by kind 25 (20 arranged) and 5 (3): the
    5 and the 3 were the page's figures less the other row, and a hidden number arranged
    came back from its share of the shown requests."""
    hood = NeighbourhoodFactory(population=1_000)
    held = event(program("town-hall-meetings", alice), MARCH.replace(day=3), hood, (30, hood))
    for i, registration in enumerate(held.registrations.order_by("pk")):
        AccommodationRequestFactory(
            registration=registration,
            kind="accessibility" if i < 25 else "interpretation",
            fulfilled=i < 20 or 25 <= i < 28,
        )
    rebuild()
    page = {m.key: m for p in selectors_principles.principles(MARCH_SCOPE) for m in p.measures}
    _title, _headers, rows = selectors_principles.drill_accommodations(MARCH_SCOPE)
    reader = Reader()
    for i, row in enumerate(rows):
        reader.see(("requests", i), row[2])
        reader.see(("arranged", i), row[3])
    requests = sum(reader.truth[("requests", i)] for i in range(len(rows)))
    arranged = sum(reader.truth[("arranged", i)] for i in range(len(rows)))
    # "23 of 30 requests" and the share: what the page prints.
    assert f"of {requests} requests" in page["accommodations"].detail
    reader.see(("requests",), Figure(requests, requests))
    shown_arranged = str(arranged) in page["accommodations"].detail.split(" of ")[0]
    reader.see(("arranged",), Figure(arranged if shown_arranged else None, arranged))
    share = page["accommodations"].value
    reader.see(("arranged",), Figure(share.value, arranged), derived=True)
    reader.total(("requests",), [("requests", i) for i in range(len(rows))])
    reader.total(("arranged",), [("arranged", i) for i in range(len(rows))])
    assert attacked(reader) == {}


def test_residents_by_program_give_no_hidden_count_back(alice):
    """21 residents at one program and 9 at another, 30 in all: the drill-down showed 21,
    and with each resident in one program the 9 were 30 less 21 (in general the total
    less the others is a floor, which reaches 9 all the same)."""
    hood = NeighbourhoodFactory(population=1_000)
    event(program("community-events", alice), MARCH.replace(day=3), hood, (21, hood))
    event(program("town-hall-meetings", alice), MARCH.replace(day=4), hood, (9, hood))
    rebuild()
    reader = Reader()
    data = selectors_overview.overview(MARCH_SCOPE, today=TODAY)
    reader.see(("residents", "all"), data.metric("residents").figure)
    drill = selectors_overview.DRILL_DOWNS["residents"]
    by_program = next(s for s in drill.sections if s.key == "programs")
    _headers, rows = selectors_overview.drill_down_table(drill, by_program, MARCH_SCOPE)
    for row in rows:
        reader.see(("residents", row[0]), row[3])
    reader.total(("residents", "all"), [("residents", row[0]) for row in rows])
    assert attacked(reader) == {}


def test_the_reach_residents_by_program_give_no_hidden_count_back(alice):
    """The same on the reach page: a neighbourhood's 30 residents beside its programs'
    21 and 9."""
    hood = NeighbourhoodFactory(population=1_000)
    event(program("community-events", alice), MARCH.replace(day=3), hood, (21, hood))
    event(program("town-hall-meetings", alice), MARCH.replace(day=4), hood, (9, hood))
    rebuild()
    reader = Reader()
    row = selectors_reach.reach(MARCH_SCOPE).neighbourhoods[0]
    reader.see(("residents", "hood"), row.residents)
    in_hood = Scope(start=MARCH_SCOPE.start, end=MARCH_SCOPE.end, neighbourhood=hood)
    _title, _headers, rows = selectors_reach.drill_residents(in_hood)
    for program_row in rows:
        reader.see(("residents", program_row[0]), program_row[2])
    reader.total(("residents", "hood"), [("residents", r[0]) for r in rows])
    assert attacked(reader) == {}
