"""Keys of (grid cell, hour) for every position, and which positions are a vessel's first in one.

``key = cell * HOURS + hour`` so that one cell's hours are contiguous in sorted key order and a
time range of one cell is a single slice. Hours count from 1995-01-01 (the earliest time
``build_tracks`` keeps). Cells are ``cell_deg`` squares numbered row-major from (-90, -180).
"""

from __future__ import annotations

import math

import numpy as np

from kernels._jit import njit

T0_MS = 788_918_400_000  # 1995-01-01, the earliest time build_tracks keeps
HOURS = 1 << 20  # about 120 years of hours
HOUR_MS = 3_600_000


@njit
def cell_index(lat, lon, cell_deg):
    """Row-major cell number of each point; latitude clamped, longitude wrapped."""
    n_lat = int(round(180.0 / cell_deg))
    n_lon = int(round(360.0 / cell_deg))
    n = lat.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        r = int(math.floor((lat[i] + 90.0) / cell_deg))
        if r < 0:
            r = 0
        elif r >= n_lat:
            r = n_lat - 1
        c = int(math.floor((lon[i] + 180.0) / cell_deg)) % n_lon
        out[i] = r * n_lon + c
    return out


@njit
def cellhour_keys(lat, lon, t, seg_start, cell_deg, bucket_ms):
    """(keys, first): key of each point and whether it is its segment's first in that cell-bucket.

    Buckets are ``bucket_ms`` long (an hour or a day) counted from 1995-01-01.

    Points of a segment are time-ordered, so one bucket of one segment is a contiguous block; the
    few distinct cells inside a block are tracked exactly in a small buffer.
    """
    cells = cell_index(lat, lon, cell_deg)
    n = lat.shape[0]
    keys = np.empty(n, dtype=np.int64)
    first = np.zeros(n, dtype=np.bool_)
    buf = np.empty(64, dtype=np.int64)
    for s in range(seg_start.shape[0] - 1):
        nb = 0
        cur = -1
        for i in range(seg_start[s], seg_start[s + 1]):
            h = (t[i] - T0_MS) // bucket_ms
            if h < 0:
                h = 0
            elif h >= HOURS:
                h = HOURS - 1
            cell = cells[i]
            keys[i] = cell * HOURS + h
            if h != cur:
                nb = 0
                cur = h
            found = False
            for j in range(nb):
                if buf[j] == cell:
                    found = True
                    break
            if not found:
                first[i] = True
                if nb < 64:
                    buf[nb] = cell
                    nb += 1
    return keys, first


@njit
def cellhour_runs(lat, lon, t, is_sat, seg_start, cell_deg, bucket_ms, rows):
    """Counts per run of equal consecutive keys among the rows where ``rows`` is True.

    Returns (keys, positions, satellite positions, vessels); a key may appear in several runs
    (the caller sums them). Tracks are sorted by (segment, time), so runs are long and the
    sort that follows works on far fewer items than positions.
    """
    keys, first = cellhour_keys(lat, lon, t, seg_start, cell_deg, bucket_ms)
    n = keys.shape[0]
    ok = np.empty(n, dtype=np.int64)
    op = np.zeros(n, dtype=np.int64)
    os_ = np.zeros(n, dtype=np.int64)
    ov = np.zeros(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if not rows[i]:
            continue
        if m == 0 or ok[m - 1] != keys[i]:
            ok[m] = keys[i]
            m += 1
        op[m - 1] += 1
        if is_sat[i] == 1:
            os_[m - 1] += 1
        if first[i]:
            ov[m - 1] += 1
    return ok[:m].copy(), op[:m].copy(), os_[:m].copy(), ov[:m].copy()
