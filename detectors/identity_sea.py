"""Identity as it happens at sea (issue 13 item 3 b, c): see :mod:`detectors.identity`.

- ``two_transmitters``: two transmitters on one MMSI a few km apart at once (a class A and a
  class B unit on two boats, or a clone nearby). The segmenter splits them into overlapping
  segments; closer than ``IdentityParams.min_separation_km`` (10 km) they were not reported
  before. Now, from ``min_transmitter_km`` (1.5 km), the overlap is an event of its own, limited
  to the hours both transmit, once two ordinary explanations are ruled out: position noise
  (the separation must persist, median over the overlap) and a delayed copy of one track
  (satellite store-and-forward or a receiver clock: if the second track is the first one
  shifted by up to ``max_lag_min`` minutes, it is one ship heard late).
- ``clone_while_dark``: an MMSI falls silent, is heard far away for a few hours, falls silent
  again and comes back where it left off. A ship that went there and back would have needed
  ``min_round_trip_kn`` or more with its AIS off both ways; a second transmitter using the
  MMSI while its owner was dark is the plainer story. The event covers the hours of the
  second transmitter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from kernels.geo import KNOT_MS, haversine_array_m, haversine_m
from vessels.events import Event
from vessels.explain import reasons_from_evidence
from vessels.registry import Registry
from vessels.tracks import Tracks

__all__ = ["clone_while_dark_events", "delayed_copy", "near_hop_kn"]

_H = 3_600_000
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def _at(t: I64, lat: F64, lon: F64, q: I64) -> tuple[F64, F64]:
    lon_u = lon[0] + np.cumsum(np.r_[0.0, (np.diff(lon) + 540.0) % 360.0 - 180.0])
    return np.interp(q, t, lat), (np.interp(q, t, lon_u) + 540.0) % 360.0 - 180.0


def delayed_copy(a: Any, b: Any, t0: int, t1: int, max_lag_min: float, noise_km: float) -> bool:
    """Do the reports of ``b`` in [t0, t1] lie on ``a``'s own track, where ``a`` was up to
    ``max_lag_min`` earlier or later (median within ``noise_km``)? Then they are one ship's
    reports heard late (satellite store-and-forward delays vary report by report, so no single
    shift fits), not a second transmitter."""
    m = np.flatnonzero((b.t >= t0) & (b.t <= t1))
    if m.size == 0:
        return False
    m = m[:: max(1, m.size // 200)]  # a sample is enough for a median
    lags = np.arange(-max_lag_min, max_lag_min + 1, 1.0) * 60_000
    q = np.clip(b.t[m][:, None] + lags[None, :].astype(np.int64), a.t[0], a.t[-1])
    ala, alo = _at(a.t, a.lat, a.lon, q.reshape(-1))
    d = haversine_array_m(np.repeat(b.lat[m], lags.size), np.repeat(b.lon[m], lags.size), ala, alo)
    return float(np.median(d.reshape(m.size, lags.size).min(axis=1))) <= noise_km * 1000


def near_hop_kn(a: Any, b: Any, t0: int, t1: int, max_dt_min: float) -> float:
    """Median speed (kn) one ship would need between reports of ``a`` and ``b`` at most
    ``max_dt_min`` apart in [t0, t1] (0 when there are none)."""
    m = (a.t >= t0) & (a.t <= t1)
    ta, la, lo = a.t[m], a.lat[m], a.lon[m]
    if ta.size == 0:
        return 0.0
    j = np.clip(np.searchsorted(b.t, ta), 0, b.n - 1)
    jm = np.clip(j - 1, 0, b.n - 1)
    pick = np.where(np.abs(b.t[jm] - ta) < np.abs(b.t[j] - ta), jm, j)
    dt = np.abs(b.t[pick] - ta)
    near = dt <= max_dt_min * 60_000
    if not near.any():
        return 0.0
    d = haversine_array_m(la[near], lo[near], b.lat[pick][near], b.lon[pick][near])
    return float(np.median(d / np.maximum(dt[near] / 1000.0, 1.0) / KNOT_MS))


def clone_while_dark_events(tracks: Tracks, registry: Registry | None, p: Any) -> list[Event]:
    """``clone_while_dark`` events of every MMSI in ``tracks`` (all its segments in time
    order: the far reports may have become a segment of their own or not)."""
    out: list[Event] = []
    if tracks.n < 5:
        return out
    order = np.lexsort((tracks.t, tracks.mmsi))
    mm, t = tracks.mmsi[order], tracks.t[order]
    lat, lon = tracks.lat[order], tracks.lon[order]
    sog = tracks.sog[order].astype(np.float64)
    starts = np.r_[0, np.flatnonzero(mm[1:] != mm[:-1]) + 1, mm.size]
    min_gap = int(p.clone_min_silence_h * _H)
    for s, e in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
        if e - s < 5:
            continue
        gaps = (s + np.flatnonzero(np.diff(t[s:e]) >= min_gap)).tolist()  # row before a silence
        # the second transmitter may itself be heard in bursts with holes between them: its
        # part runs from after one silence to before any later one within clone_max_h
        k = 0
        while k < len(gaps) - 1:
            found = None
            for k2 in range(k + 1, len(gaps)):
                if t[gaps[k2]] - t[gaps[k] + 1] > p.clone_max_h * _H:
                    break
                found = _clone(int(mm[s]), t, lat, lon, sog, (s, e), gaps[k], gaps[k2], registry, p)
                if found is not None:
                    out.append(found)
                    k = k2
                    break
            if found is None:
                k += 1
    return out


def _clone(
    mmsi: int,
    t: I64,
    lat: F64,
    lon: F64,
    sog: F64,
    rows: tuple[int, int],
    g1: int,
    g2: int,
    registry: Registry | None,
    p: Any,
) -> Event | None:
    """Reports g1+1 .. g2 between two silences: a second transmitter?"""
    a, b = g1 + 1, g2  # the middle part
    if (t[b] - t[a]) > p.clone_max_h * _H:
        return None
    back_h = (t[g2 + 1] - t[g1]) / _H
    stay_km = haversine_m(lat[g1], lon[g1], lat[g2 + 1], lon[g2 + 1]) / 1000.0
    if stay_km > max(p.clone_owner_stay_km, p.clone_owner_drift_kn * 1.852 * back_h):
        return None  # the owner did not come back where it left off
    mla, mlo = float(np.mean(lat[a : b + 1])), float(np.mean(lon[a : b + 1]))
    out_km = haversine_m(lat[g1], lon[g1], lat[a], lon[a]) / 1000.0
    ret_km = haversine_m(lat[b], lon[b], lat[g2 + 1], lon[g2 + 1]) / 1000.0
    if min(out_km, ret_km) < p.clone_min_distance_km:
        return None
    n_mid = b - a + 1
    near = haversine_array_m(
        lat[a : b + 1], lon[a : b + 1], np.full(n_mid, lat[g1]), np.full(n_mid, lon[g1])
    )
    if float(near.min()) < p.clone_min_distance_km * 1000.0:
        return None  # every report of the second transmitter lies far from the owner
    dark_h = (t[a] - t[g1] + t[g2 + 1] - t[b]) / _H
    trip_kn = (out_km + ret_km) / 1.852 / max(dark_h, 1e-6)
    if trip_kn < p.clone_min_round_trip_kn:
        return None
    # a ship that really makes such speed (a cargo ship out and back along a lane) could have
    # made the trip: only a trip faster than the MMSI was ever reported going is a clone
    own = np.r_[sog[rows[0] : g1 + 1], sog[g2 + 1 : rows[1]]]
    fastest = float(np.nanmax(own)) if np.isfinite(own).any() else 0.0
    if trip_kn <= p.clone_speed_margin * fastest:
        return None
    name = registry.name(mmsi) if registry is not None else None
    clone_h = (t[b] - t[a]) / _H
    score = 0.6 + 0.1 * min(1.0, (trip_kn - p.clone_min_round_trip_kn) / 20.0)
    score += 0.05 * min(1.0, out_km / 500.0)
    evidence = {
        "kind": "clone_while_dark",
        "mmsi": mmsi,
        "name": name,
        "owner_silent_from_ms": int(t[g1]),
        "owner_back_ms": int(t[g2 + 1]),
        "silent_before_h": (t[a] - t[g1]) / _H,
        "silent_after_h": (t[g2 + 1] - t[b]) / _H,
        "clone_hours": clone_h,
        "clone_reports": int(b - a + 1),
        "clone_distance_km": float(out_km),
        "return_distance_km": float(ret_km),
        "owner_moved_km": float(stay_km),
        "round_trip_speed_kn": float(trip_kn),
        "fastest_reported_kn": fastest,
    }
    return Event(
        type="identity",
        mmsi=mmsi,
        start_ms=int(t[a]),
        end_ms=int(t[b]),
        lat=mla,
        lon=mlo,
        score=float(min(0.9, score)),
        id_key="clone_while_dark",
        reasons=reasons_from_evidence("identity", evidence),
        evidence=evidence,
    )
