"""Trust and satisfaction: how residents answer the agency's standard survey questions,
by month, by neighbourhood and before and after a program, each mean with its 95 %
confidence interval.

Reads only StandardAnswerMonth (per survey, calendar month, standard question and the
respondent's neighbourhood: the number of answers, their sum, the sum of their squares
and how many agree), or one of its two rollups when the query and the filters allow (see
`_answers`), and the small tables beside it (standard questions, programs,
neighbourhoods, survey titles): the page costs the same handful of queries whatever the
number of responses.

Months are calendar months: the summary keeps months, not days, so every month that
overlaps the period counts whole.

Confidence interval of a mean: mean ± t(0.975, n − 1) · s / √n, Student's t, with the
standard deviation from the sums, s² = (Σx² − (Σx)² / n) / (n − 1), and the interval cut
at the ends of the answer scale. Two means differ "for real" when their intervals do not
overlap: a cautious test, which calls fewer changes real than a test of the difference.

Anonymous answers reach the summary only when published in groups of 10
(surveys.services.release_held_responses), never from the
transaction that stored them: they show up here a little later, on purpose.
"""

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from statistics import NormalDist

from django.db.models import F, Max, Min, Q, Sum
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.core.dates import abbr_date
from engagement_portal.core.privacy import Figure, Ledger, count, rate
from programs.dashboard.charts import PALETTE, TrendChart, TrendRow, trend_chart
from programs.dashboard.models import (
    StandardAnswerArea,
    StandardAnswerMonth,
    StandardAnswerSurveyMonth,
)
from programs.dashboard.scope import Scope
from surveys.models import Question, StandardItem, Survey, pick
from surveys.results import SCALE_VALUES

MONTHS_NOTE = gettext_lazy(
    "Trust is counted by calendar month: every month that overlaps the period counts "
    "whole, from its first day to its last."
)
INTERVAL_NOTE = gettext_lazy(
    "Each mean comes with its confidence interval (95 %), worked out with Student’s t "
    "distribution from the number of answers and their spread; intervals stop at the "
    "ends of the answer scale. A change is called “a real change” only when the two "
    "intervals do not overlap; when they overlap the change is “within the margin of "
    "error”. That is a cautious test: a small real change can still read as within the "
    "margin of error."
)
ANONYMOUS_NOTE = gettext_lazy(
    "Answers to anonymous surveys are added in batches, every 15 minutes, so that the "
    "time they arrive cannot point to whoever sent them."
)
NEIGHBOURHOOD_NOTE = gettext_lazy(
    "By the neighbourhood respondents gave. Neighbourhoods with fewer than 10 answers to "
    "a question are listed under the table, without figures."
)
BEFORE_AFTER_NOTE = gettext_lazy(
    "For each standard question that two or more of the program’s surveys asked, the "
    "earliest survey (for example at intake) is compared with the latest (for example at "
    "graduation). Only answers in the period above count: widen the period if a program’s "
    "first survey was earlier."
)

ROW_STRIP = 180  # px of the small interval drawn in a neighbourhood's table row
COMPARISON_STRIP = 320  # px of the before/after drawing


# --- Statistics ---------------------------------------------------------------------------


@cache  # one per number of answers: a page asks for the same few hundred again and again
def t_critical(df: int) -> float:
    """t(0.975, df) of Student's distribution, from the Cornish–Fisher expansion around
    the normal quantile (Abramowitz & Stegun 26.7.5). Within 2e-5 of the exact value
    from df = 9 up, which is where a figure is shown at all (10 answers or more)."""
    x = NormalDist().inv_cdf(0.975)
    g1 = (x**3 + x) / 4
    g2 = (5 * x**5 + 16 * x**3 + 3 * x) / 96
    g3 = (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384
    g4 = (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160
    return x + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class Sums:
    """What the summary keeps of some answers: enough for a mean and its interval."""

    n: int = 0
    total: int = 0
    total_sq: int = 0
    agree: int = 0

    def __add__(self, other: "Sums") -> "Sums":
        return Sums(
            self.n + other.n,
            self.total + other.total,
            self.total_sq + other.total_sq,
            self.agree + other.agree,
        )

    @classmethod
    def of(cls, row: dict) -> "Sums":
        return cls(row["n"] or 0, row["total"] or 0, row["total_sq"] or 0, row["agree"] or 0)


@dataclass(frozen=True)
class AnswerScale:
    """The range of a standard question's answers, and whether "% agree" applies."""

    kind: str
    minimum: int
    maximum: int

    @classmethod
    def of(cls, item: StandardItem) -> "AnswerScale":
        values = SCALE_VALUES.get(item.kind, range(0, 11))
        return cls(item.kind, min(values), max(values))

    @property
    def agreement(self) -> bool:
        return self.kind == Question.Kind.AGREEMENT

    @property
    def text(self) -> str:
        if self.kind == Question.Kind.AGREEMENT:
            return _("Answers from 1 (strongly disagree) to 5 (strongly agree).")
        if self.kind == Question.Kind.YES_NO:
            return _("Share answering yes, from 0 to 1.")
        return _("Answers from %(low)s to %(high)s; higher is better.") % {
            "low": self.minimum,
            "high": self.maximum,
        }

    def clamp(self, value: float) -> float:
        return min(max(value, self.minimum), self.maximum)


def _number(value: float | None, digits: int = 2) -> str:
    """What number_format(round(value, digits), digits) prints (rounded first, so 4.066
    reads 4.07), without its general case: no thousands separator is used, and these are
    means and percentages, never in exponent notation. Thousands of them on a page."""
    if value is None:
        return ""
    return f"{round(value, digits):.{digits}f}".replace(".", get_format("DECIMAL_SEPARATOR"))


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95 % confidence interval, all hidden below MIN_PEOPLE answers."""

    n: int
    respondents: Figure
    mean: Figure
    low: Figure
    high: Figure
    agree: Figure | None  # percent agreeing (4 or 5); None for questions without "agree"

    @classmethod
    def of(cls, sums: Sums, scale: AnswerScale, *, hidden: bool = False) -> "Estimate":
        """`hidden`: withheld although 10 or more answered (a secondary suppression: see
        respondent_ledgers)."""
        n = sums.n
        mean = rate(sums.total, n)
        agree = rate(sums.agree, n, scale=100) if scale.agreement else None
        if hidden:
            nothing = Figure(None, n)
            return cls(n, nothing, nothing, nothing, nothing, nothing if agree else None)
        if mean.suppressed:
            return cls(n, count(n), mean, Figure(None, n), Figure(None, n), agree)
        # (Σx² − (Σx)²/n) / (n − 1), with an integer numerator: no cancellation error.
        variance = max(0, n * sums.total_sq - sums.total**2) / (n * (n - 1))
        half = t_critical(n - 1) * math.sqrt(variance / n)
        low = Figure(scale.clamp(mean.value - half), n)
        high = Figure(scale.clamp(mean.value + half), n)
        return cls(n, count(n), mean, low, high, agree)

    @property
    def suppressed(self) -> bool:
        return self.mean.suppressed

    @property
    def empty(self) -> bool:
        return self.n == 0

    @property
    def mean_text(self) -> str:
        return str(self.mean) if self.suppressed else _number(self.mean.value)

    @property
    def low_text(self) -> str:
        return str(self.low) if self.suppressed else _number(self.low.value)

    @property
    def high_text(self) -> str:
        return str(self.high) if self.suppressed else _number(self.high.value)

    @property
    def interval_text(self) -> str:
        if self.suppressed:
            return str(self.mean)
        return _("%(low)s to %(high)s") % {"low": self.low_text, "high": self.high_text}

    @property
    def agree_text(self) -> str:
        if self.agree is None:
            return "—"
        if self.agree.suppressed:
            return str(self.agree)
        return f"{_number(self.agree.value, 0)} %"

    def overlaps(self, other: "Estimate") -> bool:
        return self.low.value <= other.high.value and other.low.value <= self.high.value

    def export(self, agreement: bool) -> list:
        """Respondents, mean, interval and % agree as a CSV row shows them."""
        return [
            self.respondents,
            _rounded(self.mean, 3),
            _rounded(self.low, 3),
            _rounded(self.high, 3),
            _rounded(self.agree, 1) if agreement and self.agree is not None else "",
        ]


def _rounded(figure: Figure, digits: int) -> Figure:
    return figure if figure.suppressed else Figure(round(figure.value, digits), figure.base)


@dataclass(frozen=True)
class Verdict:
    """The difference between two estimates and whether it is more than the margin."""

    difference: Figure
    real: bool | None  # None: not compared (fewer than 10 on a side)

    @classmethod
    def between(cls, before: Estimate, after: Estimate) -> "Verdict":
        base = min(before.n, after.n)
        if before.suppressed or after.suppressed:
            return cls(Figure(None, base), None)
        return cls(Figure(after.mean.value - before.mean.value, base), not before.overlaps(after))

    @property
    def difference_text(self) -> str:
        if self.difference.suppressed:
            return "—"
        value = self.difference.value
        sign = "+" if value > 0.005 else "−" if value < -0.005 else "±"
        return sign + _number(abs(value))

    @property
    def text(self) -> str:
        if self.real is None:
            return _("Not compared: fewer than 10 answers on one side.")
        if self.real:
            return _("That is a real change: the two intervals do not overlap.")
        return _("That is within the margin of error: the two intervals overlap.")

    @property
    def short(self) -> str:
        if self.real is None:
            return ""
        return _("a real change") if self.real else _("within the margin of error")


# --- The period's months ------------------------------------------------------------------


def months_between(first: date, last: date) -> list[date]:
    """The first days of the calendar months from `first`'s to `last`'s (never past
    December 9999)."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_label(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _filter(scope: Scope, *, with_program: bool = True) -> Q:
    """Months overlapping the period; tier and type through the survey's program; the
    respondent's neighbourhood."""
    q = Q(month__gte=scope.start.replace(day=1), month__lte=scope.end)
    return q & scope.q(
        day=None,
        tier="program__engagement_type__tier__number",
        engagement_type="program__engagement_type",
        program="program" if with_program else None,
        neighbourhood="neighbourhood",
    )


SUMS = {"n": Sum("n"), "total": Sum("total"), "total_sq": Sum("total_sq"), "agree": Sum("agree")}


def _answers(
    scope: Scope, *, survey: bool = False, neighbourhood: bool = False, with_program: bool = True
):
    """The smallest summary that has what a query needs, filtered to the scope.

    StandardAnswerMonth has a row per month, question, survey and neighbourhood: close to
    one per answer in a big city. Its rollups drop dimensions: per survey (no
    neighbourhood) and per neighbourhood (no survey, so no program). A query that needs
    the survey (`survey`) or the neighbourhood (`neighbourhood`), and the scope's filters,
    decide which one can answer."""
    by_program = bool(scope.tier or scope.engagement_type or (with_program and scope.program))
    if not survey and not by_program:
        model = StandardAnswerArea
    elif not neighbourhood and scope.neighbourhood is None:
        model = StandardAnswerSurveyMonth
    else:
        model = StandardAnswerMonth
    return model.objects.filter(_filter(scope, with_program=with_program))


def _items() -> list[StandardItem]:
    # Demographic items describe who answered, not how they rate the agency.
    return list(StandardItem.objects.filter(category="").order_by("position", "key"))


# --- By month -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendMonth:
    month: date
    estimate: Estimate
    label: str  # month_label(month)

    @property
    def n(self) -> int:
        return self.estimate.n


@dataclass(frozen=True)
class Change:
    """From the first to the last month shown with a figure."""

    first: TrendMonth
    last: TrendMonth
    verdict: Verdict

    @property
    def sentence(self) -> str:
        values = {
            "first": self.first.label,
            "last": self.last.label,
            "before": self.first.estimate.mean_text,
            "after": self.last.estimate.mean_text,
            "change": self.verdict.difference_text,
        }
        went = _(
            "From %(first)s to %(last)s the mean went from %(before)s to %(after)s (%(change)s)."
        )
        return f"{went % values} {self.verdict.text}"


@dataclass
class ItemTrend:
    item: StandardItem
    text: str
    scale: AnswerScale
    months: list[TrendMonth]
    change: Change | None
    chart: TrendChart

    @property
    def hidden_columns(self) -> range:
        """Cells computed from the count (mean, interval, % agree), dashes when hidden."""
        return range(4 if self.scale.agreement else 3)

    @property
    def shown_months(self) -> int:
        return sum(1 for m in self.months if not m.estimate.suppressed)

    @property
    def change_sentence(self) -> str:
        if self.change is not None:
            return self.change.sentence
        return _("Fewer than two months have 10 answers or more: there is no change to show.")


class _Words:
    """The words every month of every question's trend uses, translated once per page
    rather than once per month (five years of eight questions are hundreds of months)."""

    def __init__(self, months: list[date]):
        self.labels = {m: month_label(m) for m in months}
        self.ticks = {m: abbr_date(m, "M") for m in months}
        self.no_answers = _("no answers")
        self.few = _("fewer than 10 answers")
        self.figures = _("mean %(mean)s, 95 %% interval %(low)s to %(high)s, %(n)s answers")
        self.none = _("none")

    def month_text(self, estimate: Estimate) -> str:
        if estimate.empty:
            return self.no_answers
        if estimate.suppressed:
            return self.few
        return self.figures % {
            "mean": estimate.mean_text,
            "low": estimate.low_text,
            "high": estimate.high_text,
            "n": estimate.respondents,
        }


def _trend(
    item: StandardItem,
    months: list[date],
    sums: dict[date, Sums],
    ledger: Ledger,
    words: _Words | None = None,
) -> ItemTrend:
    scale = AnswerScale.of(item)
    text = pick(item.text)
    words = words or _Words(months)
    trend_months = [
        TrendMonth(
            m,
            Estimate.of(sums.get(m, Sums()), scale, hidden=ledger.hidden(("month", m))),
            words.labels[m],
        )
        for m in months
    ]
    shown = [m for m in trend_months if not m.estimate.suppressed]
    change = None
    if len(shown) >= 2:
        change = Change(shown[0], shown[-1], Verdict.between(shown[0].estimate, shown[-1].estimate))
    rows = [
        TrendRow(
            label=m.label,
            value=m.estimate.mean.value,
            low=m.estimate.low.value,
            high=m.estimate.high.value,
            text=words.month_text(m.estimate),
            tick=words.ticks[m.month],
            year=str(m.month.year),
            gap=words.none if m.estimate.empty else "<10",
        )
        for m in trend_months
    ]
    chart = trend_chart(
        _("Mean by month for “%(question)s”") % {"question": text},
        rows,
        minimum=scale.minimum,
        maximum=scale.maximum,
    )
    return ItemTrend(item, text, scale, trend_months, change, chart)


def _by_month(scope: Scope) -> dict[int, dict[date, Sums]]:
    """{question: {month: sums}} (one query)."""
    rows = _answers(scope).values("item_id", "month").annotate(**SUMS).order_by()
    by_item: dict[int, dict[date, Sums]] = defaultdict(dict)
    for row in rows:
        by_item[row["item_id"]][row["month"]] = Sums.of(row)
    return by_item


def _by_hood(scope: Scope) -> tuple[dict[int, dict[int | None, Sums]], dict[int, str]]:
    """{question: {respondent's neighbourhood: sums}} and the neighbourhoods' names (one
    query)."""
    # The name is an aggregate, not a key: grouping by a text column too made PostgreSQL
    # sort every row (on disk over five years of a city) instead of hashing them.
    rows = (
        _answers(scope, neighbourhood=True)
        .values("item_id", "neighbourhood_id")
        .annotate(**SUMS, neighbourhood__name=Max("neighbourhood__name"))
        .order_by()
    )
    by_item: dict[int, dict[int | None, Sums]] = defaultdict(dict)
    names: dict[int, str] = {}
    for row in rows:
        by_item[row["item_id"]][row["neighbourhood_id"]] = Sums.of(row)
        if row["neighbourhood_id"] is not None:
            names[row["neighbourhood_id"]] = row["neighbourhood__name"]
    return by_item, names


@dataclass(frozen=True)
class Answers:
    """The period's answers to each standard question by month and by neighbourhood, and
    one ledger per question: the page shows the respondents of the whole period ("All
    respondents"), of every month and of every neighbourhood, and both add up to the
    whole, so a month or a neighbourhood withheld is protected against the others."""

    by_month: dict[int, dict[date, Sums]]
    by_hood: dict[int, dict[int | None, Sums]]
    names: dict[int, str]
    ledgers: dict[int, Ledger]

    @classmethod
    def of(cls, scope: Scope) -> "Answers":
        """Two queries."""
        by_month = _by_month(scope)
        by_hood, names = _by_hood(scope)
        return cls(by_month, by_hood, names, respondent_ledgers(by_month, by_hood))


def respondent_ledgers(by_month: dict, by_hood: dict) -> dict[int, Ledger]:
    """One ledger of respondents per question: months and neighbourhoods, each adding up
    to everyone who answered it in the period (when they do)."""
    ledgers = {}
    for item_id in {*by_month, *by_hood}:
        ledger = Ledger()
        months = {m: sums.n for m, sums in by_month.get(item_id, {}).items()}
        hoods = {h: sums.n for h, sums in by_hood.get(item_id, {}).items()}
        everyone = sum(hoods.values()) if hoods else sum(months.values())
        ledger.cell(("all",), everyone)
        for key, parts in ((("month",), months), (("hood",), hoods)):
            cells = [ledger.cell((*key, k), n) for k, n in parts.items()]
            if cells and sum(parts.values()) == everyone:
                ledger.total(("all",), cells)
        ledgers[item_id] = ledger
    return ledgers


def trends(
    scope: Scope, items: list[StandardItem] | None = None, answers: Answers | None = None
) -> list[ItemTrend]:
    """Each standard question asked in the scope, by calendar month (two queries, plus one
    for the questions when not given; none with `answers`). Months run from the first to
    the last with any answer, gaps included."""
    items = _items() if items is None else items
    answers = Answers.of(scope) if answers is None else answers
    by_item = answers.by_month
    seen = [month for months in by_item.values() for month in months]
    if not seen:
        return []
    months = months_between(min(seen), max(seen))
    words = _Words(months)
    return [
        _trend(item, months, by_item[item.pk], answers.ledgers[item.pk], words)
        for item in items
        if item.pk in by_item
    ]


# --- By neighbourhood ---------------------------------------------------------------------


@dataclass(frozen=True)
class Strip:
    """The answer scale drawn across `width` px, for the small interval drawings. SVG
    coordinates are strings: a localised float ("12,5") is no SVG length."""

    scale: AnswerScale
    width: int
    pad: int = 10

    def x(self, value: float) -> str:
        span = (self.scale.maximum - self.scale.minimum) or 1
        share = (self.scale.clamp(value) - self.scale.minimum) / span
        return f"{self.pad + share * (self.width - 2 * self.pad):.1f}"

    def of(self, estimate: Estimate) -> dict[str, str]:
        """x of the mean and the interval's ends; empty when the estimate is hidden."""
        if estimate.suppressed:
            return {}
        return {
            "mean": self.x(estimate.mean.value),
            "low": self.x(estimate.low.value),
            "high": self.x(estimate.high.value),
        }

    @property
    def ends(self) -> tuple[str, str]:
        return self.x(self.scale.minimum), self.x(self.scale.maximum)

    @property
    def ticks(self) -> list[tuple[str, int]]:
        step = 1 if self.scale.maximum - self.scale.minimum <= 5 else 2
        values = range(self.scale.minimum, self.scale.maximum + 1, step)
        return [(self.x(value), value) for value in values]


@dataclass(frozen=True)
class AreaRow:
    label: str
    estimate: Estimate
    strip: Strip
    everyone: bool = False
    recorded: bool = True  # False for the row of respondents who gave no neighbourhood

    @cached_property
    def drawn(self) -> dict[str, str]:
        """Strip.of(estimate): drawn on the question's page only."""
        return self.strip.of(self.estimate)


@dataclass
class ItemNeighbourhoods:
    item: StandardItem
    text: str
    scale: AnswerScale
    strip: Strip
    overall: AreaRow
    rows: list[AreaRow]  # neighbourhoods with 10 answers or more
    few: list[AreaRow]  # neighbourhoods with 1 to 9 answers: named, no figures
    compared: bool = True  # False when the scope is one neighbourhood: no "all" row

    @property
    def table_rows(self) -> list[AreaRow]:
        return [self.overall, *self.rows] if self.compared else self.rows

    @property
    def few_names(self) -> str:
        return ", ".join(row.label for row in self.few)

    @property
    def headline(self) -> AreaRow | None:
        """The row the trust page's summary shows: all respondents, or the neighbourhood
        chosen in the filter (its table then has no "all respondents" row)."""
        if self.compared:
            return self.overall
        return next(iter([*self.rows, *self.few]), None)

    def _extreme(self, pick_one) -> tuple[str, str] | None:
        """(names, mean) of the neighbourhoods whose shown mean is `pick_one` of the shown
        means; None when fewer than two neighbourhoods have a figure."""
        means = {row.label: row.estimate.mean.value for row in self.rows if row.recorded}
        if len(means) < 2:
            return None
        value = pick_one(means.values())
        names = ", ".join(label for label, mean in means.items() if mean == value)
        return names, _number(value)

    @property
    def lowest(self) -> tuple[str, str] | None:
        return self._extreme(min)

    @property
    def highest(self) -> tuple[str, str] | None:
        return self._extreme(max)


def not_recorded_label() -> str:
    return _("Neighbourhood not given")


def by_neighbourhood(
    scope: Scope, items: list[StandardItem] | None = None, answers: Answers | None = None
) -> list[ItemNeighbourhoods]:
    """Each standard question over the whole period, per respondent's neighbourhood, the
    figures only where 10 or more answered and no other figure gives them back (two
    queries, plus one for the questions; none with `answers`)."""
    items = _items() if items is None else items
    answers = Answers.of(scope) if answers is None else answers
    by_item, names = answers.by_hood, answers.names

    def order(hood_id):
        return (hood_id is None, names.get(hood_id, "").lower())

    result = []
    for item in items:
        hoods = by_item.get(item.pk)
        if not hoods:
            continue
        scale = AnswerScale.of(item)
        strip = Strip(scale, ROW_STRIP)
        ledger = answers.ledgers[item.pk]
        overall = Estimate.of(sum(hoods.values(), Sums()), scale, hidden=ledger.hidden(("all",)))
        shown, few = [], []
        for hood_id in sorted(hoods, key=order):
            estimate = Estimate.of(hoods[hood_id], scale, hidden=ledger.hidden(("hood", hood_id)))
            label = names.get(hood_id) or not_recorded_label()
            row = AreaRow(label, estimate, strip, recorded=hood_id is not None)
            (few if estimate.suppressed else shown).append(row)
        result.append(
            ItemNeighbourhoods(
                item=item,
                text=pick(item.text),
                scale=scale,
                strip=strip,
                overall=AreaRow(_("All respondents"), overall, strip, True),
                rows=shown,
                few=few,
                compared=scope.neighbourhood is None,
            )
        )
    return result


# --- Before and after a program -----------------------------------------------------------


@dataclass(frozen=True)
class ProgramChoice:
    pk: int
    title: str
    last_month: date


def comparable_programs(scope: Scope) -> list[ProgramChoice]:
    """Programs with two or more surveys that asked the same standard question in the
    scope, most recently surveyed first (one query)."""
    rows = (
        _answers(scope, survey=True, with_program=False)
        .exclude(program=None)
        .values("program_id", "program__title", "item_id")
        # Two surveys or more: the smallest and largest survey ids differ. COUNT(DISTINCT)
        # sorted every row of the period, which grows with the city's surveys.
        .annotate(first_survey=Min("survey_id"), last_survey=Max("survey_id"), last=Max("month"))
        .filter(first_survey__lt=F("last_survey"))
        .order_by()
    )
    programs: dict[int, ProgramChoice] = {}
    for row in rows:
        known = programs.get(row["program_id"])
        if known is None or row["last"] > known.last_month:
            programs[row["program_id"]] = ProgramChoice(
                row["program_id"], row["program__title"], row["last"]
            )
    return sorted(programs.values(), key=lambda p: (-p.last_month.toordinal(), p.title.lower()))


@dataclass(frozen=True)
class SurveySide:
    survey_id: int
    title: str
    first_month: date
    last_month: date
    estimate: Estimate

    @property
    def when(self) -> str:
        if self.first_month == self.last_month:
            return month_label(self.first_month)
        return _("%(first)s to %(last)s") % {
            "first": month_label(self.first_month),
            "last": month_label(self.last_month),
        }


@dataclass(frozen=True)
class Comparison:
    program_title: str
    item: StandardItem
    text: str
    scale: AnswerScale
    before: SurveySide
    after: SurveySide
    verdict: Verdict
    surveys: int  # how many of the program's surveys asked it

    @property
    def sides(self) -> list[tuple[str, SurveySide]]:
        return [(_("Before"), self.before), (_("After"), self.after)]

    @property
    def strip(self) -> Strip:
        return Strip(self.scale, COMPARISON_STRIP)

    @property
    def hidden_columns(self) -> range:
        """Cells computed from the count (mean, interval, % agree), dashes when hidden."""
        return range(3 if self.scale.agreement else 2)

    @property
    def drawn(self) -> list[tuple[str, dict[str, str], str, int]]:
        """(label, x positions, colour, y) of the intervals that can be drawn: blue for
        before, vermilion for after."""
        sides = [
            (_("Before"), self.strip.of(self.before.estimate), PALETTE[0], 12),
            (_("After"), self.strip.of(self.after.estimate), PALETTE[5], 34),
        ]
        return [side for side in sides if side[1]]


def _comparisons(rows, program_titles: dict[int, str], survey_titles: dict[int, str], items):
    """rows: per (program, item, survey) sums with first and last month."""
    grouped: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for row in rows:
        grouped[(row["program_id"], row["item_id"])].append(row)
    comparisons = []
    for program_id in sorted(program_titles, key=lambda pk: program_titles[pk].lower()):
        for item in items:
            surveys = grouped.get((program_id, item.pk), [])
            if len(surveys) < 2:
                continue
            scale = AnswerScale.of(item)
            surveys.sort(key=lambda r: (r["first"], r["last"], r["survey_id"]))
            before, after = (
                SurveySide(
                    r["survey_id"],
                    survey_titles.get(r["survey_id"], ""),
                    r["first"],
                    r["last"],
                    Estimate.of(Sums.of(r), scale),
                )
                for r in (surveys[0], surveys[-1])
            )
            comparisons.append(
                Comparison(
                    program_titles[program_id],
                    item,
                    pick(item.text),
                    scale,
                    before,
                    after,
                    Verdict.between(before.estimate, after.estimate),
                    len(surveys),
                )
            )
    return comparisons


def _per_survey(scope: Scope, program_ids: list[int] | None):
    """Sums per program, question and survey, with the survey's first and last month
    (one query)."""
    queryset = _answers(scope, survey=True, with_program=False).exclude(program=None)
    if program_ids is not None:
        queryset = queryset.filter(program_id__in=program_ids)
    return list(
        queryset.values("program_id", "program__title", "item_id", "survey_id")
        .annotate(**SUMS, first=Min("month"), last=Max("month"))
        .order_by()
    )


def _survey_titles(rows) -> dict[int, str]:
    ids = {row["survey_id"] for row in rows}
    if not ids:
        return {}
    return {
        pk: pick(title)
        for pk, title in Survey.objects.filter(pk__in=ids).order_by().values_list("pk", "title")
    }


def before_after(
    scope: Scope, program: ProgramChoice | None, items: list[StandardItem] | None = None
) -> list[Comparison]:
    """Earliest against latest survey of one program, per standard question that two or
    more of its surveys asked (two queries, plus one for the questions)."""
    if program is None:
        return []
    items = _items() if items is None else items
    rows = _per_survey(scope, [program.pk])
    return _comparisons(rows, {program.pk: program.title}, _survey_titles(rows), items)


# --- The page -----------------------------------------------------------------------------


@dataclass
class Trust:
    trends: list[ItemTrend]
    not_asked: list[str]
    neighbourhoods: list[ItemNeighbourhoods]
    candidates: list[ProgramChoice]
    program: ProgramChoice | None
    program_from_scope: bool
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def months_text(self) -> str:
        if not self.trends:
            return ""
        months = self.trends[0].months
        return _("%(first)s to %(last)s") % {
            "first": month_label(months[0].month),
            "last": month_label(months[-1].month),
        }


def chosen_program(
    scope: Scope, candidates: list[ProgramChoice], requested: int | None
) -> ProgramChoice | None:
    """The program to compare: the scope's, else the one asked for if it can be
    compared, else the most recently surveyed that can."""
    if scope.program is not None:
        return next(
            (c for c in candidates if c.pk == scope.program.pk),
            ProgramChoice(scope.program.pk, scope.program.title, scope.end),
        )
    if requested is not None:
        for candidate in candidates:
            if candidate.pk == requested:
                return candidate
    return candidates[0] if candidates else None


def trust(
    scope: Scope,
    *,
    candidates: list[ProgramChoice] | None = None,
    program: int | None = None,
) -> Trust:
    """Everything the page shows, in a fixed number of queries (about seven)."""
    items = _items()
    candidates = comparable_programs(scope) if candidates is None else candidates
    chosen = chosen_program(scope, candidates, program)
    answers = Answers.of(scope)
    item_trends = trends(scope, items, answers)
    asked = {trend.item.pk for trend in item_trends}
    return Trust(
        trends=item_trends,
        not_asked=[pick(item.text) for item in items if item.pk not in asked],
        neighbourhoods=by_neighbourhood(scope, items, answers),
        candidates=candidates,
        program=chosen,
        program_from_scope=scope.program is not None,
        comparisons=before_after(scope, chosen, items),
    )


@dataclass
class QuestionDetail:
    """One standard question's figures by month and by neighbourhood in full: what the
    trust page summarises, a link away from it."""

    item: StandardItem
    text: str
    trend: ItemTrend | None
    neighbourhoods: ItemNeighbourhoods | None


def question_detail(scope: Scope, key: str) -> QuestionDetail | None:
    """The question with this key, its months and neighbourhoods as the trust page counts
    them (same months, same ledgers; three queries), or None when no rating question of
    the bank has that key."""
    items = _items()
    item = next((item for item in items if item.key == key), None)
    if item is None:
        return None
    answers = Answers.of(scope)
    trend = next(iter(trends(scope, [item], answers)), None)
    areas = next(iter(by_neighbourhood(scope, [item], answers)), None)
    return QuestionDetail(item, pick(item.text), trend, areas)


# --- CSV tables ---------------------------------------------------------------------------


def _estimate_headers() -> list[str]:
    return [_("Respondents"), _("Mean"), _("95 % CI low"), _("95 % CI high"), _("Agree (%)")]


def table_trends(scope: Scope) -> tuple[list[str], list[list]]:
    headers = [_("Question key"), _("Question"), _("Month"), *_estimate_headers()]
    rows = []
    for trend in trends(scope):
        for month in trend.months:
            rows.append(
                [
                    trend.item.key,
                    trend.text,
                    month.month.strftime("%Y-%m"),
                    *month.estimate.export(trend.scale.agreement),
                ]
            )
    return headers, rows


def table_neighbourhoods(scope: Scope) -> tuple[list[str], list[list]]:
    headers = [_("Question key"), _("Question"), _("Neighbourhood"), *_estimate_headers()]
    rows = []
    for item in by_neighbourhood(scope):
        for area in [*item.table_rows, *item.few]:
            rows.append(
                [
                    item.item.key,
                    item.text,
                    area.label,
                    *area.estimate.export(item.scale.agreement),
                ]
            )
    return headers, rows


def table_before_after(scope: Scope) -> tuple[list[str], list[list]]:
    """The scope's program, or every program that can be compared."""
    headers = [_("Program"), _("Question key"), _("Question")]
    for side in (_("Before"), _("After")):
        headers += [
            f"{side}: {_('survey')}",
            f"{side}: {_('first month')}",
            f"{side}: {_('last month')}",
            *(f"{side}: {h}" for h in _estimate_headers()),
        ]
    headers += [_("Difference"), _("Verdict")]
    rows = _per_survey(scope, [scope.program.pk] if scope.program is not None else None)
    titles = {row["program_id"]: row["program__title"] for row in rows}
    comparisons = _comparisons(rows, titles, _survey_titles(rows), _items())
    table = []
    for comparison in comparisons:
        line = [comparison.program_title, comparison.item.key, comparison.text]
        for side in (comparison.before, comparison.after):
            line += [
                side.title,
                side.first_month.strftime("%Y-%m"),
                side.last_month.strftime("%Y-%m"),
                *side.estimate.export(comparison.scale.agreement),
            ]
        line += [_rounded(comparison.verdict.difference, 3), comparison.verdict.short]
        table.append(line)
    return headers, table


TABLES: dict[str, Callable[[Scope], tuple[list[str], list[list]]]] = {
    "trust-trends": table_trends,
    "trust-neighbourhoods": table_neighbourhoods,
    "trust-before-after": table_before_after,
}
