"""Small numbers stay hidden, and stay hidden after arithmetic.

Any count of fewer than MIN_PEOPLE people (1 to 9) is a primary suppression, shown as
"fewer than 10" wherever it appears: pages, CSV exports, the monthly report, its e-mail and
open data. A page rarely shows one count alone: it shows totals beside their parts (a tier
beside its engagement types, the city beside its neighbourhoods), and shares or rates whose
denominators are published, which give the counts back. So each page or report builds one
`Ledger` per period: every count it publishes (true values) and every sum between them,
across all its tables. `Ledger.protect()` then adds secondary suppressions until a reader
who knows every shown figure, every sum, that counts are whole numbers, that a hidden
primary is 1 to 9 and that a hidden secondary is 10 or more (the worst case: we assume
they can tell them apart) cannot pin any hidden cell to one value. Two hidden cells whose
sum is known to be 2 are both 1: that counts as recovered, and is prevented.

How: every sum that holds a hidden cell must hold at least two, and when its total is
shown they must rest on MIN_PEOPLE people or more together; then the reader's own best
attack, interval propagation over every sum to a fixpoint (`exposed`), is run, and while
it narrows a hidden cell to one value the smallest shown cell of a sum that cell is in is
hidden too. Deterministic: ties break on the cells' keys. Percentages, shares and rates of
a hidden count must be hidden with it (`Ledger.share`, `Ledger.hidden`).

Secondary suppressions print "fewer than 10" too (the wording the pages and the open data
always used), so a reader cannot in fact tell them apart; the protection does not rely on
that. Selectors return `Figure`s; templates and exports print them.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from math import inf

from django.utils.translation import gettext_lazy as _

MIN_PEOPLE = 10
SUPPRESSED_TEXT = _("fewer than 10")
MAX_PASSES = 200  # interval propagation converges in a few passes on the pages' shapes


@dataclass(frozen=True)
class Figure:
    """A number, or nothing when it rests on fewer than MIN_PEOPLE people."""

    value: float | int | None
    base: int  # how many people the number rests on

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        if self.value is None:
            return str(SUPPRESSED_TEXT)
        if isinstance(self.value, float):
            return f"{self.value:,.1f}"
        return f"{self.value:,}"

    def export(self) -> str:
        """What a CSV or JSON export shows."""
        return "<10" if self.value is None else str(self.value)


def is_small(n: int | None) -> bool:
    """A primary suppression: 1 to 9 people (zero is shown as zero)."""
    return 0 < (n or 0) < MIN_PEOPLE


def count(n: int | None) -> Figure:
    """A count of people on its own, in no published sum: shown from MIN_PEOPLE up (zero
    as zero). A count that is part of a sum, or a total of others shown, goes through a
    `Ledger` instead."""
    n = n or 0
    return Figure(None if is_small(n) else n, n)


def rate(numerator: float, people: int, *, scale: float = 1.0) -> Figure:
    """A rate or mean over `people` people: hidden when they are fewer than MIN_PEOPLE."""
    if people < MIN_PEOPLE or people == 0:
        return Figure(None, people)
    return Figure(numerator / people * scale, people)


# --- The protector --------------------------------------------------------------------------

Sum = tuple[Hashable, tuple[Hashable, ...]]


def _order(key: Hashable) -> str:
    return repr(key)


def bounds(
    values: dict[Hashable, int], sums: list[Sum], hidden: set, threshold: int = MIN_PEOPLE
) -> dict[Hashable, tuple[float, float]]:
    """What a reader of every shown figure can tell of each cell: the narrowest interval
    that interval propagation over every sum reaches (a fixpoint, or MAX_PASSES)."""
    box: dict[Hashable, list] = {}
    for key, n in values.items():
        if key not in hidden:
            box[key] = [n, n]
        elif is_small(n):
            box[key] = [1, threshold - 1]
        else:
            box[key] = [threshold, inf]
    for _pass in range(MAX_PASSES):
        changed = False
        for total, parts in sums:
            low = sum(box[p][0] for p in parts)
            unbounded = sum(1 for p in parts if box[p][1] == inf)
            finite = sum(box[p][1] for p in parts if box[p][1] != inf)
            high = inf if unbounded else finite
            t = box[total]
            if low > t[0]:
                t[0], changed = low, True
            if high < t[1]:
                t[1], changed = high, True
            for p in parts:
                b = box[p]
                if b[1] == inf:
                    others_high = inf if unbounded > 1 else finite
                else:
                    others_high = inf if unbounded else finite - b[1]
                floor = t[0] - others_high
                ceiling = t[1] - (low - b[0])
                if floor > b[0]:
                    b[0], changed = floor, True
                if ceiling < b[1]:
                    b[1], changed = ceiling, True
        if not changed:
            break
    return {key: (b[0], b[1]) for key, b in box.items()}


def exposed(values: dict, sums: list[Sum], hidden: set, threshold: int = MIN_PEOPLE) -> list:
    """Hidden cells a reader pins to one value, in key order."""
    found = bounds(values, sums, hidden, threshold)
    return sorted((k for k in hidden if k in found and found[k][0] >= found[k][1]), key=_order)


def protect(
    values: dict[Hashable, int],
    sums: Iterable[Sum],
    threshold: int = MIN_PEOPLE,
    *,
    fixed: dict[Hashable, bool] | None = None,
) -> set:
    """The cells to hide: every count of 1 to threshold-1, and enough others that none of
    them can be worked out from the shown cells and the sums (see the module's docstring).
    `fixed`: {cell: hidden} for cells another output already publishes (or withholds),
    which this one must take as they are."""
    fixed = fixed or {}
    sums = [(total, tuple(parts)) for total, parts in sums if parts]
    hidden = {key for key, n in values.items() if 0 < n < threshold}
    hidden |= {key for key, withheld in fixed.items() if withheld}
    if not hidden:
        return hidden
    # Independent groups of linked sums are protected one by one: same answer, less work.
    for cells, group in _components(values, sums):
        _protect_group({k: values[k] for k in cells}, group, hidden, threshold, set(fixed))
    return hidden


def _components(values: dict, sums: list[Sum]) -> list[tuple[set, list[Sum]]]:
    parent = {key: key for key in values}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for total, parts in sums:
        for p in parts:
            parent[root(p)] = root(total)
    groups: dict[Hashable, tuple[set, list]] = {}
    for key in values:
        groups.setdefault(root(key), (set(), []))[0].add(key)
    for s in sums:
        groups[root(s[0])][1].append(s)
    return [groups[r] for r in sorted(groups, key=_order) if groups[r][1]]


def _protect_group(
    values: dict, sums: list[Sum], hidden: set, threshold: int, fixed: set = frozenset()
) -> None:
    def candidates(members) -> list:
        return sorted(
            (k for k in members if k not in hidden and k not in fixed and values[k] > 0),
            key=lambda k: (values[k], _order(k)),
        )

    # The classic rule first, to a fixpoint: it leaves wide intervals, not just two values.
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            members = (total, *parts)
            inside = [k for k in members if k in hidden]
            if not inside:
                continue
            mass = sum(values[k] for k in parts if k in hidden)
            short = len(inside) < 2 or (total not in hidden and mass < threshold)
            if short and (more := candidates(members)):
                hidden.add(more[0])
                changed = True
    # Then the reader's attack, until it recovers nothing.
    containing: dict[Hashable, list[Sum]] = {}
    for s in sums:
        for k in (s[0], *s[1]):
            containing.setdefault(k, []).append(s)
    while pinned := exposed(values, sums, hidden, threshold):
        added = None
        for key in pinned:
            added = _nearest_candidate(key, containing, candidates)
            if added is not None:
                break
        if added is None:
            return  # nothing left to hide near them; cannot happen with a shown total
        hidden.add(added)


def _nearest_candidate(key, containing, candidates):
    """The smallest shown cell of a sum `key` is in; failing that, of the sums next to
    those (breadth first), so a pinned cell whose sums are all hidden still gets cover."""
    seen, frontier = {key}, [key]
    while frontier:
        members = []
        for k in frontier:
            for total, parts in containing.get(k, ()):
                members.extend((total, *parts))
        if more := candidates(set(members)):
            return more[0]
        frontier = sorted({m for m in members if m not in seen}, key=_order)
        seen.update(frontier)
    return None


class Ledger:
    """The counts one page or report publishes for one period, and the sums between them,
    across all its tables. Add every cell and sum, then read figures: the first read
    protects the whole ledger at once."""

    def __init__(self, threshold: int = MIN_PEOPLE):
        self.threshold = threshold
        self.values: dict[Hashable, int] = {}
        self.sums: list[Sum] = []
        self.fixed: dict[Hashable, bool] = {}
        self._hidden: set | None = None

    def cell(self, key: Hashable, n: int | None, *, hidden: bool | None = None) -> Hashable:
        """`hidden`: True or False for a cell another output publishes as it is (shown, or
        withheld there): this ledger takes it as given and protects its other cells."""
        assert self._hidden is None, "a ledger is closed once read"
        self.values[key] = int(n or 0)
        if hidden is not None:
            self.fixed[key] = hidden
        return key

    def total(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        """`total` is published as the sum of `parts` (every one of them a cell)."""
        assert self._hidden is None, "a ledger is closed once read"
        self.sums.append((total, tuple(parts)))

    @property
    def withheld(self) -> set:
        if self._hidden is None:
            self._hidden = protect(self.values, self.sums, self.threshold, fixed=self.fixed)
        return self._hidden

    def hidden(self, key: Hashable) -> bool:
        return key in self.withheld

    def figure(self, key: Hashable) -> Figure:
        n = self.values.get(key, 0)
        return Figure(None if key in self.withheld else n, n)

    def share(self, key: Hashable, value: float | int | None) -> Figure | None:
        """A figure computed from the count `key` (its share, rate, records, hours): hidden
        exactly when that count is, since a shown denominator would give it back."""
        if value is None:
            return None
        n = self.values.get(key, 0)
        return Figure(None if key in self.withheld else value, n)


def withhold(values: dict, threshold: int = MIN_PEOPLE) -> set:
    """Keys to withhold among cells that add up to a published total: the ledger of one
    sum. The total itself is shown (the callers publish it when it is 10 or more)."""
    total = ("withhold", "total")
    cells = {key: n or 0 for key, n in values.items()}
    hidden = protect({**cells, total: sum(cells.values())}, [(total, tuple(cells))], threshold)
    return hidden - {total}
