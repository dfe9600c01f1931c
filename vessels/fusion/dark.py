"""Dark vessels seen by satellite imagery: events from a detection-to-AIS match.

- ``dark_detection``: a detection no AIS vessel accounts for (Paolo et al. 2024's "not publicly
  tracked" vessel). Score from the detector's confidence, isolation from unmatched AIS vessels
  (a nearby AIS vessel that matched nothing may be the same ship badly placed) and distance
  from shore (Paolo et al. 2024 leave out detections within 1 km of land: rocks, piers, noise).
- ``dark_rendezvous``: an AIS vessel that is slow (< 2 kn, GFW loitering speed) for a while
  around the image time, at least ``min_shore_nm`` from shore (GFW loitering: 20 nm), with an
  unmatched detection within ``max_distance_m`` (GFW encounter distance, widened by the
  placement's uncertainty up to ``max_widened_m``) of it at the image time, each detection
  given to its nearest slow vessel only, aids to navigation and gear buoys (MMSI 99 block)
  left out, carriers scored higher: the loitering carrier
  with a visible-but-silent partner that AIS alone can only suspect. When a vessel's AIS gap
  brackets the image and the detection is reachable from both ends of that gap, the partner is
  named (``other_mmsi``).
- :func:`enrich_gaps`: a ``gap`` event whose vessel is seen by imagery during the gap (an
  unmatched detection on a reachable path between the gap's ends) gets the detection as
  evidence and a higher score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc

from kernels.geo import KNOT_MS, METRES_PER_NM, haversine_m
from kernels.match import bracket_reports
from vessels.errors import ConfigError
from vessels.events import Event
from vessels.explain import reasons_from_evidence
from vessels.fusion.matching import MatchResult
from vessels.tracks import Tracks

__all__ = ["DarkParams", "dark_detections", "dark_rendezvous", "detect", "enrich_gaps"]

F64 = npt.NDArray[np.float64]
ShoreFn = Callable[[npt.ArrayLike, npt.ArrayLike], F64]


@dataclass(frozen=True)
class DarkParams:
    """Parameters of the imagery-based dark-vessel events (units in the names)."""

    default_confidence: float = 0.7  # when the detector gives none
    min_shore_km: float = 1.0  # Paolo et al. 2024: detections within 1 km of shore left out
    full_shore_km: float = 5.0  # full weight from here on
    min_length_m: float = 15.0  # smaller detections are less often real vessels (SAR clutter)
    isolation_m: float = 8_000.0  # an unmatched AIS vessel this close may be the same ship
    max_distance_m: float = 500.0  # rendezvous: detection this close to the slow AIS vessel
    # (GFW encounters: vessels within 500 m), widened by 2 sigma of the vessel's placement ...
    max_widened_m: float = 1_500.0  # ... but never farther than this
    carrier_weight: float = 0.3  # score share of the slow vessel being a known carrier (GFW:
    # transshipment is carrier business; a slow fishing vessel beside a dark one is weaker)
    max_speed_kn: float = 2.0  # GFW loitering speed
    min_slow_h: float = 2.0  # slow this long around the image (half the RFMO 4 h loitering)
    min_shore_nm: float = 20.0  # GFW loitering: >= 20 nm from shore
    max_report_age_h: float = 3.0  # the slow vessel's position at image time must be fresh
    min_gap_h: float = 6.0  # partner/gap attribution: AIS silent at least this long (GFW naive gap)
    dark_max_speed_kn: float = 15.0  # reachability of a detection from a gap's ends
    gap_score_boost: float = 0.5  # gap score s becomes 1 - (1 - s) * (1 - boost)

    def __post_init__(self) -> None:
        if not 0 <= self.default_confidence <= 1 or not 0 <= self.gap_score_boost <= 1:
            raise ConfigError("default_confidence and gap_score_boost must be in [0, 1]")
        if self.max_distance_m <= 0 or self.dark_max_speed_kn <= 0:
            raise ConfigError("max_distance_m and dark_max_speed_kn must be > 0")


def _default_shore(lat: npt.ArrayLike, lon: npt.ArrayLike) -> F64:
    from vessels.geo import distance_to_shore_km

    return distance_to_shore_km(lat, lon)


def _ms(ts: Any) -> int:
    return int(ts.timestamp() * 1000)


def _f(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _unmatched(result: MatchResult) -> list[dict[str, Any]]:
    rows = result.matches.to_pylist()
    return [r for r in rows if r["mmsi"] is None]


def _nearest_unmatched_ais(
    result: MatchResult, rows: list[dict[str, Any]], *, in_gap: bool = False
) -> dict[str, tuple[float, int | None]]:
    """Per unmatched detection, the distance (m) and MMSI of the nearest AIS vessel placed in
    the same scene that matched no detection: broadcasting at the image time, or with
    ``in_gap`` silent in an AIS gap then (see :mod:`vessels.fusion.broadcast`)."""
    from kernels.geo import haversine_array_m

    proj = result.projections
    if proj.num_rows == 0 or not rows:
        return {}
    free = proj.filter(pc.is_null(proj.column("detection_id")))
    if "ais_gap" in free.column_names:
        # a vessel in an AIS gap at the image time is no badly placed broadcaster: it is what
        # a dark detection beside it may be (named as such, not a penalty)
        gap = free.column("ais_gap")
        free = free.filter(gap if in_gap else pc.invert(gap))
    elif in_gap:
        return {}
    # aids to navigation and gear buoys (99 block) are not ships that could be badly placed
    free = free.filter(pc.not_equal(pc.divide(free.column("mmsi"), 10_000_000), 99))
    by_scene: dict[str, list[int]] = {}
    for i, sid in enumerate(free.column("scene_id").to_pylist()):
        by_scene.setdefault(sid, []).append(i)
    flat = free.column("lat").to_numpy()
    flon = free.column("lon").to_numpy()
    fmm = free.column("mmsi").to_numpy()
    out: dict[str, tuple[float, int | None]] = {}
    for r in rows:
        idx = by_scene.get(r["scene_id"])
        if not idx:
            continue
        ii = np.asarray(idx)
        d = haversine_array_m(
            np.full(ii.size, r["lat"]), np.full(ii.size, r["lon"]), flat[ii], flon[ii]
        )
        k = int(np.argmin(d))
        out[str(r["detection_id"])] = (float(d[k]), int(fmm[ii[k]]))
    return out


def dark_detections(
    result: MatchResult, params: DarkParams | None = None, *, shore_km: ShoreFn | None = None
) -> list[Event]:
    """One ``dark_detection`` event per unmatched detection (``mmsi`` null)."""
    p = params or DarkParams()
    rows = _unmatched(result)
    if not rows:
        return []
    shore = (shore_km or _default_shore)(
        np.array([r["lat"] for r in rows]), np.array([r["lon"] for r in rows])
    )
    free = _nearest_unmatched_ais(result, rows)
    silent = _nearest_unmatched_ais(result, rows, in_gap=True)
    events = []
    for r, km in zip(rows, shore.tolist(), strict=True):
        conf = _f(r["confidence"])
        conf_known = math.isfinite(conf)
        c = conf if conf_known else p.default_confidence
        # sharpened: mid confidences are mostly clutter (xView3 LOW/MEDIUM, simulator clutter)
        f_conf = c**1.5
        length = _f(r["length_m"])
        if math.isfinite(length) and length < p.min_length_m:
            f_conf *= 0.8
        d = _f(r["nearest_ais_m"])
        du, mu = free.get(str(r["detection_id"]), (math.inf, None))
        f_iso = 1.0
        if mu is not None and du < p.isolation_m:
            # an AIS vessel that matched nothing is near: maybe this ship, badly placed
            f_iso = 0.3 + 0.7 * du / p.isolation_m
        ds, ms = silent.get(str(r["detection_id"]), (math.inf, None))
        if not (ms is not None and ds < p.isolation_m):
            ds, ms = math.inf, None
        if not math.isfinite(km):
            f_shore = 1.0
        elif km < 0:
            f_shore = 0.1
        else:
            span = max(p.full_shore_km - p.min_shore_km, 1e-9)
            f_shore = float(np.clip(0.2 + 0.8 * (km - p.min_shore_km) / span, 0.2, 1.0))
        score = float(np.clip(f_conf * f_iso * f_shore, 0.0, 1.0))
        t = _ms(r["t"])
        events.append(
            Event(
                type="dark_detection",
                mmsi=None,
                start_ms=t,
                end_ms=t,
                lat=r["lat"],
                lon=r["lon"],
                score=score,
                evidence={
                    "detection_id": r["detection_id"],
                    "scene_id": r["scene_id"],
                    "confidence": conf if conf_known else None,
                    "length_m": _f(r["length_m"]),
                    "nearest_ais_m": d,
                    "nearest_mmsi": r["nearest_mmsi"],
                    "nearest_ais_matched": r["nearest_matched"],
                    "nearest_unmatched_ais_m": du,
                    "nearest_unmatched_mmsi": mu,
                    "silent_ais_mmsi": ms,  # a vessel in an AIS gap placed near: maybe this one
                    "silent_ais_m": ds,
                    "distance_from_shore_km": km,
                    "score_parts": {"confidence": f_conf, "isolation": f_iso, "shore": f_shore},
                    "rule": {
                        "min_length_m": p.min_length_m,
                        "isolation_m": p.isolation_m,
                        "min_shore_km": p.min_shore_km,
                    },
                },
                id_key=str(r["detection_id"]),
            )
        )
        events[-1].reasons = reasons_from_evidence("dark_detection", events[-1].evidence)
    return events


def _slow_run(tracks: Tracks, seg: int, T: int, max_speed_kn: float) -> tuple[int, int]:
    """Start and end (ms) of the run of slow reports of segment ``seg`` around time ``T``."""
    a, b = int(tracks.seg_start[seg]), int(tracks.seg_start[seg + 1])
    t = tracks.t[a:b]
    sog = tracks.sog[a:b].astype(np.float64)
    # speed per report: SOG when known, else implied from the neighbouring step
    imp = np.full(b - a, np.nan)
    if b - a >= 2:
        d = np.array(
            [
                haversine_m(tracks.lat[i], tracks.lon[i], tracks.lat[i + 1], tracks.lon[i + 1])
                for i in range(a, b - 1)
            ]
        )
        dt = np.maximum(np.diff(t) / 1000.0, 1.0)
        imp[:-1] = d / dt / KNOT_MS
        imp[-1] = imp[-2]
    speed = np.where(np.isfinite(sog), sog, imp)
    slow = ~(speed >= max_speed_kn)  # NaN counts as slow: no evidence of movement
    i = int(np.searchsorted(t, T, side="right")) - 1
    i = min(max(i, 0), b - a - 1)
    if not slow[i]:
        j = min(i + 1, b - a - 1)
        if not slow[j]:
            return T, T
        i = j
    lo = i
    while lo > 0 and slow[lo - 1]:
        lo -= 1
    hi = i
    while hi < b - a - 1 and slow[hi + 1]:
        hi += 1
    return int(t[lo]), int(t[hi])


@dataclass(frozen=True)
class _GapCandidate:
    seg: int
    mmsi: int
    t_off: int
    t_on: int
    ratio: float  # detour of the path via the detection over the reachable distance
    off: tuple[float, float]
    on: tuple[float, float]


def _gap_candidates(
    tracks: Tracks, T: int, lat: float, lon: float, p: DarkParams, exclude_seg: int = -1
) -> list[_GapCandidate]:
    """Segments silent for >= min_gap_h around T whose gap ends can both reach (lat, lon)."""
    before, after = bracket_reports(tracks.seg_start, tracks.t, T)
    ok = (before >= 0) & (after >= 0)
    ok &= (tracks.t[np.maximum(after, 0)] - tracks.t[np.maximum(before, 0)]) >= p.min_gap_h * 3.6e6
    out = []
    v = p.dark_max_speed_kn * KNOT_MS
    for k in np.flatnonzero(ok):
        if k == exclude_seg:
            continue
        ib, ia = int(before[k]), int(after[k])
        t0, t1 = int(tracks.t[ib]), int(tracks.t[ia])
        d0 = haversine_m(tracks.lat[ib], tracks.lon[ib], lat, lon)
        d1 = haversine_m(lat, lon, tracks.lat[ia], tracks.lon[ia])
        if d0 > v * (T - t0) / 1000.0 or d1 > v * (t1 - T) / 1000.0:
            continue
        direct = haversine_m(tracks.lat[ib], tracks.lon[ib], tracks.lat[ia], tracks.lon[ia])
        reach = max(v * (t1 - t0) / 1000.0, 1.0)
        ratio = (d0 + d1 - direct) / reach  # 0 on the straight path, 1 at the edge of reach
        out.append(
            _GapCandidate(
                int(k),
                int(tracks.seg_mmsi[k]),
                t0,
                t1,
                ratio,
                (float(tracks.lat[ib]), float(tracks.lon[ib])),
                (float(tracks.lat[ia]), float(tracks.lon[ia])),
            )
        )
    out.sort(key=lambda c: (c.ratio, c.mmsi))
    return out


def dark_rendezvous(
    result: MatchResult,
    tracks: Tracks,
    params: DarkParams | None = None,
    *,
    is_carrier: Callable[[int], bool] | None = None,
    shore_km: ShoreFn | None = None,
) -> list[Event]:
    """Slow AIS vessels with an unmatched detection beside them at the image time."""
    p = params or DarkParams()
    dets = _unmatched(result)
    if not dets:
        return []
    proj = result.projections.to_pylist()
    by_scene: dict[str, list[dict[str, Any]]] = {}
    for v in proj:
        if int(v["mmsi"]) // 10_000_000 == 99:
            continue  # aids to navigation and gear buoys (ITU-R M.585 99 block): not vessels
        if v.get("ais_gap"):
            continue  # silent itself at the image time: the detection beside it is likely it
        if v["speed_kn"] <= p.max_speed_kn and v["report_age_h"] <= p.max_report_age_h:
            by_scene.setdefault(v["scene_id"], []).append(v)
    # closest (vessel, detection) pairs per scene, one event per vessel and scene
    best: dict[tuple[str, int], tuple[float, dict[str, Any], dict[str, Any]]] = {}
    for d in dets:
        for v in by_scene.get(d["scene_id"], []):
            dist = haversine_m(d["lat"], d["lon"], v["lat"], v["lon"])
            if dist > min(p.max_distance_m + 2.0 * v["sigma_m"], p.max_widened_m):
                continue
            key = (v["scene_id"], int(v["seg"]))
            if key not in best or dist < best[key][0]:
                best[key] = (dist, d, v)
    if not best:
        return []
    # one partner lies alongside one vessel: each detection goes to its nearest slow vessel
    nearest: dict[str, tuple[float, dict[str, Any], dict[str, Any]]] = {}
    for item in best.values():
        did = str(item[1]["detection_id"])
        if did not in nearest or item[0] < nearest[did][0]:
            nearest[did] = item
    items = sorted(nearest.values(), key=lambda x: (x[1]["t"], x[2]["scene_id"], x[2]["mmsi"]))
    shore = (shore_km or _default_shore)(
        np.array([x[2]["lat"] for x in items]), np.array([x[2]["lon"] for x in items])
    )
    events: list[Event] = []
    seen_runs: dict[tuple[int, int], Event] = {}
    for (dist, d, v), km in zip(items, shore.tolist(), strict=True):
        if math.isfinite(km) and km * 1000.0 / METRES_PER_NM < p.min_shore_nm:
            continue
        T = _ms(d["t"])
        start, end = _slow_run(tracks, int(v["seg"]), T, p.max_speed_kn)
        if (end - start) / 3.6e6 < p.min_slow_h:
            continue
        mmsi = int(v["mmsi"])
        if (mmsi, start) in seen_runs:  # one event per slow run, the later images as evidence
            seen_runs[(mmsi, start)].evidence.setdefault("more_detections", []).append(
                d["detection_id"]
            )
            continue
        carrier = bool(is_carrier(mmsi)) if is_carrier else False
        partners = _gap_candidates(tracks, T, d["lat"], d["lon"], p, exclude_seg=int(v["seg"]))
        partner = partners[0] if partners else None
        conf = _f(d["confidence"])
        c = conf if math.isfinite(conf) else p.default_confidence
        # closeness against the placement's uncertainty: 1 alongside, ~0.6 at the gate
        spread = math.hypot(p.max_distance_m, float(v["sigma_m"]))
        close = math.exp(-0.5 * (dist / spread) ** 2)
        score = 0.25 + 0.2 * c + 0.2 * close + (p.carrier_weight if carrier else 0.0)
        score += 0.1 if partner else 0.0
        events.append(
            Event(
                type="dark_rendezvous",
                mmsi=mmsi,
                other_mmsi=None,  # the partner has no AIS identity at the image time
                start_ms=min(start, T),
                end_ms=max(end, T),
                lat=d["lat"],
                lon=d["lon"],
                score=float(min(score, 1.0)),
                evidence={
                    "mmsi": mmsi,
                    "detection_id": d["detection_id"],
                    "scene_id": d["scene_id"],
                    "image_time_ms": T,
                    "distance_m": dist,
                    "vessel_speed_kn": v["speed_kn"],
                    "vessel_report_age_h": v["report_age_h"],
                    "slow_hours": (end - start) / 3.6e6,
                    "is_carrier": carrier,
                    "detection_confidence": conf if math.isfinite(conf) else None,
                    "detection_length_m": _f(d["length_m"]),
                    "distance_from_shore_km": km,
                    "partner_mmsi": partner.mmsi if partner else None,
                    "partner_candidates": [c_.mmsi for c_ in partners[:5]],
                    "partner_silent_before_h": (T - partner.t_off) / 3.6e6 if partner else None,
                    "partner_silent_after_h": (partner.t_on - T) / 3.6e6 if partner else None,
                    "rule": {"max_speed_kn": p.max_speed_kn},
                },
                id_key=str(d["detection_id"]),
            )
        )
        events[-1].reasons = reasons_from_evidence("dark_rendezvous", events[-1].evidence)
        seen_runs[(mmsi, start)] = events[-1]
    return events


def enrich_gaps(
    gaps: Iterable[Event],
    result: MatchResult,
    tracks: Tracks,
    params: DarkParams | None = None,
) -> list[Event]:
    """Gap events, those seen by imagery during the gap enriched (others returned unchanged).

    A gap is seen when an unmatched detection taken during it is reachable at
    ``dark_max_speed_kn`` from both the last report before and the first after; each detection
    is given to at most one gap (the one it lies closest to the straight path of).
    """
    p = params or DarkParams()
    gaps = list(gaps)
    dets = _unmatched(result)
    seg_of_mmsi: dict[int, list[int]] = {}
    for k, m in enumerate(tracks.seg_mmsi.tolist()):
        seg_of_mmsi.setdefault(int(m), []).append(k)
    v = p.dark_max_speed_kn * KNOT_MS
    cands: list[tuple[float, int, int]] = []  # ratio, gap index, detection index
    for gi, g in enumerate(gaps):
        if g.type != "gap" or g.mmsi is None:
            continue
        for di, d in enumerate(dets):
            T = _ms(d["t"])
            if not g.start_ms < T < g.end_ms:
                continue
            for k in seg_of_mmsi.get(int(g.mmsi), []):
                a, b = int(tracks.seg_start[k]), int(tracks.seg_start[k + 1])
                ib = a + int(np.searchsorted(tracks.t[a:b], T, side="right")) - 1
                ia = ib + 1
                if ib < a or ia >= b:
                    continue
                t0, t1 = int(tracks.t[ib]), int(tracks.t[ia])
                d0 = haversine_m(tracks.lat[ib], tracks.lon[ib], d["lat"], d["lon"])
                d1 = haversine_m(d["lat"], d["lon"], tracks.lat[ia], tracks.lon[ia])
                if d0 > v * (T - t0) / 1000.0 or d1 > v * (t1 - T) / 1000.0:
                    continue
                direct = haversine_m(tracks.lat[ib], tracks.lon[ib], tracks.lat[ia], tracks.lon[ia])
                ratio = (d0 + d1 - direct) / max(v * (t1 - t0) / 1000.0, 1.0)
                cands.append((ratio, gi, di))
    cands.sort()
    used_g: set[int] = set()
    used_d: set[int] = set()
    out = list(gaps)
    for ratio, gi, di in cands:
        if gi in used_g or di in used_d:
            continue
        used_g.add(gi)
        used_d.add(di)
        g, d = gaps[gi], dets[di]
        conf = _f(d["confidence"])
        ev = dict(g.evidence)
        ev["imagery"] = {
            "detection_id": d["detection_id"],
            "scene_id": d["scene_id"],
            "image_time_ms": _ms(d["t"]),
            "lat": d["lat"],
            "lon": d["lon"],
            "confidence": conf if math.isfinite(conf) else None,
            "length_m": _f(d["length_m"]),
            "path_detour_ratio": ratio,
        }
        out[gi] = replace(
            g,
            score=1.0 - (1.0 - g.score) * (1.0 - p.gap_score_boost),
            reasons=reasons_from_evidence("gap", ev),
            evidence=ev,
        )
    return out


def detect(
    result: MatchResult,
    tracks: Tracks,
    params: DarkParams | None = None,
    *,
    gaps: Sequence[Event] = (),
    is_carrier: Callable[[int], bool] | None = None,
    shore_km: ShoreFn | None = None,
) -> list[Event]:
    """``dark_detection`` and ``dark_rendezvous`` events, plus ``gaps`` enriched by imagery."""
    p = params or DarkParams()
    events = dark_detections(result, p, shore_km=shore_km)
    events += dark_rendezvous(result, tracks, p, is_carrier=is_carrier, shore_km=shore_km)
    if gaps:
        events += enrich_gaps(gaps, result, tracks, p)
    return events
