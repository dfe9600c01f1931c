"""Space-time neighbour search by cell hashing: every pair of vessels within a distance at a slot.

Points (already on a shared time grid, see :mod:`kernels.resample`) are hashed into
(slot, latitude band, longitude cell). Bands are ``cell_deg`` high with ``cell_deg`` >= the
search distance, so a partner can only be in the band of the point or the two next to it. Each
band is cut into a whole number of longitude cells at least as wide, at the band's poleward edge,
as the search distance: cells divide 360 degrees exactly, so indices wrap cleanly across the
antimeridian. For each point only the cells of its own slot that can hold a partner are read
(its 3x3 block, or a whole band near the poles), found by binary search in the sorted keys.
This is the S2-cell-plus-neighbours search of GFW pipe-encounters, on a plain lat/lon grid.

Cost: sort O(n log n), then O(n log n + candidates). Distances are great-circle metres.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import prange

from kernels._jit import COUNT_ONLY, WRITE, njit, njit_parallel
from kernels.geo import EARTH_RADIUS_M, haversine_m

METRES_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0


@njit
def _n_lon(band, n_bands, cell_deg):
    """Longitude cells in a band: each at least ``cell_deg`` of arc wide at its poleward edge."""
    lo = -90.0 + band * cell_deg
    hi = lo + cell_deg
    phi = max(abs(lo), abs(hi))
    if phi >= 90.0:
        return 1
    c = math.cos(math.radians(phi))
    n = int(math.floor(360.0 * c / cell_deg))
    return max(n, 1)


@njit
def _lon_cell(lon, n):
    c = int(math.floor((lon + 180.0) / 360.0 * n))
    if c >= n:
        c = n - 1
    elif c < 0:
        c = 0
    return c


@njit
def cell_keys(slot_rank, lat, lon, cell_deg, n_bands, n_lon_max):
    """The int64 hash key (slot, band, lon cell) of each point."""
    m = lat.shape[0]
    keys = np.empty(m, dtype=np.int64)
    for i in range(m):
        b = int(math.floor((lat[i] + 90.0) / cell_deg))
        if b >= n_bands:
            b = n_bands - 1
        elif b < 0:
            b = 0
        c = _lon_cell(lon[i], _n_lon(b, n_bands, cell_deg))
        keys[i] = (slot_rank[i] * n_bands + b) * n_lon_max + c
    return keys


@njit
def _lower_bound(keys, lo, hi, k):
    """First index in [lo, hi) with keys[i] >= k (hi when none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < k:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _point_pairs(
    p,
    keys,
    lo,
    hi,
    lat,
    lon,
    vid,
    max_m,
    cell_deg,
    n_bands,
    n_lon_max,
    key0,
    write,
    o,
    out_a,
    out_b,
    out_d,
):
    """Pairs (p, q), vid[q] > vid[p], within ``max_m``. Arrays sorted by key; [lo, hi) is the
    index range of p's slot (searching only it keeps the binary searches short and in cache);
    ``key0`` is the key of band 0, lon cell 0 of that slot."""
    bp = int(math.floor((lat[p] + 90.0) / cell_deg))
    bp = min(max(bp, 0), n_bands - 1)
    # Largest longitude separation of a partner within max_m: from the haversine formula,
    # sin(dlon/2) <= sin(d/2R) / cos(phi_max), phi_max the most poleward latitude it can have.
    phi = min(abs(lat[p]) + cell_deg, 90.0)
    c = math.cos(math.radians(phi))
    s = math.sin(max_m / (2.0 * EARTH_RADIUS_M))
    dlon = 360.0 if c <= s else math.degrees(2.0 * math.asin(s / c))
    rk = np.empty(4, dtype=np.int64)  # up to two key ranges [rk[0], rk[1]], [rk[2], rk[3]]
    k = 0
    for b in range(bp - 1, bp + 2):
        if b < 0 or b >= n_bands:
            continue
        n = _n_lon(b, n_bands, cell_deg)
        base = key0 + b * n_lon_max
        c_lo = int(math.floor((lon[p] - dlon + 180.0) / 360.0 * n))
        c_hi = int(math.floor((lon[p] + dlon + 180.0) / 360.0 * n))
        nr = 1
        if dlon >= 180.0 or c_hi - c_lo + 1 >= n:
            rk[0], rk[1] = base, base + n - 1
        elif c_lo < 0:  # wraps west of -180
            rk[0], rk[1], rk[2], rk[3] = base + c_lo + n, base + n - 1, base, base + c_hi
            nr = 2
        elif c_hi >= n:  # wraps east of 180
            rk[0], rk[1], rk[2], rk[3] = base + c_lo, base + n - 1, base, base + c_hi - n
            nr = 2
        else:
            rk[0], rk[1] = base + c_lo, base + c_hi
        for r in range(nr):
            i0 = _lower_bound(keys, lo, hi, rk[2 * r])
            i1 = _lower_bound(keys, i0, hi, rk[2 * r + 1] + 1)
            for q in range(i0, i1):
                if vid[q] > vid[p]:
                    d = haversine_m(lat[p], lon[p], lat[q], lon[q])
                    if d <= max_m:
                        if write:
                            out_a[o + k] = p
                            out_b[o + k] = q
                            out_d[o + k] = d
                        k += 1
    return k


def _pairs_impl(keys, slot_rank, bounds, lat, lon, vid, max_m, cell_deg, n_bands, n_lon_max):
    m = keys.shape[0]
    counts = np.zeros(m + 1, dtype=np.int64)
    e_i = np.empty(0, dtype=np.int64)
    e_f = np.empty(0, dtype=np.float64)
    for p in prange(m):
        r = slot_rank[p]
        counts[p + 1] = _point_pairs(
            p,
            keys,
            bounds[r],
            bounds[r + 1],
            lat,
            lon,
            vid,
            max_m,
            cell_deg,
            n_bands,
            n_lon_max,
            r * n_bands * n_lon_max,
            COUNT_ONLY,
            np.int64(0),
            e_i,
            e_i,
            e_f,
        )
    offs = np.cumsum(counts)
    out_a = np.empty(offs[m], dtype=np.int64)
    out_b = np.empty(offs[m], dtype=np.int64)
    out_d = np.empty(offs[m], dtype=np.float64)
    for p in prange(m):
        if counts[p + 1] > 0:
            r = slot_rank[p]
            _point_pairs(
                p,
                keys,
                bounds[r],
                bounds[r + 1],
                lat,
                lon,
                vid,
                max_m,
                cell_deg,
                n_bands,
                n_lon_max,
                r * n_bands * n_lon_max,
                WRITE,
                offs[p],
                out_a,
                out_b,
                out_d,
            )
    return out_a, out_b, out_d


# One body, compiled twice: with parallel=False Numba runs prange as a plain range.
_pairs_serial = njit(_pairs_impl)
_pairs_parallel = njit_parallel(_pairs_impl)


def close_pairs(
    slot: npt.ArrayLike,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    vid: npt.ArrayLike,
    max_distance_m: float,
    parallel: bool = False,
    slot_step: int = 0,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """All pairs of points at the same ``slot`` within ``max_distance_m`` metres.

    ``slot`` int64 (any values: equal means simultaneous), ``lat``/``lon`` float64 degrees,
    ``vid`` int64 vessel ids; a pair is reported once, as (i, j) with ``vid[i] < vid[j]`` (points
    of one vessel are never paired). ``slot_step`` > 0 says slots are multiples of it (a time
    grid), which saves a sort. Returns ``(i, j, distance_m)`` as indices into the inputs.
    """
    slot = np.ascontiguousarray(slot, dtype=np.int64).reshape(-1)
    lat = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
    lon = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
    vid = np.ascontiguousarray(vid, dtype=np.int64).reshape(-1)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    if slot.size == 0:
        return empty
    if not max_distance_m > 0 or not math.isfinite(max_distance_m):
        raise ValueError(f"max_distance_m must be a positive number, got {max_distance_m}")
    # Bands a little over the distance (never finer than ~1 m).
    cell_deg = max(max_distance_m * 1.001 / METRES_PER_DEG, 1e-5)
    n_bands = int(math.ceil(180.0 / cell_deg))
    n_lon_max = int(math.floor(360.0 / cell_deg)) + 1
    s0 = int(slot.min())
    if slot_step > 0 and not np.any((slot - s0) % slot_step):
        # slots on a regular grid: the rank is arithmetic, no sort needed
        rank = (slot - s0) // slot_step
        uniq = np.empty(int(rank.max()) + 1)
    else:
        uniq, rank = np.unique(slot, return_inverse=True)
        rank = rank.astype(np.int64).reshape(-1)
    if (uniq.size + 1) * n_bands * n_lon_max >= 2**62:
        raise ValueError("too many time slots for one neighbour search: split the input in time")
    keys = cell_keys(rank, lat, lon, cell_deg, n_bands, n_lon_max)
    order = np.argsort(keys)  # any order within a cell: pairs are oriented by vid
    rs = rank[order]
    bounds = np.searchsorted(rs, np.arange(uniq.size + 1)).astype(np.int64)
    fn = _pairs_parallel if parallel else _pairs_serial
    a, b, d = fn(
        keys[order],
        rs,
        bounds,
        lat[order],
        lon[order],
        vid[order],
        float(max_distance_m),
        cell_deg,
        n_bands,
        n_lon_max,
    )
    return order[a], order[b], d
