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
        slow = t.on & (t.sog < lp.loiter_max_kn) & (shore_c >= lp.loiter_min_shore_nm)
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
                if merged and (a - merged[-1][1]) / sph < lp.encounter_merge_h:
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
