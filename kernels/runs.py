"""Run-length scans over tracks sorted by (segment, time): gaps and slow runs.

Times in ms, distances in metres, speeds in knots. ``seg_start`` has one entry per segment plus
the total at the end. Every scan is one linear pass.
"""

from __future__ import annotations

import numpy as np

from kernels._jit import njit
from kernels.geo import KNOT_MS, haversine_m


@njit
def find_gaps(t, seg_start, min_gap_ms):
    """Row index ``i`` of every step i -> i+1 inside a segment lasting at least ``min_gap_ms``."""
    n_seg = seg_start.shape[0] - 1
    count = 0
    for s in range(n_seg):
        for i in range(seg_start[s], seg_start[s + 1] - 1):
            if t[i + 1] - t[i] >= min_gap_ms:
                count += 1
    out = np.empty(count, dtype=np.int64)
    c = 0
    for s in range(n_seg):
        for i in range(seg_start[s], seg_start[s + 1] - 1):
            if t[i + 1] - t[i] >= min_gap_ms:
                out[c] = i
                c += 1
    return out


@njit
def window_counts(t, is_sat, seg_start, seg_of_row, rows, window_ms, before):
    """Own reports of the segment in the window before (``before``) or after each row.

    Before: t in [t[r] - window_ms, t[r]] (the row itself included); after: t in
    [t[r], t[r] + window_ms]. Returns (all reports, satellite reports, reports of known receiver
    kind).
    """
    m = rows.shape[0]
    n_all = np.zeros(m, dtype=np.int64)
    n_sat = np.zeros(m, dtype=np.int64)
    n_known = np.zeros(m, dtype=np.int64)
    for k in range(m):
        r = rows[k]
        s = seg_of_row[r]
        a = seg_start[s]
        b = seg_start[s + 1]
        if before:
            j = r
            while j >= a and t[r] - t[j] <= window_ms:
                n_all[k] += 1
                if is_sat[j] == 1:
                    n_sat[k] += 1
                if is_sat[j] >= 0:
                    n_known[k] += 1
                j -= 1
        else:
            j = r
            while j < b and t[j] - t[r] <= window_ms:
                n_all[k] += 1
                if is_sat[j] == 1:
                    n_sat[k] += 1
                if is_sat[j] >= 0:
                    n_known[k] += 1
                j += 1
    return n_all, n_sat, n_known


@njit
def slow_steps(t, lat, lon, sog, seg_start, max_speed_kn, noise_m, max_step_ms):
    """True for each step i -> i+1 (same segment) that is slow.

    Slow: no longer than ``max_step_ms``, implied speed below ``max_speed_kn`` after allowing
    ``noise_m`` of position noise (so GPS jitter between reports seconds apart does not read as
    speed), and reported speed below the limit at both ends where it is available. The last row
    of each segment is False.
    """
    n = t.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for s in range(seg_start.shape[0] - 1):
        for i in range(seg_start[s], seg_start[s + 1] - 1):
            dt = t[i + 1] - t[i]
            if dt > max_step_ms:
                continue
            if sog[i] >= max_speed_kn or sog[i + 1] >= max_speed_kn:
                continue  # NaN compares False: unavailable speed does not veto
            d = haversine_m(lat[i], lon[i], lat[i + 1], lon[i + 1]) - noise_m
            if d <= 0.0 or (dt > 0 and d / (dt / 1000.0) / KNOT_MS < max_speed_kn):
                out[i] = True
    return out


@njit
def true_runs(flags, seg_start, t, min_duration_ms):
    """Runs of consecutive True steps inside a segment lasting at least ``min_duration_ms``.

    Returns (first_row, last_row): a run of steps i..j-1 covers rows i..j, from t[i] to t[j].
    """
    n_seg = seg_start.shape[0] - 1
    cap = 16
    first = np.empty(cap, dtype=np.int64)
    last = np.empty(cap, dtype=np.int64)
    c = 0
    for s in range(n_seg):
        a = seg_start[s]
        b = seg_start[s + 1]
        i = a
        while i < b - 1:
            if not flags[i]:
                i += 1
                continue
            j = i
            while j < b - 1 and flags[j]:
                j += 1
            # steps i..j-1 are slow: rows i..j
            if t[j] - t[i] >= min_duration_ms:
                if c == cap:
                    cap *= 2
                    f2 = np.empty(cap, dtype=np.int64)
                    l2 = np.empty(cap, dtype=np.int64)
                    f2[:c] = first[:c]
                    l2[:c] = last[:c]
                    first = f2
                    last = l2
                first[c] = i
                last[c] = j
                c += 1
            i = j
    return first[:c].copy(), last[:c].copy()


@njit
def run_stats(t, lat, lon, first, last):
    """Per run: path distance (m), mean latitude, mean longitude (unwrapped at the antimeridian)."""
    m = first.shape[0]
    dist = np.zeros(m)
    mlat = np.zeros(m)
    mlon = np.zeros(m)
    for k in range(m):
        a = first[k]
        b = last[k]
        ref = lon[a]
        sl = 0.0
        so = 0.0
        for i in range(a, b + 1):
            sl += lat[i]
            d = lon[i] - ref
            if d > 180.0:
                d -= 360.0
            elif d < -180.0:
                d += 360.0
            so += ref + d
            if i < b:
                dist[k] += haversine_m(lat[i], lon[i], lat[i + 1], lon[i + 1])
        cnt = b - a + 1
        mlat[k] = sl / cnt
        mo = so / cnt
        mlon[k] = (mo + 540.0) % 360.0 - 180.0
    return dist, mlat, mlon
