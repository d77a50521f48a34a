"""What counts as participation in a program, recomputed from the source tables.

The definitions (which rows count, on which day, for which neighbourhood) live in
programs/sources.py and are shared with the dashboard summaries; this module answers "how
many people took part in this program, and how" straight from the sources. Dashboards read
the summaries instead, and tests prove both agree.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from programs.sources import KINDS, SOURCES  # noqa: F401 (re-exported)


@dataclass(frozen=True)
class Period:
    """Days included at both ends; None means open-ended."""

    start: date | None = None
    end: date | None = None


def program_participation(program, period: Period | None = None) -> dict[str, int]:
    """People who took part in one program, by kind (every kind present, zero when none).
    One query per kind."""
    period = period or Period()
    counts = {}
    for source in SOURCES:
        q = source.on_days(period.start, period.end) & Q(**{source.program: program.pk})
        rows = list(source.aggregate(q, ()))
        counts[source.kind] = (rows[0]["people"] or 0) if rows else 0
    return counts


def total_participation(program, period: Period | None = None) -> int:
    return sum(program_participation(program, period).values())
