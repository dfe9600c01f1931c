"""Obviously-correct plain Python versions of the resample and neighbour kernels."""

from __future__ import annotations

import math
from typing import Any

from tests.naive import haversine_m

KNOT_MS = 1852.0 / 3600.0


def wrap(lon: float) -> float:
    return (lon + 540.0) % 360.0 - 180.0


def resample(
    t: list[int], lat: list[float], lon: list[float], step: int, max_gap: int
) -> list[tuple[int, float, float, float]]:
    """(slot, lat, lon, speed_kn) of one segment, straight from the definition.

    Slot g (a multiple of ``step``) is emitted when a report is exactly at g, or when g lies
    strictly between two reports at most ``max_gap`` apart.
    """
    out: list[tuple[int, float, float, float]] = []
    if not t:
        return out
    g = math.ceil(t[0] / step) * step
    while g <= t[-1]:
        pos = None
        exact = [i for i in range(len(t)) if t[i] == g]
        if exact:
            i = exact[-1]  # duplicates at one time: the last row of the run counts
            pos = (lat[i], lon[i], i)
        else:
            for i in range(len(t) - 1):
                if t[i] < g < t[i + 1] and t[i + 1] - t[i] <= max_gap:
                    f = (g - t[i]) / (t[i + 1] - t[i])
                    pos = (
                        lat[i] + f * (lat[i + 1] - lat[i]),
                        wrap(lon[i] + f * wrap(lon[i + 1] - lon[i])),
                        i,
                    )
        if pos is not None:
            la, lo, i = pos
            if out and out[-1][0] == g - step:
                sp = haversine_m(out[-1][1], out[-1][2], la, lo) / (step / 1000) / KNOT_MS
            elif i + 1 < len(t) and 0 < t[i + 1] - t[i] <= max_gap:
                d = haversine_m(lat[i], lon[i], lat[i + 1], lon[i + 1])
                sp = d / ((t[i + 1] - t[i]) / 1000) / KNOT_MS
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
