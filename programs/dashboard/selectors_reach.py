"""Reach and representation: participation per 1,000 residents in every neighbourhood,
the representation score, and the population by demographic group.

Reads only the summary tables (ParticipationDay, ReachDay) and the neighbourhoods: the
page costs the same handful of queries whatever the number of participations.

Neighbourhood filter: the representation score compares neighbourhoods with each other, so
a neighbourhood chosen in the filter bar is highlighted in the comparison rather than
hiding the others. The demographic tables and the drill-down lists do narrow to it.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db.models import BigIntegerField, Count, DateField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.accounts.models import Neighbourhood, NeighbourhoodBoundary
from engagement_portal.core.privacy import Figure, Ledger, is_small
from programs.dashboard import grains, selectors_overview
from programs.dashboard.charts import PALETTE, BarChart, bar_chart
from programs.dashboard.demographics import CategoryComparison, compare, table_rows
from programs.dashboard.maps import Map, choropleth
from programs.dashboard.models import (
    ParticipationDay,
    ParticipationDayArea,
    ParticipationMonthArea,
    ReachDay,
)
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_overview import RESIDENTS_CITY, people_by_area
from programs.sources import KINDS

TREND_MONTHS = 12
PER = 1000  # rates are per 1,000 residents

HIDDEN_NEIGHBOURHOOD = gettext_lazy("a neighbourhood with fewer than 10 participations")
BOUNDARIES_NOTE = gettext_lazy(
    "Neighbourhood boundaries are not loaded in this portal, so neighbourhoods are ranked "
    "in a bar chart instead of drawn on a map."
)
SCORE_NOTE = gettext_lazy(
    "The representation score is the lowest neighbourhood's participation rate divided by "
    "the highest: 1 means every neighbourhood takes part at the same rate, 0 means at least "
    "one neighbourhood did not take part at all. It is an aggregate over the whole city, so "
    "it is computed from the true numbers, including neighbourhoods whose own figures are "
    "shown as “fewer than 10” (those are not named next to it, and when one of them is the "
    "lowest or the highest the score is rounded to one decimal, so it cannot give their "
    "number back)."
)
PARTICIPANTS_NOTE = gettext_lazy(
    "Participants are counted by what they chose to tell us: the age group asked when "
    "registering or at the door, the date of birth on an application, and the answers to "
    "demographic questions from the standard bank. Shares of participants are of those who "
    "said; everyone else is counted under “did not say”, so a large “did not say” means "
    "the comparison rests on few people."
)


# --- Shapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """Lowest neighbourhood rate divided by the highest, or None when nobody took part."""

    value: float | None
    lowest: tuple[str, ...] = ()  # neighbourhoods at the lowest rate
    highest: tuple[str, ...] = ()
    # Rounded to one decimal: the lowest or highest neighbourhood's count is hidden, and
    # the exact ratio with the shown populations would give that count back.
    coarse: bool = False

    @property
    def defined(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        if self.value is None:
            return _("undefined")
        return f"{self.value:.1f}" if self.coarse else f"{self.value:.2f}"

    def export(self) -> str:
        if self.value is None:
            return ""
        return f"{self.value:.1f}" if self.coarse else f"{self.value:.3f}"


@dataclass(frozen=True)
class Row:
    """One line of the neighbourhood table."""

    label: str
    neighbourhood: Neighbourhood | None
    population: int | None
    population_share: float | None  # % of the population in all neighbourhoods
    participations: Figure  # people who took part (a party of three is three)
    participation_share: Figure | None  # % of participations with a recorded neighbourhood
    residents: Figure  # unique identified residents reached
    rate: Figure | None  # participations per 1,000 residents; None: no population
    previous_rate: Figure | None
    previous_participations: Figure | None = None
    participations_href: str = ""  # the list behind the figures
    residents_href: str = ""
    selected: bool = False
    kind: str = "neighbourhood"  # or "city" (the city-wide marker) or "not-recorded"

    @property
    def population_text(self) -> str:
        return "—" if self.population is None else f"{self.population:,}"


@dataclass(frozen=True)
class TrendMonth:
    month: date
    score: Score
    participations: Figure  # with a recorded neighbourhood
    partial: bool  # the period ends before the month does


@dataclass(frozen=True)
class Reach:
    scope: Scope
    ranked: list[Row]  # neighbourhoods from the highest rate to the lowest, city marker inside
    neighbourhoods: list[Row]  # the same rows, by name, without the marker
    city: Row
    not_recorded: Row
    score: Score
    previous_score: Score
    trend: list[TrendMonth]
    chart: BarChart
    map: Map | None  # when neighbourhood outlines are loaded
    demographics: list[CategoryComparison]  # participants against the population
    demographics_population: int  # population of the neighbourhoods in scope
    neighbourhoods_without_demographics: list[str]

    @property
    def score_change(self) -> float | None:
        if self.score.value is None or self.previous_score.value is None:
            return None
        return self.score.value - self.previous_score.value

    @property
    def score_change_text(self) -> str:
        change = self.score_change
        return "" if change is None else f"{change:+.2f}"


# --- Arithmetic --------------------------------------------------------------------------


def per_thousand(people: int, population: int) -> float:
    return people / population * PER


def suppressed_rate(
    people: int, population: int | None, *, hidden: bool | None = None
) -> Figure | None:
    """The rate of a neighbourhood, hidden exactly when its count of people is (the
    population is shown, so the rate would give the count back)."""
    if not population:
        return None
    if is_small(people) if hidden is None else hidden:
        return Figure(None, people)
    return Figure(per_thousand(people, population), people)


CITY, NOT_RECORDED = ("city",), ("not-recorded",)


def area_ledger(people: dict[int | None, int], hoods: list[int]) -> Ledger:
    """People by home neighbourhood for one period as the reach page, its CSV and the
    monthly report publish them: the city-wide count is the sum of the neighbourhoods',
    and with those not recorded it makes every participation (the overview's total)."""
    ledger = Ledger()
    parts = [ledger.cell(("hood", pk), people.get(pk, 0)) for pk in sorted(hoods)]
    ledger.cell(CITY, sum(ledger.values[p] for p in parts))
    ledger.total(CITY, parts)
    ledger.cell(NOT_RECORDED, people.get(None, 0))
    ledger.cell(("all",), ledger.values[CITY] + ledger.values[NOT_RECORDED])
    ledger.total(("all",), [CITY, NOT_RECORDED])
    return ledger


def representation_score(
    people: dict[int, int],
    neighbourhoods: list[Neighbourhood] | list[tuple[int, str, int]],
    hidden: Ledger | None = None,
) -> Score:
    """Lowest rate ÷ highest over every neighbourhood with a population; a neighbourhood
    nobody from took part counts as 0. Undefined (None) when nobody took part at all.

    Always from the true numbers: the score describes the whole city, not one small group.
    A neighbourhood at the lowest or highest rate whose own count is hidden ("fewer than
    10") is not named: its name next to the score would point at its hidden number.
    """
    rates = []
    for hood in neighbourhoods:
        pk, name, population = (
            (hood.pk, hood.name, hood.population) if isinstance(hood, Neighbourhood) else hood
        )
        if population:
            n = people.get(pk, 0)
            secret = hidden.hidden(("hood", pk)) if hidden is not None else is_small(n)
            shown_name = str(HIDDEN_NEIGHBOURHOOD) if secret else name
            rates.append((per_thousand(n, population), shown_name))
    if not rates:
        return Score(None)
    top = max(rate for rate, _name in rates)
    if top == 0:
        return Score(None)
    bottom = min(rate for rate, _name in rates)
    hidden = str(HIDDEN_NEIGHBOURHOOD)
    coarse = any(name == hidden for rate, name in rates if rate in (bottom, top))
    return Score(
        round(bottom / top, 1) if coarse else bottom / top,
        lowest=tuple(sorted({name for rate, name in rates if rate == bottom})),
        highest=tuple(sorted({name for rate, name in rates if rate == top})),
        coarse=coarse,
    )


def month_starts(end: date, months: int = TREND_MONTHS) -> list[date]:
    """The first days of the `months` months up to and including `end`'s, oldest first."""
    year, month = end.year, end.month
    starts = []
    for _i in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _percent(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


# --- The page ----------------------------------------------------------------------------


def reach(scope: Scope) -> Reach:
    """Everything on the reach page, in a constant number of queries (eight)."""
    neighbourhoods = list(Neighbourhood.objects.order_by("name"))
    previous = scope.previous()

    both = people_by_area(
        scope, {"current": (scope.start, scope.end), "previous": (previous.start, previous.end)}
    )
    current_people = {hood: n["current"] for hood, n in both.items()}
    previous_people = {hood: n["previous"] for hood, n in both.items()}

    total_population = sum(h.population for h in neighbourhoods)
    pks = [h.pk for h in neighbourhoods]
    now, before = area_ledger(current_people, pks), area_ledger(previous_people, pks)
    recorded, previous_recorded = now.values[CITY], before.values[CITY]
    # Exact distinct residents per neighbourhood, counted where each is first seen in the
    # period (see uniques.py), on the same ledger as the overview's total.
    residents_ledger = selectors_overview.residents_ledger(scope, pks)
    participations_url = reverse("dashboard:drill-down", args=["reach-participations"])
    residents_url = reverse("dashboard:drill-down", args=["reach-residents"])
    rows = []
    for hood in neighbourhoods:
        people = current_people.get(hood.pk, 0)
        query = scope.querystring(neighbourhood=hood.pk)
        key = ("hood", hood.pk)
        rows.append(
            Row(
                label=hood.name,
                neighbourhood=hood,
                population=hood.population,
                population_share=_percent(hood.population, total_population),
                participations=now.figure(key),
                participation_share=_share(now, key),
                residents=residents_ledger.figure(key),
                rate=suppressed_rate(people, hood.population, hidden=now.hidden(key)),
                previous_rate=suppressed_rate(
                    previous_people.get(hood.pk, 0), hood.population, hidden=before.hidden(key)
                ),
                participations_href=f"{participations_url}?{query}",
                residents_href=f"{residents_url}?{query}",
                selected=scope.neighbourhood is not None and scope.neighbourhood.pk == hood.pk,
            )
        )
    city = Row(
        label=_("City-wide"),
        neighbourhood=None,
        population=total_population,
        population_share=100.0 if total_population else None,
        participations=now.figure(CITY),
        participation_share=None,
        residents=residents_ledger.figure(selectors_overview.RESIDENTS_CITY),
        rate=suppressed_rate(recorded, total_population, hidden=now.hidden(CITY)),
        previous_rate=suppressed_rate(
            previous_recorded, total_population, hidden=before.hidden(CITY)
        ),
        previous_participations=before.figure(CITY),
        participations_href=f"{participations_url}?{scope.querystring(neighbourhood='')}",
        residents_href=f"{residents_url}?{scope.querystring(neighbourhood='')}",
        kind="city",
    )
    not_recorded = Row(
        label=_("Neighbourhood not recorded"),
        neighbourhood=None,
        population=None,
        population_share=None,
        participations=now.figure(NOT_RECORDED),
        participation_share=None,
        residents=residents_ledger.figure(selectors_overview.RESIDENTS_NOT_RECORDED),
        rate=None,
        previous_rate=None,
        participations_href=reverse("dashboard:drill-down", args=["reach-not-recorded"])
        + f"?{scope.querystring(neighbourhood='')}",
        kind="not-recorded",
    )

    ranked = _ranked(rows, city)
    return Reach(
        scope=scope,
        ranked=ranked,
        neighbourhoods=rows,
        city=city,
        not_recorded=not_recorded,
        score=representation_score(current_people, neighbourhoods, now),
        previous_score=representation_score(previous_people, neighbourhoods, before),
        trend=_trend(
            scope,
            neighbourhoods,
            {(previous.start, previous.end): before, (scope.start, scope.end): now},
        ),
        chart=_chart(ranked),
        map=choropleth(rows, _outlines()),
        **_demographics(scope, neighbourhoods),
    )


def _outlines() -> dict[int, dict]:
    return dict(NeighbourhoodBoundary.objects.values_list("neighbourhood_id", "geometry"))


def reach_score(scope: Scope) -> Score:
    """The representation score of the scope's period alone (two queries)."""
    neighbourhoods = list(Neighbourhood.objects.values_list("pk", "name", "population"))
    people = {
        hood: n["n"] for hood, n in people_by_area(scope, {"n": (scope.start, scope.end)}).items()
    }
    ledger = area_ledger(people, [pk for pk, _name, _population in neighbourhoods])
    return representation_score(
        {k: v for k, v in people.items() if k is not None}, neighbourhoods, ledger
    )


def _share(ledger: Ledger, key) -> Figure:
    """A neighbourhood's share of the city's participations: hidden with its count, and
    with the city's (a share of a shown count gives its denominator back)."""
    people, recorded = ledger.values[key], ledger.values[CITY]
    if ledger.hidden(key) or ledger.hidden(CITY):
        return Figure(None, people)
    if not recorded:
        return Figure(0.0, people)
    return Figure(people / recorded * 100, people)


def _ranked(rows: list[Row], city: Row) -> list[Row]:
    """Highest rate first. Rates shown as "fewer than 10" come after every rate above zero
    (they rest on 1 to 9 people, so they are above zero too) and before the zeros, in
    name order: their position must not tell their size. The city-wide row is placed
    where its rate falls."""
    known = sorted(
        (r for r in rows if r.rate is not None and r.rate.value),
        key=lambda r: (-r.rate.value, r.label),
    )
    hidden = [r for r in rows if r.rate is not None and r.rate.suppressed]
    zero = [r for r in rows if r.rate is not None and r.rate.value == 0]
    no_population = [r for r in rows if r.rate is None]
    ranked = known + hidden + zero + no_population
    if city.rate is None or city.rate.suppressed:
        return ranked
    if city.rate.value:
        position = next(
            (i for i, r in enumerate(known) if r.rate.value < city.rate.value), len(known)
        )
    else:
        position = len(known) + len(hidden)
    return ranked[:position] + [city] + ranked[position:]


def _chart(ranked: list[Row]) -> BarChart:
    bars = []
    for row in ranked:
        if row.rate is None:
            continue
        colour = PALETTE[1] if row.kind == "city" else PALETTE[0]
        bars.append((row.label, row.rate, str(row.rate), row.participations_href, colour))
    return bar_chart(_("Participation per 1,000 residents, highest first"), bars)


def _trend(
    scope: Scope, neighbourhoods: list[Neighbourhood], known: dict[tuple[date, date], Ledger]
) -> list[TrendMonth]:
    """The score and the city-wide count month by month. A month that is the page's own
    period takes its ledger, so the city's count is hidden there exactly as above."""
    starts = month_starts(scope.end)
    periods = {
        start: (start, min(scope.end, grains.next_month(start) - timedelta(days=1)))
        for start in starts
    }
    by_month = _people_by_month(scope, starts[0])
    facts = [(h.pk, h.name, h.population) for h in neighbourhoods]
    trend = []
    for start in starts:
        people = by_month.get(start, {})
        ledger = known.get(periods[start]) or area_ledger(people, [h.pk for h in neighbourhoods])
        trend.append(
            TrendMonth(
                month=start,
                score=representation_score(
                    {k: v for k, v in people.items() if k is not None}, facts, ledger
                ),
                participations=ledger.figure(CITY),
                partial=start.year == scope.end.year
                and start.month == scope.end.month
                and _is_before_month_end(scope.end),
            )
        )
    return trend


def _people_by_month(scope: Scope, first: date) -> dict[date, dict[int | None, int]]:
    """{first day of a month: {home neighbourhood (None: not recorded): people}} from
    `first` (a month's first day) to the end of the period, counted as people_by_area
    counts a period (the scope's tier, type and program, not its neighbourhood), in one
    query grouped by month: one sum per month and neighbourhood, where a sum per month as
    a column was twelve filtered sums over the same rows."""
    if scope.tier or scope.engagement_type or scope.program:
        query = (
            ParticipationDay.objects.filter(
                scope.q(day=None, with_neighbourhood=False), day__gte=first, day__lte=scope.end
            )
            .annotate(month=TruncMonth("day"))
            .values("month", "neighbourhood_id")
            .annotate(n=Sum("people"))
            .values_list("month", "neighbourhood_id", "n")
            .order_by()
        )
    else:
        # From a month's first day, the only days not in whole months are those of the
        # period's last month, up to its end.
        months, days = grains.split(first, scope.end).q(month="month", day="day")
        whole = (
            ParticipationMonthArea.objects.filter(months)
            .values("month", "area")
            .annotate(n=Sum("people"))
            .values_list("month", "area", "n")
            .order_by()
        )
        ends = (
            ParticipationDayArea.objects.filter(days)
            .annotate(
                month=Value(scope.end.replace(day=1), output_field=DateField()),
                area=Coalesce(F("neighbourhood_id"), Value(0), output_field=BigIntegerField()),
            )
            .values("month", "area")
            .annotate(n=Sum("people"))
            .values_list("month", "area", "n")
            .order_by()
        )
        query = whole.union(ends, all=True)
    by_month: dict[date, dict[int | None, int]] = defaultdict(dict)
    for month, hood, people in query:
        if people:
            counts = by_month[month]
            counts[hood or None] = counts.get(hood or None, 0) + people
    return by_month


def _is_before_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).month == day.month


def _demographics(scope: Scope, neighbourhoods: list[Neighbourhood]) -> dict:
    """Participants against the population by group (two queries), for the neighbourhoods
    in scope. A neighbourhood without shares for a category puts its population under
    "not recorded"."""
    hoods = [h for h in neighbourhoods if scope.neighbourhood is None or h == scope.neighbourhood]
    return {
        "demographics": compare(scope, neighbourhoods),
        "demographics_population": sum(h.population for h in hoods),
        "neighbourhoods_without_demographics": [h.name for h in hoods if not h.demographics],
    }


# --- Drill-down lists: aggregates by program, never people ------------------------------


def _participations_by_program(q: Q, scope: Scope, area) -> list[list]:
    """Rows by program and kind; their people add up to the reach page's count for
    `area` (a neighbourhood's pk, CITY or NOT_RECORDED), taken as that page shows it."""
    rows = list(
        ParticipationDay.objects.filter(q)
        .values("program__title", "tier", "kind")
        .annotate(participations=Sum("participations"), people=Sum("people"))
        .order_by("program__title", "kind")
    )
    pks = list(Neighbourhood.objects.values_list("pk", flat=True))
    area_key = ("hood", area) if isinstance(area, int) else area
    reach_page = area_ledger(people_by_area_now(scope), pks)
    ledger = Ledger()
    ledger.cell(area_key, reach_page.values[area_key], hidden=reach_page.hidden(area_key))
    parts = [ledger.cell(("row", i), row["people"]) for i, row in enumerate(rows)]
    if ledger.values[area_key] == sum(ledger.values[p] for p in parts):
        ledger.total(area_key, parts)
    return [
        [
            row["program__title"],
            row["tier"],
            str(KINDS.get(row["kind"], row["kind"])),
            ledger.share(("row", i), row["participations"] or 0),
            ledger.figure(("row", i)),
        ]
        for i, row in enumerate(rows)
    ]


def people_by_area_now(scope: Scope) -> dict[int | None, int]:
    """People by home neighbourhood in the scope's period, as the reach page counts them."""
    both = people_by_area(replace(scope, neighbourhood=None), {"now": (scope.start, scope.end)})
    return {hood: n["now"] for hood, n in both.items()}


PARTICIPATION_HEADERS = [
    gettext_lazy("Program"),
    gettext_lazy("Tier"),
    gettext_lazy("How people took part"),
    gettext_lazy("Records"),
    gettext_lazy("People"),
]


def drill_participations(scope: Scope):
    q = scope.q()
    if scope.neighbourhood is None:
        q &= Q(neighbourhood__isnull=False)  # "not recorded" has a list of its own
    where = scope.neighbourhood.name if scope.neighbourhood else _("every neighbourhood")
    return (
        _("Participations by program: %(where)s") % {"where": where},
        PARTICIPATION_HEADERS,
        _participations_by_program(
            q, scope, scope.neighbourhood.pk if scope.neighbourhood else CITY
        ),
    )


def drill_not_recorded(scope: Scope):
    q = scope.q(with_neighbourhood=False) & Q(neighbourhood__isnull=True)
    return (
        _("Participations with no neighbourhood recorded, by program"),
        PARTICIPATION_HEADERS,
        _participations_by_program(q, scope, NOT_RECORDED),
    )


def drill_residents(scope: Scope):
    q = scope.q()
    if scope.neighbourhood is None:
        q &= Q(neighbourhood__isnull=False)
    rows = list(
        ReachDay.objects.filter(q)
        .values("program__title", "tier")
        .annotate(n=Count("resident", distinct=True))
        .order_by("program__title")
    )
    # Protected against the reach page's residents of the area as it shows them, as if
    # the programs added up to it (a resident in two programs only widens a reader's
    # guess): see selectors_overview._residents_by_program.
    area = ("hood", scope.neighbourhood.pk) if scope.neighbourhood else RESIDENTS_CITY
    page = selectors_overview.residents_ledger(scope)
    ledger = Ledger()
    ledger.cell(area, page.values.get(area, 0), hidden=page.hidden(area))
    ledger.total(area, [ledger.cell(("row", i), row["n"]) for i, row in enumerate(rows)])
    where = scope.neighbourhood.name if scope.neighbourhood else _("every neighbourhood")
    return (
        _("Unique residents reached by program: %(where)s") % {"where": where},
        [gettext_lazy("Program"), gettext_lazy("Tier"), gettext_lazy("Unique residents")],
        [
            [row["program__title"], row["tier"], ledger.figure(("row", i))]
            for i, row in enumerate(rows)
        ],
    )


DRILL_DOWNS = {
    "reach-participations": drill_participations,
    "reach-not-recorded": drill_not_recorded,
    "reach-residents": drill_residents,
}


# --- CSV tables ---------------------------------------------------------------------------


def table_neighbourhoods(scope: Scope):
    data = reach(scope)
    headers = [
        _("Neighbourhood"),
        _("Code"),
        _("Population"),
        _("Share of population (%)"),
        _("Participations"),
        _("Share of participations (%)"),
        _("Unique residents reached"),
        _("Participations per 1,000 residents"),
        _("Per 1,000 residents, previous period"),
    ]
    rows = []
    for row in data.neighbourhoods + [data.not_recorded, data.city]:
        rows.append(
            [
                row.label,
                row.neighbourhood.code if row.neighbourhood else "",
                "" if row.population is None else row.population,
                "" if row.population_share is None else round(row.population_share, 1),
                row.participations,
                _round_figure(row.participation_share),
                row.residents,
                _round_figure(row.rate),
                _round_figure(row.previous_rate),
            ]
        )
    return headers, rows


def _round_figure(figure: Figure | None):
    if figure is None:
        return ""
    if figure.value is None:
        return figure
    return Figure(round(figure.value, 1), figure.base)


def table_score_trend(scope: Scope):
    data = reach(scope)
    previous = scope.previous()
    headers = [_("Period"), _("From"), _("To"), _("Representation score"), _("Participations")]
    rows = [
        [_("This period"), scope.start, scope.end, data.score.export(), data.city.participations],
        [
            _("Previous period"),
            previous.start,
            previous.end,
            data.previous_score.export(),
            data.city.previous_participations,
        ],
    ]
    for month in data.trend:
        last = _month_end(month.month)
        rows.append(
            [
                month.month.strftime("%Y-%m"),
                month.month,
                min(last, scope.end),
                month.score.export(),
                month.participations,
            ]
        )
    return headers, rows


def _month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def table_demographics(scope: Scope):
    return table_rows(compare(scope, list(Neighbourhood.objects.order_by("name"))))


TABLES = {
    "reach-neighbourhoods": table_neighbourhoods,
    "reach-score-trend": table_score_trend,
    "reach-demographics": table_demographics,
}
