"""A map of the neighbourhoods, drawn on the server as SVG (no script, no tiles, no CDN).

Each neighbourhood with a loaded outline is shaded by its participation per 1,000
residents, in five equal steps from zero to the highest shown rate. The colours are the
viridis scale, readable with every common kind of colour blindness and in greyscale print;
"no participation", "fewer than 10" (hatched) and "no population" have their own keys. The
table next to the map carries the same numbers, and the SVG has a text summary for screen
readers.
"""

from dataclasses import dataclass
from math import cos, radians

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagement_portal.core.privacy import Figure

WIDTH = 640  # SVG units; the drawing keeps the city's proportions
MAX_HEIGHT = 640
STEPS = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]  # viridis, light → dark
ZERO = "#ffffff"
NO_POPULATION = "#d9d9d9"
HIDDEN = "url(#map-hidden)"
MAX_LABELS = 30  # names are written on the map up to this many neighbourhoods


@dataclass(frozen=True)
class Area:
    label: str
    path: str
    fill: str
    text: str  # what its <title> says
    selected: bool = False
    label_at: tuple[float, float] | None = None  # where its name is written, if it is


@dataclass(frozen=True)
class Key:
    fill: str
    text: str


@dataclass(frozen=True)
class Map:
    title: str
    width: int
    height: int
    areas: list[Area]
    key: list[Key]
    summary: str
    without_outline: list[str]


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def _steps(top: float) -> list[tuple[float, float, str]]:
    """Five equal steps from 0 (exclusive) to top (inclusive)."""
    width = top / len(STEPS)
    return [(i * width, (i + 1) * width, colour) for i, colour in enumerate(STEPS)]


def _fill(rate: Figure | None, steps) -> str:
    if rate is None:
        return NO_POPULATION
    if rate.value is None:
        return HIDDEN
    if rate.value == 0:
        return ZERO
    for _low, high, colour in steps:
        if rate.value <= high:
            return colour
    return steps[-1][2]


def _centroid(points: list[tuple[float, float]]) -> tuple[float, tuple[float, float] | None]:
    """Area and centroid of a closed ring (shoelace formula)."""
    twice_area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        twice_area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not twice_area:
        return 0.0, None
    return abs(twice_area) / 2, (round(cx / (3 * twice_area), 1), round(cy / (3 * twice_area), 1))


def choropleth(rows, outlines: dict[int, dict]) -> Map | None:
    """rows: the reach page's neighbourhood rows (label, neighbourhood, rate, selected);
    outlines: {neighbourhood id: GeoJSON geometry}. None when no outline is loaded."""
    drawn = [
        (row, outlines[row.neighbourhood.pk]) for row in rows if row.neighbourhood.pk in outlines
    ]
    if not drawn:
        return None
    lons, lats = [], []
    for _row, geometry in drawn:
        for polygon in _polygons(geometry):
            for ring in polygon:
                for lon, lat, *_rest in ring:
                    lons.append(lon)
                    lats.append(lat)
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = cos(radians((north + south) / 2))  # a degree of longitude is shorter
    span_x = max((east - west) * squeeze, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = min(WIDTH / span_x, MAX_HEIGHT / span_y)
    width, height = round(span_x * scale), round(span_y * scale)

    def point(lon: float, lat: float) -> tuple[float, float]:
        return round((lon - west) * squeeze * scale, 1), round((north - lat) * scale, 1)

    shown = [row.rate.value for row, _g in drawn if row.rate is not None and row.rate.value]
    top = max(shown) if shown else 0
    steps = _steps(top) if top else []
    areas = []
    for row, geometry in drawn:
        parts, largest = [], (0.0, None)
        for polygon in _polygons(geometry):
            for number, ring in enumerate(polygon):
                points = []
                for lon, lat, *_rest in ring:
                    xy = point(lon, lat)
                    if not points or xy != points[-1]:
                        points.append(xy)
                parts.append("M" + "L".join(f"{x},{y}" for x, y in points) + "Z")
                if number == 0:  # an outer ring (the others are holes)
                    area, centre = _centroid(points)
                    if area > largest[0]:
                        largest = (area, centre)
        if row.rate is None:
            text = _("%(name)s: no population recorded") % {"name": row.label}
        else:
            text = _("%(name)s: %(rate)s per 1,000 residents") % {
                "name": row.label,
                "rate": row.rate,
            }
        areas.append(
            Area(
                label=row.label,
                path="".join(parts),
                fill=_fill(row.rate, steps),
                text=text,
                selected=row.selected,
                label_at=largest[1] if len(drawn) <= MAX_LABELS else None,
            )
        )
    areas.sort(key=lambda area: area.selected)  # drawn last, its outline on top
    key = [
        Key(
            colour,
            _("%(low)s to %(high)s per 1,000") % {"low": f"{low:.1f}", "high": f"{high:.1f}"},
        )
        for low, high, colour in steps
    ]
    key.append(Key(ZERO, _("No participation")))
    if any(area.fill == HIDDEN for area in areas):
        key.append(Key(HIDDEN, _("Fewer than 10 participations (hidden)")))
    if any(area.fill == NO_POPULATION for area in areas):
        key.append(Key(NO_POPULATION, _("No population recorded")))
    darkest = [row.label for row, _g in drawn if row.rate is not None and row.rate.value == top]
    if top:
        summary = ngettext(
            "Map of %(n)d neighbourhood shaded by participation per 1,000 residents; it is "
            "at %(top)s. The table below gives its rate.",
            "Map of %(n)d neighbourhoods shaded by participation per 1,000 residents, darker "
            "for more; the highest is %(names)s at %(top)s. The table below gives every "
            "neighbourhood's rate.",
            len(areas),
        ) % {"n": len(areas), "names": ", ".join(darkest), "top": f"{top:.1f}"}
    else:
        summary = ngettext(
            "Map of %(n)d neighbourhood: it has no participation rate to show in this "
            "period. The table below gives every neighbourhood.",
            "Map of %(n)d neighbourhoods: none has a participation rate to show in this "
            "period. The table below gives every neighbourhood.",
            len(areas),
        ) % {"n": len(areas)}
    return Map(
        title=_("Participation per 1,000 residents, by neighbourhood"),
        width=width,
        height=height,
        areas=areas,
        key=key,
        summary=summary,
        without_outline=[row.label for row in rows if row.neighbourhood.pk not in outlines],
    )
