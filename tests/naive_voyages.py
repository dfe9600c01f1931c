"""Plain Python reference for kernels.portvisits.port_visit_runs."""

from __future__ import annotations

import math
from typing import Any

from tests.naive import haversine_m

KNOT_MS = 1852.0 / 3600.0


def port_visit_runs(  # type: ignore[no-untyped-def]
    t, lat, lon, sog, port_km, port_idx, seg_start, entry_km, exit_km, stop_kn, noise_m, gap_ms
) -> list[tuple[int, ...]]:
    """Visits as (seg, first, last, port, stopped, gapped, entered, exited), written as a person
    would: find each run of reports from an entry to the report before an exit, then look at it."""
    out: list[tuple[int, ...]] = []
    for s in range(len(seg_start) - 1):
        a, b = int(seg_start[s]), int(seg_start[s + 1])
        i = a
        while i < b:
            if port_km[i] > entry_km:
                i += 1
                continue
            first = i
            j = i + 1
            while j < b and port_km[j] <= exit_km:
                j += 1
            last = j - 1
            stopped = any(
                _stopped(k, first, t, lat, lon, sog, stop_kn, noise_m)
                for k in range(first, last + 1)
            )
            gapped = any(t[k] - t[k - 1] >= gap_ms for k in range(first + 1, last + 1))
            out.append(
                (
                    s,
                    first,
                    last,
                    int(port_idx[first]),
                    int(stopped),
                    int(gapped),
                    int(first > a),
                    int(j < b),
                )
            )
            i = j
    return out


def _stopped(
    k: int, first: int, t: Any, lat: Any, lon: Any, sog: Any, stop_kn: float, noise_m: float
) -> bool:
    if sog[k] < stop_kn:
        return True
    if k == first or not math.isnan(sog[k]):
        return False
    dt = (t[k] - t[k - 1]) / 1000.0
    if dt <= 0:
        return False
    d = haversine_m(lat[k - 1], lon[k - 1], lat[k], lon[k])
    return max(d - noise_m, 0.0) / dt < stop_kn * KNOT_MS
