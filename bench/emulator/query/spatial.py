"""Spatial functions on GeoJSON points: `ST_DISTANCE` and `ST_ISVALID`.

The service measures distance in meters on the WGS-84 ellipsoid; this uses the
great-circle (haversine) distance on the mean Earth radius, within about 0.5%
of it. Lines and polygons are not supported: functions given one answer
`undefined` (the row is filtered out), as they do for any argument of the
wrong type.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bench.emulator.query.values import UNDEFINED, is_number

MEAN_EARTH_RADIUS_METERS = 6_371_008.8


def _point(value: Any) -> tuple[float, float] | None:
    """(longitude, latitude) of a valid GeoJSON Point, else None."""
    if not isinstance(value, dict) or value.get("type") != "Point":
        return None
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
        return None
    if not all(is_number(c) for c in coordinates):
        return None
    longitude, latitude = float(coordinates[0]), float(coordinates[1])
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        return None
    return longitude, latitude


def _distance(first: Any, second: Any) -> Any:
    a, b = _point(first), _point(second)
    if a is None or b is None:
        return UNDEFINED
    (lon1, lat1), (lon2, lat2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * MEAN_EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(h)))


def _is_valid(value: Any) -> Any:
    return _point(value) is not None


# name -> (arity, implementation); registered in `functions.FUNCTIONS`.
SPATIAL_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "ST_DISTANCE": (2, _distance),
    "ST_ISVALID": (1, _is_valid),
}
