"""Kernels that weigh an AIS silence against local reception: off, or just not heard?

A vessel placed at an image time between two reports far apart may have been broadcasting
unheard (a satellite revisit hole, sparse class B reception) or have switched AIS off. Other
vessels nearby tell the two apart: each time bin in which someone near the vessel was heard is
a reception opportunity; a vessel that went unheard through opportunities on both sides of the
image, where it is normally heard in most of them, was most likely not transmitting then (the
reception-quality reasoning of Welch et al. 2022, applied per vessel and per image).

``report_keys`` gives every report a (grid cell, time bin) key; the caller sorts them once.
``silence_evidence`` walks, for each placement, the bins of a window around the image time:
bins inside the silence with other vessels heard nearby are missed opportunities (counted
before and after the image separately), bins outside it give the vessel's own hit rate.
Times in ms since the epoch, cells in degrees, bins in ms.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from kernels._jit import njit, njit_parallel
from kernels.match import _first_after, _first_geq


@njit
def cell_of(lat, lon, cell_deg):
    """Grid cell (row, column) of a position; columns wrap at the antimeridian."""
    n_lon = int(math.ceil(360.0 / cell_deg))
    r = int(math.floor((lat + 90.0) / cell_deg))
    c = int(math.floor(((lon + 180.0) % 360.0) / cell_deg)) % n_lon
    return r, c


@njit
def cell_key(r, c, q, cell_deg):
    """Key of cell (r, c) in time bin q (q >= 0)."""
    n_lon = int(math.ceil(360.0 / cell_deg))
    c = c % n_lon
    return (q * (int(math.ceil(180.0 / cell_deg)) + 2) + (r + 1)) * n_lon + c


@njit_parallel
def report_keys(t, lat, lon, t0, bin_ms, cell_deg):
    """Key (cell, time bin since ``t0``) of every report; ``t >= t0`` required."""
    n = t.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in prange(n):
        r, c = cell_of(lat[i], lon[i], cell_deg)
        out[i] = cell_key(r, c, (t[i] - t0) // bin_ms, cell_deg)
    return out


@njit
def _count_key(keys, k):
    lo = _first_geq(keys, np.int64(0), keys.shape[0], k)  # int64, not a literal: one compile
    hi = _first_geq(keys, lo, keys.shape[0], k + 1)
    return hi - lo


@njit
def _heard_near(keys, r, c, q, cell_deg):
    """Reports in the 3 x 3 cells around (r, c) in bin q."""
    n = 0
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            n += _count_key(keys, cell_key(r + dr, c + dc, q, cell_deg))
    return n


@njit
def silence_one(
    keys, seg_start, t, lat, lon, k, T, plat, plon, t0, bin_ms, cell_deg, window_ms, min_side_ms
):
    """Reception evidence for segment ``k`` placed at (plat, plon) at time ``T``.

    Returns (missed_before, missed_after, opportunities, hits, t_before, t_after,
    last_missed_before, first_missed_after): bins wholly inside the silence around T with other
    vessels heard in the 3 x 3 cells around the placement, before and after the bin of T (bins
    within one bin of the silence's ends left out: one pass may straddle two bins); over
    the other bins of ``T +- window_ms``, the bins with others heard near the vessel's nearest
    report and those in which the vessel itself was heard too; the reports around T (a side
    with none: ``window_ms + bin_ms`` away); the middles of the missed bins nearest to T (-1
    when none). Counts all -1 when a report lies within ``min_side_ms`` of T on either side.
    """
    a = seg_start[k]
    b = seg_start[k + 1]
    lo = _first_after(t, a, b, T)
    t_b = t[lo - 1] if lo - 1 >= a else T - window_ms - bin_ms
    t_a = t[lo] if lo < b else T + window_ms + bin_ms
    if T - t_b < min_side_ms or t_a - T < min_side_ms:
        return -1, -1, -1, -1, t_b, t_a, -1, -1
    q_img = (T - t0) // bin_ms
    q0 = max((T - window_ms - t0) // bin_ms, 0)
    q1 = (T + window_ms - t0) // bin_ms
    pr, pc = cell_of(plat, plon, cell_deg)
    kb = 0
    ka = 0
    opp = 0
    hit = 0
    m_b = -1
    m_a = -1
    i = _first_geq(t, a, b, t0 + q0 * bin_ms)  # first own report in or after bin q0
    for q in range(q0, q1 + 1):
        s = t0 + q * bin_ms
        e = s + bin_ms
        if s > t_b and e <= t_a:  # wholly inside the silence
            # a pass that heard the vessel just before or after the silence may spill into the
            # next bin: only bins a whole bin away from its reports count as missed
            inner = s >= t_b + bin_ms and e <= t_a - bin_ms
            if inner and q != q_img and _heard_near(keys, pr, pc, q, cell_deg) > 0:
                if q < q_img:
                    kb += 1
                    m_b = s + bin_ms // 2
                else:
                    ka += 1
                    if m_a < 0:
                        m_a = s + bin_ms // 2
            continue
        while i < b and t[i] < s:
            i += 1
        own = 0
        j = i
        while j < b and t[j] < e:
            own += 1
            j += 1
        # where the vessel was: its report in the bin, else the nearest one in time
        if own > 0:
            ref = i
        elif i >= b:
            ref = b - 1
        elif i - 1 < a:
            ref = i
        else:
            ref = i if t[i] - e < s - t[i - 1] else i - 1
        r, c = cell_of(lat[ref], lon[ref], cell_deg)
        others = _heard_near(keys, r, c, q, cell_deg) - own
        if others > 0:
            opp += 1
            if own > 0:
                hit += 1
    return kb, ka, opp, hit, t_b, t_a, m_b, m_a


@njit_parallel
def silence_evidence(
    keys, seg_start, t, lat, lon, v_seg, v_t, v_lat, v_lon, t0, bin_ms, cell_deg, window_ms,
    min_side_ms,
):  # fmt: skip
    """:func:`silence_one` for every placement (segment ``v_seg[j]`` at ``v_t[j]``, placed at
    ``v_lat[j], v_lon[j]``); ``keys`` sorted. Returns an (n, 8) int64 array of its fields."""
    n = v_seg.shape[0]
    out = np.empty((n, 8), dtype=np.int64)
    for j in prange(n):
        kb, ka, opp, hit, t_b, t_a, m_b, m_a = silence_one(
            keys, seg_start, t, lat, lon, v_seg[j], v_t[j], v_lat[j], v_lon[j], t0, bin_ms,
            cell_deg, window_ms, min_side_ms,
        )  # fmt: skip
        out[j, 0] = kb
        out[j, 1] = ka
        out[j, 2] = opp
        out[j, 3] = hit
        out[j, 4] = t_b
        out[j, 5] = t_a
        out[j, 6] = m_b
        out[j, 7] = m_a
    return out
