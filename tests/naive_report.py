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


# --- the report's map box before the antimeridian fix (dashboards/report.py, plain frame) ----


def bbox_plain(
    drawn_lat: Any, drawn_lon: Any, events: list[dict[str, Any]], all_lat: Any, all_lon: Any
) -> tuple[float, float, float, float]:
    """The old ``_bbox``: min/max of events and drawn points, 0.1-99.9 % of all positions,
    15 % pad, clamped to [-180, 180]. Non-crossing data must still get exactly this."""
    lats = [e["lat"] for e in events if e["lat"] is not None]
    lons = [e["lon"] for e in events if e["lon"] is not None]
    if len(drawn_lat):
        lats += [float(np.min(drawn_lat)), float(np.max(drawn_lat))]
        lons += [float(np.min(drawn_lon)), float(np.max(drawn_lon))]
    if len(all_lat):
        q_lat = np.quantile(all_lat, [0.001, 0.999])
        q_lon = np.quantile(all_lon, [0.001, 0.999])
        lats += [float(q_lat[0]), float(q_lat[1])]
        lons += [float(q_lon[0]), float(q_lon[1])]
    if not lats:
        return (-60.0, 70.0, -180.0, 180.0)
    la0, la1, lo0, lo1 = min(lats), max(lats), min(lons), max(lons)
    pad = max(la1 - la0, lo1 - lo0, 1.0) * 0.15
    return (
        max(-85.0, la0 - pad),
        min(85.0, la1 + pad),
        max(-180.0, lo0 - pad),
        min(180.0, lo1 + pad),
    )


def land_box_plain(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    grow = max(bbox[1] - bbox[0], bbox[3] - bbox[2]) * 0.75
    return (
        max(-89.0, bbox[0] - grow),
        min(89.0, bbox[1] + grow),
        max(-180.0, bbox[2] - grow),
        min(180.0, bbox[3] + grow),
    )


def density_counts(
    lat: Any, lon: Any, box: tuple[float, float, float, float], max_px: int
) -> np.ndarray:
    """Positions per pixel (rows north to south), one position at a time; ``lon`` already in
    the box's frame."""
    lat0, lat1, lon0, lon1 = box
    step = max(lat1 - lat0, lon1 - lon0, 1e-6) / max_px
    w = max(1, math.ceil((lon1 - lon0) / step))
    h = max(1, math.ceil((lat1 - lat0) / step))
    out = np.zeros((h, w), dtype=np.int64)
    for la, lo in zip(lat, lon, strict=True):
        r = math.floor((lat1 - la) / step)
        c = math.floor((lo - lon0) / step)
        if 0 <= r < h and 0 <= c < w:
            out[r, c] += 1
    return out


# --- the smallest arc of longitude (dashboards/lonframe.py) ----------------------------------


def arc_width(lons: Any) -> float:
    """Width of the smallest arc holding every longitude: try each point as the west end."""
    u = [x % 360.0 for x in lons]
    return min(max((v - w) % 360.0 for v in u) for w in u)


def robust_arc_bins(lons: Any, trim: float, bin_deg: float) -> tuple[int, int]:
    """(first bin, bin count) of the narrowest circular run of ``bin_deg`` bins from -180 that
    holds at least ceil((1 - trim) n) positions, first on ties; every start, every length."""
    nb = round(360.0 / bin_deg)
    counts = [0] * nb
    for x in lons:
        counts[min(int(math.floor((x + 180.0) / bin_deg)), nb - 1)] += 1
    need = max(1, math.ceil((1.0 - trim) * len(lons)))
    best = (nb + 1, 0)
    for i in range(nb):
        total = 0
        for k in range(1, nb + 1):
            total += counts[(i + k - 1) % nb]
            if total >= need:
                if k < best[0]:
                    best = (k, i)
                break
    return best[1], best[0]


# --- the report's time window (dashboards/static/report.js drawTrack with a window) ---------


def window_pieces(
    t_s: Any, lon_e5: Any, piece: Any, w0_s: float | None, w1_s: float | None
) -> tuple[int, int]:
    """(lines drawn, points inside) of the report's track layer for a time window in the
    payload's seconds (None: all times). A line is a track piece (broken at ``piece`` flags and
    at steps of more than 180 degrees) whose time range meets the window: a piece's times
    increase, so what is left of it inside the window is one unbroken stretch."""
    n = len(t_s)
    starts = [i for i in range(n) if i == 0 or piece[i] or abs(lon_e5[i] - lon_e5[i - 1]) > 18e6]
    ends = [*starts[1:], n]
    if w0_s is None or w1_s is None:
        return len(starts), n
    lines = sum(
        1 for a, b in zip(starts, ends, strict=True) if t_s[a] <= w1_s and t_s[b - 1] >= w0_s
    )
    inside = sum(1 for x in t_s if w0_s <= x <= w1_s)
    return lines, inside
