"""Distance to the main shipping lanes, from the MARNET sea-lane network inside ``searoute``.

``searoute`` ships Eurostat's MARNET network (4,109 lines of the routes merchant ships take
between ports), so nothing is downloaded. Its vertices are densified to one point every
``LANE_SAMPLE_KM`` and put in the same nearest-point index as the ports: a query is then the
distance to the nearest lane point, at most half a sample off the true distance to the line.
A slow vessel far from any lane is not waiting for a berth or a pilot on its route (the
context in which carriers loiter to meet fishing vessels: Miller et al. 2018).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from importlib import resources

import numpy as np
import numpy.typing as npt

from vessels.geo import PortIndex

__all__ = ["LANE_SAMPLE_KM", "distance_to_lane_km", "lane_index"]

LANE_SAMPLE_KM = 5.0


def _densify(coords: list[list[float]]) -> tuple[list[float], list[float]]:
    la: list[float] = []
    lo: list[float] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(coords):
        dx = (x1 - x0 + 540.0) % 360.0 - 180.0  # the short way round the antimeridian
        km = math.hypot(dx * math.cos(math.radians((y0 + y1) / 2)), y1 - y0) * 111.32
        n = max(1, math.ceil(km / LANE_SAMPLE_KM))
        for k in range(n):
            f = k / n
            la.append(y0 + f * (y1 - y0))
            lo.append((x0 + f * dx + 540.0) % 360.0 - 180.0)
    if coords:
        la.append(coords[-1][1])
        lo.append(coords[-1][0])
    return la, lo


@functools.cache
def lane_index() -> PortIndex:
    """Points every few km along the MARNET lanes, in a nearest-point index."""
    ref = resources.files("searoute") / "data" / "marnet_searoute.geojson"
    data = json.loads(ref.read_text(encoding="utf-8"))
    lat: list[float] = []
    lon: list[float] = []
    for f in data["features"]:
        g = f.get("geometry") or {}
        parts = [g["coordinates"]] if g.get("type") == "LineString" else g.get("coordinates", [])
        for line in parts:
            a, b = _densify([list(map(float, p[:2])) for p in line])
            lat += a
            lon += b
    n = len(lat)
    return PortIndex(np.array(lat), np.array(lon), ("lane",) * n, ("",) * n)


def distance_to_lane_km(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Distance in km from each point to the nearest MARNET shipping lane."""
    dist, _ = lane_index().nearest(lat, lon)
    return np.asarray(dist, dtype=np.float64)
