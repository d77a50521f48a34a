"""Small numbers stay hidden. Any figure computed from fewer than MIN_PEOPLE people is
shown as "fewer than 10" wherever it appears: pages, CSV exports, the monthly report and
open data. Selectors return `Figure`s; templates and exports print them."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

MIN_PEOPLE = 10
SUPPRESSED_TEXT = _("fewer than 10")


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


def count(n: int | None) -> Figure:
    """A count of people: shown only from MIN_PEOPLE up (zero is shown as zero)."""
    n = n or 0
    return Figure(n if n == 0 or n >= MIN_PEOPLE else None, n)


def rate(numerator: float, people: int, *, scale: float = 1.0) -> Figure:
    """A rate or mean over `people` people: hidden when they are fewer than MIN_PEOPLE."""
    if people < MIN_PEOPLE or people == 0:
        return Figure(None, people)
    return Figure(numerator / people * scale, people)
