"""Obviously-correct plain Python versions of the resample and neighbour kernels."""

from __future__ import annotations

import math
from typing import Any

from tests.naive import R, haversine_m

KNOT_MS = 1852.0 / 3600.0


def wrap(lon: float) -> float:
    return (lon + 540.0) % 360.0 - 180.0


def _destination(lat: float, lon: float, brg: float, d: float) -> tuple[float, float]:
    a = d / R
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(brg)
    p2 = math.asin(
        max(-1.0, min(1.0, math.sin(p1) * math.cos(a) + math.cos(p1) * math.sin(a) * math.cos(b)))
    )
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(a) * math.cos(p1), math.cos(a) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), wrap(math.degrees(l2))


def _drift(lat: float, lon: float, sog: float, cog: float, dt_ms: float) -> tuple[float, float]:
    """Dead reckoning from a report; the report itself when course or speed is unknown."""
    if math.isnan(cog) or not 0 <= cog < 360 or math.isnan(sog) or sog <= 0:
        return lat, lon
    d = sog * KNOT_MS * dt_ms / 1000
    return (
        _destination(lat, lon, cog, d) if d >= 0 else _destination(lat, lon, (cog + 180) % 360, -d)
    )


def _motion(
    t: list[int],
    lat: list[float],
    lon: list[float],
    sog: list[float],
    i: int,
    max_gap: int,
    slow_gap: int,
    slow_kn: float,
) -> tuple[float, float, int] | None:
    """(move_start, move_end, mode) of the interval i -> i+1, or None when it is not filled."""
    dt = t[i + 1] - t[i]
    if dt <= 0:
        return None
    if dt <= max_gap:
        return float(t[i]), float(t[i + 1]), 1
    if dt > slow_gap:
        return None
    d = haversine_m(lat[i], lon[i], lat[i + 1], lon[i + 1])
    v = d / (dt / 1000) / KNOT_MS
    sa, sb = sog[i], sog[i + 1]
    fast_a = not math.isnan(sa) and sa > slow_kn
    fast_b = not math.isnan(sb) and sb > slow_kn
    if v <= slow_kn and not fast_a and not fast_b:
        return float(t[i]), float(t[i + 1]), 1
    if not math.isnan(sa) and sa <= slow_kn and fast_b and d / (sb * KNOT_MS) * 1000 <= dt:
        return t[i + 1] - d / (sb * KNOT_MS) * 1000, float(t[i + 1]), 2
    if fast_a and not math.isnan(sb) and sb <= slow_kn and d / (sa * KNOT_MS) * 1000 <= dt:
        return float(t[i]), t[i] + d / (sa * KNOT_MS) * 1000, 3
    return None


def resample(
    t: list[int],
    lat: list[float],
    lon: list[float],
    step: int,
    max_gap: int,
    slow_gap: int = 0,
    slow_kn: float = 0.0,
    sog: list[float] | None = None,
    cog: list[float] | None = None,
) -> list[tuple[int, float, float, float]]:
    """(slot, lat, lon, speed_kn) of one segment, straight from the definition.

    Slot g (a multiple of ``step``) is emitted when a report is exactly at g, or when g lies
    strictly inside an interval that is filled (see ``_motion``): the vessel sits at the first
    report until the move starts, moves linearly, and sits at the second report after it.
    """
    sg = sog if sog is not None else [math.nan] * len(t)
    cg = cog if cog is not None else [math.nan] * len(t)
    out: list[tuple[int, float, float, float]] = []
    if not t:
        return out
    g = math.ceil(t[0] / step) * step
    while g <= t[-1]:
        pos = None
        exact = [i for i in range(len(t)) if t[i] == g]
        if exact:
            i = exact[-1]  # duplicates at one time: the last row of the run counts
            pos = (lat[i], lon[i], i, None)
        else:
            for i in range(len(t) - 1):
                m = (
                    _motion(t, lat, lon, sg, i, max_gap, slow_gap, slow_kn)
                    if t[i] < g < t[i + 1]
                    else None
                )
                if m is None:
                    continue
                m0, m1, mode = m
                # the two ends of the move: drifted on from a slow end (modes 2 and 3)
                a0 = (
                    _drift(lat[i], lon[i], sg[i], cg[i], m0 - t[i])
                    if mode == 2
                    else (lat[i], lon[i])
                )
                a1 = (
                    _drift(lat[i + 1], lon[i + 1], sg[i + 1], cg[i + 1], m1 - t[i + 1])
                    if mode == 3
                    else (lat[i + 1], lon[i + 1])
                )
                if mode == 2 and g <= m0:
                    la, lo = _drift(lat[i], lon[i], sg[i], cg[i], g - t[i])
                elif mode == 3 and g >= m1:
                    la, lo = _drift(lat[i + 1], lon[i + 1], sg[i + 1], cg[i + 1], g - t[i + 1])
                else:
                    f = (g - m0) / (m1 - m0)
                    la = a0[0] + f * (a1[0] - a0[0])
                    lo = wrap(a0[1] + f * wrap(a1[1] - a0[1]))
                pos = (la, lo, i, m)
        if pos is not None:
            la, lo, i, m = pos
            if m is None and i + 1 < len(t):
                m = _motion(t, lat, lon, sg, i, max_gap, slow_gap, slow_kn)
            if out and out[-1][0] == g - step:
                sp = haversine_m(out[-1][1], out[-1][2], la, lo) / (step / 1000) / KNOT_MS
            elif m is not None and (
                m[2] == 1 or (m[2] == 2 and g > m[0]) or (m[2] == 3 and g < m[1])
            ):
                d = haversine_m(lat[i], lon[i], lat[i + 1], lon[i + 1])
                sp = d / ((m[1] - m[0]) / 1000) / KNOT_MS
            elif m is not None:
                sp = sg[i] if g <= m[0] else sg[i + 1]
            else:
                sp = math.nan
            out.append((g, la, lo, sp))
        g += step
    return out


def close_pairs(
    slot: list[int], lat: list[float], lon: list[float], vid: list[int], max_m: float
) -> set[tuple[int, int]]:
    """Index pairs (i, j), vid[i] < vid[j], same slot, within ``max_m`` metres: all O(n^2)."""
    out: set[tuple[int, int]] = set()
    n = len(slot)
    for i in range(n):
        for j in range(n):
            if (
                slot[i] == slot[j]
                and vid[i] < vid[j]
                and haversine_m(lat[i], lon[i], lat[j], lon[j]) <= max_m
            ):
                out.add((i, j))
    return out


def make_tracks(rows: list[tuple[int, int, float, float]]) -> Any:
    """Tracks from (mmsi, t_ms, lat, lon) rows, one segment per MMSI (no segmenter needed)."""
    import numpy as np

    from vessels.tracks import Tracks

    rows = sorted(rows)
    mm = np.array([r[0] for r in rows], dtype=np.uint32)
    n = len(rows)
    first = np.r_[True, mm[1:] != mm[:-1]] if n else np.zeros(0, bool)
    seg = (np.cumsum(first) - 1).astype(np.int64)
    starts = np.r_[np.flatnonzero(first), n].astype(np.int64)
    return Tracks(
        mmsi=mm,
        seg=seg,
        t=np.array([r[1] for r in rows], dtype=np.int64),
        lat=np.array([r[2] for r in rows], dtype=np.float64),
        lon=np.array([r[3] for r in rows], dtype=np.float64),
        sog=np.full(n, np.nan, np.float32),
        cog=np.full(n, np.nan, np.float32),
        receiver=np.full(n, -1, np.int32),
        is_sat=np.full(n, -1, np.int8),
        seg_start=starts,
        seg_mmsi=mm[first],
    )
