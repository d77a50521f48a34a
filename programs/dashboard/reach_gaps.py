"""ReachLastSeen and ReachGap: unique reach from a calendar-sized number of rows.

A resident took part in [a, b] when they took part on or after a, unless their first
row on or after a comes after b. Along a chain of a resident's ReachDay rows (see
uniques.py), that is

    reached(a, b) = last seen on or after a  -  gaps that start before a and end after b

and both terms are counts over small tables, read at two grains so that neither grows
with the city:

- residents last seen on or after a: the days of a's month from a on (fine), then the
  whole months after it (coarse);
- gaps starting before a and ending in a month after b's: gaps from a month before a's
  (coarse) or from a day of a's month before a (fine);
- gaps ending in the rest of b's month, after b: read from ReachDay's chain index, and
  only when b is not the last day of its month (nor past the last row).

So a 90-day or a five-year period reads at most about (31 + 60) last-seen rows and
(60 × 60 + 31 × 60) gap rows per key, whatever the number of residents.

`refresh(before, after)` applies the difference two snapshots of a few residents' rows
make (services.participation_changed takes them around its change); `rebuild()`
recomputes both tables from ReachDay, set-based. Tests check they agree.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    DateField,
    F,
    Max,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth

from programs.dashboard import counters
from programs.dashboard.models import ProgramDay, ReachDay, ReachGap, ReachLastSeen

NO_PREVIOUS = ReachGap.NO_PREVIOUS


@dataclass(frozen=True)
class Chain:
    code: int
    previous: str  # the column with the row's previous day in this chain
    key: str | None  # the column the chain is partitioned by, besides its entity
    located_only: bool = False  # only rows with a neighbourhood
    model: type = ReachDay  # whose rows: residents' (ReachDay) or programs' (ProgramDay)
    entity: str = "resident_id"

    def key_of(self, row: dict) -> int:
        return (row[self.key] or 0) if self.key else 0

    def rows(self) -> QuerySet:
        rows = self.model.objects.all()
        if self.located_only:
            rows = rows.filter(neighbourhood__isnull=False)
        return rows

    def key_expression(self):
        if self.key is None:
            return Value(0, output_field=BigIntegerField())
        return Coalesce(F(self.key), Value(0), output_field=BigIntegerField())


ANY = Chain(0, "previous_day", None)
TIER = Chain(1, "previous_in_tier", "tier")
TYPE = Chain(2, "previous_in_type", "engagement_type_id")
AREA = Chain(3, "previous_in_area", "neighbourhood_id")
LOCATED = Chain(4, "previous_located", None, located_only=True)
RESIDENT_CHAINS = (ANY, TIER, TYPE, AREA, LOCATED)
# Programs active, by type: their days (ProgramDay) chained as residents' are.
PROGRAMS = Chain(5, "previous_day", "engagement_type_id", model=ProgramDay, entity="program_id")
CHAINS = (*RESIDENT_CHAINS, PROGRAMS)

_ROW_FIELDS = {
    ReachDay: [
        "resident_id",
        "day",
        "tier",
        "engagement_type_id",
        "neighbourhood_id",
        *(chain.previous for chain in RESIDENT_CHAINS),
    ],
    ProgramDay: ["program_id", "day", "engagement_type_id", "previous_day"],
}


def month_of(day: date) -> date:
    return day.replace(day=1)


# --- Incremental -------------------------------------------------------------------------


def snapshot(resident_ids) -> tuple[Counter, Counter]:
    """What these residents' ReachDay rows contribute to ReachLastSeen and ReachGap, as
    Counters keyed like the tables' unique constraints."""
    return _snapshot(RESIDENT_CHAINS, resident_ids)


def snapshot_programs(program_ids) -> tuple[Counter, Counter]:
    """The same for these programs' ProgramDay rows (chain 5)."""
    return _snapshot((PROGRAMS,), program_ids)


def _snapshot(chains, ids) -> tuple[Counter, Counter]:
    last_seen: Counter = Counter()
    gaps: Counter = Counter()
    ids = list(ids)
    if not ids:
        return last_seen, gaps
    model, entity = chains[0].model, chains[0].entity
    last: dict[tuple, date] = {}
    rows = model.objects.filter(**{f"{entity}__in": ids}).values(*_ROW_FIELDS[model]).order_by()
    for row in rows:
        for chain in chains:
            if chain.located_only and row["neighbourhood_id"] is None:
                continue
            key = chain.key_of(row)
            day = row["day"]
            mark = (chain.code, key, row[entity])
            if mark not in last or last[mark] < day:
                last[mark] = day
            previous = row[chain.previous]
            month = month_of(day)
            if previous is None:
                gaps[(chain.code, False, month, NO_PREVIOUS, key)] += 1
            else:
                gaps[(chain.code, False, month, month_of(previous), key)] += 1
                gaps[(chain.code, True, month, previous, key)] += 1
    for (code, key, _entity), day in last.items():
        last_seen[(code, True, day, key)] += 1
        last_seen[(code, False, month_of(day), key)] += 1
    return last_seen, gaps


def refresh(before: tuple[Counter, Counter], after: tuple[Counter, Counter]) -> None:
    """Apply the difference between two snapshots of the same residents (or programs)."""
    counters.add(
        ReachLastSeen,
        ["chain", "fine", "day", "key"],
        "residents",
        counters.difference(before[0], after[0]),
    )
    counters.add(
        ReachGap,
        ["chain", "fine", "month", "previous", "key"],
        "links",
        counters.difference(before[1], after[1]),
    )


# --- Rebuild -----------------------------------------------------------------------------


def rebuild() -> int:
    """Both tables from ReachDay (whose chains must be current), one INSERT … SELECT per
    chain and grain. Returns the rows written."""
    from programs.dashboard.sql import _clear, _compiled, _insert

    _clear(ReachLastSeen, ReachGap)
    written = 0
    for chain in CHAINS:
        per_resident = (
            chain.rows()
            .values(chain.entity)
            .annotate(_key=chain.key_expression())
            .values(chain.entity, "_key")
            .annotate(_last=Max("day"), _month=TruncMonth(Max("day"), output_field=DateField()))
            .order_by()
        )
        sql, params = _compiled(per_resident)
        for fine, column in ((True, '"_last"'), (False, '"_month"')):
            written += _insert(
                ReachLastSeen,
                ["chain", "fine", "day", "key", "residents"],
                f'SELECT %s, %s, s.{column}, s."_key", COUNT(*) FROM ({sql}) s '
                f'GROUP BY s.{column}, s."_key"',
                (chain.code, fine, *params),
            )
        for fine in (True, False):
            previous = F(chain.previous) if fine else TruncMonth(chain.previous)
            rows = chain.rows()
            if fine:
                rows = rows.filter(**{f"{chain.previous}__isnull": False})
            grouped = (
                rows.annotate(
                    _chain=Value(chain.code),
                    _fine=Value(fine, output_field=BooleanField()),
                    _month=TruncMonth("day", output_field=DateField()),
                    _previous=Coalesce(previous, Value(NO_PREVIOUS), output_field=DateField()),
                    _key=chain.key_expression(),
                )
                .values("_chain", "_fine", "_month", "_previous", "_key")
                .annotate(_links=Count("pk"))
                .order_by()
            )
            sql, params = _compiled(grouped)
            written += _insert(
                ReachGap,
                ["chain", "fine", "month", "previous", "key", "links"],
                f'SELECT s."_chain", s."_fine", s."_month", s."_previous", s."_key", s."_links" '
                f"FROM ({sql}) s",
                params,
            )
    return written
