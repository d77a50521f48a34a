"""Unique residents reached over a period: exact, without a DISTINCT when it can.

Reach is not additive: someone who took part in March and in April is one resident over
spring, not two, so daily or monthly counts cannot be summed, and a rollup without the
resident could only be an estimate (HyperLogLog). The pages state counts.

A COUNT(DISTINCT resident) over the ReachDay rows of a period sorts every one of them.
Instead, each ReachDay row knows the resident's previous day (services.py keeps the
chain): overall, in the same tier, the same type, the same neighbourhood. Over a period
[a, b] a resident is counted at exactly one row, their first in it, which is the row
whose previous day is before a (or who has none). So unique reach is

    COUNT(*) WHERE day BETWEEN a AND b AND (previous IS NULL OR previous < a)

read from one index, no sort, no hash. It still reads every row of the period from that
index; what it saves is the sort (about four fifths of the time at city size).

The chain to use is the one whose partition the filters and the grouping respect: all of
a resident's rows (no filter), those of one tier, of one type, of one neighbourhood. A
program filter, or a neighbourhood with a tier or type, has no chain of its own: those
fall back to COUNT(DISTINCT), on the (day, resident, ...) index.
"""

from datetime import date

from django.db.models import Count, Q

from .models import ReachDay
from .scope import Scope

ANY, TIER, TYPE, AREA = "previous_day", "previous_in_tier", "previous_in_type", "previous_in_area"
GROUPS = {"tier": TIER, "engagement_type_id": TYPE, "neighbourhood_id": AREA}


def chain_for(scope: Scope, group: str | None = None) -> str | None:
    """The previous-day column whose chain the scope's filters and `group` respect, or
    None when there is none and a DISTINCT must do."""
    if scope.program is not None:
        return None
    if scope.neighbourhood is not None or group == "neighbourhood_id":
        if scope.tier or scope.engagement_type or group not in (None, "neighbourhood_id"):
            return None
        return AREA
    if scope.engagement_type is not None or group == "engagement_type_id":
        return TYPE
    if scope.tier is not None or group == "tier":
        return TIER
    return ANY


# Rows are counted by their day (never null), which the chain indexes hold, so that the
# count is answered from an index alone; COUNT(pk) would read the table for the key.


def _first(chain: str, start: date, end: date) -> Q:
    """The rows where a resident is first seen in [start, end] (by the chain)."""
    return Q(day__gte=start, day__lte=end) & (
        Q(**{f"{chain}__isnull": True}) | Q(**{f"{chain}__lt": start})
    )


def _rows(scope: Scope):
    return ReachDay.objects.filter(scope.q(day=None))


def residents(scope: Scope) -> int:
    """Distinct residents reached in the scope."""
    return residents_in_periods(scope, period=(scope.start, scope.end))["period"]


def residents_in_periods(scope: Scope, **periods: tuple[date, date]) -> dict[str, int]:
    """Distinct residents reached in each named period, with the scope's other filters,
    in one query: residents_in_periods(scope, now=(a, b), before=(c, d))."""
    first = min(start for start, _end in periods.values())
    last = max(end for _start, end in periods.values())
    rows = _rows(scope).filter(day__gte=first, day__lte=last)
    chain = chain_for(scope)
    if chain is None:
        counts = {
            name: Count("resident", distinct=True, filter=Q(day__gte=start, day__lte=end))
            for name, (start, end) in periods.items()
        }
    else:
        counts = {
            name: Count("day", filter=_first(chain, start, end))
            for name, (start, end) in periods.items()
        }
    return rows.aggregate(**counts)


def residents_by(scope: Scope, field: str) -> dict:
    """{value of `field`: distinct residents reached} in the scope, where `field` is a
    ReachDay column ("tier", "engagement_type_id", "neighbourhood_id", ...). Values with
    no resident are absent."""
    chain = chain_for(scope, field)
    rows = _rows(scope)
    if chain is None:
        rows = rows.filter(day__gte=scope.start, day__lte=scope.end)
        measure = Count("resident", distinct=True)
    else:
        rows = rows.filter(_first(chain, scope.start, scope.end))
        measure = Count("day")
    return dict(rows.values(field).annotate(n=measure).values_list(field, "n").order_by())
