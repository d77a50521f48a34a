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


def withhold(values: dict, threshold: int = MIN_PEOPLE) -> set:
    """Keys to withhold among cells that add up to a published total: every count under the
    threshold, then the smallest others until at least two are withheld and they add up to
    the threshold or more (or nothing is left to withhold). Complementary suppression: no
    hidden cell can be recovered by subtracting the shown ones from the total."""
    hidden = {key for key, n in values.items() if count(n).suppressed}
    if not hidden:
        return hidden
    shown = sorted(
        ((n, str(key), key) for key, n in values.items() if key not in hidden and n > 0),
        key=lambda item: (item[0], item[1]),
    )
    while shown and (len(hidden) < 2 or sum(values[k] for k in hidden) < threshold):
        hidden.add(shown.pop(0)[2])
    return hidden
