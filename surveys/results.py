"""Reads for survey results: counts, percentages, number summaries, free text, response rates
and the trend of the standard questions. All aggregation happens in the database.

Query budget: a results page costs the same number of queries whatever the number of
responses or questions. Every figure comes from a handful of grouped queries over Answer
(joined to the filtered responses), never from a query per question or per response.

Privacy: a group of fewer than MIN_GROUP responses is never shown as a number. When filters
narrow the responses below MIN_GROUP, the page shows no counts at all, and free-text answers
are hidden. Inside a question, a hidden cell whose value could be worked out by subtracting
the others from the total hides the next smallest cell too. Empty groups (0) are shown as 0:
they describe nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    F,
    FloatField,
    Max,
    Min,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core.privacy import withhold

from .models import (
    Answer,
    Distribution,
    Invitation,
    Question,
    Response,
    StandardItem,
    Survey,
    pick,
)

MIN_GROUP = 10
TEXT_PREVIEW = 5
TEXT_PAGE_SIZE = 20

Kind = Question.Kind
SCALE_KINDS = (Kind.AGREEMENT, Kind.RATING, Kind.SCALE, Kind.YES_NO)
COUNTED_KINDS = (*Question.CHOICE_KINDS, *SCALE_KINDS, Kind.NEIGHBOURHOOD)
SCALE_VALUES = {
    Kind.AGREEMENT: range(1, 6),
    Kind.RATING: range(1, 6),
    Kind.SCALE: range(0, 11),
    Kind.YES_NO: (1, 0),
}
AGREEMENT_LABELS = {
    1: gettext_lazy("Strongly disagree"),
    2: gettext_lazy("Disagree"),
    3: gettext_lazy("Neither agree nor disagree"),
    4: gettext_lazy("Agree"),
    5: gettext_lazy("Strongly agree"),
}
YES_NO_LABELS = {1: gettext_lazy("Yes"), 0: gettext_lazy("No")}
AGREE_FROM = 4  # 4 and 5 on the agreement scale count as "agree"


def scale_label(kind: str, value: int) -> str:
    """How a stored scale number reads: "Agree", "Yes", or the number itself."""
    if kind == Kind.AGREEMENT:
        return str(AGREEMENT_LABELS.get(value, value))
    if kind == Kind.YES_NO:
        return str(YES_NO_LABELS.get(value, value))
    return str(value)


def shown(count: int | None) -> int | None:
    """A count as it may be shown: None (read "fewer than 10") for 1 to 9."""
    if count is None or 0 < count < MIN_GROUP:
        return None
    return count


def suppress(counts: list[int], *, total_known: bool = True) -> list[int | None]:
    """Counts of one breakdown with small groups hidden (None).

    When the total is shown, the dashboards' protector (dashboard.privacy) hides enough
    other cells that no hidden one can be worked out from the total and the shown ones.
    """
    if not total_known:
        return [shown(c) for c in counts]
    hidden = withhold(dict(enumerate(counts)), MIN_GROUP)
    return [None if i in hidden else shown(c) for i, c in enumerate(counts)]


# --- Filters --------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    language: str = ""
    neighbourhood_id: int | None = None
    source: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.language or self.neighbourhood_id or self.source or self.date_from or self.date_to
        )

    def q(self, prefix: str = "") -> Q:
        """The filters as a Q on Response (prefix "response__" from Answer)."""
        conditions = {}
        if self.language:
            conditions[f"{prefix}language"] = self.language
        if self.neighbourhood_id:
            conditions[f"{prefix}neighbourhood_id"] = self.neighbourhood_id
        if self.source:
            conditions[f"{prefix}source"] = self.source
        if self.date_from:
            conditions[f"{prefix}submitted_on__gte"] = self.date_from
        if self.date_to:
            conditions[f"{prefix}submitted_on__lte"] = self.date_to
        return Q(**conditions)


NO_FILTERS = Filters()


# --- Result shapes ----------------------------------------------------------------------


@dataclass
class Cell:
    label: str
    count: int | None  # None: fewer than MIN_GROUP, not shown
    percent: float | None = None
    declined: bool = False

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass
class ChartRow:
    label: str
    value_text: str
    width: float  # percent of the chart's width, 0 for hidden cells
    y: int
    muted: bool = False

    # SVG attributes as strings: a localised float ("12,5") would be an invalid length.
    @property
    def width_attr(self) -> str:
        return f"{self.width:.2f}%"

    @property
    def text_y(self) -> int:
        return self.y + 15

    @property
    def bar_y(self) -> int:
        return self.y + 21


@dataclass
class QuestionResult:
    question: Question
    number: int
    text: str
    answered: int | None = None  # None: fewer than MIN_GROUP answers
    answered_raw: int = 0
    cells: list[Cell] = field(default_factory=list)
    multiple: bool = False
    mean: float | None = None
    median: float | None = None
    minimum: int | None = None
    maximum: int | None = None
    agree_percent: float | None = None
    text_preview: list[str] = field(default_factory=list)
    text_page: Page | None = None
    text_search: str = ""

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def is_counted(self) -> bool:
        return self.kind in COUNTED_KINDS

    @property
    def is_number(self) -> bool:
        return self.kind == Kind.NUMBER

    @property
    def is_text(self) -> bool:
        return self.kind in Question.TEXT_KINDS

    @property
    def suppressed(self) -> bool:
        return self.answered is None

    @property
    def chart_rows(self) -> list[ChartRow]:
        return chart_rows([(c.label, c.count, c.percent, c.declined) for c in self.cells])

    @property
    def chart_height(self) -> int:
        return len(self.cells) * ROW_HEIGHT + 4

    @property
    def chart_summary(self) -> str:
        parts = [f"{c.label}: {cell_text(c.count, c.percent)}" for c in self.cells]
        return _("Bar chart, %(question)s. %(values)s.") % {
            "question": self.text,
            "values": "; ".join(parts),
        }


@dataclass
class DistributionRate:
    distribution: Distribution
    sent: int
    responded: int | None
    rate: float | None


@dataclass
class SurveyResults:
    survey: Survey
    filters: Filters
    total: int  # every response of the survey, before filters
    matching: int  # responses that match the filters (== total without filters)
    by_source: list[Cell]
    by_language: list[Cell]
    questions: list[QuestionResult]
    distributions: list[DistributionRate] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        """Too few responses to show any count (for these filters)."""
        return self.matching < MIN_GROUP

    @property
    def total_shown(self) -> int | None:
        return shown(self.total) if self.total else 0


ROW_HEIGHT = 42
BAR_AREA = 98.0  # percent of the chart width the longest bar takes


def cell_text(count: int | None, percent: float | None) -> str:
    if count is None:
        return _("fewer than 10")
    if percent is None:
        return str(count)
    return _("%(count)s (%(percent)s%%)") % {"count": count, "percent": f"{percent:.0f}"}


def chart_rows(cells: list[tuple[str, int | None, float | None, bool]]) -> list[ChartRow]:
    """Bars scaled to the largest shown value; hidden cells get no bar, only their words."""
    largest = max((c for _l, c, _p, _d in cells if c), default=0)
    rows = []
    for index, (label, count, percent, declined) in enumerate(cells):
        width = round(BAR_AREA * count / largest, 2) if count and largest else 0
        rows.append(
            ChartRow(
                label=label,
                value_text=cell_text(count, percent),
                width=width,
                y=index * ROW_HEIGHT,
                muted=declined,
            )
        )
    return rows


class Median(Aggregate):
    """PostgreSQL's exact median; SQLite has none (see _number_medians)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


# --- The survey results -------------------------------------------------------------------


def filtered_responses(survey: Survey, filters: Filters = NO_FILTERS) -> QuerySet[Response]:
    return Response.objects.filter(survey=survey).filter(filters.q())


def filtered_answers(
    survey: Survey, filters: Filters = NO_FILTERS, question_ids: list[int] | None = None
) -> QuerySet[Answer]:
    """Answers of the responses that match; without filters, by question (no join)."""
    if filters.active:
        return Answer.objects.filter(response__survey=survey).filter(filters.q("response__"))
    if question_ids is not None:
        return Answer.objects.filter(question_id__in=question_ids)
    return Answer.objects.filter(question__survey=survey)


def survey_results(
    survey: Survey,
    *,
    filters: Filters = NO_FILTERS,
    include_text: bool = True,
    include_distributions: bool = True,
    text_question: int | None = None,
    text_search: str = "",
    text_page: int | str = 1,
    language: str | None = None,
) -> SurveyResults:
    """Everything the results pages show, in a fixed number of queries.

    Queries: totals by source and language (1), matching count with filters (1), questions
    and choices (2), neighbourhood names when a question asks for one (1), counts per
    choice/value (1), answered/number summaries (1), medians on SQLite (1), free-text
    previews (1), one question's searchable page of free text (2), distributions with
    their invitation counts (1).
    """
    questions = list(
        survey.questions.prefetch_related("choices").order_by("page", "position", "pk")
    )
    total, by_source, by_language = _totals(survey)
    matching = filtered_responses(survey, filters).count() if filters.active else total
    results = SurveyResults(
        survey=survey,
        filters=filters,
        total=total,
        matching=matching,
        by_source=by_source,
        by_language=by_language,
        questions=[
            QuestionResult(
                question=q, number=n, text=pick(q.text, language), multiple=q.kind == Kind.MULTIPLE
            )
            for n, q in enumerate(questions, start=1)
        ],
    )
    if include_distributions:
        results.distributions = distribution_rates(survey)
    if results.suppressed or not questions:
        return results
    answers = filtered_answers(survey, filters, [q.pk for q in questions])
    _fill_counts(results, answers, language)
    if include_text:
        _fill_text(results, answers, text_question, text_search, text_page)
    return results


def _totals(survey: Survey) -> tuple[int, list[Cell], list[Cell]]:
    rows = list(
        Response.objects.filter(survey=survey)
        .values("source", "language")
        .annotate(n=Count("id"))
        .order_by()
    )
    total = sum(r["n"] for r in rows)
    sources, languages = {}, {}
    for row in rows:
        sources[row["source"]] = sources.get(row["source"], 0) + row["n"]
        languages[row["language"]] = languages.get(row["language"], 0) + row["n"]
    source_labels = dict(Response.Source.choices)
    # "": the leftovers of a closed survey, published together without their language.
    language_labels = {"": _("Several languages (combined)"), **dict(settings.LANGUAGES)}
    return (
        total,
        _breakdown([(str(source_labels.get(k, k)), n) for k, n in sorted(sources.items())], total),
        _breakdown(
            [(str(language_labels.get(k, k)), n) for k, n in sorted(languages.items())], total
        ),
    )


def _breakdown(items: list[tuple[str, int]], total: int) -> list[Cell]:
    if total < MIN_GROUP:
        return [Cell(label=label, count=None) for label, _n in items]
    counts = suppress([n for _label, n in items])
    return [
        Cell(label=label, count=c, percent=100 * c / total if c is not None else None)
        for (label, _n), c in zip(items, counts, strict=True)
    ]


def _fill_counts(results: SurveyResults, answers: QuerySet[Answer], language: str | None):
    by_pk = {r.question.pk: r for r in results.questions}
    counted = [pk for pk, r in by_pk.items() if r.is_counted]
    multiple = [pk for pk, r in by_pk.items() if r.kind == Kind.MULTIPLE]
    numbers = [pk for pk, r in by_pk.items() if r.is_number]
    postgres = connection.vendor == "postgresql"

    # Plain aggregates over every answer (a hash aggregate, one pass) ...
    summary = answers.values("question_id").annotate(
        n=Count("id"),
        n_number=Count("number"),
        mean=Avg("number"),
        low=Min("number"),
        high=Max("number"),
    )
    # ... and, apart, the ones that sort (distinct respondents, medians) over only the
    # answers of the questions that need them: one sort of everything took seconds.
    sorted_rows = {}
    ordered = multiple + (numbers if postgres else [])
    if ordered:
        extra = {"respondents": Count("response_id", distinct=True)}
        if postgres and numbers:
            extra["median"] = Median("number")
        sorted_rows = {
            row["question_id"]: row
            for row in answers.filter(question_id__in=ordered)
            .values("question_id")
            .annotate(**extra)
            .order_by()
        }
    for row in summary.order_by():
        result = by_pk[row["question_id"]]
        more = sorted_rows.get(row["question_id"], {})
        answered = more.get("respondents", 0) if result.multiple else row["n"]
        result.answered_raw = answered
        result.answered = answered if answered >= MIN_GROUP else None
        if result.is_number and row["n_number"] >= MIN_GROUP and result.answered:
            result.mean = row["mean"]
            result.minimum, result.maximum = row["low"], row["high"]
            result.median = more.get("median")

    counts: dict[int, dict] = {pk: {} for pk in counted}
    declined: dict[int, int] = {}
    if counted:
        rows = (
            answers.filter(question_id__in=counted)
            .values("question_id", "choice_id", "number", "declined")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            if row["declined"]:
                declined[row["question_id"]] = declined.get(row["question_id"], 0) + row["n"]
            else:
                key = row["choice_id"] if row["choice_id"] is not None else row["number"]
                counts[row["question_id"]][key] = row["n"]
    if numbers and not postgres:
        _number_medians(answers, numbers, by_pk)

    neighbourhoods = {}
    if any(by_pk[pk].kind == Kind.NEIGHBOURHOOD for pk in counted):
        neighbourhoods = dict(Neighbourhood.objects.values_list("pk", "name"))
    for pk in counted:
        result = by_pk[pk]
        items = _items(result.question, counts[pk], neighbourhoods, language)
        if result.question.demographic or declined.get(pk):
            items.append((_("Prefer not to say"), declined.get(pk, 0), True))
        if result.kind in SCALE_KINDS:
            _scale_summary(result, counts[pk])
        _set_cells(result, items)


def _items(question: Question, counts: dict, neighbourhoods: dict, language) -> list[tuple]:
    kind = question.kind
    if kind in Question.CHOICE_KINDS:
        choices = question.choices.all()
        return [(pick(c.label, language), counts.get(c.pk, 0), False) for c in choices]
    if kind == Kind.NEIGHBOURHOOD:
        return [
            (neighbourhoods.get(value, _("Unknown")), n, False)
            for value, n in sorted(counts.items(), key=lambda kv: str(neighbourhoods.get(kv[0])))
        ]
    return [(scale_label(kind, v), counts.get(v, 0), False) for v in SCALE_VALUES[kind]]


def _scale_summary(result: QuestionResult, counts: dict[int, int]) -> None:
    """Mean (and % agree) of a scale question from its value counts, declined left out."""
    scored = sum(counts.values())
    if not result.answered or scored < MIN_GROUP or result.kind == Kind.YES_NO:
        return
    result.mean = sum(value * n for value, n in counts.items()) / scored
    if result.kind == Kind.AGREEMENT:
        agree = sum(n for value, n in counts.items() if value >= AGREE_FROM)
        result.agree_percent = 100 * agree / scored


def _set_cells(result: QuestionResult, items: list[tuple]) -> None:
    if not result.answered:
        result.cells = [Cell(label=label, count=None, declined=d) for label, _n, d in items]
        return
    counts = suppress([n for _l, n, _d in items], total_known=not result.multiple)
    result.cells = [
        Cell(
            label=label,
            count=c,
            percent=100 * c / result.answered if c is not None else None,
            declined=d,
        )
        for (label, _n, d), c in zip(items, counts, strict=True)
    ]


def _number_medians(answers: QuerySet[Answer], numbers: list[int], by_pk: dict) -> None:
    """SQLite (the embedded mode) has no median: walk each question's value histogram, one
    row per distinct value, in one query."""
    rows = (
        answers.filter(question_id__in=numbers, number__isnull=False)
        .values("question_id", "number")
        .annotate(n=Count("id"))
        .order_by("question_id", "number")
    )
    histograms: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        histograms.setdefault(row["question_id"], []).append((row["number"], row["n"]))
    for pk, histogram in histograms.items():
        result = by_pk[pk]
        if result.mean is not None:
            result.median = _median(histogram)


def _median(histogram: list[tuple[int, int]]) -> float:
    total = sum(n for _v, n in histogram)
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen, lower = 0, None
    for value, n in histogram:
        if lower is None and lower_rank < seen + n:
            lower = value
        if upper_rank < seen + n:
            return (lower + value) / 2
        seen += n
    return float(lower or 0)


def _fill_text(results, answers, text_question, text_search, text_page) -> None:
    texts = [r for r in results.questions if r.is_text]
    if not texts:
        return
    ordering = [F("response__submitted_on").desc(), F("id")]
    preview = (
        answers.filter(question_id__in=[r.question.pk for r in texts])
        .exclude(text="")
        .annotate(row=Window(RowNumber(), partition_by=[F("question_id")], order_by=ordering))
        .filter(row__lte=TEXT_PREVIEW)
        .values_list("question_id", "text")
    )
    by_pk = {r.question.pk: r for r in texts}
    for question_id, text in preview:
        by_pk[question_id].text_preview.append(text)
    selected = by_pk.get(text_question)
    if selected is None:
        return
    listing = answers.filter(question_id=selected.question.pk).exclude(text="")
    if text_search:
        listing = listing.filter(text__icontains=text_search)
    listing = listing.order_by(*ordering).values_list("text", flat=True)
    selected.text_search = text_search
    selected.text_page = Paginator(listing, TEXT_PAGE_SIZE).get_page(text_page)


def distribution_rates(survey: Survey) -> list[DistributionRate]:
    """Per distribution: invitations sent, used (responded) and the rate, in one query."""
    sent_statuses = [Invitation.Status.QUEUED, Invitation.Status.SENT]
    rows = survey.distributions.annotate(
        sent=Count("invitations", filter=Q(invitations__status__in=sent_statuses)),
        responded=Count("invitations", filter=Q(invitations__used=True)),
    ).order_by("created_at", "pk")
    rates = []
    for distribution in rows:
        responded = shown(distribution.responded)
        rate = None
        if responded is not None and distribution.sent:
            rate = 100 * responded / distribution.sent
        rates.append(DistributionRate(distribution, distribution.sent, responded, rate))
    return rates


# --- Export -------------------------------------------------------------------------------


def export_header(questions: list[Question], language: str) -> list[str]:
    return [
        _("Submitted on"),
        _("Language"),
        _("Source"),
        _("Neighbourhood"),
        *[f"{n}. {pick(q.text, language)}" for n, q in enumerate(questions, start=1)],
    ]


def export_rows(survey: Survey, questions: list[Question], language: str):
    """One row per response, ordered by its random key; two streamed queries in step.

    Rows carry no identity: no resident, no invitation, no key. Labels are translated
    here, under the caller's language, before streaming starts.
    """
    labels = {c.pk: pick(c.label, language) for q in questions for c in q.choices.all()}
    words = {
        "declined": _("Prefer not to say"),
        "sources": {k: str(v) for k, v in Response.Source.choices},
        "scales": {
            kind: {v: scale_label(kind, v) for v in SCALE_VALUES[kind]}
            for kind in (Kind.AGREEMENT, Kind.YES_NO)
        },
    }
    neighbourhoods = dict(Neighbourhood.objects.values_list("pk", "name"))
    return _export_rows(survey, questions, labels, words, neighbourhoods)


def _export_rows(survey, questions, labels, words, neighbourhoods):
    columns = {q.pk: i for i, q in enumerate(questions)}
    kinds = {q.pk: q.kind for q in questions}
    responses = (
        Response.objects.filter(survey=survey)
        .order_by("id")
        .values_list("id", "submitted_on", "language", "source", "neighbourhood_id")
        .iterator(chunk_size=2000)
    )
    answers = (
        Answer.objects.filter(response__survey=survey)
        .order_by("response_id", "question_id", "choice__position", "choice_id")
        .values_list("response_id", "question_id", "choice_id", "number", "text", "declined")
        .iterator(chunk_size=5000)
    )
    pending = next(answers, None)
    for response_id, submitted_on, lang, source, neighbourhood_id in responses:
        cells: list[list[str]] = [[] for _q in questions]
        while pending is not None and pending[0] <= response_id:
            if pending[0] == response_id and pending[1] in columns:
                cells[columns[pending[1]]].append(
                    _export_value(pending, kinds, labels, words, neighbourhoods)
                )
            pending = next(answers, None)
        yield [
            submitted_on.isoformat(),
            lang,
            words["sources"].get(source, source),
            neighbourhoods.get(neighbourhood_id, ""),
            *["; ".join(values) for values in cells],
        ]


def _export_value(answer, kinds, labels, words, neighbourhoods) -> str:
    _response_id, question_id, choice_id, number, text, declined = answer
    kind = kinds[question_id]
    if declined:
        return words["declined"]
    if choice_id is not None:
        return labels.get(choice_id, "")
    if kind == Kind.NEIGHBOURHOOD:
        return neighbourhoods.get(number, "")
    if kind in words["scales"] and number is not None:
        return words["scales"][kind].get(number, str(number))
    if number is not None:
        return str(number)
    return text


# --- Trends of the standard questions ----------------------------------------------------


@dataclass
class TrendMonth:
    month: date
    n: int
    n_shown: int | None
    mean: float | None
    agree_percent: float | None


@dataclass
class Trend:
    item: StandardItem
    text: str
    months: list[TrendMonth]
    surveys: int

    @property
    def kind_label(self) -> str:
        return str(dict(Kind.choices).get(self.item.kind, self.item.kind))

    @property
    def is_agreement(self) -> bool:
        return self.item.kind == Kind.AGREEMENT

    @property
    def high(self) -> int:
        return 10 if self.item.kind == Kind.SCALE else 5

    @property
    def chart_rows(self) -> list[ChartRow]:
        rows = []
        for index, month in enumerate(self.months):
            label = date_format(month.month, "YEAR_MONTH_FORMAT")
            if month.mean is None:
                text, width = _("fewer than 10"), 0
            else:
                text = _("mean %(mean)s, n = %(n)s") % {"mean": f"{month.mean:.2f}", "n": month.n}
                width = round(BAR_AREA * month.mean / self.high, 2)
            rows.append(ChartRow(label=label, value_text=text, width=width, y=index * ROW_HEIGHT))
        return rows

    @property
    def chart_height(self) -> int:
        return len(self.months) * ROW_HEIGHT + 4

    @property
    def chart_summary(self) -> str:
        values = "; ".join(f"{row.label}: {row.value_text}" for row in self.chart_rows)
        return _("Bar chart of the mean score by month, %(question)s. %(values)s.") % {
            "question": self.text,
            "values": values,
        }


def standard_item_trends(*, language: str | None = None) -> list[Trend]:
    """Mean score (and % agree) of each standard question by month, across every survey
    that used it, with the sample size. Two queries."""
    surveys = Count("questions__survey", distinct=True)
    items = list(StandardItem.objects.filter(category="").annotate(survey_count=surveys))
    rows = (
        Answer.objects.filter(
            question__standard_item__isnull=False, number__isnull=False, declined=False
        )
        .annotate(month=TruncMonth("response__submitted_on"))
        .values("question__standard_item_id", "month")
        .annotate(
            n=Count("id"),
            mean=Avg("number"),
            agree=Count("id", filter=Q(number__gte=AGREE_FROM)),
        )
        .order_by("question__standard_item_id", "month")
    )
    months: dict[int, list[TrendMonth]] = {}
    for row in rows:
        item_id, n = row["question__standard_item_id"], row["n"]
        enough = n >= MIN_GROUP
        month = row["month"]
        if hasattr(month, "date"):
            month = month.date()
        months.setdefault(item_id, []).append(
            TrendMonth(
                month=month,
                n=n,
                n_shown=n if enough else None,
                mean=row["mean"] if enough else None,
                agree_percent=100 * row["agree"] / n if enough else None,
            )
        )
    return [
        Trend(
            item=item,
            text=pick(item.text, language),
            months=months.get(item.pk, []),
            surveys=item.survey_count,
        )
        for item in items
    ]
