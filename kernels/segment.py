"""Track-building kernels: duplicate merging and splitting one MMSI into physical vessels.

All inputs are sorted by (mmsi, t). Distances in metres, speeds in knots, times in ms.
"""

from __future__ import annotations

import numpy as np

from kernels._jit import njit
from kernels.geo import KNOT_MS, haversine_m


@njit
def duplicate_mask(mmsi, t, lat, lon, window_ms, tol_deg):
    """True for rows that repeat an earlier kept row of the same MMSI.

    A repeat has the same position (within ``tol_deg``) no more than ``window_ms`` after the kept
    row: the same message heard by several receivers, or a file read twice.
    """
    n = mmsi.shape[0]
    dup = np.zeros(n, dtype=np.bool_)
    k = 0  # last kept row
    for i in range(1, n):
        if mmsi[i] != mmsi[k]:
            k = i
            continue
        # walk back over kept rows inside the window: receivers interleave their copies
        j = k
        found = False
        while j >= 0 and mmsi[j] == mmsi[i] and t[i] - t[j] <= window_ms:
            if not dup[j] and abs(lat[i] - lat[j]) <= tol_deg and abs(lon[i] - lon[j]) <= tol_deg:
                found = True
                break
            j -= 1
        if found:
            dup[i] = True
        else:
            k = i
    return dup


@njit
def assign_segments(mmsi, t, lat, lon, max_speed_kn, noise_m, min_dt_s, max_open):
    """Local segment number (0, 1, ...) of every row within its MMSI.

    The gpsdio-segment idea: each new report joins the nearest open segment it could have
    reached at ``max_speed_kn`` (distance less ``noise_m`` of position noise, time step at least
    ``min_dt_s``); when none is reachable it opens a new segment. At most ``max_open`` segments
    stay open per MMSI; the one updated least recently is closed first.
    """
    n = mmsi.shape[0]
    out = np.zeros(n, dtype=np.int32)
    slot_lat = np.zeros(max_open)
    slot_lon = np.zeros(max_open)
    slot_t = np.zeros(max_open, dtype=np.int64)
    slot_id = np.zeros(max_open, dtype=np.int32)
    n_open = 0
    next_id = 0
    for i in range(n):
        if i == 0 or mmsi[i] != mmsi[i - 1]:
            n_open = 0
            next_id = 0
        best = -1
        best_d = np.inf
        for k in range(n_open):
            d = haversine_m(slot_lat[k], slot_lon[k], lat[i], lon[i])
            dt = (t[i] - slot_t[k]) / 1000.0
            if dt < min_dt_s:
                dt = min_dt_s
            eff = d - noise_m
            if eff < 0.0:
                eff = 0.0
            if eff / dt / KNOT_MS <= max_speed_kn and d < best_d:
                best = k
                best_d = d
        if best < 0:
            if n_open < max_open:
                best = n_open
                n_open += 1
            else:
                best = 0
                for k in range(1, n_open):
                    if slot_t[k] < slot_t[best]:
                        best = k
            slot_id[best] = next_id
            next_id += 1
        slot_lat[best] = lat[i]
        slot_lon[best] = lon[i]
        slot_t[best] = t[i]
        out[i] = slot_id[best]
    return out


@njit
def group_by_segment(mmsi, seg_local):
    """Permutation that orders rows by (mmsi, seg_local) keeping time order inside each segment.

    Rows arrive sorted by (mmsi, t); a stable counting sort per MMSI group is linear.
    """
    n = mmsi.shape[0]
    perm = np.arange(n)
    a = 0
    while a < n:
        b = a + 1
        m = seg_local[a]
        while b < n and mmsi[b] == mmsi[a]:
            if seg_local[b] > m:
                m = seg_local[b]
            b += 1
        if m > 0:
            counts = np.zeros(m + 2, dtype=np.int64)
            for i in range(a, b):
                counts[seg_local[i] + 1] += 1
            for s in range(1, m + 2):
                counts[s] += counts[s - 1]
            for i in range(a, b):
                s = seg_local[i]
                perm[a + counts[s]] = i
                counts[s] += 1
        a = b
    return perm


@njit
def segment_starts(mmsi, seg_local):
    """Start row of every (mmsi, seg_local) run, plus n at the end (rows grouped by segment)."""
    n = mmsi.shape[0]
    count = 0
    for i in range(n):
        if i == 0 or mmsi[i] != mmsi[i - 1] or seg_local[i] != seg_local[i - 1]:
            count += 1
    starts = np.empty(count + 1, dtype=np.int64)
    c = 0
    for i in range(n):
        if i == 0 or mmsi[i] != mmsi[i - 1] or seg_local[i] != seg_local[i - 1]:
            starts[c] = i
            c += 1
    starts[count] = n
    return starts


@njit
def sort_by_mmsi_time(mmsi, t):
    """Permutation sorting rows by (mmsi, t), stable (equal to ``np.lexsort((t, mmsi))``).

    A two-pass LSD radix sort on the 32-bit MMSI (linear, stable), then each MMSI's rows are
    put in time order only where they are not already: feeds are mostly time-ordered, so this
    is far cheaper than a comparison sort of n rows.
    """
    n = mmsi.shape[0]
    idx = np.arange(n)
    tmp = np.empty(n, dtype=np.int64)
    for shift in (0, 16):
        counts = np.zeros(65537, dtype=np.int64)
        for i in range(n):
            counts[((mmsi[idx[i]] >> shift) & 0xFFFF) + 1] += 1
        for k in range(1, 65537):
            counts[k] += counts[k - 1]
        for i in range(n):
            k = (mmsi[idx[i]] >> shift) & 0xFFFF
            tmp[counts[k]] = idx[i]
            counts[k] += 1
        idx, tmp = tmp, idx
    a = 0
    while a < n:
        b = a + 1
        ordered = True
        while b < n and mmsi[idx[b]] == mmsi[idx[a]]:
            if t[idx[b]] < t[idx[b - 1]]:
                ordered = False
            b += 1
        if not ordered:
            sub = idx[a:b].copy()
            o = np.argsort(t[sub], kind="mergesort")
            for j in range(b - a):
                idx[a + j] = sub[o[j]]
        a = b
    return idx
