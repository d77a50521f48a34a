"""Reading a period from a summary kept at two grains: whole months, and days.

A sum over a period reads the month rows of the months the period covers whole and the
day rows of the part-months at either end: at most about 60 days of day rows, whatever
the period's length, rather than every day of it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Split:
    months: tuple[date, date] | None  # [first, last) month starts covered whole
    days: tuple[tuple[date, date], ...]  # [start, end] day ranges at either end

    def q(self, *, month: str, day: str) -> tuple[Q, Q]:
        """(filter on the month rows, filter on the day rows); Q(pk__in=[]) for none."""
        months = (
            Q(**{f"{month}__gte": self.months[0], f"{month}__lt": self.months[1]})
            if self.months
            else Q(pk__in=[])
        )
        days = Q(pk__in=[])
        for start, end in self.days:
            days |= Q(**{f"{day}__gte": start, f"{day}__lte": end})
        return months, days


def split(start: date, end: date) -> Split:
    """The whole months of [start, end] and the days left at either end."""
    first = start if start.day == 1 else next_month(start)
    after = next_month(end)
    last = after if end == after - timedelta(days=1) else end.replace(day=1)
    if first >= last:
        return Split(None, ((start, end),))
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    if last <= end:
        days.append((last, end))
    return Split((first, last), tuple(days))
