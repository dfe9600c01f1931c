"""Ground truth by the published definitions, scanned from the true tracks.

Injected events are only where labelling starts: the truth is *complete*, so every period of the
true tracks that meets a definition is labelled, injected or not (a carrier waiting alone
loiters; a carrier in an encounter also loiters). Definitions and sources:

- gap (Welch et al. 2022, GFW AIS disabling): AIS off >= 12 h, starting > 50 nm from shore,
  where satellite reception is good (here: outside the region's poor-reception box), with at
  least 14 positions received in the 12 h before it.
- encounter (GFW pipe-encounters): carrier and fishing vessel within 500 m for >= 2 h, median
  speed < 2 kn, >= 10 km from ports and anchorages; the same pair less than 4 h apart merges.
- loitering (GFW, RFMO carrier definition): carrier < 2 kn for >= 4 h, >= 20 nm from shore.
- identity: two ships broadcasting one MMSI at the same time, far apart (the overlap is labelled).
- dark_rendezvous: a carrier loitering while its partner is dark, with a SAR scene over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vessels.geo import distance_to_shore_km, port_index
from vessels.sim.fleet import Vessel
from vessels.sim.geography import Geography, haversine_np
from vessels.sim.plans import Injected

__all__ = ["LabelParams", "label"]

NM_KM = 1.852


@dataclass(frozen=True)
class LabelParams:
    gap_min_h: float = 12.0  # Welch 2022
    gap_min_shore_nm: float = 50.0  # Welch 2022
    gap_min_reports_before: int = 14  # Welch 2022: >= 14 positions in the 12 h before the gap
    encounter_max_distance_m: float = 500.0  # GFW pipe-encounters
    encounter_min_h: float = 2.0
    encounter_max_median_kn: float = 2.0
    encounter_min_port_km: float = 10.0
    encounter_merge_h: float = 4.0
    loiter_max_kn: float = 2.0  # GFW loitering, RFMO carrier definition
    loiter_min_h: float = 4.0
    loiter_min_shore_nm: float = 20.0
    identity_min_km: float = 50.0
    # issue 13: a joint silence inside an encounter (both off, still within the distance in
    # truth) does not end it, up to this long; a vessel may be heard this much earlier
    encounter_max_joint_silence_h: float = 24.0
    encounter_joint_tolerance_h: float = 1.0
    # two transponders on one ship: within this distance for this share of the time both
    # are on, for at least twin_min_h, under way (over 3 kn) for at least twin_moving_h
    twin_max_m: float = 100.0
    twin_share: float = 0.9
    twin_min_h: float = 6.0
    twin_moving_h: float = 1.0
    two_transmitters_min_km: float = 1.0  # two transmitters on one MMSI, apart
    min_reports: int = 3  # positions of each ship received during an encounter or loitering


def runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end] index pairs (inclusive) of the True runs of a 1-D mask."""
    if mask.size == 0:
        return []
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    starts = np.nonzero(d == 1)[0]
    ends = np.nonzero(d == -1)[0] - 1
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=False)]


def _event(
    type_: str,
    mmsi: int | None,
    other: int | None,
    t0_ms: int,
    step_ms: int,
    k0: int,
    k1: int,
    **params: Any,
) -> dict[str, Any]:
    return {
        "type": type_,
        "mmsi": mmsi,
        "other_mmsi": other,
        "start_ms": t0_ms + k0 * step_ms,
        "end_ms": t0_ms + k1 * step_ms,
        "params": params,
    }


def label(
    vessels: list[Vessel],
    injected: list[Injected],
    geo: Geography,
    t0_ms: int,
    step_s: int,
    lp: LabelParams = LabelParams(),
    seen: dict[int, npt.NDArray[np.int64]] | None = None,
) -> list[dict[str, Any]]:
    """Truth events (times in ms) for every definition except SAR-based ones.

    ``seen`` maps a ship to the sorted steps at which some receiver got a position from it; an
    encounter or loitering is labelled only when each ship in it was heard at least
    ``lp.min_reports`` times during it (what no receiver heard, no detector can find).
    """

    def heard(vid: int, a: int, b: int) -> bool:
        return seen is None or _count(seen, vid, a, b) >= lp.min_reports

    step_ms = step_s * 1000
    sph = 3600 // step_s
    out: list[dict[str, Any]] = []
    poor = geo.region.poor_reception
    by_vid = {v.vid: v for v in vessels}
    inj_gap = {i.vids[0]: i for i in injected if i.type in ("gap", "short_gap", "port_gap")}

    # ---- gaps: every off period of a ship that has AIS
    for v in vessels:
        if not v.mmsi or v.clone_of is not None or v.kind == "buoy":
            continue
        t = v.track
        for a, b in runs(~t.on):
            if a == 0 or b == t.n - 1:
                continue  # not bounded by reports on both sides: nothing to see
            k_off, k_on = a - 1, b + 1
            hours = (k_on - k_off) / sph
            la, lo = float(t.lat[k_off]), float(t.lon[k_off])
            shore_nm = float(distance_to_shore_km(la, lo)[0]) / NM_KM
            good = not (poor[0] <= la <= poor[1] and poor[2] <= lo <= poor[3])
            before = _count(seen, v.vid, k_off - 12 * sph, k_off)
            # a gap lies between two received positions: one back on but never heard again
            # before the scenario ends shows no gap at all
            heard_after = seen is None or _count(seen, v.vid, k_on, t.n - 1) > 0
            if (
                hours >= lp.gap_min_h
                and shore_nm > lp.gap_min_shore_nm
                and good
                and heard_after
                and (seen is None or before >= lp.gap_min_reports_before)
            ):
                why = inj_gap.get(v.vid)
                out.append(
                    _event(
                        "gap",
                        v.mmsi,
                        None,
                        t0_ms,
                        step_ms,
                        k_off,
                        k_on,
                        hours=hours,
                        shore_nm=shore_nm,
                        injected=why.params.get("reason", why.type) if why else "scan",
                    )
                )

    # ---- loitering and encounters from the true tracks
    carriers = [v for v in vessels if v.kind == "carrier" and v.mmsi]
    fishers = [v for v in vessels if v.kind == "fishing" and v.mmsi]
    anch_la = np.r_[[p.lat for p in geo.ports], [a[0] for a in geo.anchorages]]
    anch_lo = np.r_[[p.lon for p in geo.ports], [a[1] for a in geo.anchorages]]

    def port_km(
        la: npt.NDArray[np.float64], lo: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        dist: npt.NDArray[np.float64] = port_index().nearest(la, lo)[0]
        for pla, plo in zip(anch_la, anch_lo, strict=True):
            dist = np.minimum(dist, haversine_np(la, lo, float(pla), float(plo)) / 1000.0)
        return dist

    for c in carriers:
        t = c.track
        shore_c = distance_to_shore_km(t.lat, t.lon) / NM_KM
        # loitering is what the ship did: a silence inside a slow run does not end it, unless
        # it lasts as long as a dark period (then nothing can tell what happened meanwhile)
        long_off = np.zeros(t.n, bool)
        for a, b in runs(~t.on):
            long_off[a : b + 1] = (b - a + 1) / sph >= lp.gap_min_h
        slow = ~long_off & (t.sog < lp.loiter_max_kn) & (shore_c >= lp.loiter_min_shore_nm)
        for a, b in runs(slow):
            if (b - a) / sph >= lp.loiter_min_h and heard(c.vid, a, b):
                out.append(
                    _event(
                        "loitering",
                        c.mmsi,
                        None,
                        t0_ms,
                        step_ms,
                        a,
                        b,
                        hours=(b - a) / sph,
                        median_sog_kn=float(np.median(t.sog[a : b + 1])),
                    )
                )
        far = port_km(t.lat, t.lon) >= lp.encounter_min_port_km
        for f in fishers:
            u = f.track
            coarse = slice(0, t.n, 10)
            if float(np.min(_pair_m(t, u, coarse))) > 20_000.0:  # never near: skip the fine scan
                continue
            d = _pair_m(t, u, slice(None))
            close = t.on & u.on & (d <= lp.encounter_max_distance_m) & far
            spans = runs(close)
            merged: list[list[int]] = []
            for a, b in spans:
                if merged and (
                    (a - merged[-1][1]) / sph < lp.encounter_merge_h
                    or _joint_silence(t, u, d, merged[-1][1], a, sph, lp)
                ):
                    merged[-1][1] = b
                else:
                    merged.append([a, b])
            for a, b in merged:
                sel = close[a : b + 1]
                speed = (t.sog[a : b + 1][sel] + u.sog[a : b + 1][sel]) / 2
                med = float(np.median(speed))
                if (
                    (b - a) / sph >= lp.encounter_min_h
                    and med < lp.encounter_max_median_kn
                    and heard(c.vid, a, b)
                    and heard(f.vid, a, b)
                ):
                    out.append(
                        _event(
                            "encounter",
                            c.mmsi,
                            f.mmsi,
                            t0_ms,
                            step_ms,
                            a,
                            b,
                            hours=(b - a) / sph,
                            median_distance_m=float(np.median(d[a : b + 1][sel])),
                            median_speed_kn=med,
                        )
                    )

    out += _identity_at_sea(vessels, injected, t0_ms, step_ms, sph, lp, heard)

    # ---- identity: the overlap of the two broadcasts
    for inj in injected:
        if inj.type != "identity":
            continue
        va, vb = by_vid[inj.vids[0]], by_vid[inj.vids[1]]
        both = va.track.on & vb.track.on
        spans = runs(both)
        if not spans:
            continue
        k0, k1 = spans[0][0], spans[-1][1]
        dd = _pair_m(va.track, vb.track, slice(k0, k1 + 1))
        if float(dd.min()) / 1000.0 >= lp.identity_min_km:
            out.append(
                _event(
                    "identity",
                    va.mmsi,
                    None,
                    t0_ms,
                    step_ms,
                    k0,
                    k1,
                    min_distance_km=float(dd.min()) / 1000.0,
                    clone_vid=vb.vid,
                )
            )
    return out


def _count(seen: dict[int, npt.NDArray[np.int64]] | None, vid: int, a: int, b: int) -> int:
    """How many steps in [a, b] some receiver heard ``vid`` at."""
    if seen is None:
        return 0
    ks = seen.get(vid, np.zeros(0, np.int64))
    return int(np.searchsorted(ks, b, "right") - np.searchsorted(ks, a, "left"))


def _pair_m(a: Any, b: Any, sl: slice) -> npt.NDArray[np.float64]:
    """Metres between two tracks at the same steps."""
    p1, p2 = np.radians(a.lat[sl]), np.radians(b.lat[sl])
    dl = np.radians(b.lon[sl] - a.lon[sl])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def _joint_silence(
    t: Any, u: Any, d: npt.NDArray[np.float64], a: int, b: int, sph: int, lp: LabelParams
) -> bool:
    """Steps ``a`` .. ``b`` (the last close step, the next) are a joint silence: neither ship
    on (but near the ends, within the tolerance), still together in truth, short enough."""
    if (b - a) / sph > lp.encounter_max_joint_silence_h:
        return False
    tol = int(lp.encounter_joint_tolerance_h * sph)
    inner = slice(a + 1, max(a + 1, b - tol))
    if t.on[inner].any() or u.on[inner].any():
        return False
    return bool((d[a : b + 1] <= lp.encounter_max_distance_m).all())


def _identity_at_sea(
    vessels: list[Vessel],
    injected: list[Injected],
    t0_ms: int,
    step_ms: int,
    sph: int,
    lp: LabelParams,
    heard: Any,
) -> list[dict[str, Any]]:
    """Identity as it happens at sea (issue 13 item 3), by rules on the true tracks:

    - one ship on two transponders: two MMSIs within ``twin_max_m`` for ``twin_share`` of the
      time both are on (at least ``twin_min_h``), under way part of it (scanned over all pairs);
    - two transmitters on one MMSI apart (``two_transmitters_min_km``): the hours both are on;
    - a second transmitter on an MMSI while its owner is dark: the hours it is on.
    """
    out: list[dict[str, Any]] = []
    ais = [v for v in vessels if v.mmsi and v.kind != "buoy" and v.clone_of is None]
    for i, va in enumerate(ais):
        for vb in ais[i + 1 :]:
            both = va.track.on & vb.track.on
            if both.sum() < lp.twin_min_h * sph:
                continue
            coarse = slice(0, va.track.n, 30)
            if float(np.min(_pair_m(va.track, vb.track, coarse))) > 5_000.0:
                continue
            d = _pair_m(va.track, vb.track, slice(None))
            near = both & (d <= lp.twin_max_m)
            moving = near & (va.track.sog > 3.0)
            if near.sum() < lp.twin_share * both.sum() or moving.sum() < lp.twin_moving_h * sph:
                continue
            k = np.flatnonzero(near)
            k0, k1 = int(k[0]), int(k[-1])
            if heard(va.vid, k0, k1) and heard(vb.vid, k0, k1):
                a, b = sorted((va, vb), key=lambda v: v.mmsi)
                out.append(
                    _event(
                        "identity",
                        a.mmsi,
                        b.mmsi,
                        t0_ms,
                        step_ms,
                        k0,
                        k1,
                        kind="two_transponders",
                        median_distance_m=float(np.median(d[near])),
                    )
                )
    by_vid = {v.vid: v for v in vessels}
    for inj in injected:
        if inj.type not in ("class_ab_pair", "clone_while_dark"):
            continue
        owner, clone = by_vid[inj.vids[0]], by_vid[inj.vids[1]]
        if inj.type == "class_ab_pair":
            spans = runs(owner.track.on & clone.track.on)
            if not spans:
                continue
            k0, k1 = spans[0][0], spans[-1][1]
            dd = _pair_m(owner.track, clone.track, slice(k0, k1 + 1))
            if float(dd.min()) / 1000.0 < lp.two_transmitters_min_km:
                continue
            kind = "two_transmitters"
        else:
            spans = runs(clone.track.on)
            if not spans:
                continue
            k0, k1 = spans[0][0], spans[-1][1]
            if owner.track.on[k0 : k1 + 1].any():
                continue
            kind = "clone_while_dark"
        if heard(clone.vid, k0, k1):
            out.append(_event("identity", owner.mmsi, None, t0_ms, step_ms, k0, k1, kind=kind))
    return out
