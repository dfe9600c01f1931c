"""Plain Python references for the track, gap and loitering kernels, and table builders."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from tests.naive import haversine_m

KNOT_MS = 1852.0 / 3600.0
T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z
H = 3_600_000


def positions_table(
    mmsi: Any,
    t: Any,
    lat: Any,
    lon: Any,
    sog: Any = None,
    is_sat: Any = True,
    receiver: str | Sequence[str] = "sat",
) -> pa.Table:
    """A canonical positions table from arrays (times in ms since the epoch)."""
    t = np.asarray(t, dtype=np.int64)
    n = t.size
    mm = np.broadcast_to(np.asarray(mmsi, dtype=np.int64), (n,))
    sg = np.full(n, np.nan) if sog is None else np.broadcast_to(np.asarray(sog, float), (n,))
    sat = np.broadcast_to(np.asarray(is_sat), (n,))
    rec = [receiver] * n if isinstance(receiver, str) else list(receiver)
    return pa.table(
        {
            "mmsi": pa.array(mm, pa.uint32()),
            "t": pa.array(t).cast(pa.timestamp("ms", tz="UTC")),
            "lat": pa.array(np.broadcast_to(np.asarray(lat, float), (n,)), pa.float64()),
            "lon": pa.array(np.broadcast_to(np.asarray(lon, float), (n,)), pa.float64()),
            "sog": pa.array(sg, pa.float32()),
            "cog": pa.array(np.full(n, np.nan), pa.float32()),
            "is_sat": pa.array(sat, pa.bool_()),
            "receiver": pa.array(rec, pa.string()).dictionary_encode(),
        }
    )


def static_table(rows: list[dict[str, Any]]) -> pa.Table:
    """A static table from dicts with mmsi, t (ms) and any of name/callsign/imo/ship_type."""
    cols: dict[str, Any] = {
        "mmsi": pa.array([r["mmsi"] for r in rows], pa.uint32()),
        "t": pa.array([r.get("t", T0) for r in rows], pa.int64()).cast(
            pa.timestamp("ms", tz="UTC")
        ),
        "imo": pa.array([r.get("imo") for r in rows], pa.uint32()),
        "callsign": pa.array([r.get("callsign") for r in rows], pa.string()),
        "name": pa.array([r.get("name") for r in rows], pa.string()),
        "ship_type": pa.array([r.get("ship_type") for r in rows], pa.uint8()),
    }
    return pa.table(cols)


def track(
    lat0: float, lon0: float, hours: float, step_min: float, speed_kn: float, heading: str = "E"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t offsets ms, lat, lon) of a straight track at constant speed (flat-earth, small spans)."""
    n = int(round(hours * 60 / step_min)) + 1
    t = (np.arange(n) * step_min * 60_000).astype(np.int64)
    d_deg = speed_kn * 1852.0 * (t / 3_600_000) / 111_320.0
    if heading == "E":
        return t, np.full(n, lat0), lon0 + d_deg / math.cos(math.radians(lat0))
    return t, lat0 + d_deg, np.full(n, lon0)


# --- kernel references ------------------------------------------------------------------------


def duplicate_mask(mmsi, t, lat, lon, window_ms, tol_deg):  # type: ignore[no-untyped-def]
    kept: list[int] = []
    out = np.zeros(len(t), bool)
    for i in range(len(t)):
        for j in kept:
            if (
                mmsi[j] == mmsi[i]
                and t[i] - t[j] <= window_ms
                and abs(lat[i] - lat[j]) <= tol_deg
                and abs(lon[i] - lon[j]) <= tol_deg
            ):
                out[i] = True
                break
        if not out[i]:
            kept.append(i)
    return out


def assign_segments(mmsi, t, lat, lon, max_speed_kn, noise_m, min_dt_s, max_open):  # type: ignore[no-untyped-def]
    out = np.zeros(len(t), np.int32)
    open_: list[list[float]] = []  # [lat, lon, t, id]
    nxt = 0
    for i in range(len(t)):
        if i == 0 or mmsi[i] != mmsi[i - 1]:
            open_, nxt = [], 0
        cands = []
        for k, (la, lo, tt, _sid) in enumerate(open_):
            d = haversine_m(la, lo, lat[i], lon[i])
            dt = max((t[i] - tt) / 1000.0, min_dt_s)
            if max(d - noise_m, 0.0) / dt / KNOT_MS <= max_speed_kn:
                cands.append((d, k))
        if cands:
            k = min(cands)[1]
        else:
            if len(open_) < max_open:
                open_.append([0.0, 0.0, 0, 0])
                k = len(open_) - 1
            else:
                k = min(range(len(open_)), key=lambda j: (open_[j][2], j))
            open_[k][3] = nxt
            nxt += 1
        open_[k][0], open_[k][1], open_[k][2] = lat[i], lon[i], t[i]
        out[i] = int(open_[k][3])
    return out


def find_gaps(t, seg_start, min_gap_ms):  # type: ignore[no-untyped-def]
    return np.array(
        [
            i
            for s in range(len(seg_start) - 1)
            for i in range(seg_start[s], seg_start[s + 1] - 1)
            if t[i + 1] - t[i] >= min_gap_ms
        ],
        dtype=np.int64,
    )


def slow_steps(t, lat, lon, sog, seg_start, max_speed_kn, noise_m, max_step_ms):  # type: ignore[no-untyped-def]
    out = np.zeros(len(t), bool)
    for s in range(len(seg_start) - 1):
        for i in range(seg_start[s], seg_start[s + 1] - 1):
            dt = t[i + 1] - t[i]
            if dt > max_step_ms:
                continue
            if any(not math.isnan(v) and v >= max_speed_kn for v in (sog[i], sog[i + 1])):
                continue
            d = haversine_m(lat[i], lon[i], lat[i + 1], lon[i + 1]) - noise_m
            out[i] = d <= 0 or (dt > 0 and d / (dt / 1000.0) / KNOT_MS < max_speed_kn)
    return out


def true_runs(flags, seg_start, t, min_duration_ms):  # type: ignore[no-untyped-def]
    first, last = [], []
    for s in range(len(seg_start) - 1):
        a, b = seg_start[s], seg_start[s + 1]
        i = a
        while i < b - 1:
            if flags[i]:
                j = i
                while j < b - 1 and flags[j]:
                    j += 1
                if t[j] - t[i] >= min_duration_ms:
                    first.append(i)
                    last.append(j)
                i = j
            else:
                i += 1
    return np.array(first, np.int64), np.array(last, np.int64)


def cellhour_keys(lat, lon, t, seg_start, cell_deg, bucket_ms):  # type: ignore[no-untyped-def]
    n_lat, n_lon = round(180 / cell_deg), round(360 / cell_deg)
    keys = np.zeros(len(t), np.int64)
    first = np.zeros(len(t), bool)
    for s in range(len(seg_start) - 1):
        seen: set[int] = set()
        for i in range(seg_start[s], seg_start[s + 1]):
            r = min(max(math.floor((lat[i] + 90) / cell_deg), 0), n_lat - 1)
            c = math.floor((lon[i] + 180) / cell_deg) % n_lon
            h = (t[i] - 788_918_400_000) // bucket_ms
            keys[i] = (r * n_lon + c) * (1 << 20) + h
            first[i] = keys[i] not in seen
            seen.add(int(keys[i]))
    return keys, first
