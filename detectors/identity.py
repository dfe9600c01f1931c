"""Identity anomalies: one MMSI used by several ships at once, impossible jumps, invalid MMSIs,
frequent identity changes. Each finding is an ``identity`` event with ``evidence["kind"]``.

- ``shared_mmsi``: the segmenter (gpsdio-segment / GFW pipe-segment idea, see
  :mod:`vessels.segment`) split the MMSI into physical vessels whose reports *overlap in time*
  far apart: two transmitters at once. GFW marks an MMSI spoofed when segments with several
  names overlap for > 24 h a year (GFW technical documentation); here each overlap period is an
  event, scored by its length, the separation and the names seen.
- ``impossible_jump``: short segments (a few reports) far from the vessel's own track, e.g. a
  spoofed or corrupt position. Common with GPS faults, so scored low.
- ``invalid_mmsi``: not 9 digits / no allocated MID (ITU-R M.585). Frequent on class B sets in
  Southeast Asia (OpenCPN #4404), so scored low: a context flag, not a verdict.
- ``identity_change``: name/callsign/IMO/type changed often in static reports (Park et al.
  2023); an IMO change is the strongest sign (an IMO number belongs to the hull for life).
- ``two_transmitters`` and ``clone_while_dark``: two transmitters on one MMSI a few km apart,
  and a second transmitter while the owner is dark (issue 13; :mod:`detectors.identity_sea`).
  One vessel on two MMSIs (``two_transponders``) is found by the pair search of
  :mod:`detectors.encounter` (:mod:`detectors.encounter.twins`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors.base import DetectContext, Detector
from detectors.identity_sea import clone_while_dark_events, delayed_copy, near_hop_kn
from kernels.geo import KNOT_MS, haversine_array_m
from vessels.config import check_numbers
from vessels.errors import ConfigError
from vessels.events import Event
from vessels.explain import reasons_from_evidence
from vessels.registry import Registry
from vessels.tracks import Tracks

__all__ = ["IdentityParams", "IdentityStream", "detect"]

_H = 3_600_000


@dataclass(frozen=True)
class IdentityParams:
    """Identity checks. Units in names; defaults cited in the module docstring."""

    min_segment_points: int = 3  # a ship: at least this many reports (fewer: a jump/glitch)
    min_overlap_h: float = 0.5  # concurrent use for at least this long
    min_separation_km: float = 10.0  # farther apart than position noise and receiver offsets
    # one ship could not hop between the two tracks' reports: segmenter speed limit (GS, PS)
    min_hop_speed_kn: float = 30.0
    merge_gap_h: float = 6.0  # overlaps of one MMSI closer than this are one event
    min_jump_km: float = 20.0  # a short segment this far from the main track is a jump
    min_identity_changes: int = 2  # changes of name/callsign/IMO/type to count as frequent
    # issue 13 (detectors.identity_sea): two transmitters a few km apart on one MMSI, unless
    # one track is the other delayed by up to max_lag_min (satellite store-and-forward)
    min_transmitter_km: float = 1.5
    max_lag_min: float = 60.0
    lag_noise_km: float = 0.5
    near_hop_min: float = 10.0  # hops between reports at most this far apart in time
    # a second transmitter on the MMSI while its owner is dark (clone_while_dark)
    check_clones: bool = True
    clone_min_silence_h: float = 2.0
    clone_max_h: float = 12.0
    clone_owner_stay_km: float = 5.0
    clone_owner_drift_kn: float = 2.0
    clone_min_distance_km: float = 30.0
    clone_min_round_trip_kn: float = 10.0
    clone_speed_margin: float = 1.1  # the trip must beat the fastest reported SOG by 10 %
    check_invalid_mmsi: bool = True
    check_identity_changes: bool = True
    # A stream forgets an MMSI silent this long, emitting its per-MMSI findings then (the
    # chunked runner's ContextParams.history_days, 35 d): its state stays bounded by the fleet.
    forget_after_h: float = 35 * 24.0

    def __post_init__(self) -> None:
        names = ("min_overlap_h", "min_separation_km", "merge_gap_h", "min_jump_km")
        check_numbers(self, "identity", (*names, "min_hop_speed_kn", "forget_after_h"))
        if self.min_segment_points < 1 or self.min_identity_changes < 1:
            raise ConfigError("identity.min_segment_points and min_identity_changes must be >= 1")


@dataclass
class _Seg:
    t: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]

    @property
    def n(self) -> int:
        return int(self.t.size)


def _interp(
    seg: _Seg, t: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Positions of ``seg`` at times ``t`` (linear, antimeridian-safe)."""
    lon_u = seg.lon[0] + np.cumsum(np.r_[0.0, (np.diff(seg.lon) + 540.0) % 360.0 - 180.0])
    la = np.interp(t, seg.t, seg.lat)
    lo = (np.interp(t, seg.t, lon_u) + 540.0) % 360.0 - 180.0
    return la, lo


def _separation(a: _Seg, b: _Seg, t0: int, t1: int) -> tuple[float, float, float]:
    """Median and max distance (km) of b from a's reports in [t0, t1], and the median speed
    (kn) a single ship would need to make the nearest-in-time hops between them."""
    m = (a.t >= t0) & (a.t <= t1)
    if not m.any():
        m = np.ones(a.n, bool)
    ta, la, lo = a.t[m], a.lat[m], a.lon[m]
    bla, blo = _interp(b, ta)
    d = haversine_array_m(la, lo, bla, blo)
    j = np.clip(np.searchsorted(b.t, ta), 0, b.n - 1)
    jm = np.clip(j - 1, 0, b.n - 1)
    pick = np.where(np.abs(b.t[jm] - ta) < np.abs(b.t[j] - ta), jm, j)
    hop = haversine_array_m(la, lo, b.lat[pick], b.lon[pick])
    dt = np.maximum(np.abs(b.t[pick] - ta) / 1000.0, 1.0)
    return (
        float(np.median(d)) / 1000.0,
        float(d.max()) / 1000.0,
        float(np.median(hop / dt / KNOT_MS)),
    )


def _late_copy(a: _Seg, b: _Seg, t0: int, t1: int, p: IdentityParams) -> bool:
    """Is either segment the other one's reports heard late (satellite store and forward)?"""
    return delayed_copy(a, b, t0, t1, p.max_lag_min, p.lag_noise_km) or delayed_copy(
        b, a, t0, t1, p.max_lag_min, p.lag_noise_km
    )


def _intervals_union(iv: list[tuple[int, int, dict[str, Any]]], gap: int) -> list[list[Any]]:
    iv = sorted(iv, key=lambda x: x[0])
    out: list[list[Any]] = []
    for s, e, info in iv:
        if out and s - out[-1][1] < gap:
            out[-1][1] = max(out[-1][1], e)
            out[-1][2].append(info)
        else:
            out.append([s, e, [info]])
    return out


def shared_mmsi_events(
    tracks: Tracks, registry: Registry | None, p: IdentityParams
) -> tuple[list[Event], dict[int, list[tuple[int, int]]]]:
    """``shared_mmsi`` and ``impossible_jump`` events; also the conflict intervals per MMSI."""
    seg_mmsi = tracks.seg_mmsi.astype(np.int64)
    if seg_mmsi.size < 2:
        return [], {}
    multi = np.flatnonzero(
        np.r_[seg_mmsi[1:] == seg_mmsi[:-1], False] | np.r_[False, seg_mmsi[1:] == seg_mmsi[:-1]]
    )
    events: list[Event] = []
    conflicts: dict[int, list[tuple[int, int]]] = {}
    by_mmsi: dict[int, list[int]] = {}
    for k in multi.tolist():
        by_mmsi.setdefault(int(seg_mmsi[k]), []).append(k)
    for mmsi, ks in by_mmsi.items():
        segs = [
            _Seg(tracks.t[a:b], tracks.lat[a:b], tracks.lon[a:b])
            for a, b in ((int(tracks.seg_start[k]), int(tracks.seg_start[k + 1])) for k in ks)
        ]
        big = [s for s in segs if s.n >= p.min_segment_points]
        small = [s for s in segs if s.n < p.min_segment_points]
        found: list[tuple[int, int, dict[str, Any]]] = []
        near: list[tuple[int, int, dict[str, Any]]] = []
        for i in range(len(big)):
            for j in range(i + 1, len(big)):
                a, b = big[i], big[j]
                t0, t1 = max(int(a.t[0]), int(b.t[0])), min(int(a.t[-1]), int(b.t[-1]))
                if t1 - t0 < p.min_overlap_h * _H:
                    continue
                med_km, max_km, hop_kn = _separation(a, b, t0, t1)
                if med_km < p.min_transmitter_km or _late_copy(a, b, t0, t1, p):
                    continue  # one ship: noise, or its own reports heard late
                if med_km < p.min_separation_km or hop_kn < p.min_hop_speed_kn:
                    # a few km apart: two transmitters unless one ship could make the hops
                    hop = near_hop_kn(a, b, t0, t1, p.near_hop_min)
                    if hop >= p.min_hop_speed_kn:
                        pos = (float(a.lat[0]), float(a.lon[0]), float(b.lat[0]), float(b.lon[0]))
                        info = {
                            "median_km": med_km,
                            "max_km": max_km,
                            "hop_kn": hop,
                            "points": (a.n, b.n),
                            "pos": pos,
                        }
                        near.append((t0, t1, info))
                    continue  # or reachable: a split of one ship, not two transmitters
                info = {
                    "median_km": med_km,
                    "max_km": max_km,
                    "hop_kn": hop_kn,
                    "points": (a.n, b.n),
                    "pos": (float(a.lat[0]), float(a.lon[0]), float(b.lat[0]), float(b.lon[0])),
                }
                found.append((t0, t1, info))
        merged = _intervals_union(found, int(p.merge_gap_h * _H))
        close = _intervals_union(near, int(p.merge_gap_h * _H))
        conflicts[mmsi] = [(int(s), int(e)) for s, e, _ in merged + close]
        for s, e, infos in merged:
            events.append(_shared_event(mmsi, int(s), int(e), infos, registry, p))
        for s, e, infos in close:
            events.append(_transmitters_event(mmsi, int(s), int(e), infos, registry))
        jumps = [
            s for s in small if big and not any(a <= int(s.t[0]) <= b for a, b in conflicts[mmsi])
        ]
        if jumps and big:
            ev = _jump_event(mmsi, jumps, big, p)
            if ev is not None:
                events.append(ev)
    return events, conflicts


def _names_between(registry: Registry | None, mmsi: int, t0: int, t1: int) -> list[str]:
    if registry is None:
        return []
    names = []
    for h in registry.history(mmsi):
        fs, ls = h.get("first_seen"), h.get("last_seen")
        if h.get("name") and (fs is None or ls is None or (fs <= t1 and ls >= t0)):
            names.append(str(h["name"]))
    return sorted(set(names))


def _shared_event(
    mmsi: int, s: int, e: int, infos: list[dict[str, Any]], registry: Any, p: IdentityParams
) -> Event:
    med_km = max(i["median_km"] for i in infos)
    hop_kn = max(i["hop_kn"] for i in infos)
    names = _names_between(registry, mmsi, s, e)
    dur_h = (e - s) / _H
    score = 0.7 + 0.1 * min(1.0, dur_h / 24.0) + 0.05 * min(1.0, med_km / 500.0)
    score += 0.1 if len(names) > 1 else 0.0
    la, lo = infos[0]["pos"][0], infos[0]["pos"][1]
    evidence: dict[str, Any] = {
        "kind": "shared_mmsi",
        "mmsi": mmsi,
        "overlap_h": dur_h,
        "median_separation_km": med_km,
        "max_separation_km": max(i["max_km"] for i in infos),
        "implied_speed_kn": hop_kn,
        "segment_points": [list(i["points"]) for i in infos],
        "names": names,
        "positions": [list(i["pos"]) for i in infos],
    }
    return Event(
        type="identity",
        mmsi=mmsi,
        start_ms=s,
        end_ms=e,
        lat=la,
        lon=lo,
        score=float(min(0.97, score)),
        reasons=reasons_from_evidence("identity", evidence),
        id_key="shared_mmsi",
        evidence=evidence,
    )


def _transmitters_event(
    mmsi: int, s: int, e: int, infos: list[dict[str, Any]], registry: Any
) -> Event:
    """Two transmitters a few km apart on one MMSI, for the hours both were heard."""
    med_km = max(i["median_km"] for i in infos)
    names = _names_between(registry, mmsi, s, e)
    dur_h = (e - s) / _H
    score = 0.55 + 0.1 * min(1.0, dur_h / 12.0) + 0.05 * min(1.0, med_km / 10.0)
    score += 0.1 if len(names) > 1 else 0.0
    evidence = {
        "kind": "two_transmitters",
        "mmsi": mmsi,
        "overlap_h": dur_h,
        "median_separation_km": med_km,
        "max_separation_km": max(i["max_km"] for i in infos),
        "implied_speed_kn": max(i["hop_kn"] for i in infos),
        "segment_points": [list(i["points"]) for i in infos],
        "names": names,
    }
    la, lo = infos[0]["pos"][0], infos[0]["pos"][1]
    return Event(
        type="identity",
        mmsi=mmsi,
        start_ms=s,
        end_ms=e,
        lat=la,
        lon=lo,
        score=float(min(0.85, score)),
        reasons=reasons_from_evidence("identity", evidence),
        id_key="two_transmitters",
        evidence=evidence,
    )


def _jump_event(mmsi: int, jumps: list[_Seg], big: list[_Seg], p: IdentityParams) -> Event | None:
    far: list[tuple[int, float, float, float, float]] = []
    for s in jumps:
        best = math.inf
        for b in big:
            la, lo = _interp(b, s.t[:1])
            best = min(best, float(haversine_array_m(s.lat[:1], s.lon[:1], la, lo)[0]) / 1000.0)
        if best >= p.min_jump_km:
            far.append((int(s.t[0]), best, float(s.lat[0]), float(s.lon[0]), float(s.n)))
    if not far:
        return None
    far.sort()
    n = sum(int(f[4]) for f in far)
    score = min(0.45, 0.25 + 0.04 * (len(far) - 1))
    evidence: dict[str, Any] = {
        "kind": "impossible_jump",
        "mmsi": mmsi,
        "jumps": len(far),
        "reports": n,
        "max_offset_km": max(f[1] for f in far),
        "offsets_km": [f[1] for f in far[:20]],
        "times_ms": [f[0] for f in far[:20]],
    }
    return Event(
        type="identity",
        mmsi=mmsi,
        start_ms=far[0][0],
        end_ms=far[-1][0],
        lat=far[0][2],
        lon=far[0][3],
        score=score,
        id_key="impossible_jump",
        reasons=reasons_from_evidence("identity", evidence),
        evidence=evidence,
    )


def detect(
    tracks: Tracks, ctx: DetectContext | None = None, params: IdentityParams = IdentityParams()
) -> list[Event]:
    """Every identity finding in ``tracks`` (batch)."""
    s = IdentityStream(ctx, params)
    return s.update(tracks) + s.flush()


class IdentityStream:
    """Chunked identity checks. Shared-MMSI periods of one MMSI found in consecutive chunks are
    joined when less than ``merge_gap_h`` apart and emitted once closed; per-MMSI findings
    (invalid MMSI, identity changes) are emitted at the end of the stream."""

    def __init__(
        self, ctx: DetectContext | None = None, params: IdentityParams = IdentityParams()
    ) -> None:
        self.ctx = ctx
        self.p = params
        self.open: dict[int, Event] = {}
        self.seen: dict[int, list[Any]] = {}  # mmsi -> [first_ms, last_ms, lat, lon]
        self.conflicts: dict[int, list[tuple[int, int]]] = {}
        self.jumps: dict[int, Event] = {}
        self.changes_done: set[int] = set()  # identity_change already emitted (few MMSIs)
        self.watermark = -(2**62)

    @property
    def horizon_ms(self) -> int:
        """Silence after which an MMSI is forgotten (never less than the merge gap)."""
        return int(max(self.p.forget_after_h, self.p.merge_gap_h) * _H)

    def state_size(self) -> int:
        """MMSIs held in any per-MMSI table (for tests and monitoring)."""
        return len(set(self.seen) | set(self.open) | set(self.conflicts) | set(self.jumps))

    def update(self, tracks: Tracks) -> list[Event]:
        if tracks.n == 0:
            return []
        reg = self.ctx.registry if self.ctx is not None else None
        evs, conf = shared_mmsi_events(tracks, reg, self.p)
        direct = [e for e in evs if e.evidence["kind"] == "two_transmitters"]
        evs = [e for e in evs if e.evidence["kind"] != "two_transmitters"]
        if self.p.check_clones:
            direct += clone_while_dark_events(tracks, reg, self.p)
        for m, iv in conf.items():
            self.conflicts.setdefault(m, []).extend(iv)
        out: list[Event] = list(direct)
        gap = int(self.p.merge_gap_h * _H)
        for e in evs:
            assert e.mmsi is not None
            if e.evidence["kind"] == "impossible_jump":
                old = self.jumps.get(e.mmsi)
                self.jumps[e.mmsi] = e if old is None else _join_jumps(old, e)
                continue
            cur = self.open.get(e.mmsi)
            if cur is not None and e.start_ms - cur.end_ms < gap:
                # one conflict seen across chunks: rebuild it whole (score grows with length)
                infos = _infos_of(cur) + _infos_of(e)
                end = max(cur.end_ms, e.end_ms)
                self.open[e.mmsi] = _shared_event(e.mmsi, cur.start_ms, end, infos, reg, self.p)
                continue
            if cur is not None:
                out.append(cur)
            self.open[e.mmsi] = e
        self.watermark = max(self.watermark, int(tracks.t.max()))
        for m in [m for m, e in self.open.items() if self.watermark - e.end_ms >= gap]:
            out.append(self.open.pop(m))
        self._note_seen(tracks)
        return out + self._evict()

    def _evict(self) -> list[Event]:
        """Emit the per-MMSI findings of MMSIs silent longer than the horizon and forget them."""
        cut = self.watermark - self.horizon_ms
        old = [m for m, rec in self.seen.items() if rec[1] < cut and m not in self.open]
        if not old:
            return []
        return self._per_mmsi(old)

    def _per_mmsi(self, mmsis: list[int]) -> list[Event]:
        """Jumps, invalid-MMSI and identity-change findings of ``mmsis``; forgets them."""
        from detectors.identity_checks import change_events, invalid_events

        seen = {m: self.seen.pop(m) for m in mmsis if m in self.seen}
        conflicts = {m: self.conflicts.pop(m) for m in mmsis if m in self.conflicts}
        out = [self.jumps.pop(m) for m in mmsis if m in self.jumps]
        reg = self.ctx.registry if self.ctx is not None else None
        if self.p.check_invalid_mmsi:
            out += invalid_events(seen, self.ctx.class_b if self.ctx is not None else None)
        if self.p.check_identity_changes and reg is not None:
            found = change_events(
                seen, _Only(reg, set(seen)), conflicts, self.p.min_identity_changes
            )
            found = [e for e in found if e.mmsi not in self.changes_done]
            self.changes_done |= {int(e.mmsi) for e in found if e.mmsi is not None}
            out += found
        return out

    def _note_seen(self, tracks: Tracks) -> None:
        first = np.r_[True, tracks.seg_mmsi[1:] != tracks.seg_mmsi[:-1]]
        ks = np.flatnonzero(first)
        for k in ks.tolist():
            m = int(tracks.seg_mmsi[k])
            a = int(tracks.seg_start[k])
            t0, t1 = int(tracks.t[a]), int(tracks.t[int(tracks.seg_start[k + 1]) - 1])
            rec = self.seen.get(m)
            if rec is None:
                self.seen[m] = [t0, t1, float(tracks.lat[a]), float(tracks.lon[a])]
            else:
                rec[0], rec[1] = min(rec[0], t0), max(rec[1], t1)

    def flush(self) -> list[Event]:
        from detectors.identity_checks import change_events, invalid_events

        out = list(self.open.values()) + list(self.jumps.values())
        self.open.clear()
        self.jumps.clear()
        reg = self.ctx.registry if self.ctx is not None else None
        if self.p.check_invalid_mmsi:
            out += invalid_events(self.seen, self.ctx.class_b if self.ctx is not None else None)
        if self.p.check_identity_changes and reg is not None:
            found = change_events(self.seen, reg, self.conflicts, self.p.min_identity_changes)
            out += [e for e in found if e.mmsi not in self.changes_done]
        self.seen.clear()
        self.conflicts.clear()
        return out


class _Only:
    """A registry view whose ``changes`` hold only ``mmsis`` (``change_events`` also walks
    MMSIs known only from static reports; an eviction must look at its own MMSIs only)."""

    def __init__(self, reg: Registry, mmsis: set[int]) -> None:
        self._reg = reg
        self.changes = {m: reg.changes[m] for m in mmsis if m in reg.changes}

    def history(self, mmsi: int) -> list[dict[str, Any]]:
        return self._reg.history(mmsi)


def _infos_of(e: Event) -> list[dict[str, Any]]:
    """The per-segment-pair facts behind a shared_mmsi event, read back from its evidence."""
    ev = e.evidence
    return [
        {
            "median_km": ev["median_separation_km"],
            "max_km": ev["max_separation_km"],
            "hop_kn": ev["implied_speed_kn"],
            "points": tuple(pts),
            "pos": tuple(pos),
        }
        for pts, pos in zip(ev["segment_points"], ev["positions"], strict=True)
    ]


def _join_jumps(a: Event, b: Event) -> Event:
    ev = dict(a.evidence)
    ev["jumps"] = a.evidence["jumps"] + b.evidence["jumps"]
    ev["reports"] = a.evidence["reports"] + b.evidence["reports"]
    ev["max_offset_km"] = max(a.evidence["max_offset_km"], b.evidence["max_offset_km"])
    ev["offsets_km"] = (a.evidence["offsets_km"] + b.evidence["offsets_km"])[:20]
    ev["times_ms"] = (a.evidence["times_ms"] + b.evidence["times_ms"])[:20]
    score = min(0.45, 0.25 + 0.04 * (ev["jumps"] - 1))
    return Event(
        type="identity",
        mmsi=a.mmsi,
        start_ms=a.start_ms,
        end_ms=max(a.end_ms, b.end_ms),
        lat=a.lat,
        lon=a.lon,
        score=score,
        id_key="impossible_jump",
        reasons=reasons_from_evidence("identity", ev),
        evidence=ev,
    )


DETECTOR = Detector("identity", IdentityParams, detect, stream=IdentityStream)
