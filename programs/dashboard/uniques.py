"""Unique residents reached over a period: exact, and without reading the period's rows
when it can.

Reach is not additive: someone who took part in March and in April is one resident over
spring, not two, so daily or monthly counts cannot be summed, and a rollup without the
resident could only be an estimate (HyperLogLog). The pages state counts.

A COUNT(DISTINCT resident) over the ReachDay rows of a period sorts every one of them,
and any count over those rows grows with the city. Instead each ReachDay row knows the
resident's previous day along a chain of their rows (services.py keeps the chains), and
two small tables count the chains' last days and gaps (reach_gaps.py): a resident took
part in [a, b] when last seen on or after a, unless their rows jump from before a to
after b. Both are read at a day and a month grain, so the rows read depend on the
calendar, not on how many residents there are.

The chain to use is the one whose partition the filters and the grouping respect: all of
a resident's rows (no filter), those of one tier, of one type, of one neighbourhood, or
those with a neighbourhood. A program filter, or a neighbourhood with a tier or type, has
no chain of its own: those fall back to COUNT(DISTINCT), on the (day, resident, ...)
index.
"""

import calendar
from datetime import date, timedelta

from django.db.models import BigIntegerField, Count, F, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from programs.dashboard import compiled
from programs.dashboard.models import ReachDay, ReachGap, ReachLastSeen
from programs.dashboard.reach_gaps import ANY, AREA, LOCATED, PROGRAMS, TIER, TYPE, Chain, month_of
from programs.dashboard.scope import Scope

GROUPS = {"tier": TIER, "engagement_type_id": TYPE, "neighbourhood_id": AREA}


def chain_for(scope: Scope, group: str | None = None) -> Chain | None:
    """The chain whose partition the scope's filters and `group` respect, or None when
    there is none and a DISTINCT must do."""
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


def residents(scope: Scope) -> int:
    """Distinct residents reached in the scope."""
    return residents_in_periods(scope, period=(scope.start, scope.end))["period"]


def residents_in_periods(scope: Scope, **periods: tuple[date, date]) -> dict[str, int]:
    """Distinct residents reached in each named period, with the scope's other filters,
    in one query: residents_in_periods(scope, now=(a, b), before=(c, d))."""
    chain = chain_for(scope)
    if chain is None:
        first = min(start for start, _end in periods.values())
        last = max(end for _start, end in periods.values())
        rows = ReachDay.objects.filter(scope.q(day=None), day__gte=first, day__lte=last)
        return rows.aggregate(
            **{
                name: Count("resident", distinct=True, filter=Q(day__gte=start, day__lte=end))
                for name, (start, end) in periods.items()
            }
        )
    by_key = _reached(scope, chain, periods)
    return {name: sum(counts[name] for counts in by_key.values()) for name in periods}


def residents_by(scope: Scope, field: str) -> dict:
    """{value of `field`: distinct residents reached} in the scope, where `field` is
    "tier", "engagement_type_id" or "neighbourhood_id". Values with no resident are
    absent."""
    chain = chain_for(scope, field)
    if chain is None or GROUPS[field] is not chain:
        rows = ReachDay.objects.filter(scope.q())
        return dict(
            rows.values(field)
            .annotate(n=Count("resident", distinct=True))
            .values_list(field, "n")
            .order_by()
        )
    period = {"n": (scope.start, scope.end)}
    return {
        (key or None): counts["n"]
        for key, counts in _reached(scope, chain, period).items()
        if counts["n"]
    }


def located_residents(scope: Scope) -> int:
    """Distinct residents reached in the scope, leaving its neighbourhood aside, among
    the rows that have a neighbourhood."""
    in_period = scope.q(with_neighbourhood=False)
    if scope.program or scope.tier or scope.engagement_type:
        return ReachDay.objects.filter(in_period, neighbourhood__isnull=False).aggregate(
            n=Count("resident", distinct=True)
        )["n"]
    period = {"n": (scope.start, scope.end)}
    return sum(counts["n"] for counts in _reached(scope, LOCATED, period).values())


def programs_by_type(scope: Scope) -> dict[int, int] | None:
    """{engagement type: programs active in the scope's period} along the programs'
    chain of days (ProgramDay), or None when a program or a neighbourhood is chosen
    (the chain knows neither; the caller counts those from the period's rows)."""
    if scope.program is not None or scope.neighbourhood is not None:
        return None
    period = {"n": (scope.start, scope.end)}
    return {
        key: counts["n"] for key, counts in _reached(scope, PROGRAMS, period).items() if counts["n"]
    }


# --- The arithmetic of reach_gaps.py -----------------------------------------------------


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: date) -> date:
    return _month_end(day) + timedelta(days=1)


def _key_filter(scope: Scope, chain: Chain) -> Q:
    """The scope's filters, on the `key` of the chain's ReachLastSeen/ReachGap rows."""
    from programs.models import EngagementType

    q = Q(chain=chain.code)
    if chain is TIER and scope.tier:
        q &= Q(key=scope.tier.number)
    if chain is TYPE or chain is PROGRAMS:
        if scope.engagement_type:
            q &= Q(key=scope.engagement_type.pk)
        if scope.tier:
            q &= Q(key__in=Subquery(EngagementType.objects.filter(tier=scope.tier).values("pk")))
    if chain is AREA and scope.neighbourhood:
        q &= Q(key=scope.neighbourhood.pk)
    return q


def _reached(scope: Scope, chain: Chain, periods: dict[str, tuple[date, date]]) -> dict:
    """{key: {period name: residents reached}} along `chain`, in one query: residents
    last seen on or after a, less the gaps over [a, b] (see reach_gaps.py). The query
    is compiled once per scope, chain and periods (compiled.py)."""
    names = list(periods)
    by_key: dict[int, dict[str, int]] = {}
    rows = compiled.rows(
        ("reached", chain.code, scope.key, tuple(periods.items())),
        lambda: _reached_query(scope, chain, periods),
    )
    for key, *values in rows:
        counts = by_key.setdefault(key, dict.fromkeys(names, 0))
        for name, value in zip(names, values, strict=True):
            counts[name] += value or 0
    return by_key


def _reached_query(scope: Scope, chain: Chain, periods: dict[str, tuple[date, date]]):
    def last_seen(start: date) -> Q:  # residents last seen on or after start
        return Q(fine=True, day__gte=start, day__lt=_next_month(start)) | Q(
            fine=False, day__gte=_next_month(start)
        )

    def gaps_over(start: date, end: date) -> Q:  # gaps from before start to after end's month
        return Q(month__gte=_next_month(end)) & (
            Q(fine=False, previous__lt=month_of(start))
            | Q(fine=True, previous__gte=month_of(start), previous__lt=start)
        )

    keys = _key_filter(scope, chain)
    seen_rows, gap_rows = Q(), Q()
    for start, end in periods.values():
        seen_rows |= last_seen(start)
        gap_rows |= gaps_over(start, end)
    seen = ReachLastSeen.objects.filter(keys, seen_rows).values("key")
    seen = seen.annotate(
        **{
            name: Sum("residents", filter=last_seen(start))
            for name, (start, _end) in periods.items()
        }
    )
    gaps = ReachGap.objects.filter(keys, gap_rows).values("key")
    gaps = gaps.annotate(
        **{
            name: Sum(-F("links"), filter=gaps_over(start, end))
            for name, (start, end) in periods.items()
        }
    )
    parts = [seen, gaps]
    # Gaps that end in the rest of b's month: from ReachDay's (day, [key,] previous) index,
    # one part per period. One part with the periods' days OR'ed together read the rows
    # themselves (a bitmap scan of every row of those days, which grows with the city);
    # a single range of days is read from the index alone.
    key = (
        Coalesce(F(chain.key), Value(0), output_field=BigIntegerField())
        if chain.key
        else Value(0, output_field=BigIntegerField())
    )
    for name, (start, end) in periods.items():
        if end == _month_end(end):
            continue
        rows = chain.model.objects.filter(
            scope.q(day=None, program=None, with_neighbourhood=chain is AREA),
            Q(**{f"{chain.previous}__isnull": True}) | Q(**{f"{chain.previous}__lt": start}),
            day__gt=end,
            day__lte=_month_end(end),
        )
        if chain.located_only:
            rows = rows.filter(neighbourhood__isnull=False)
        rows = rows.annotate(key=key).values("key")
        parts.append(
            rows.annotate(**{other: Sum(Value(-1 if other == name else 0)) for other in periods})
        )
    query = parts[0].order_by().union(*(part.order_by() for part in parts[1:]), all=True)
    return query.values_list(*(["key"] + list(periods)))
