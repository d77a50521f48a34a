"""Neighbourhood boundaries from GeoJSON, for the map on the reach dashboard.

`load_boundaries` reads a FeatureCollection (what GIS tools and open-data portals export),
matches each feature to a neighbourhood by one of its properties (the neighbourhood code by
default), simplifies the outlines to what a city-wide map can show, and stores them all or
none. Longitude/latitude (WGS 84) only, as GeoJSON requires.
"""

import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Neighbourhood, NeighbourhoodBoundary, validate_boundary

# About 5 metres: invisible on a map of a city, and it keeps pages light.
TOLERANCE = 0.00005
DECIMALS = 6


@dataclass
class BoundaryResult:
    loaded: list[str] = field(default_factory=list)  # neighbourhood codes
    without: list[str] = field(default_factory=list)  # neighbourhoods the file has no outline for
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def simplify(ring: list, tolerance: float = TOLERANCE) -> list:
    """Douglas–Peucker on a closed ring; the result stays a closed ring of 4+ positions."""
    points = [(round(p[0], DECIMALS), round(p[1], DECIMALS)) for p in ring]
    deduped = [points[0]]
    for point in points[1:]:
        if point != deduped[-1]:
            deduped.append(point)
    if len(deduped) <= 4:
        return [list(p) for p in deduped]
    keep = [False] * len(deduped)
    keep[0] = keep[-1] = True
    # The farthest point from the first splits the ring, so a closed ring keeps its shape.
    far = max(range(1, len(deduped) - 1), key=lambda i: _distance2(deduped[i], deduped[0]))
    keep[far] = True
    stack = [(0, far), (far, len(deduped) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, None
        for i in range(first + 1, last):
            d = _segment_distance(deduped[i], deduped[first], deduped[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    kept = [list(p) for p, k in zip(deduped, keep, strict=True) if k]
    if len(kept) < 4:  # a sliver: keep it as it was
        return [list(p) for p in deduped]
    return kept


def _distance2(a, b) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _segment_distance(p, a, b) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return _distance2(p, a) ** 0.5
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return _distance2(p, (a[0] + t * dx, a[1] + t * dy)) ** 0.5


def simplified(geometry: dict, tolerance: float = TOLERANCE) -> dict:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    result = [[simplify(ring, tolerance) for ring in polygon] for polygon in polygons]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": result[0]}
    return {"type": "MultiPolygon", "coordinates": result}


def load_boundaries(source: bytes | str, *, key: str = "code") -> BoundaryResult:
    """Store the outline of every neighbourhood the file names, all or none.

    A feature whose `key` property matches no neighbourhood code is an error (a typo would
    otherwise leave a neighbourhood off the map without a word); neighbourhoods the file
    does not mention keep the outline they had and are listed in `without` when they have
    none.
    """
    result = BoundaryResult()
    try:
        data = json.loads(source)
    except (UnicodeDecodeError, ValueError):
        result.errors.append(_("The file is not GeoJSON: it could not be read as JSON."))
        return result
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        result.errors.append(_("The file must be a GeoJSON FeatureCollection."))
        return result
    features = data.get("features")
    if not isinstance(features, list) or not features:
        result.errors.append(_("The file has no features."))
        return result
    codes = {code.lower(): pk for pk, code in Neighbourhood.objects.values_list("pk", "code")}
    geometries: dict[int, dict] = {}
    seen: dict[int, int] = {}
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        value = str(properties.get(key, "")).strip()
        where = _("Feature %(n)d (%(key)s “%(value)s”)") % {
            "n": number,
            "key": key,
            "value": value,
        }
        pk = codes.get(value.lower())
        if pk is None:
            result.errors.append(_("%(where)s: no neighbourhood has this code.") % {"where": where})
            continue
        if pk in seen:
            result.errors.append(
                _("%(where)s: the same neighbourhood as feature %(first)d.")
                % {"where": where, "first": seen[pk]}
            )
            continue
        seen[pk] = number
        geometry = feature.get("geometry")
        try:
            validate_boundary(geometry)
        except ValidationError as error:
            result.errors.append(f"{where}: {' '.join(error.messages)}")
            continue
        geometries[pk] = simplified(geometry)
    if result.errors:
        return result
    with transaction.atomic():
        for pk, geometry in geometries.items():
            NeighbourhoodBoundary.objects.update_or_create(
                neighbourhood_id=pk, defaults={"geometry": geometry}
            )
    by_pk = dict(Neighbourhood.objects.values_list("pk", "code"))
    result.loaded = sorted(by_pk[pk] for pk in geometries)
    result.without = sorted(
        Neighbourhood.objects.filter(boundary__isnull=True).values_list("code", flat=True)
    )
    return result
