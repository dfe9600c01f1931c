"""Plain reference versions of the grid and decimation kernels (kernels/grid.py, decimate.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def activity_grid(
    t: Any,
    lat: Any,
    lon: Any,
    is_sat: Any,
    seg_start: Any,
    spec: dict[str, Any],
    max_interval_ms: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = (spec["ndays"], spec["nlat"], spec["nlon"])
    pos = np.zeros(shape, dtype=np.int64)
    sat = np.zeros(shape, dtype=np.int64)
    hours = np.zeros(shape, dtype=np.float64)
    for s in range(len(seg_start) - 1):
        for k in range(seg_start[s], seg_start[s + 1]):
            if math.isnan(lat[k]) or math.isnan(lon[k]):
                continue
            i = math.floor((lat[k] - spec["lat0"]) / spec["step"])
            j = math.floor((lon[k] - spec["lon0"]) / spec["step"])
            d = (int(t[k]) - spec["day0_ms"]) // 86_400_000
            if not (0 <= i < shape[1] and 0 <= j < shape[2] and 0 <= d < shape[0]):
                continue
            pos[d, i, j] += 1
            sat[d, i, j] += int(is_sat[k] == 1)
            if k + 1 < seg_start[s + 1]:
                hours[d, i, j] += max(0, min(int(t[k + 1] - t[k]), max_interval_ms)) / 3_600_000
    return pos, sat, hours


def decimate_tracks(
    t: Any, lat: Any, lon: Any, seg_start: Any, max_gap_ms: int, tol_deg: float
) -> tuple[list[bool], list[bool]]:
    n = len(t)
    keep = [False] * n
    piece = [False] * n
    for s in range(len(seg_start) - 1):
        a, b = int(seg_start[s]), int(seg_start[s + 1])
        if b <= a:
            continue
        keep[a] = piece[a] = True
        last = a
        for k in range(a + 1, b):
            if t[k] - t[k - 1] > max_gap_ms:
                keep[k - 1] = keep[k] = piece[k] = True
                last = k
                continue
            dlon = (lon[k] - lon[last] + 180.0) % 360.0 - 180.0
            dx = dlon * math.cos(math.radians((lat[k] + lat[last]) / 2))
            dy = lat[k] - lat[last]
            if math.hypot(dx, dy) > tol_deg:
                keep[k] = True
                last = k
        keep[b - 1] = True
    return keep, piece
