"""The monthly report: one calendar month, compared with the calendar month before it.

Built from the dashboards' own selectors, so the report and the pages can never disagree:
the headline figures are `selectors_overview.overview()` of the month, with each figure's
"previous" value taken from the overview of the month before (a calendar month, not the
period of the same length the overview page compares with); participation by tier is
`selectors_overview.spectrum()`; neighbourhoods and the representation score come from
`selectors_reach`. Every figure is already protected by those selectors: each builds the
whole ledger of its period (privacy.Ledger: the total, the kinds, the tiers and types; the
neighbourhoods, the city and those not recorded), so the report's tiers beside the
overview's total hide a count exactly as the pages do and nothing hidden can be worked
out by subtraction.
A fixed number of queries whatever the data size.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from engagement_portal.core.links import base_url
from programs.dashboard import selectors_overview, selectors_reach
from programs.dashboard.charts import BarChart
from programs.dashboard.scope import Scope

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = 1900
NEIGHBOURHOODS_LISTED = 5


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def next_month(first: date) -> date:
    return month_end(first) + timedelta(days=1)


def last_full_month(today: date | None = None) -> date:
    return previous_month(month_start(today or timezone.localdate()))


def parse_month(value: str | None, today: date | None = None) -> date | None:
    """The first day of a YYYY-MM month that has begun, or None for anything else."""
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12) or year < FIRST_YEAR:
        return None
    first = date(year, month, 1)
    if first > month_start(today or timezone.localdate()):
        return None
    return first


def month_scope(first: date) -> Scope:
    return Scope(start=first, end=month_end(first))


@dataclass(frozen=True)
class Report:
    month: date
    previous_month: date
    scope: Scope
    previous_scope: Scope
    today: date
    partial: bool  # the month is not over yet
    groups: list[tuple[str, list[selectors_overview.Metric]]]  # every overview figure
    tiers: list[selectors_overview.TierBlock]
    tier_chart: BarChart
    top: list[selectors_reach.Row]
    lowest: list[selectors_reach.Row]
    score: selectors_reach.Score
    previous_score: selectors_reach.Score
    recommendations: list[selectors_overview.Metric]
    personnel: list[selectors_overview.Metric]
    neighbourhoods_ranked: int  # how many neighbourhoods have a population to rank

    @property
    def score_change(self) -> float | None:
        if self.score.value is None or self.previous_score.value is None:
            return None
        return round(self.score.value - self.previous_score.value, 2)

    @property
    def score_change_text(self) -> str:
        change = self.score_change
        return "" if change is None else f"{change:+.2f}".replace("-", "\u2212")

    @property
    def headline(self) -> list[tuple[str, list[selectors_overview.Metric]]]:
        """The overview's groups of figures, less recommendations and personnel, which
        have a section of their own."""
        own = {m.name for m in self.recommendations + self.personnel}
        return [
            (title, metrics)
            for title, metrics in self.groups
            if not any(m.name in own for m in metrics)
        ]

    def metric(self, name: str) -> selectors_overview.Metric:
        return next(m for _title, metrics in self.groups for m in metrics if m.name == name)

    @property
    def url(self) -> str:
        return report_url(self.month)


def report_url(first: date) -> str:
    return base_url() + reverse("dashboard:report") + f"?month={first:%Y-%m}"


def _against_previous_month(current, previous) -> list:
    """The current month's metrics, each with the previous calendar month's figure."""
    before = {metric.name: metric for metric in previous.metrics}
    groups = []
    for title, metrics in current.groups:
        groups.append(
            (
                title,
                [replace(m, previous=before[m.name].figure) if m.compare else m for m in metrics],
            )
        )
    return groups


def _top_and_lowest(ranked: list) -> tuple[list, list]:
    """The highest rates and the lowest (lowest first), never the same neighbourhood in
    both. Rows whose rate is hidden keep the order the reach page gives them (by name,
    after every shown rate above zero), so their place tells nothing of their size."""
    rows = [row for row in ranked if row.kind == "neighbourhood" and row.rate is not None]
    if len(rows) <= 2 * NEIGHBOURHOODS_LISTED:
        split = (len(rows) + 1) // 2
        return rows[:split], rows[split:][::-1]
    return rows[:NEIGHBOURHOODS_LISTED], rows[-NEIGHBOURHOODS_LISTED:][::-1]


def monthly_report(first: date, *, today: date | None = None) -> Report:
    """Everything in the printable report for the month starting on `first`."""
    today = today or timezone.localdate()
    scope = month_scope(first)
    previous_scope = month_scope(previous_month(first))
    current = selectors_overview.overview(scope, today=today)
    before = selectors_overview.overview(previous_scope, today=today)
    groups = _against_previous_month(current, before)
    spectrum = selectors_overview.spectrum(scope)
    reach = selectors_reach.reach(scope)
    top, lowest = _top_and_lowest(reach.ranked)
    by_name = {m.name: m for _title, metrics in groups for m in metrics}
    return Report(
        month=first,
        previous_month=previous_scope.start,
        scope=scope,
        previous_scope=previous_scope,
        today=today,
        partial=scope.end >= today,
        groups=groups,
        tiers=spectrum.tiers,
        tier_chart=spectrum.chart,
        top=top,
        lowest=lowest,
        score=reach.score,
        previous_score=selectors_reach.reach_score(previous_scope),
        recommendations=[
            by_name[name]
            for name in (
                "recommendations-received",
                "recommendations-answered",
                "recommendations-overdue",
                "days-to-answer",
            )
            if name in by_name
        ],
        personnel=[by_name[name] for name in ("personnel", "personnel-outside") if name in by_name],
        neighbourhoods_ranked=sum(
            1 for row in reach.ranked if row.kind == "neighbourhood" and row.rate is not None
        ),
    )


# --- The e-mail: the headline figures as text ----------------------------------------------

EMAIL_METRICS = (
    "residents",
    "participations",
    "events",
    "survey-responses",
    "volunteer-hours",
    "recommendations-received",
    "recommendations-answered",
    "recommendations-overdue",
    "personnel",
)


@dataclass(frozen=True)
class EmailLine:
    label: str
    value: str
    change: str  # empty when there is no comparison to show


def email_lines(report: Report) -> list[EmailLine]:
    """The headline figures of the e-mail, in the language that is active."""
    lines = []
    for name in EMAIL_METRICS:
        try:
            metric = report.metric(name)
        except StopIteration:
            continue
        change = metric.change
        lines.append(
            EmailLine(str(metric.label), metric.display, change.export() if change else "")
        )
    return lines


# --- CSV --------------------------------------------------------------------------------------


def table_monthly_report(scope: Scope) -> tuple[list[str], list[list]]:
    """The report's headline figures for the month the scope starts in (whole city: the
    report has no other filter)."""
    UNITS = {
        selectors_overview.PERCENT: "%",
        selectors_overview.HOURS: gettext("hours"),
        selectors_overview.DAYS: gettext("days"),
    }
    report = monthly_report(month_start(scope.start))
    headers = [
        gettext("Figure"),
        gettext("Unit"),
        gettext("Month"),
        gettext("This month"),
        gettext("Previous month"),
        gettext("Change"),
        gettext("Change (%)"),
    ]
    rows = []
    for _title, metrics in report.groups:
        for metric in metrics:
            change = metric.change
            rows.append(
                [
                    str(metric.label),
                    UNITS.get(metric.unit, ""),
                    f"{report.month:%Y-%m}",
                    metric.figure if metric.figure is not None else "",
                    metric.previous if metric.previous is not None else "",
                    change.export_delta() if change else "",
                    change.export_percent() if change else "",
                ]
            )
    rows.append(
        [
            gettext("Representation score"),
            "",
            f"{report.month:%Y-%m}",
            report.score.export(),
            report.previous_score.export(),
            "" if report.score_change is None else f"{report.score_change:+.2f}",
            "",
        ]
    )
    return headers, rows


TABLES = {"monthly-report": table_monthly_report}
