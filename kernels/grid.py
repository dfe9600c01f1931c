"""Gridded activity statistics over plain arrays: positions, vessel-hours and satellite positions
per (day, lat cell, lon cell), and weighted point counts (event density).

Cells are ``step`` degrees square with the south-west corner of cell (0, 0) at (lat0, lon0); days
are whole UTC days from ``day0_ms``. Points outside the grid are ignored (callers size the grid
from the data, so none are).
"""

from __future__ import annotations

import math

import numpy as np

from kernels._jit import njit


@njit
def cell_index(lat, lon, t, lat0, lon0, step, nlat, nlon, day0_ms, ndays):
    """Flat cell index ``(day * nlat + i) * nlon + j`` per point, -1 outside the grid or NaN."""
    n = lat.shape[0]
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        la = lat[k]
        lo = lon[k]
        if math.isnan(la) or math.isnan(lo):
            out[k] = -1
            continue
        i = int(math.floor((la - lat0) / step))
        j = int(math.floor((lo - lon0) / step))
        d = (t[k] - day0_ms) // 86_400_000
        if i < 0 or i >= nlat or j < 0 or j >= nlon or d < 0 or d >= ndays:
            out[k] = -1
        else:
            out[k] = (d * nlat + i) * nlon + j
    return out


@njit
def activity_grid(
    t, lat, lon, is_sat, seg_start, lat0, lon0, step, nlat, nlon, day0_ms, ndays, max_interval_ms
):
    """Positions, satellite positions and vessel-hours per cell and day.

    Rows are sorted by (segment, t) with ``seg_start`` (length n_seg + 1) marking segments.
    Vessel-hours: each report is credited with the time until the segment's next report, capped
    at ``max_interval_ms`` so an AIS gap is not counted as presence where the vessel was last
    seen (GFW's fishing-effort hours use the same capped-interval idea).
    Returns (positions int32, sat_positions int32, vessel_hours float64), each [ndays, nlat, nlon].
    """
    pos = np.zeros(ndays * nlat * nlon, dtype=np.int32)
    sat = np.zeros(ndays * nlat * nlon, dtype=np.int32)
    hours = np.zeros(ndays * nlat * nlon, dtype=np.float64)
    cells = cell_index(lat, lon, t, lat0, lon0, step, nlat, nlon, day0_ms, ndays)
    n_seg = seg_start.shape[0] - 1
    for s in range(n_seg):
        a = seg_start[s]
        b = seg_start[s + 1]
        for k in range(a, b):
            c = cells[k]
            if c < 0:
                continue
            pos[c] += 1
            if is_sat[k] == 1:
                sat[c] += 1
            if k + 1 < b:
                dt = t[k + 1] - t[k]
                if dt > max_interval_ms:
                    dt = max_interval_ms
                if dt > 0:
                    hours[c] += dt / 3_600_000.0
    shape = (ndays, nlat, nlon)
    return pos.reshape(shape), sat.reshape(shape), hours.reshape(shape)


@njit
def weighted_counts(t, lat, lon, weight, lat0, lon0, step, nlat, nlon, day0_ms, ndays):
    """Sum of ``weight`` per cell and day (event density: weight 1, or the event score)."""
    out = np.zeros(ndays * nlat * nlon, dtype=np.float64)
    cells = cell_index(lat, lon, t, lat0, lon0, step, nlat, nlon, day0_ms, ndays)
    for k in range(cells.shape[0]):
        if cells[k] >= 0:
            out[cells[k]] += weight[k]
    return out.reshape((ndays, nlat, nlon))
