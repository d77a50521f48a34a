"""The four principles: a scorecard that follows the reference's four aims for agencies —
equitable opportunity, productive dialogue, collective solutions and acting on feedback.

Each figure says what it counts and links to the list behind it (a drill-down list defined
here in DRILL_DOWNS, or a public page). Participation figures come from the summary
tables; the rest from small tables (programs, languages, surveys, announcements,
recommendations). One query per figure at most, whatever the size of the data.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Language
from engagement_portal.core.privacy import Figure, Ledger, count, is_small, rate
from events.models import AccommodationRequest, Registration
from programs.coproduction.models_recommendations import Recommendation
from programs.dashboard import uniques
from programs.dashboard.models import EventSummary, ParticipationDay
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_overview import participation_sums
from programs.dashboard.selectors_reach import Score, reach_score
from programs.information.models import Announcement
from programs.models import EngagementType, Program
from surveys.models import Survey, pick

# Engagement types whose sessions are built around residents' questions.
DIALOGUE_TYPES = ("press-conferences", "town-hall-meetings", "listening-sessions")


@dataclass(frozen=True)
class Measure:
    """One figure of the scorecard."""

    key: str
    label: str
    value: object  # Figure, Score, int or str: what the page prints
    detail: str = ""  # what the figure rests on, in words
    href: str = ""  # the list behind it
    link_text: str = ""
    extra_href: str = ""  # a public page showing the same things
    extra_link_text: str = ""
    whole_city: bool = False  # the neighbourhood filter does not apply to it
    unit: str = ""  # " %" for shares
    export: object = None  # what the CSV prints, when not the value itself

    @property
    def text(self) -> str:
        value = self.value
        if isinstance(value, Figure | Score) and value.value is None:
            return str(value)
        if isinstance(value, float):
            shown = f"{value:,.1f}"
        elif isinstance(value, int):
            shown = f"{value:,}"
        else:
            shown = str(value)
        return shown + self.unit


@dataclass(frozen=True)
class Principle:
    key: str
    title: str
    aim: str
    measures: list[Measure] = field(default_factory=list)


# --- Shared filters ----------------------------------------------------------------------


def _moments(scope: Scope) -> tuple[datetime, datetime]:
    """The period as [start, end) in local time, for datetime columns."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(scope.start, time.min, tzinfo=tz),
        datetime.combine(scope.end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _program_filters(scope: Scope, path: str) -> Q:
    """Tier, type and program filters for a table that reaches a program through `path`.
    Rows with no program drop out as soon as one of them is set."""
    q = Q()
    if scope.tier:
        q &= Q(**{f"{path}__engagement_type__tier__number": scope.tier.number})
    if scope.engagement_type:
        q &= Q(**{f"{path}__engagement_type_id": scope.engagement_type.pk})
    if scope.program:
        q &= Q(**{f"{path}_id": scope.program.pk})
    return q


def active_programs(scope: Scope) -> QuerySet[Program]:
    """Programs with any participation or a session held in the scope."""
    # EXISTS per program uses the (program, day) indexes. `pk IN (subquery)` did not: over
    # five years of a city (bench/dashboard_scale.py) the subquery's 540,000 rows outgrew
    # work_mem and PostgreSQL re-read them for each of 2,000 programs, 12 s per query
    # against 0.1 s for this.
    return Program.objects.filter(
        Exists(ParticipationDay.objects.filter(scope.q(), program=OuterRef("pk")))
        | Exists(EventSummary.objects.filter(scope.q(), cancelled=False, program=OuterRef("pk")))
    )


def _co_facilitation(scope: Scope) -> dict:
    """Program-days with community co-facilitators (ParticipationDay rows: the kind has no
    neighbourhood, so the neighbourhood filter leaves it alone) and the people."""
    sums = participation_sums(
        replace(scope, neighbourhood=None),
        {"period": (scope.start, scope.end)},
        None,
        ("rows", "people"),
        extra=Q(kind="co_facilitation"),
    ).get(None, {})
    return {"days": sums.get("rows_period", 0), "people": sums.get("people_period") or None}


def _accommodations(scope: Scope) -> QuerySet[AccommodationRequest]:
    # The requests themselves, for the list behind the figure (the figure reads the
    # counts kept on EventSummary: joining requests to the period's events walks every
    # registration of those events, which grows with the city).
    first, last = _moments(scope)
    q = Q(
        registration__event__starts_at__gte=first,
        registration__event__starts_at__lt=last,
    ) & _program_filters(scope, "registration__event__program")
    if scope.neighbourhood:
        q &= Q(registration__event__neighbourhood=scope.neighbourhood)
    return (
        AccommodationRequest.objects.filter(q)
        .exclude(registration__status=Registration.Status.CANCELLED)
        .exclude(registration__event__status="cancelled")
    )


def _dialogue_events(scope: Scope) -> QuerySet[EventSummary]:
    return EventSummary.objects.filter(
        scope.q(), cancelled=False, engagement_type__slug__in=DIALOGUE_TYPES
    )


def _closed_surveys(scope: Scope) -> QuerySet[Survey]:
    """Surveys (their current version) that closed in the period: the ones whose results
    could be published by now."""
    first, last = _moments(scope)
    return (
        Survey.objects.filter(replaced_by__isnull=True)
        .annotate(ended=Coalesce("closed_at", "closes_at"))
        .filter(ended__gte=first, ended__lt=last)
        .filter(_program_filters(scope, "program"))
    )


def _announcements(scope: Scope) -> QuerySet[Announcement]:
    first, last = _moments(scope)
    q = Q(published_at__gte=first, published_at__lt=last) & _program_filters(scope, "program")
    if scope.neighbourhood:
        # Announcements for the chosen neighbourhood, and those for the whole city.
        q &= Q(neighbourhoods=scope.neighbourhood) | Q(neighbourhoods__isnull=True)
    return Announcement.objects.filter(q)


def _due_until(scope: Scope, today: date | None) -> date:
    """Answers due after today are not late yet: they are judged when they fall due."""
    return min(scope.end, today or timezone.localdate())


def _recommendations(scope: Scope) -> QuerySet[Recommendation]:
    return Recommendation.objects.filter(_program_filters(scope, "program"))


def _due_q(scope: Scope, today: date | None) -> Q:
    return Q(response_due__gte=scope.start, response_due__lte=_due_until(scope, today))


def _you_said_q(scope: Scope) -> Q:
    return Q(public=True, received_on__gte=scope.start, received_on__lte=scope.end)


# --- The scorecard ------------------------------------------------------------------------


def _drill(name: str, scope: Scope) -> str:
    return f"{reverse('dashboard:drill-down', args=[name])}?{scope.querystring()}"


def _of(part: int, whole: int) -> str:
    return _("%(part)s of %(whole)s") % {"part": f"{part:,}", "whole": f"{whole:,}"}


def _percent(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def principles(scope: Scope, *, today: date | None = None) -> list[Principle]:
    """The four principles with their figures, in a constant number of queries."""
    score = reach_score(scope)
    list_of = _("See the list")

    # Equitable opportunity.
    requests = EventSummary.objects.filter(scope.q(), cancelled=False).aggregate(
        total=Coalesce(Sum("accommodations"), 0),
        fulfilled=Coalesce(Sum("accommodations_arranged"), 0),
    )
    fulfilled = rate(requests["fulfilled"], requests["total"], scale=100)
    if is_small(requests["fulfilled"]):
        # Beside the number of requests, the share gives the hidden number arranged back.
        fulfilled = Figure(None, fulfilled.base)
    if not fulfilled.suppressed:
        fulfilled = Figure(round(fulfilled.value, 1), fulfilled.base)
    # Per language, whether one active program offers it: PostgreSQL stops at the first
    # such program, so the cost follows the languages, not the programs.
    offered = Program.languages.through.objects.filter(
        language=OuterRef("pk"), program__in=active_programs(scope)
    )
    languages = [
        str(language) for language in Language.objects.filter(Exists(offered)).order_by("name")
    ]

    # Productive dialogue.
    dialogue = dict(
        _dialogue_events(scope)
        .values("engagement_type__slug")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("engagement_type__slug", "n")
    )
    type_names = dict(
        EngagementType.objects.filter(slug__in=DIALOGUE_TYPES).values_list("slug", "name")
    )
    surveys = _closed_surveys(scope).aggregate(
        total=Count("pk"), published=Count("pk", filter=Q(results_published=True))
    )
    announcements = _announcements(scope).values("pk").distinct().count()

    # Collective solutions.
    partnered = Exists(Program.partners.through.objects.filter(program=OuterRef("pk")))
    counted = uniques.programs_by_type(scope)
    if counted is None:
        programs = active_programs(scope).aggregate(
            total=Count("pk"), with_partners=Count("pk", filter=partnered)
        )
    else:
        # The total along the programs' chains of days; then only the programs with
        # partners are probed for activity.
        programs = {
            "total": sum(counted.values()),
            "with_partners": active_programs(scope).filter(partnered).count(),
        }
    co_facilitation = _co_facilitation(scope)

    # Acting on feedback.
    feedback = _recommendations(scope).aggregate(
        due=Count("pk", filter=_due_q(scope, today)),
        on_time=Count("pk", filter=_due_q(scope, today) & Q(answered_on__lte=F("response_due"))),
        you_said=Count("pk", filter=_you_said_q(scope)),
        you_said_answered=Count(
            "pk", filter=_you_said_q(scope) & Q(status__in=Recommendation.ANSWERED)
        ),
    )

    dialogue_total = sum(dialogue.values())
    dialogue_detail = "; ".join(
        f"{_(type_names.get(slug, slug))}: {dialogue.get(slug, 0):,}"
        for slug in DIALOGUE_TYPES
        if slug in type_names
    )
    on_time = _percent(feedback["on_time"], feedback["due"])
    partners_share = _percent(programs["with_partners"], programs["total"])
    published_share = _percent(surveys["published"], surveys["total"])
    reach_url = f"{reverse('dashboard:reach')}?{scope.querystring()}"
    you_said = reverse("recommendations:public-list")
    you_said_params = {}
    if scope.tier:
        you_said_params["tier"] = scope.tier.pk
    if scope.program:
        you_said_params["program"] = scope.program.pk
    if you_said_params:
        you_said = f"{you_said}?{urlencode(you_said_params)}"

    return [
        Principle(
            "equitable",
            _("Equitable opportunity"),
            _(
                "Remove barriers to taking part, welcome every part of the community and keep "
                "the conversation going both ways."
            ),
            [
                Measure(
                    "representation",
                    _("Representation score"),
                    score,
                    detail=_score_detail(score),
                    href=reach_url,
                    link_text=_("Reach by neighbourhood"),
                    whole_city=True,
                    export=score.export(),
                ),
                Measure(
                    "accommodations",
                    _("Accessibility and interpretation requests arranged"),
                    fulfilled,
                    unit=" %",
                    detail=(
                        _("%(part)s of %(whole)s requests for events in the period")
                        % {
                            "part": count(requests["fulfilled"]),
                            "whole": count(requests["total"]),
                        }
                        if requests["total"]
                        else _("No requests for events in the period.")
                    ),
                    href=_drill("principle-accommodations", scope),
                    link_text=list_of,
                ),
                Measure(
                    "languages",
                    _("Languages offered by the programs active in the period"),
                    len(languages),
                    detail=", ".join(languages)
                    or _("No program active in the period lists a language."),
                    href=_drill("principle-languages", scope),
                    link_text=list_of,
                ),
            ],
        ),
        Principle(
            "dialogue",
            _("Productive dialogue"),
            _("Be open about what the agency does and make room for residents' questions."),
            [
                Measure(
                    "dialogue-events",
                    _("Sessions with questions from residents"),
                    dialogue_total,
                    detail=dialogue_detail,
                    href=_drill("principle-dialogue-events", scope),
                    link_text=list_of,
                ),
                Measure(
                    "survey-results",
                    _("Surveys closed in the period with published results"),
                    surveys["published"],
                    detail=_of(surveys["published"], surveys["total"])
                    + (f" ({published_share:.1f} %)" if published_share is not None else ""),
                    href=_drill("principle-survey-results", scope),
                    link_text=list_of,
                    whole_city=True,
                ),
                Measure(
                    "announcements",
                    _("Announcements published"),
                    announcements,
                    detail=_("News, traffic updates, requests for help and stories."),
                    href=_drill("principle-announcements", scope),
                    link_text=list_of,
                    extra_href=reverse("announcements:public-list"),
                    extra_link_text=_("News page"),
                ),
            ],
        ),
        Principle(
            "collective",
            _("Collective solutions"),
            _("Work with partners and community members on the answers."),
            [
                Measure(
                    "partner-programs",
                    _("Programs active in the period with partner organisations"),
                    programs["with_partners"],
                    detail=_of(programs["with_partners"], programs["total"])
                    + (f" ({partners_share:.1f} %)" if partners_share is not None else ""),
                    href=_drill("principle-partner-programs", scope),
                    link_text=list_of,
                ),
                Measure(
                    "co-facilitation",
                    _("Session days co-facilitated by community members"),
                    co_facilitation["days"],
                    detail=_("Community co-facilitators taking part: %(people)s")
                    % {"people": count(co_facilitation["people"])},
                    href=_drill("principle-co-facilitation", scope),
                    link_text=list_of,
                    whole_city=True,
                ),
            ],
        ),
        Principle(
            "feedback",
            _("Acting on feedback"),
            _("Answer what residents recommend, on time and in public."),
            [
                Measure(
                    "on-time",
                    _("Recommendations answered on time"),
                    on_time if on_time is not None else "—",
                    unit=" %" if on_time is not None else "",
                    detail=(
                        _("%(part)s of %(whole)s answers due in the period")
                        % {"part": f"{feedback['on_time']:,}", "whole": f"{feedback['due']:,}"}
                        if feedback["due"]
                        else _("No answers were due in the period.")
                    ),
                    href=_drill("principle-recommendations-on-time", scope),
                    link_text=list_of,
                    whole_city=True,
                    export="" if on_time is None else on_time,
                ),
                Measure(
                    "you-said-we-did",
                    _("New items on “You said, we did”"),
                    feedback["you_said"],
                    detail=_("%(answered)s of them already answered")
                    % {"answered": f"{feedback['you_said_answered']:,}"},
                    href=_drill("principle-you-said-we-did", scope),
                    link_text=list_of,
                    extra_href=you_said,
                    extra_link_text=_("“You said, we did”"),
                    whole_city=True,
                ),
            ],
        ),
    ]


def _score_detail(score: Score) -> str:
    if score.value is None:
        return _("Undefined: nobody from a recorded neighbourhood took part in the period.")
    return _("Lowest: %(lowest)s. Highest: %(highest)s.") % {
        "lowest": ", ".join(score.lowest),
        "highest": ", ".join(score.highest),
    }


# --- Drill-down lists ----------------------------------------------------------------------


def drill_accommodations(scope: Scope):
    rows = list(
        _accommodations(scope)
        .values("registration__event__program__title", "kind")
        .annotate(total=Count("pk"), fulfilled=Count("pk", filter=Q(fulfilled=True)))
        .order_by("registration__event__program__title", "kind")
    )
    kinds = dict(AccommodationRequest.Kind.choices)
    return (
        _("Accessibility and interpretation requests, by program"),
        [_("Program"), _("Kind"), _("Requests"), _("Arranged")],
        [
            [
                row["registration__event__program__title"],
                str(kinds.get(row["kind"], row["kind"])),
                *figures,
            ]
            for row, figures in zip(
                rows, _against_totals(rows, ("total", "fulfilled")), strict=True
            )
        ],
    )


def _against_totals(rows, measures: tuple[str, ...]) -> list[list[Figure]]:
    """Rows of a drill-down whose columns add up to the figures on the principles page
    (shown there from 10 up): each column protected against its total, taken as the
    page shows it."""
    rows = list(rows)
    ledger = Ledger()
    for measure in measures:
        whole = sum(row[measure] or 0 for row in rows)
        ledger.cell((measure,), whole, hidden=is_small(whole))
        ledger.total(
            (measure,), [ledger.cell((measure, i), row[measure]) for i, row in enumerate(rows)]
        )
    return [[ledger.figure((measure, i)) for measure in measures] for i in range(len(rows))]


def drill_languages(scope: Scope):
    programs = (
        active_programs(scope)
        .select_related("engagement_type")
        .prefetch_related("languages")
        .order_by("title")
    )
    return (
        _("Languages offered by the programs active in the period"),
        [_("Program"), _("Engagement type"), _("Languages")],
        [
            [
                program.title,
                str(program.engagement_type),
                ", ".join(str(language) for language in program.languages.all()) or "—",
            ]
            for program in programs
        ],
    )


def drill_dialogue_events(scope: Scope):
    rows = (
        _dialogue_events(scope)
        .select_related("event", "program", "engagement_type", "neighbourhood")
        .order_by("day", "event__title")
    )
    return (
        _("Sessions with questions from residents"),
        [_("Date"), _("Session"), _("Engagement type"), _("Program"), _("Neighbourhood")],
        [
            [
                row.day,
                row.event.title,
                str(row.engagement_type),
                row.program.title,
                row.neighbourhood.name if row.neighbourhood else "",
            ]
            for row in rows
        ],
    )


def drill_survey_results(scope: Scope):
    surveys = _closed_surveys(scope).select_related("program").order_by("ended", "pk")
    return (
        _("Surveys closed in the period"),
        [_("Survey"), _("Program"), _("Closed"), _("Results published"), _("Public results")],
        [
            [
                pick(survey.title) or survey.public_id,
                survey.program.title if survey.program else "",
                date_format(timezone.localtime(survey.ended), "Y-m-d"),
                _("Yes") if survey.results_published else _("No"),
                reverse("surveys:public-results", args=[survey.public_id])
                if survey.results_published
                else "",
            ]
            for survey in surveys
        ],
    )


def drill_announcements(scope: Scope):
    announcements = (
        Announcement.objects.filter(pk__in=_announcements(scope).values("pk"))
        .select_related("program")
        .order_by("published_at", "pk")
    )
    kinds = dict(Announcement.Kind.choices)
    return (
        _("Announcements published in the period"),
        [_("Published"), _("Title"), _("Kind"), _("Program"), _("Page")],
        [
            [
                date_format(timezone.localtime(item.published_at), "Y-m-d"),
                pick(item.title) or item.public_id,
                str(kinds.get(item.kind, item.kind)),
                item.program.title if item.program else "",
                reverse("announcements:public-detail", args=[item.public_id]),
            ]
            for item in announcements
        ],
    )


def drill_partner_programs(scope: Scope):
    programs = (
        active_programs(scope)
        .select_related("engagement_type")
        .prefetch_related("partners")
        .order_by("title")
    )
    return (
        _("Programs active in the period and their partner organisations"),
        [_("Program"), _("Engagement type"), _("Partner organisations")],
        [
            [
                program.title,
                str(program.engagement_type),
                ", ".join(partner.name for partner in program.partners.all()) or "—",
            ]
            for program in programs
        ],
    )


def drill_co_facilitation(scope: Scope):
    rows = list(
        ParticipationDay.objects.filter(scope.q(with_neighbourhood=False), kind="co_facilitation")
        .values("program__title", "tier")
        .annotate(days=Count("pk"), people=Sum("people"))
        .order_by("program__title")
    )
    return (
        _("Sessions co-facilitated by community members, by program"),
        [_("Program"), _("Tier"), _("Session days"), _("Co-facilitators taking part")],
        [
            [row["program__title"], row["tier"], row["days"], *figures]
            for row, figures in zip(rows, _against_totals(rows, ("people",)), strict=True)
        ],
    )


def drill_recommendations_on_time(scope: Scope, *, today: date | None = None):
    recommendations = (
        _recommendations(scope)
        .filter(_due_q(scope, today))
        .select_related("program")
        .order_by("response_due", "pk")
    )
    return (
        _("Recommendations whose answer was due in the period"),
        [_("Recommendation"), _("Program"), _("Answer due"), _("Answered on"), _("On time")],
        [
            [
                item.title,
                item.program.title,
                item.response_due,
                item.answered_on or "",
                _("Yes") if item.answered_on and item.answered_on <= item.response_due else _("No"),
            ]
            for item in recommendations
        ],
    )


def drill_you_said_we_did(scope: Scope):
    recommendations = (
        _recommendations(scope)
        .filter(_you_said_q(scope))
        .select_related("program")
        .order_by("received_on", "pk")
    )
    return (
        _("New items on “You said, we did”"),
        [_("Recommendation"), _("Program"), _("Received"), _("Status"), _("Page")],
        [
            [
                item.title,
                item.program.title,
                item.received_on,
                item.get_status_display(),
                reverse("recommendations:public-detail", args=[item.public_id]),
            ]
            for item in recommendations
        ],
    )


DRILL_DOWNS = {
    "principle-accommodations": drill_accommodations,
    "principle-languages": drill_languages,
    "principle-dialogue-events": drill_dialogue_events,
    "principle-survey-results": drill_survey_results,
    "principle-announcements": drill_announcements,
    "principle-partner-programs": drill_partner_programs,
    "principle-co-facilitation": drill_co_facilitation,
    "principle-recommendations-on-time": drill_recommendations_on_time,
    "principle-you-said-we-did": drill_you_said_we_did,
}


# --- CSV ---------------------------------------------------------------------------------


def table_principles(scope: Scope):
    headers = [_("Principle"), _("Figure"), _("Value"), _("Details"), _("Whole city")]
    rows = []
    for principle in principles(scope):
        for measure in principle.measures:
            value = measure.export if measure.export is not None else measure.value
            rows.append(
                [
                    principle.title,
                    measure.label,
                    value,
                    measure.detail,
                    _("Yes") if measure.whole_city else _("No"),
                ]
            )
    return headers, rows


TABLES = {"principles": table_principles}
