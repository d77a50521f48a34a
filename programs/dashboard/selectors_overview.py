"""The overview, the spectrum and the drill-down lists behind their numbers.

Only the summary tables are read (plus the small tables: tiers, types, programs,
neighbourhoods, recommendations, users and units), each in a fixed number of queries, so a
page costs the same whatever the number of participations. The monthly report builds its
overview section from `overview()` and `TABLES` too.

Filters apply where a table has the dimension: the neighbourhood filter counts participants
by where they live and events by where they were held; survey invitations, recommendations
and agency personnel have no neighbourhood, so it leaves them unchanged (the page says so).
"""

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import (
    Avg,
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood, User
from engagement_portal.core import privacy
from engagement_portal.core.privacy import Figure, Ledger
from programs.coproduction.models_recommendations import Recommendation
from programs.dashboard import compiled, grains, uniques
from programs.dashboard.charts import BAR_AREA, TIER_COLOURS, BarChart, bar_chart
from programs.dashboard.models import (
    EventSummary,
    ParticipationDay,
    ParticipationDayArea,
    ParticipationDayType,
    ParticipationMonthArea,
    ParticipationMonthType,
    PersonnelDay,
    ReachDay,
    SurveySummary,
)
from programs.dashboard.scope import Scope
from programs.models import EngagementType, Program, Tier
from programs.sources import KINDS

PERCENT, HOURS, DAYS = "%", "hours", "days"
SHORT_PERIOD = 200  # days (see spectrum)
PAGE_SIZE = 25

NEIGHBOURHOOD_NOTE = _(
    "The neighbourhood filter counts participants and residents reached by where they live, "
    "and events by where they were held. Survey invitations, recommendations and agency "
    "personnel are not recorded by neighbourhood, so it does not change those figures."
)


# --- Figures, and when they are hidden ---------------------------------------------------


def tally(n: int | None) -> Figure:
    """A count of things rather than people (events, programs, recommendations): shown as
    is, since no person can be singled out from it."""
    return Figure(n or 0, n or 0)


def resting_on(value: float | int, people: int | None) -> Figure:
    """A total computed from `people` people (volunteer hours, records of participation):
    hidden exactly when a count of those people would be."""
    guard = privacy.count(people)
    return guard if guard.suppressed else Figure(value, guard.base)


def mean_resting_on(value: float, people: int | None) -> Figure:
    """A mean or percentage computed from `people` people: hidden exactly when a rate over
    them would be."""
    guard = privacy.rate(0, people or 0)
    return guard if guard.suppressed else Figure(round(value, 1), guard.base)


def percent(numerator: float, people: int | None) -> Figure:
    """A percentage of `people` people, to one decimal as pages and exports show it."""
    figure = privacy.rate(numerator, people or 0, scale=100)
    return figure if figure.suppressed else Figure(round(figure.value, 1), figure.base)


def _number(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


# --- Overview -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The difference from the previous period: in percentage points for a percentage,
    otherwise as a difference and a percentage of the previous value."""

    delta: float | int
    percent: float | None  # None for percentages, or when the previous value was zero
    points: bool = False

    @property
    def direction(self) -> str:
        if self.delta > 0:
            return "up"
        return "down" if self.delta < 0 else "same"

    def _text(self, minus: str, same: str) -> str:
        sign = {"up": "+", "down": minus, "same": same}[self.direction]
        text = f"{sign}{_number(abs(self.delta))}"
        if self.points:
            return f"{text} {gettext('points')}"
        if self.percent is not None:
            text += f" ({sign}{abs(self.percent):,.1f}%)"
        return text

    def __str__(self) -> str:
        return self._text("\u2212", "±")

    def export(self) -> str:
        """The same words in plain ASCII (for email and text exports)."""
        return self._text("-", "")

    def export_delta(self) -> str:
        """The difference alone, as a spreadsheet reads it (the percentage has its own
        column; a percentage's difference is in points)."""
        if isinstance(self.delta, float):
            return f"{self.delta:+.1f}" if self.delta else "0"
        return f"{self.delta:+d}" if self.delta else "0"

    def export_percent(self) -> str:
        return "" if self.percent is None else f"{self.percent:.1f}"


@dataclass(frozen=True)
class Metric:
    """One figure of the overview, for this period and the previous one. `name` is also
    the name of the drill-down list behind it."""

    name: str
    label: str
    figure: Figure | None  # None: nothing to measure (e.g. no recommendation answered)
    previous: Figure | None = None
    unit: str = ""
    compare: bool = True  # False for figures taken "now" rather than over the period
    note: str = ""
    # Why there is no figure, this period and the previous one, when there is none: a dash
    # alone reads as an error or a secret (issue 17, item 10).
    absent: str = ""
    previous_absent: str = ""

    @property
    def change(self) -> Change | None:
        """None when either period has no figure or a hidden one: a difference between a
        shown and a hidden figure would give the hidden one away."""
        if not self.compare or self.figure is None or self.previous is None:
            return None
        if self.figure.suppressed or self.previous.suppressed:
            return None
        delta = self.figure.value - self.previous.value
        if isinstance(delta, float):
            delta = round(delta, 1)
        if self.unit == PERCENT:
            return Change(delta, None, points=True)
        percent = None if not self.previous.value else delta / self.previous.value * 100
        return Change(delta, percent)

    @property
    def display(self) -> str:
        return _display(self.figure, self.unit)

    @property
    def unit_label(self) -> str:
        """The unit printed after the number ("%", "hours"), empty when there is none."""
        if self.figure is None or self.figure.suppressed:
            return ""
        return {PERCENT: "%", HOURS: gettext("hours"), DAYS: gettext("days")}.get(self.unit, "")

    @property
    def previous_display(self) -> str:
        return _display(self.previous, self.unit)


def _display(figure: Figure | None, unit: str) -> str:
    if figure is None:
        return "\u2014"
    if figure.suppressed or not unit:
        return str(figure)
    if unit == PERCENT:
        return f"{figure}%"
    if unit == HOURS:
        return gettext("%(n)s hours") % {"n": figure}
    return gettext("%(n)s days") % {"n": figure}


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    participations: Figure
    people: Figure
    previous_people: Figure


@dataclass(frozen=True)
class Overview:
    scope: Scope
    previous_scope: Scope
    groups: list[tuple[str, list[Metric]]]
    by_kind: list[KindRow]

    @property
    def metrics(self) -> list[Metric]:
        return [metric for _title, metrics in self.groups for metric in metrics]

    def metric(self, name: str) -> Metric:
        return next(metric for metric in self.metrics if metric.name == name)


def _in(scope: Scope, field: str = "day") -> Q:
    return Q(**{f"{field}__gte": scope.start, f"{field}__lte": scope.end})


def _both(scope: Scope, previous: Scope, field: str = "day") -> Q:
    return Q(**{f"{field}__gte": previous.start, f"{field}__lte": scope.end})


def _program_q(scope: Scope, prefix: str = "program") -> Q:
    """Tier, type and program filters for a table that only knows its program."""
    return scope.q(
        day=None,
        tier=f"{prefix}__engagement_type__tier__number",
        engagement_type=f"{prefix}__engagement_type",
        program=prefix,
        neighbourhood=None,
    )


def _personnel_q(scope: Scope) -> Q:
    return scope.q(day=None, engagement_type="program__engagement_type", neighbourhood=None)


def agency_personnel() -> QuerySet:
    """Users with access to the staff pages: the agency personnel (as on the command home).
    Each once: the groups that give the access are matched in a subquery, which reads the
    group memberships without reading every user a second time."""
    return User.objects.filter(
        pk__in=User.groups.through.objects.filter(
            group__permissions__codename="access_staff_portal"
        ).values("user_id")
    )


def _sent_overlapping(scope: Scope) -> Q:
    """Surveys whose invitations went out at some point in the period."""
    return Q(first_sent_on__lte=scope.end, last_sent_on__gte=scope.start)


def participation_sums(
    scope: Scope,
    periods: dict[str, tuple[date, date]],
    by: str | tuple[str, ...] | None,
    measures: tuple[str, ...],
    extra: Q | None = None,
) -> dict:
    """{value of `by` (None when not grouped): {f"{measure}_{period name}": sum}} over the
    scope's participation, in one query. `measures` are columns of ParticipationDay
    ("rows" counts its rows). Without a program or neighbourhood: whole months from
    ParticipationMonthType and the days at either end from ParticipationDayType
    (grains.py), so a period of years reads a few thousand rows."""
    names = [f"{measure}_{name}" for name in periods for measure in measures]
    keys = (by,) if isinstance(by, str) else tuple(by or ("_all",))
    query = compiled.rows(
        ("participation", scope.key, tuple(periods.items()), by, measures, extra),
        lambda: _participation_query(scope, periods, by, measures, extra),
    )
    sums: dict = {}
    for row in query:
        value = row[0] if len(keys) == 1 else tuple(row[: len(keys)])
        totals = sums.setdefault(value if by else None, dict.fromkeys(names, 0))
        for name, n in zip(names, row[len(keys) :], strict=True):
            totals[name] += n or 0
    return sums


def _participation_query(
    scope: Scope,
    periods: dict[str, tuple[date, date]],
    by: str | tuple[str, ...] | None,
    measures: tuple[str, ...],
    extra: Q | None,
) -> QuerySet:
    names = [f"{measure}_{name}" for name in periods for measure in measures]
    extra = extra or Q()
    keys = (by,) if isinstance(by, str) else tuple(by or ("_all",))

    def grouped(rows):  # by `by` (a tuple of fields: keyed by tuples), or one row
        return rows.values(*keys) if by else rows.annotate(_all=Value(0)).values("_all")

    if scope.program is not None or scope.neighbourhood is not None:
        within = Q()
        for start, end in periods.values():
            within |= Q(day__gte=start, day__lte=end)

        def measure_of(measure: str, q: Q):
            return Count("pk", filter=q) if measure == "rows" else Sum(measure, filter=q)

        rows = ParticipationDay.objects.filter(scope.q(day=None), within, extra)
        parts = [
            grouped(rows).annotate(
                **{
                    f"{measure}_{name}": measure_of(measure, Q(day__gte=start, day__lte=end))
                    for name, (start, end) in periods.items()
                    for measure in measures
                }
            )
        ]
    else:
        where = scope.q(day=None, program=None, neighbourhood=None) & extra
        splits = {
            name: grains.split(*period).q(month="month", day="day")
            for name, period in periods.items()
        }
        parts = []
        for table, grain in ((ParticipationMonthType, 0), (ParticipationDayType, 1)):
            within = Q(pk__in=[])
            for split in splits.values():
                within |= split[grain]
            parts.append(
                grouped(table.objects.filter(where, within)).annotate(
                    **{
                        f"{measure}_{name}": Sum(measure, filter=splits[name][grain])
                        for name in periods
                        for measure in measures
                    }
                )
            )
    columns = [*keys, *names]
    query = parts[0].values_list(*columns).order_by()
    if len(parts) > 1:
        query = query.union(
            *(part.values_list(*columns).order_by() for part in parts[1:]), all=True
        )
    return query


def people_by_area(scope: Scope, periods: dict[str, tuple[date, date]]) -> dict:
    """{home neighbourhood (None: not recorded): {period name: people}} for each named
    period, with the scope's tier, type and program but not its neighbourhood; one
    query. With none of those chosen: whole months from ParticipationMonthArea and the
    days at either end from ParticipationDayArea (grains.py)."""
    names = list(periods)
    query = compiled.rows(
        ("people-by-area", scope.key, tuple(periods.items())),
        lambda: _people_by_area_query(scope, periods),
    )
    people: dict[int | None, dict[str, int]] = {}
    for hood, *values in query:
        counts = people.setdefault(hood or None, dict.fromkeys(names, 0))
        for name, value in zip(names, values, strict=True):
            counts[name] += value or 0
    return people


def _people_by_area_query(scope: Scope, periods: dict[str, tuple[date, date]]) -> QuerySet:
    names = list(periods)
    if scope.tier or scope.engagement_type or scope.program:
        within = Q()
        for start, end in periods.values():
            within |= Q(day__gte=start, day__lte=end)
        query = (
            ParticipationDay.objects.filter(scope.q(day=None, with_neighbourhood=False), within)
            .values("neighbourhood_id")
            .annotate(
                **{
                    name: Sum("people", filter=Q(day__gte=start, day__lte=end))
                    for name, (start, end) in periods.items()
                }
            )
            .values_list("neighbourhood_id", *names)
            .order_by()
        )
    else:
        splits = {
            name: grains.split(*period).q(month="month", day="day")
            for name, period in periods.items()
        }
        months, days = Q(pk__in=[]), Q(pk__in=[])
        for month_q, day_q in splits.values():
            months |= month_q
            days |= day_q
        by_month = (
            ParticipationMonthArea.objects.filter(months)
            .values("area")
            .annotate(**{name: Sum("people", filter=splits[name][0]) for name in names})
            .values_list("area", *names)
            .order_by()
        )
        by_day = (
            ParticipationDayArea.objects.filter(days)
            .annotate(
                area=Coalesce(F("neighbourhood_id"), Value(0), output_field=BigIntegerField())
            )
            .values("area")
            .annotate(**{name: Sum("people", filter=splits[name][1]) for name in names})
            .values_list("area", *names)
            .order_by()
        )
        query = by_month.union(by_day, all=True)
    return query


ALL = ("all",)


DETAIL = ("kind", "engagement_type", "tier")


RESIDENTS_CITY, RESIDENTS_NOT_RECORDED, RESIDENTS_ALL = ("city",), ("not-recorded",), ("all",)


def residents_ledger(scope: Scope, hoods: list[int] = (), everyone: int | None = None) -> Ledger:
    """Unique residents reached in the period by home neighbourhood, as the overview, the
    reach page and the overview's drill-down by neighbourhood publish them, as one ledger
    (three queries; two with `everyone`, every resident reached leaving the
    neighbourhood filter aside): each resident lives in one neighbourhood or none
    recorded, so the neighbourhoods add up to the city-wide count, and with those not
    recorded to the overview's total. Cells: ("hood", pk), RESIDENTS_CITY,
    RESIDENTS_NOT_RECORDED, RESIDENTS_ALL."""
    citywide = replace(scope, neighbourhood=None)
    by_hood = uniques.residents_by(citywide, "neighbourhood_id")
    located = uniques.located_residents(citywide)
    if everyone is None:
        everyone = uniques.residents(citywide)
    ledger = Ledger()
    parts = [
        ledger.cell(("hood", pk), by_hood.get(pk, 0))
        for pk in sorted({*hoods, *(pk for pk in by_hood if pk is not None)})
    ]
    ledger.cell(RESIDENTS_CITY, located)
    ledger.cell(RESIDENTS_NOT_RECORDED, by_hood.get(None, 0))
    ledger.cell(RESIDENTS_ALL, everyone)
    # The sums hold unless a resident moved within the period (counted in both places).
    if located == sum(ledger.values[p] for p in parts):
        ledger.total(RESIDENTS_CITY, parts)
    if everyone == located + ledger.values[RESIDENTS_NOT_RECORDED]:
        ledger.total(RESIDENTS_ALL, [RESIDENTS_CITY, RESIDENTS_NOT_RECORDED])
    return ledger


def participation_ledger(when: str, detail: dict) -> Ledger:
    """The participations of one period as the overview, the spectrum and the monthly
    report publish them, with the sums between them: the total is the sum of the kinds and
    the sum of the tiers, and each tier the sum of its engagement types. `detail` is
    `participation_sums` by DETAIL. Every page builds the whole ledger, so a count is
    hidden alike wherever it appears."""
    field = f"people_{when}"
    kinds: dict[str, int] = dict.fromkeys(KINDS, 0)
    types: dict[int, int] = {}
    tiers: dict[int, set] = {}
    for (kind, type_id, tier), sums in sorted(detail.items(), key=repr):
        kinds[kind] = kinds.get(kind, 0) + (sums[field] or 0)
        types[type_id] = types.get(type_id, 0) + (sums[field] or 0)
        tiers.setdefault(tier, set()).add(type_id)
    ledger = Ledger()
    for kind, n in sorted(kinds.items()):
        ledger.cell(("kind", kind), n)
    for type_id, n in sorted(types.items()):
        ledger.cell(("type", type_id), n)
    ledger.cell(ALL, sum(kinds.values()))
    ledger.total(ALL, [("kind", kind) for kind in sorted(kinds)])
    for tier, members in sorted(tiers.items()):
        parts = [("type", type_id) for type_id in sorted(members)]
        ledger.cell(("tier", tier), sum(types[t] for t in members))
        ledger.total(("tier", tier), parts)
    ledger.total(ALL, [("tier", tier) for tier in sorted(tiers)])
    return ledger


EVENT_FIGURES = ("held", "registered", "no_shows", "walk_ins", "fill", "fill_base")


def overview(scope: Scope, *, today: date | None = None) -> Overview:
    """Every overview figure for the scope and the period of the same length before it.
    Eight queries whatever the data size."""
    today = today or timezone.localdate()
    previous = scope.previous()
    now = _in(scope)

    periods = {"now": (scope.start, scope.end), "before": (previous.start, previous.end)}
    detail = participation_sums(scope, periods, DETAIL, ("people", "participations", "minutes"))
    by_kind_rows: dict[str, dict[str, int]] = {}
    for (kind, _type, _tier), sums in detail.items():
        row = by_kind_rows.setdefault(kind, dict.fromkeys(sums, 0))
        for name, n in sums.items():
            row[name] += n or 0
    ledgers = {when: participation_ledger(when, detail) for when in periods}

    def kind_people(kind: str, when: str) -> Figure:
        return ledgers[when].figure(("kind", kind))

    reach = uniques.residents_in_periods(
        scope, now=(scope.start, scope.end), before=(previous.start, previous.end)
    )

    with_capacity = Q(capacity__gt=0)
    fill = Cast("registered", FloatField()) / Cast("capacity", FloatField())
    # Grouped by period rather than each sum filtered by it: one test per event, where
    # twelve filtered sums tested every event of both periods twelve times.
    events: dict[str, Any] = {}
    for when in ("now", "before"):
        events.update(dict.fromkeys((f"{key}_{when}" for key in EVENT_FIGURES), None))
        events[f"held_{when}"] = 0
    in_period = Case(When(now, then=True), default=False, output_field=BooleanField())
    for row in (
        EventSummary.objects.filter(scope.q(day=None), _both(scope, previous), cancelled=False)
        .annotate(this_period=in_period)
        .values("this_period")
        .annotate(
            # Named apart from the columns: `fill` reads the column `registered`.
            event_held=Count("pk"),
            event_registered=Sum("registered"),
            event_no_shows=Sum("no_shows"),
            event_walk_ins=Sum("walk_ins"),
            event_fill=Avg(fill, filter=with_capacity),
            event_fill_base=Sum("registered", filter=with_capacity),
        )
        .order_by()
    ):
        when = "now" if row["this_period"] else "before"
        events.update({f"{key}_{when}": row[f"event_{key}"] for key in EVENT_FIGURES})

    surveys = SurveySummary.objects.filter(_program_q(scope), invitations_sent__gt=0).aggregate(
        sent_now=Sum("invitations_sent", filter=_sent_overlapping(scope)),
        used_now=Sum("invitations_used", filter=_sent_overlapping(scope)),
        sent_before=Sum("invitations_sent", filter=_sent_overlapping(previous)),
        used_before=Sum("invitations_used", filter=_sent_overlapping(previous)),
    )

    recommendations = _recommendation_facts(scope, previous, today)

    def events_figure(key: str, when: str) -> Figure:
        # The people who walked in are the "walked in" kind of the by-kind table too:
        # hidden there as a secondary suppression, they are hidden here as well.
        n = events[f"{key}_{when}"] or 0
        if ledgers[when].hidden(("kind", "walk_in")):
            return Figure(None, n)
        return privacy.count(n)

    def no_fill_reason(when: str) -> str:
        if not events[f"held_{when}"]:
            return gettext("No event was held in the period.")
        return gettext("None of the events held had a seat limit, so no seats were filled.")

    def fill_figure(when: str) -> Figure | None:
        mean = events[f"fill_{when}"]
        if mean is None:
            return None
        return mean_resting_on(mean * 100, events[f"fill_base_{when}"])

    def no_show_figure(when: str) -> Figure:
        return percent(events[f"no_shows_{when}"] or 0, events[f"registered_{when}"])

    def response_rate(when: str) -> Figure | None:
        if not surveys[f"sent_{when}"]:
            return None
        return percent(surveys[f"used_{when}"] or 0, surveys[f"sent_{when}"])

    def hours(when: str) -> Figure:
        volunteer = by_kind_rows.get("volunteer_shift", {})
        minutes = round((volunteer.get(f"minutes_{when}") or 0) / 60, 1)
        return ledgers[when].share(("kind", "volunteer_shift"), minutes)

    units, _units, personnel_before = personnel_ledger(scope, previous)
    staff_total = units.values[("staff", "all")]

    def engaged(when: str, which: str) -> Figure:
        # This period's totals are those of the drill-down by unit, hidden alike.
        if when == "now":
            return units.figure((which, "all"))
        return privacy.count(personnel_before[which])

    def share(when: str) -> Figure:
        # With the number of personnel shown beside it, the share gives the count back.
        took = engaged(when, "took")
        if took.suppressed:
            return Figure(None, took.base)
        return percent(took.base, staff_total)

    def residents_figure() -> Figure:
        # This period's residents are the reach page's and the drill-down's, hidden alike.
        if scope.neighbourhood is None:
            return residents_ledger(scope, everyone=reach["now"]).figure(RESIDENTS_ALL)
        figure = residents_ledger(scope).figure(("hood", scope.neighbourhood.pk))
        return figure if figure.base == reach["now"] else privacy.count(reach["now"])

    no_invitation = gettext(
        "No survey invitation was sent in the period: a response rate needs invitations."
    )
    no_answer = gettext("No recommendation was answered in the period.")
    groups = [
        (
            _("Reach and participation"),
            [
                Metric(
                    "residents",
                    _("Unique residents reached"),
                    residents_figure(),
                    privacy.count(reach["before"]),
                ),
                Metric(
                    "participations",
                    _("Participations"),
                    ledgers["now"].figure(ALL),
                    ledgers["before"].figure(ALL),
                ),
                Metric(
                    "survey-responses",
                    _("Survey responses"),
                    kind_people("survey_response", "now"),
                    kind_people("survey_response", "before"),
                ),
                Metric(
                    "response-rate",
                    _("Survey response rate"),
                    response_rate("now"),
                    response_rate("before"),
                    unit=PERCENT,
                    absent=no_invitation,
                    previous_absent=no_invitation,
                ),
                Metric(
                    "volunteer-hours",
                    _("Volunteer hours"),
                    hours("now"),
                    hours("before"),
                    unit=HOURS,
                ),
            ],
        ),
        (
            _("Events"),
            [
                Metric(
                    "events",
                    _("Events held"),
                    tally(events["held_now"]),
                    tally(events["held_before"]),
                ),
                Metric(
                    "fill-rate",
                    _("Average fill rate"),
                    fill_figure("now"),
                    fill_figure("before"),
                    unit=PERCENT,
                    absent=no_fill_reason("now"),
                    previous_absent=no_fill_reason("before"),
                ),
                Metric(
                    "no-show-rate",
                    _("No-show rate"),
                    no_show_figure("now"),
                    no_show_figure("before"),
                    unit=PERCENT,
                ),
                Metric(
                    "walk-ins",
                    _("Walk-ins"),
                    events_figure("walk_ins", "now"),
                    events_figure("walk_ins", "before"),
                ),
            ],
        ),
        (
            _("Recommendations from residents"),
            [
                Metric(
                    "recommendations-received",
                    _("Recommendations received"),
                    tally(recommendations["received_now"]),
                    tally(recommendations["received_before"]),
                ),
                Metric(
                    "recommendations-answered",
                    _("Recommendations answered"),
                    tally(recommendations["answered_now"]),
                    tally(recommendations["answered_before"]),
                ),
                Metric(
                    "recommendations-overdue",
                    _("Overdue now"),
                    tally(recommendations["overdue"]),
                    compare=False,
                ),
                Metric(
                    "days-to-answer",
                    _("Median days to an answer"),
                    recommendations["median_now"],
                    recommendations["median_before"],
                    unit=DAYS,
                    absent=no_answer,
                    previous_absent=no_answer,
                ),
            ],
        ),
        (
            _("Agency personnel"),
            [
                Metric(
                    "personnel",
                    _("Personnel who took part in an engagement"),
                    share("now"),
                    share("before"),
                    unit=PERCENT,
                    note=_personnel_note(engaged("now", "took"), staff_total),
                ),
                Metric(
                    "personnel-outside",
                    _("Of them outside the outreach unit"),
                    engaged("now", "outside"),
                    engaged("before", "outside"),
                ),
            ],
        ),
    ]
    by_kind = [
        KindRow(
            kind=kind,
            label=str(label),
            participations=ledgers["now"].share(
                ("kind", kind), by_kind_rows.get(kind, {}).get("participations_now") or 0
            ),
            people=kind_people(kind, "now"),
            previous_people=kind_people(kind, "before"),
        )
        for kind, label in KINDS.items()
    ]
    return Overview(scope=scope, previous_scope=previous, groups=groups, by_kind=by_kind)


def _personnel_note(engaged: Figure, total: int) -> str:
    # "fewer than 10 of 20" next to the share would only point at the hidden number.
    if engaged.suppressed:
        return gettext("out of %(total)s personnel") % {"total": f"{total:,}"}
    return gettext("%(engaged)s of %(total)s personnel") % {
        "engaged": engaged,
        "total": f"{total:,}",
    }


def _recommendation_facts(scope: Scope, previous: Scope, today: date) -> dict[str, Any]:
    """Received, answered, overdue and median days to an answer, from one query: the
    recommendation table is small (hundreds of rows a year), so it is read directly."""
    overdue = Q(status__in=Recommendation.OPEN, response_due__lt=today)
    rows = list(
        Recommendation.objects.filter(_program_q(scope))
        .filter(
            _both(scope, previous, "received_on") | _both(scope, previous, "answered_on") | overdue
        )
        .values_list("received_on", "answered_on", "status", "response_due")
    )
    facts: dict[str, Any] = {
        "overdue": sum(
            1 for _r, _a, status, due in rows if status in Recommendation.OPEN and due < today
        )
    }
    for when, period in (("now", scope), ("before", previous)):
        facts[f"received_{when}"] = sum(
            1 for received, *_rest in rows if period.start <= received <= period.end
        )
        days = [
            (answered - received).days
            for received, answered, _s, _d in rows
            if answered and period.start <= answered <= period.end
        ]
        facts[f"answered_{when}"] = len(days)
        # Days between dates of recommendations, not people: never hidden.
        facts[f"median_{when}"] = (
            Figure(float(statistics.median(days)), len(days)) if days else None
        )
    return facts


def table_overview(scope: Scope) -> tuple[list[str], list[list]]:
    data = overview(scope)
    headers = [
        gettext("Figure"),
        gettext("Unit"),
        gettext("This period"),
        gettext("Previous period"),
        gettext("Change"),
        gettext("Change (%)"),
    ]
    rows = []
    for metric in data.metrics:
        change = metric.change
        rows.append(
            [
                str(metric.label),
                {PERCENT: "%", HOURS: gettext("hours"), DAYS: gettext("days")}.get(metric.unit, ""),
                metric.figure if metric.figure is not None else "",
                metric.previous if metric.previous is not None else "",
                change.export_delta() if change else "",
                change.export_percent() if change else "",
            ]
        )
    return headers, rows


def table_participation_by_kind(scope: Scope) -> tuple[list[str], list[list]]:
    data = overview(scope)
    headers = [
        gettext("Kind of participation"),
        gettext("Participations"),
        gettext("People"),
        gettext("People, previous period"),
    ]
    rows = [
        [row.label, row.participations, row.people, row.previous_people] for row in data.by_kind
    ]
    return headers, rows


# --- The spectrum -------------------------------------------------------------------------


@dataclass(frozen=True)
class SpectrumRow:
    """Activity of one tier or one engagement type over the period."""

    tier: Tier
    engagement_type: EngagementType | None
    people: Figure
    residents: Figure
    events: Figure
    programs: Figure
    query: str = ""  # the scope narrowed to this tier or type, for links

    @property
    def label(self) -> str:
        if self.engagement_type is None:
            return f"{self.tier.number}. {self.tier.display_name}"
        return self.engagement_type.display_name

    @property
    def active(self) -> bool:
        # The true numbers decide, so a tier with only a handful of people is not "idle".
        return any(f.base for f in (self.people, self.residents, self.events, self.programs))

    @property
    def added_by_agency(self) -> bool:
        return self.engagement_type is not None and not self.engagement_type.is_seeded


@dataclass(frozen=True)
class TierBlock:
    row: SpectrumRow
    types: list[SpectrumRow]


@dataclass(frozen=True)
class Spectrum:
    scope: Scope
    tiers: list[TierBlock]
    chart: BarChart

    @property
    def idle_tiers(self) -> list[SpectrumRow]:
        return [block.row for block in self.tiers if not block.row.active]

    @property
    def idle_types(self) -> list[SpectrumRow]:
        return [row for block in self.tiers for row in block.types if not row.active]


def spectrum(scope: Scope) -> Spectrum:
    """Participations, residents reached, events held and programs active per tier and per
    engagement type; every tier and type in the scope is listed, idle ones included.
    Seven queries whatever the data size."""
    types = EngagementType.objects.select_related("tier").order_by(
        "tier__number", "position", "name"
    )
    if scope.tier:
        types = types.filter(tier=scope.tier)
    if scope.engagement_type:
        types = types.filter(pk=scope.engagement_type.pk)
    if scope.program:
        types = types.filter(pk=scope.program.engagement_type_id)
    types = list(types)
    if scope.tier or scope.engagement_type or scope.program:
        tiers = sorted({t.tier.number: t.tier for t in types}.values(), key=lambda t: t.number)
        if scope.tier and not tiers:
            tiers = [scope.tier]
    else:
        tiers = list(Tier.objects.order_by("number"))

    q = scope.q()
    now = {"now": (scope.start, scope.end)}
    ledger = participation_ledger("now", participation_sums(scope, now, DETAIL, ("people",)))
    residents_by_type = uniques.residents_by(scope, "engagement_type_id")
    residents_by_tier = uniques.residents_by(scope, "tier")
    events = dict(
        EventSummary.objects.filter(q, cancelled=False)
        .values("engagement_type")
        .annotate(n=Count("pk"))
        .values_list("engagement_type", "n")
        .order_by()
    )
    programs: dict[int, set[int]] = {}
    counted = uniques.programs_by_type(scope)
    if counted is not None:
        active = []  # counted along the programs' chains of days (uniques.py)
    elif scope.days <= SHORT_PERIOD:
        # The (day, type, program) index read for the period, deduplicated: cheapest while
        # a period has fewer rows than the city has programs to probe.
        active = (
            ParticipationDay.objects.filter(q)
            .values_list("engagement_type", "program")
            .order_by()
            .union(
                EventSummary.objects.filter(q, cancelled=False)
                .values_list("engagement_type", "program")
                .order_by()
            )
        )
    else:
        # Over years, one probe of the (program, day) indexes per program instead: the
        # cost follows the number of programs, not the length of the period (the
        # DISTINCT read 530,000 rows over five years of a city).
        active = Program.objects.filter(
            Exists(
                ParticipationDay.objects.filter(
                    q, program=OuterRef("pk"), engagement_type=OuterRef("engagement_type")
                )
            )
            | Exists(
                EventSummary.objects.filter(
                    q,
                    cancelled=False,
                    program=OuterRef("pk"),
                    engagement_type=OuterRef("engagement_type"),
                )
            )
        ).values_list("engagement_type", "pk")
    for type_id, program_id in active:
        programs.setdefault(type_id, set()).add(program_id)

    blocks = []
    for tier in tiers:
        tier_types = [t for t in types if t.tier_id == tier.pk]
        rows = [
            SpectrumRow(
                tier=tier,
                engagement_type=t,
                people=ledger.figure(("type", t.pk)),
                residents=privacy.count(residents_by_type.get(t.pk)),
                events=tally(events.get(t.pk)),
                programs=tally(
                    counted.get(t.pk, 0) if counted is not None else len(programs.get(t.pk, ()))
                ),
                query=scope.querystring(type=t.pk),
            )
            for t in tier_types
        ]
        tier_row = SpectrumRow(
            tier=tier,
            engagement_type=None,
            people=ledger.figure(("tier", tier.number)),
            residents=privacy.count(residents_by_tier.get(tier.number)),
            events=tally(sum(row.events.base for row in rows)),
            programs=tally(sum(row.programs.base for row in rows)),
            query=scope.querystring(tier=tier.number),
        )
        blocks.append(TierBlock(row=tier_row, types=rows))

    chart = bar_chart(
        gettext("Participations by tier"),
        [
            (block.row.label, block.row.people, str(block.row.people), "", _tier_colour(block))
            for block in blocks
        ],
    )
    return Spectrum(
        scope=scope,
        tiers=blocks,
        chart=TierChart(title=chart.title, bars=chart.bars, summary=chart.summary),
    )


TIER_LABEL_WIDTH = 270


@dataclass(frozen=True)
class TierChart(BarChart):
    """A bar chart with room for the tiers' long names (the template shows 30 characters)."""

    @property
    def width(self) -> int:
        return TIER_LABEL_WIDTH + BAR_AREA + 120

    @property
    def bar_x(self) -> int:
        return TIER_LABEL_WIDTH


def _tier_colour(block: TierBlock) -> str:
    return TIER_COLOURS.get(block.row.tier.number, TIER_COLOURS[1])


def table_spectrum_tiers(scope: Scope) -> tuple[list[str], list[list]]:
    headers = [
        gettext("Tier"),
        gettext("Participations"),
        gettext("Unique residents reached"),
        gettext("Events held"),
        gettext("Programs active"),
    ]
    rows = [
        [b.row.label, b.row.people, b.row.residents, b.row.events, b.row.programs]
        for b in spectrum(scope).tiers
    ]
    return headers, rows


def table_spectrum_types(scope: Scope) -> tuple[list[str], list[list]]:
    headers = [
        gettext("Tier"),
        gettext("Engagement type"),
        gettext("Added by the agency"),
        gettext("Participations"),
        gettext("Unique residents reached"),
        gettext("Events held"),
        gettext("Programs active"),
    ]
    rows = [
        [
            block.row.label,
            row.label,
            gettext("yes") if row.added_by_agency else gettext("no"),
            row.people,
            row.residents,
            row.events,
            row.programs,
        ]
        for block in spectrum(scope).tiers
        for row in block.types
    ]
    return headers, rows


# --- Drill-down: the aggregate lists behind each figure ------------------------------------


@dataclass(frozen=True)
class Context:
    """What every row of a drill-down list may need, read once per page."""

    today: date
    tiers: dict[int, str]
    # The page's ledgers of participations by program, built by the first table that
    # needs one (see _drill_ledger): every table of the page hides a count alike.
    ledgers: dict = field(default_factory=dict)

    @classmethod
    def load(cls, today: date | None = None) -> "Context":
        return cls(
            today=today or timezone.localdate(),
            tiers={tier.number: tier.display_name for tier in Tier.objects.all()},
        )

    def tier(self, number: int | None) -> str:
        return f"{number}. {self.tiers.get(number, '')}" if number else ""


@dataclass(frozen=True)
class Section:
    """One table of a drill-down page; `items` is paginated by the view (a queryset or a
    list), `row` turns one item into its cells (Figures or plain values)."""

    key: str
    title: str
    headers: tuple[str, ...]
    items: Callable[[Scope, Context], Any]
    row: Callable[[Any, Context], list]
    numeric_from: int  # index of the first numeric column (right-aligned)...
    text_columns: tuple[int, ...] = ()  # ...except these

    def is_numeric(self, index: int) -> bool:
        return index >= self.numeric_from and index not in self.text_columns


@dataclass(frozen=True)
class DrillDown:
    name: str
    title: str
    description: str
    sections: tuple[Section, ...]

    def table_name(self, section: Section) -> str:
        first = section is self.sections[0]
        return f"drill-{self.name}" if first else f"drill-{self.name}-{section.key}"


def _visible_first(field: str):
    """Largest first among the figures that will be shown; the hidden ones (fewer than 10)
    after them in name order, so their order gives nothing away."""
    return Case(
        When(**{f"{field}__gte": privacy.MIN_PEOPLE}, then=F(field)), default=Value(0)
    ).desc()


def _name(value: str | None, fallback) -> str:
    return gettext(value) if value else str(fallback)


PROGRAM_FIELDS = ("program", "program__title", "tier", "engagement_type__name")
PROGRAM_HEADERS = (_("Program"), _("Tier"), _("Engagement type"))


def _program_cells(item: dict, context: Context) -> list:
    return [
        item["program__title"],
        context.tier(item["tier"]),
        _name(item["engagement_type__name"], ""),
    ]


def _residents_by_program(scope: Scope, context: Context) -> list[dict]:
    """A resident may take part in several programs, so the programs' residents add up
    to the total or more: a reader gets a floor for a hidden one (the total less the
    others). They are protected as if they added up exactly, which the reader could do
    no better than."""
    rows = list(
        ReachDay.objects.filter(scope.q())
        .values(*PROGRAM_FIELDS)
        .annotate(n=Count("resident", distinct=True))
        .order_by("program__title", "program")
    )
    if "residents" not in context.ledgers:
        context.ledgers["residents"] = residents_ledger(scope)
    everyone = context.ledgers["residents"]
    whole = RESIDENTS_ALL if scope.neighbourhood is None else ("hood", scope.neighbourhood.pk)
    ledger = Ledger()
    ledger.cell(whole, everyone.values.get(whole, 0), hidden=everyone.hidden(whole))
    ledger.total(whole, [ledger.cell(("program", row["program"]), row["n"]) for row in rows])
    for row in rows:
        row["figure"] = ledger.figure(("program", row["program"]))
    # Shown counts largest first, then every hidden one by name.
    return sorted(
        rows,
        key=lambda row: (
            row["figure"].suppressed,
            0 if row["figure"].suppressed else -row["n"],
            row["program__title"] or "",
            row["program"],
        ),
    )


def _residents_by_neighbourhood(scope: Scope, context: Context) -> list[dict]:
    if "residents" not in context.ledgers:
        context.ledgers["residents"] = residents_ledger(scope)
    ledger = context.ledgers["residents"]
    names = dict(Neighbourhood.objects.values_list("pk", "name"))
    keys = [key for key, n in ledger.values.items() if key[0] == "hood" and n]
    if scope.neighbourhood is not None:
        keys = [key for key in keys if key[1] == scope.neighbourhood.pk]
    elif ledger.values[RESIDENTS_NOT_RECORDED]:
        keys.append(RESIDENTS_NOT_RECORDED)
    rows = [
        {
            "neighbourhood": key[1] if key[0] == "hood" else None,
            "neighbourhood__name": names.get(key[1]) if key[0] == "hood" else None,
            "figure": ledger.figure(key),
        }
        for key in keys
    ]
    # Shown counts largest first, then every hidden one by name.
    return sorted(
        rows,
        key=lambda row: (
            row["figure"].suppressed,
            0 if row["figure"].suppressed else -row["figure"].base,
            row["neighbourhood"] is None,
            row["neighbourhood__name"] or "",
        ),
    )


def _program_key(row: dict, kind: str | None) -> tuple:
    return ("program", row["program"]) if kind is None else ("program", row["program"], kind)


def _drill_ledger(scope: Scope, context: Context, kind: str | None) -> tuple[Ledger, list]:
    """The period's participation ledger (participation_ledger) with the programs' rows
    of `kind` (every kind: None) added as parts of their tier, or of the kind, and the
    program rows themselves; two queries, once per page."""
    if kind in context.ledgers:
        return context.ledgers[kind]
    rows = ParticipationDay.objects.filter(scope.q())
    if kind:
        rows = rows.filter(kind=kind)
    rows = list(
        rows.values(*PROGRAM_FIELDS)
        .annotate(
            people=Sum("people"), participations=Sum("participations"), minutes=Sum("minutes")
        )
        .order_by("program__title", "program")
    )
    now = {"now": (scope.start, scope.end)}
    ledger = participation_ledger("now", participation_sums(scope, now, DETAIL, ("people",)))
    within: dict = {}
    for row in rows:
        key = ledger.cell(_program_key(row, kind), row["people"])
        within.setdefault(("tier", row["tier"]) if kind is None else ("kind", kind), []).append(key)
    for total, parts in within.items():
        ledger.total(total, parts)
    # Shown counts largest first, then every hidden one by name: their place tells
    # nothing of their size.
    rows.sort(
        key=lambda row: (
            ledger.hidden(_program_key(row, kind)),
            0 if ledger.hidden(_program_key(row, kind)) else -(row["people"] or 0),
            row["program__title"] or "",
            row["program"],
        )
    )
    context.ledgers[kind] = (ledger, rows)
    return ledger, rows


def _participation_by_program(kind: str | None):
    def items(scope: Scope, context: Context):
        return _drill_ledger(scope, context, kind)[1]

    return items


def _participation_by_kind(scope: Scope, context: Context):
    ledger, _rows = _drill_ledger(scope, context, None)
    rows = list(
        ParticipationDay.objects.filter(scope.q())
        .values("kind")
        .annotate(people=Sum("people"), participations=Sum("participations"))
        .order_by("kind")
    )
    for row in rows:
        hidden = ledger.hidden(("kind", row["kind"]))
        row["figure"] = ledger.figure(("kind", row["kind"]))
        row["records"] = ledger.share(("kind", row["kind"]), row["participations"])
        row["order"] = (hidden, 0 if hidden else -(row["people"] or 0), row["kind"])
    return sorted(rows, key=lambda row: row["order"])


def _held_events(extra: Q):
    def items(scope: Scope, context: Context):
        return (
            EventSummary.objects.filter(scope.q(), extra, cancelled=False)
            .values(
                "pk",
                "day",
                "tier",
                "program__title",
                "neighbourhood__name",
                "capacity",
                "registered",
                "attended",
                "no_shows",
                "walk_ins",
            )
            .order_by("-day", "program__title", "pk")
        )

    return items


def _event_cells(item: dict, context: Context) -> list:
    capacity, registered = item["capacity"], item["registered"]
    row = Ledger()
    for name in ("registered", "attended", "no_shows", "walk_ins"):
        row.cell(name, item[name])
    # Once every registration is marked, the registered are those who came and those who
    # did not: one of the three hidden alone would be the others' difference.
    if (registered or 0) == (item["attended"] or 0) + (item["no_shows"] or 0):
        row.total("registered", ("attended", "no_shows"))
    fill = (
        row.share("registered", round(registered / capacity * 100, 1))
        if capacity and registered
        else (mean_resting_on(0.0, registered) if capacity else "")  # "": no seat limit
    )
    return [
        item["program__title"],
        context.tier(item["tier"]),
        item["day"],
        _name(item["neighbourhood__name"], _("Not recorded")),
        capacity if capacity else gettext("no limit"),
        row.figure("registered"),
        row.figure("attended"),
        row.figure("no_shows"),
        row.figure("walk_ins"),
        fill,
    ]


EVENT_HEADERS = (
    _("Program"),
    _("Tier"),
    _("Day"),
    _("Neighbourhood"),
    _("Seats"),
    _("Registered"),
    _("Attended"),
    _("No-shows"),
    _("Walk-ins"),
    _("Fill (%)"),
)


def _surveys_sent(scope: Scope, context: Context):
    return (
        SurveySummary.objects.filter(
            _program_q(scope), _sent_overlapping(scope), invitations_sent__gt=0
        )
        .select_related("survey", "program")
        .order_by("-last_sent_on", "pk")
    )


def _survey_cells(summary: SurveySummary, context: Context) -> list:
    return [
        str(summary.survey),
        summary.program.title if summary.program else gettext("No program"),
        summary.first_sent_on,
        summary.last_sent_on,
        privacy.count(summary.invitations_sent),
        privacy.count(summary.invitations_used),
        # Beside the invitations sent, the rate would give a hidden number used back.
        Figure(None, summary.invitations_used)
        if privacy.count(summary.invitations_used).suppressed
        else percent(summary.invitations_used, summary.invitations_sent),
    ]


def _recommendations(which: str):
    def items(scope: Scope, context: Context):
        rows = Recommendation.objects.filter(_program_q(scope)).select_related("program")
        if which == "received":
            rows = rows.filter(_in(scope, "received_on")).order_by("-received_on", "-pk")
        elif which == "overdue":
            rows = rows.filter(
                status__in=Recommendation.OPEN, response_due__lt=context.today
            ).order_by("response_due", "pk")
        else:
            rows = rows.filter(_in(scope, "answered_on")).order_by("-answered_on", "-pk")
        return rows

    return items


def _recommendation_cells(recommendation: Recommendation, context: Context) -> list:
    overdue = (
        recommendation.status in Recommendation.OPEN and recommendation.response_due < context.today
    )
    days = (
        (recommendation.answered_on - recommendation.received_on).days
        if recommendation.answered_on
        else ""
    )
    return [
        recommendation.title,
        recommendation.program.title,
        recommendation.get_status_display(),
        recommendation.received_on,
        recommendation.response_due,
        recommendation.answered_on or "",
        days,
        gettext("overdue") if overdue else "",
    ]


RECOMMENDATION_HEADERS = (
    _("Recommendation"),
    _("Program"),
    _("Status"),
    _("Received"),
    _("Answer due"),
    _("Answered"),
    _("Days to answer"),
    _("Overdue"),
)


def personnel_ledger(
    scope: Scope, previous: Scope | None = None
) -> tuple[Ledger, list[dict], dict[str, int]]:
    """The period's personnel by unit and their totals as one ledger (one query): the
    units add up to every member of staff, to all who took part and to those outside the
    outreach unit who did. The overview shows the totals and the drill-downs the units,
    so each unit's figures are protected against the others and the totals. Also how
    many took part in the `previous` period, and outside the outreach unit."""
    now = _in(scope)

    def took_part(period: Q) -> Exists:
        # One (user, day) index probe per member of staff: the agency's size, not the
        # number of PersonnelDay rows in the period, sets the cost.
        return Exists(PersonnelDay.objects.filter(_personnel_q(scope), period, user=OuterRef("pk")))

    outside = Q(outside_outreach=True)
    before = {"took": 0, "outside": 0}
    counts = {
        "staff": Count("pk"),
        "took": Count("pk", filter=took_part(now)),
        "outside": Count("pk", filter=took_part(now & outside)),
    }
    if previous:
        counts["took_before"] = Count("pk", filter=took_part(_in(previous)))
        counts["outside_before"] = Count("pk", filter=took_part(_in(previous) & outside))
    units: dict[str, dict] = {}
    for row in (
        agency_personnel()
        .values("unit__name", "unit__is_community_outreach")
        .annotate(**counts)
        .order_by()
    ):
        before["took"] += row.get("took_before", 0)
        before["outside"] += row.get("outside_before", 0)
        name = row["unit__name"]
        units[name or ""] = {
            "unit": name,
            "outreach": bool(row["unit__is_community_outreach"]),
            "staff": row["staff"],
            "took": row["took"],
            "outside": row["outside"],
        }
    rows = sorted(units.values(), key=lambda u: (u["unit"] is None, u["unit"] or ""))

    # Who did not take part (personnel less those who did) is published nowhere: it is
    # no cell of the ledger, so "took part" and "personnel" are only bounded by each other.
    ledger = Ledger()
    for which in ("staff", "took", "outside"):
        ledger.cell((which, "all"), 0)
    for row in rows:
        name = row["unit"] or ""
        staff_key = ledger.cell(("staff", name), row["staff"])
        took_key = ledger.cell(("took", name), row["took"])
        # Outside the outreach unit, everyone who took part did so from outside it.
        row["outside_key"] = (
            took_key
            if row["outside"] == row["took"]
            else ledger.cell(("outside", name), row["outside"])
        )
        for which, key in (("staff", staff_key), ("took", took_key)):
            ledger.values[(which, "all")] += ledger.values[key]
        ledger.values[("outside", "all")] += row["outside"]
    for which in ("staff", "took"):
        ledger.total((which, "all"), [(which, row["unit"] or "") for row in rows])
    ledger.total(("outside", "all"), [row["outside_key"] for row in rows if row["outside"]])
    return ledger, rows, before


def _personnel_by_unit(outside_only: bool):
    def items(scope: Scope, context: Context) -> list[dict]:
        if "personnel" not in context.ledgers:
            context.ledgers["personnel"] = personnel_ledger(scope)
        ledger, rows, _before = context.ledgers["personnel"]
        return [
            {
                **row,
                "ledger": ledger,
                "took_key": row["outside_key"] if outside_only else ("took", row["unit"] or ""),
            }
            for row in rows
            if not (outside_only and row["outreach"])
        ]

    return items


def _unit_cells(unit: dict, context: Context) -> list:
    ledger, took_key, staff_key = unit["ledger"], unit["took_key"], ("staff", unit["unit"] or "")
    took, staff = ledger.figure(took_key), ledger.figure(staff_key)
    # Took part and personnel beside it give each other back: hidden with either.
    share = percent(took.base, staff.base)
    if took.suppressed or staff.suppressed:
        share = Figure(None, share.base)
    return [
        unit["unit"] or gettext("No unit"),
        gettext("yes") if unit["outreach"] else gettext("no"),
        took,
        staff,
        share,
    ]


UNIT_HEADERS = (
    _("Unit"),
    _("Community outreach unit"),
    _("Took part"),
    _("Personnel"),
    _("Share (%)"),
)


def _by_program_section(key, title, headers, kind, measures):
    """A table of participation by program. `measures(item, shown)` gives the row's
    figures; `shown(value)` is `value` when the program's count is shown, else hidden."""

    def row(item, context):
        ledger, _rows = context.ledgers[kind]
        return _program_cells(item, context) + measures(
            item, lambda value: ledger.share(_program_key(item, kind), value)
        )

    return Section(
        key=key,
        title=title,
        headers=PROGRAM_HEADERS + headers,
        items=_participation_by_program(kind),
        row=row,
        numeric_from=3,
    )


RESIDENTS_BY_PROGRAM = Section(
    key="programs",
    title=_("Residents reached, by program"),
    headers=(*PROGRAM_HEADERS, _("Residents reached")),
    items=_residents_by_program,
    row=lambda item, context: _program_cells(item, context) + [item["figure"]],
    numeric_from=3,
)
RESIDENTS_BY_NEIGHBOURHOOD = Section(
    key="neighbourhoods",
    title=_("Residents reached, by home neighbourhood"),
    headers=(_("Neighbourhood"), _("Residents reached")),
    items=_residents_by_neighbourhood,
    row=lambda item, context: [
        _name(item["neighbourhood__name"], _("Not recorded")),
        item["figure"],
    ],
    numeric_from=1,
)
PARTICIPATIONS_BY_PROGRAM = _by_program_section(
    "programs",
    _("Participations, by program"),
    (_("People"), _("Participations")),
    None,
    lambda item, shown: [shown(item["people"] or 0), shown(item["participations"] or 0)],
)
PARTICIPATIONS_BY_KIND = Section(
    key="kinds",
    title=_("Participations, by kind"),
    headers=(_("Kind of participation"), _("People"), _("Participations")),
    items=_participation_by_kind,
    row=lambda item, context: [
        str(KINDS.get(item["kind"], item["kind"])),
        item["figure"],
        item["records"],
    ],
    numeric_from=1,
)


def _events_section(title, extra: Q | None = None) -> Section:
    return Section(
        key="events",
        title=title,
        headers=EVENT_HEADERS,
        items=_held_events(extra or Q()),
        row=_event_cells,
        numeric_from=4,
    )


def _recommendations_section(title, which: str) -> Section:
    return Section(
        key="recommendations",
        title=title,
        headers=RECOMMENDATION_HEADERS,
        items=_recommendations(which),
        row=_recommendation_cells,
        numeric_from=6,  # days to answer
        text_columns=(7,),
    )


def _personnel_section(title, outside_only: bool) -> Section:
    return Section(
        key="units",
        title=title,
        headers=UNIT_HEADERS,
        items=_personnel_by_unit(outside_only),
        row=_unit_cells,
        numeric_from=2,
    )


DRILL_DOWNS: dict[str, DrillDown] = {
    drill.name: drill
    for drill in [
        DrillDown(
            "residents",
            _("Unique residents reached"),
            _(
                "Identified residents who took part at least once in the period, by program "
                "and by the neighbourhood they live in. A resident who took part in two "
                "programs is counted in both rows, once in the total."
            ),
            (RESIDENTS_BY_PROGRAM, RESIDENTS_BY_NEIGHBOURHOOD),
        ),
        DrillDown(
            "participations",
            _("Participations"),
            _(
                "People who took part in the period, by program and by kind of "
                "participation. A registration for three people who came counts three."
            ),
            (PARTICIPATIONS_BY_PROGRAM, PARTICIPATIONS_BY_KIND),
        ),
        DrillDown(
            "events",
            _("Events held"),
            _("Events in the period that were not cancelled, newest first."),
            (_events_section(_("Events held")),),
        ),
        DrillDown(
            "fill-rate",
            _("Average fill rate"),
            _(
                "Events held in the period that had a seat limit: the share of seats taken "
                "by people registered. The average is the mean of the events' fill rates."
            ),
            (_events_section(_("Events with a seat limit"), Q(capacity__gt=0)),),
        ),
        DrillDown(
            "no-show-rate",
            _("No-show rate"),
            _("Events held in the period: people registered and people marked as no-shows."),
            (_events_section(_("Events held")),),
        ),
        DrillDown(
            "walk-ins",
            _("Walk-ins"),
            _("Events held in the period where people came without registering."),
            (_events_section(_("Events with walk-ins"), Q(walk_ins__gt=0)),),
        ),
        DrillDown(
            "survey-responses",
            _("Survey responses"),
            _("Responses to surveys of each program in the period."),
            (
                _by_program_section(
                    "programs",
                    _("Survey responses, by program"),
                    (_("Responses"),),
                    "survey_response",
                    lambda item, shown: [shown(item["people"] or 0)],
                ),
            ),
        ),
        DrillDown(
            "response-rate",
            _("Survey response rate"),
            _("Surveys whose invitations went out during the period: invitations sent and used."),
            (
                Section(
                    key="surveys",
                    title=_("Surveys sent by invitation"),
                    headers=(
                        _("Survey"),
                        _("Program"),
                        _("First sent"),
                        _("Last sent"),
                        _("Invitations sent"),
                        _("Invitations used"),
                        _("Response rate (%)"),
                    ),
                    items=_surveys_sent,
                    row=_survey_cells,
                    numeric_from=4,
                ),
            ),
        ),
        DrillDown(
            "volunteer-hours",
            _("Volunteer hours"),
            _("Approved volunteer hours in the period, by program."),
            (
                _by_program_section(
                    "programs",
                    _("Volunteer hours, by program"),
                    (_("Hours entries"), _("Hours")),
                    "volunteer_shift",
                    lambda item, shown: [
                        shown(item["people"] or 0),
                        shown(round((item["minutes"] or 0) / 60, 1)),
                    ],
                ),
            ),
        ),
        DrillDown(
            "recommendations-received",
            _("Recommendations received"),
            _("Recommendations from residents received in the period."),
            (_recommendations_section(_("Recommendations received"), "received"),),
        ),
        DrillDown(
            "recommendations-answered",
            _("Recommendations answered"),
            _("Recommendations the agency answered in the period."),
            (_recommendations_section(_("Recommendations answered"), "answered"),),
        ),
        DrillDown(
            "recommendations-overdue",
            _("Recommendations overdue now"),
            _(
                "Recommendations still waiting for the agency's answer after the date it was "
                "due, as of today (the period does not change this list)."
            ),
            (_recommendations_section(_("Overdue recommendations"), "overdue"),),
        ),
        DrillDown(
            "days-to-answer",
            _("Median days to an answer"),
            _(
                "Recommendations answered in the period and how many days each took from "
                "being received to being answered."
            ),
            (_recommendations_section(_("Recommendations answered"), "answered"),),
        ),
        DrillDown(
            "personnel",
            _("Personnel who took part in an engagement"),
            _(
                "Agency personnel (everyone with access to the staff pages) who took part "
                "in at least one event held in the period, by unit."
            ),
            (_personnel_section(_("Personnel by unit"), outside_only=False),),
        ),
        DrillDown(
            "personnel-outside",
            _("Personnel outside the outreach unit"),
            _(
                "Agency personnel outside the community outreach unit who took part in at "
                "least one event held in the period, by unit."
            ),
            (_personnel_section(_("Personnel outside the outreach unit"), outside_only=True),),
        ),
    ]
}


def drill_down_table(drill: DrillDown, section: Section, scope: Scope):
    """Every row of one drill-down table, for the CSV export."""
    context = Context.load()
    rows = [section.row(item, context) for item in section.items(scope, context)]
    return [str(header) for header in section.headers], rows


def _drill_table(drill: DrillDown, section: Section):
    return lambda scope: drill_down_table(drill, section, scope)


TABLES: dict[str, Callable[[Scope], tuple[list[str], list[list]]]] = {
    "overview": table_overview,
    "participation-by-kind": table_participation_by_kind,
    "spectrum-tiers": table_spectrum_tiers,
    "spectrum-types": table_spectrum_types,
    **{
        drill.table_name(section): _drill_table(drill, section)
        for drill in DRILL_DOWNS.values()
        for section in drill.sections
    },
}
