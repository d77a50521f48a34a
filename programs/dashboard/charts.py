"""Charts drawn on the server as SVG: no script, no CDN, readable at a glance.

Colours are the Okabe–Ito palette, safe for the common kinds of colour blindness; every
chart is drawn next to (or above) a table with the same numbers, and carries a text
summary for screen readers. Suppressed values are drawn as an empty bar labelled
"fewer than 10".
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

# Okabe & Ito (2008): distinguishable with protanopia, deuteranopia and tritanopia.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TIER_COLOURS = {1: "#56B4E9", 2: "#009E73", 3: "#E69F00", 4: "#CC79A7", 5: "#0072B2"}

BAR_AREA = 420  # px available to the longest bar
ROW_HEIGHT = 28
LABEL_WIDTH = 200
# On a phone the chart is drawn again, each label above its bar across the whole width, in
# a narrower drawing: scaled to a 375 px screen its text stays 12-14 px (the wide drawing
# would shrink it to 5).
NARROW_WIDTH = 400
NARROW_BAR_AREA = 270
NARROW_ROW_HEIGHT = 44


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: suppressed
    text: str  # what is printed at the end of the bar
    colour: str
    width: float
    y: int
    href: str = ""


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    summary: str

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 8

    @property
    def width(self) -> int:
        return LABEL_WIDTH + BAR_AREA + 160

    @property
    def bar_x(self) -> int:
        return LABEL_WIDTH

    @property
    def marks(self) -> SafeString:
        """The bars and their labels as SVG elements, built here rather than by a template
        loop: a ranking of a hundred neighbourhoods is hundreds of elements."""
        x, parts = self.bar_x, []
        for bar in self.bars:
            label = escape(Truncator(bar.label).chars(30))
            width = str(bar.width)
            parts.append(
                f'<text x="{x - 8}" y="{bar.y + 18}" text-anchor="end" class="chart-label">'
                f"{label}</text>"
            )
            if bar.value is None:
                parts.append(
                    f'<rect x="{x}" y="{bar.y + 5}" width="2" height="18" fill="#767676"/>'
                )
            else:
                parts.append(
                    f'<rect x="{x}" y="{bar.y + 5}" width="{width}" height="18"'
                    f' fill="{escape(bar.colour)}"/>'
                )
            parts.append(
                f'<text x="{x + 8}" y="{bar.y + 18}" dx="{width}" class="chart-value">'
                f"{escape(bar.text)}</text>"
            )
        return mark_safe("".join(parts))  # every text above is escaped

    @property
    def narrow_height(self) -> int:
        return len(self.bars) * NARROW_ROW_HEIGHT + 8

    @property
    def narrow_width(self) -> int:
        return NARROW_WIDTH

    @property
    def narrow_marks(self) -> SafeString:
        """The same bars for a phone: the label on its own line, the bar below it."""
        parts = []
        scale = NARROW_BAR_AREA / BAR_AREA
        for index, bar in enumerate(self.bars):
            top = index * NARROW_ROW_HEIGHT
            label = escape(Truncator(bar.label).chars(44))
            width = round(bar.width * scale, 2)
            parts.append(f'<text x="0" y="{top + 16}" class="chart-label">{label}</text>')
            if bar.value is None:
                parts.append(f'<rect x="0" y="{top + 22}" width="2" height="16" fill="#767676"/>')
            else:
                parts.append(
                    f'<rect x="0" y="{top + 22}" width="{width}" height="16"'
                    f' fill="{escape(bar.colour)}"/>'
                )
            parts.append(
                f'<text x="8" y="{top + 35}" dx="{width}" class="chart-value">'
                f"{escape(bar.text)}</text>"
            )
        return mark_safe("".join(parts))  # every text above is escaped


def bar_chart(title: str, rows, *, colour: str = PALETTE[0], maximum=None) -> BarChart:
    """rows: (label, Figure or number or None, text, [href], [colour]) tuples."""
    values = []
    for row in rows:
        value = row[1]
        value = getattr(value, "value", value)
        values.append(value)
    top = maximum or max([v for v in values if v is not None] or [1]) or 1
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        label, _figure, text = row[0], row[1], row[2]
        href = row[3] if len(row) > 3 else ""
        bar_colour = row[4] if len(row) > 4 else colour
        width = 0 if value is None else round(BAR_AREA * max(value, 0) / top, 2)
        bars.append(Bar(str(label), value, str(text), bar_colour, width, index * ROW_HEIGHT, href))
    summary = f"{title}: " + "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return BarChart(title=str(title), bars=bars, summary=summary)


# --- Trend charts: a mean by month with its confidence interval ------------------------

TREND_WIDTH = 420
TREND_HEIGHT = 230
TREND_LEFT = 40  # room for the value labels
TREND_RIGHT = 12
TREND_TOP = 12
TREND_BOTTOM = 44  # room for the month and year labels
TREND_TICK_ROOM = 40  # px a month label needs before the next one may be printed
TREND_GAP_ROOM = 24  # px a "<10" label needs


@dataclass(frozen=True)
class TrendRow:
    """One month as the trend chart takes it: value None draws a gap labelled `gap`."""

    label: str  # e.g. "March 2025", used in the text summary
    value: float | None
    low: float | None
    high: float | None
    text: str  # what the summary says about this month
    tick: str = ""  # short axis label, e.g. "Mar"
    year: str = ""  # printed under the tick when the year changes
    gap: str = ""  # printed at a gap, e.g. "<10"


@dataclass(frozen=True)
class TrendPoint:
    label: str
    x: str  # SVG coordinates as strings: a localised float ("12,5") is no SVG length
    cap_left: str  # the ends of the error bar's caps
    cap_right: str
    y: str
    y_low: str
    y_high: str
    shown: bool
    tick: str
    year: str
    gap: str


@dataclass(frozen=True)
class TrendChart:
    title: str
    points: list[TrendPoint]
    lines: list[str]  # polyline points of each run of consecutive shown months
    bands: list[str]  # polygon points of the interval around each run of two or more
    y_ticks: list[tuple[str, str]]  # (y, label)
    summary: str
    colour: str
    band_colour: str
    width: int = TREND_WIDTH
    height: int = TREND_HEIGHT
    left: int = TREND_LEFT
    right: int = TREND_WIDTH - TREND_RIGHT
    top: int = TREND_TOP
    bottom: int = TREND_HEIGHT - TREND_BOTTOM

    @property
    def tick_y(self) -> int:
        return self.bottom + 17

    @property
    def year_y(self) -> int:
        return self.bottom + 34

    @property
    def gap_y(self) -> int:
        return self.bottom - 6

    @property
    def marks(self) -> SafeString:
        """Everything inside the chart's <svg>, built here rather than by template loops
        (five years are sixty months of points, caps and labels per question). Elements
        that share their look are grouped, so each one only carries its coordinates."""
        colour, band = escape(self.colour), escape(self.band_colour)
        left, right, bottom = self.left, self.right, self.bottom
        grid = "".join(
            f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>' for y, _ in self.y_ticks
        )
        values = "".join(
            f'<text x="{left - 8}" y="{y}" dy="5">{escape(label)}</text>'
            for y, label in self.y_ticks
        )
        parts = [
            f'<g stroke="#dee2e6" stroke-width="1">{grid}</g>',
            f'<g text-anchor="end" font-size="14" fill="#212529">{values}</g>',
            f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#6c757d"'
            ' stroke-width="1"/>',
        ]
        parts += [
            f'<polygon points="{points}" fill="{band}" fill-opacity="0.35" stroke="none"/>'
            for points in self.bands
        ]
        # Error bars: the bar and its two caps, one path for every month.
        bars = "".join(
            f"M{p.x} {p.y_low}V{p.y_high}M{p.cap_left} {p.y_low}H{p.cap_right}"
            f"M{p.cap_left} {p.y_high}H{p.cap_right}"
            for p in self.points
            if p.shown and p.y_low
        )
        if bars:
            parts.append(f'<path d="{bars}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        parts += [
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"'
            ' stroke-linejoin="round"/>'
            for points in self.lines
        ]
        dots = "".join(f'<circle cx="{p.x}" cy="{p.y}" r="4.5"/>' for p in self.points if p.shown)
        if dots:
            parts.append(f'<g fill="{colour}" stroke="#ffffff" stroke-width="1.5">{dots}</g>')
        for attribute, y, size, fill in (
            ("gap", self.gap_y, 13, "#595959"),
            ("tick", self.tick_y, 14, "#212529"),
            ("year", self.year_y, 13, "#495057"),
        ):
            texts = "".join(
                f'<text x="{p.x}" y="{y}">{escape(getattr(p, attribute))}</text>'
                for p in self.points
                if getattr(p, attribute) and not (attribute == "gap" and p.shown)
            )
            if texts:
                parts.append(
                    f'<g text-anchor="middle" font-size="{size}" fill="{fill}">{texts}</g>'
                )
        return mark_safe("".join(parts))  # every text above is escaped


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def _axis_ticks(minimum: float, maximum: float) -> list[float]:
    span = maximum - minimum
    step = 0.25 if span <= 1 else 1 if span <= 5 else 2 if span <= 10 else span / 5
    ticks, value = [], minimum
    while value <= maximum + 1e-9:
        ticks.append(round(value, 2))
        value += step
    return ticks


def trend_chart(
    title: str,
    rows: list[TrendRow],
    *,
    minimum: float,
    maximum: float,
    colour: str = PALETTE[0],
    band_colour: str = PALETTE[4],
) -> TrendChart:
    """A line of means by month, the confidence interval as a band (or error bars for a
    month on its own), and a gap with a label for a month whose value is hidden.

    Values outside [minimum, maximum] are drawn at the edge; the table beside the chart
    has the numbers."""
    plot_left, plot_right = TREND_LEFT, TREND_WIDTH - TREND_RIGHT
    plot_top, plot_bottom = TREND_TOP, TREND_HEIGHT - TREND_BOTTOM
    span = (maximum - minimum) or 1
    step = (plot_right - plot_left) / max(len(rows), 1)
    tick_every = max(1, -(-TREND_TICK_ROOM // max(int(step), 1)))

    def y_of(value: float) -> float:
        value = min(max(value, minimum), maximum)
        return plot_top + (maximum - value) / span * (plot_bottom - plot_top)

    points, runs, run = [], [], []
    previous_year = ""
    for index, row in enumerate(rows):
        x = plot_left + step * (index + 0.5)
        shown = row.value is not None
        ticked = index % tick_every == 0
        year = row.year if ticked and row.year != previous_year else ""
        if ticked and row.year:
            previous_year = row.year
        points.append(
            TrendPoint(
                label=row.label,
                x=_coordinate(x),
                cap_left=_coordinate(x - min(5, step / 4)),
                cap_right=_coordinate(x + min(5, step / 4)),
                y=_coordinate(y_of(row.value)) if shown else "",
                y_low=_coordinate(y_of(row.low)) if shown and row.low is not None else "",
                y_high=_coordinate(y_of(row.high)) if shown and row.high is not None else "",
                shown=shown,
                tick=row.tick if ticked else "",
                year=year,
                gap="" if shown or step < TREND_GAP_ROOM else row.gap,
            )
        )
        if shown:
            run.append((x, row))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)

    lines, bands = [], []
    for run in runs:
        lines.append(" ".join(f"{_coordinate(x)},{_coordinate(y_of(r.value))}" for x, r in run))
        if len(run) > 1 and all(r.low is not None and r.high is not None for _x, r in run):
            upper = [f"{_coordinate(x)},{_coordinate(y_of(r.high))}" for x, r in run]
            lower = [f"{_coordinate(x)},{_coordinate(y_of(r.low))}" for x, r in reversed(run)]
            bands.append(" ".join(upper + lower))
    y_ticks = [(_coordinate(y_of(value)), f"{value:g}") for value in _axis_ticks(minimum, maximum)]
    summary = f"{title}: " + "; ".join(f"{row.label}: {row.text}" for row in rows)
    return TrendChart(
        title=str(title),
        points=points,
        lines=lines,
        bands=bands,
        y_ticks=y_ticks,
        summary=summary,
        colour=colour,
        band_colour=band_colour,
    )
