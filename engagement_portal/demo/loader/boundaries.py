"""Outlines of the demo city's neighbourhoods: a fictional town on a river, two rows of
four districts, so the reach dashboard draws its map out of the box."""

import json

# Corner points (longitude, latitude) of a 4 × 2 grid, nudged so it looks like a town.
XS = [-88.000, -87.978, -87.957, -87.934, -87.910]
YS = [41.560, 41.5345, 41.508]
NUDGE = {(1, 1): (0.002, 0.0015), (2, 1): (-0.001, -0.002), (3, 1): (0.0015, 0.001)}
LAYOUT = [["wb", "rn", "hc", "ls"], ["md", "ot", "rs", "eg"]]  # north row, south row


def _corner(i: int, j: int) -> list[float]:
    dx, dy = NUDGE.get((i, j), (0.0, 0.0))
    return [round(XS[i] + dx, 6), round(YS[j] + dy, 6)]


def demo_outlines() -> str:
    features = []
    for row, codes in enumerate(LAYOUT):
        for column, code in enumerate(codes):
            ring = [
                _corner(column, row),
                _corner(column + 1, row),
                _corner(column + 1, row + 1),
                _corner(column, row + 1),
            ]
            ring.append(ring[0])
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": code},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": features})
