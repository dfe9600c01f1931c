"""Score, reasons and evidence of one encounter (see :mod:`detectors.encounter`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from vessels.events import Event
from vessels.explain import reasons_from_evidence

if TYPE_CHECKING:
    from detectors.encounter.pair_runs import PairCandidate
    from detectors.encounter.params import EncounterParams
    from vessels.registry import Registry

__all__ = ["describe", "vessel_facts"]


def vessel_facts(mmsi: int, registry: Registry | None) -> dict[str, Any]:
    """Name, type, flag and carrier/fishing status of a vessel, from the registry if any."""
    if registry is None:
        return {
            "mmsi": mmsi,
            "name": None,
            "ship_type": None,
            "flag": None,
            "is_carrier": False,
            "is_fishing": False,
        }
    info = registry.info(mmsi)
    return {
        "mmsi": mmsi,
        "name": info.get("name"),
        "ship_type": info.get("ship_type"),
        "flag": info.get("flag"),
        "imo": info.get("imo"),
        "is_carrier": bool(registry.is_carrier(mmsi)),
        "is_fishing": bool(registry.is_fishing(mmsi)),
        **({"id": info["id"]} if info.get("id") is not None else {}),
    }


def describe(
    mmsi_a: int,
    mmsi_b: int,
    c: PairCandidate,
    slots: npt.NDArray[np.int64],
    v: npt.NDArray[np.float64],
    med_speed_kn: float,
    lat: float,
    lon: float,
    port_km: float,
    port_name: str,
    shore_km: float,
    registry: Registry | None,
    p: EncounterParams,
) -> Event:
    """The encounter event. Score in [0.55, 0.99]: every reported encounter meets the definition;
    a carrier meeting a fishing vessel (transshipment pattern, Miller et al. 2018), distance
    from shore and duration raise it."""
    fa, fb = vessel_facts(mmsi_a, registry), vessel_facts(mmsi_b, registry)
    if fb["is_carrier"] and not fa["is_carrier"]:
        fa, fb = fb, fa  # the carrier first: it is the vessel the event is about
        v = v[:, [0, 2, 1, 3, 4, 6, 5]]  # and its columns: "_a" figures are the carrier's
    transship = (fa["is_carrier"] and fb["is_fishing"]) or (fb["is_carrier"] and fa["is_fishing"])
    carrier = fa["is_carrier"] or fb["is_carrier"]
    # Two fishing vessels side by side are usually working together (pair trawling, gear
    # handling): GFW does not publish fishing-fishing meetings as encounters.
    both_fishing = fa["is_fishing"] and fb["is_fishing"] and not carrier
    duration_h = (c.end_ms - c.start_ms) / 3_600_000.0
    shore = max(0.0, shore_km) if math.isfinite(shore_km) else 0.0
    far = min(1.0, shore / p.far_from_shore_km) if p.far_from_shore_km > 0 else 1.0
    score = 0.55 + (0.25 if transship else 0.12 if carrier else 0.0)
    score += 0.1 * far + 0.05 * min(1.0, max(0.0, duration_h - p.min_duration_h) / 10.0)
    score = float(min(0.99, score))
    if both_fishing:
        score = min(score, 0.4)
    roadstead = bool(
        not carrier
        and not (fa["is_fishing"] or fb["is_fishing"])
        and math.isfinite(shore_km)
        and shore_km < p.roadstead_shore_km
        and med_speed_kn < p.roadstead_max_kn
    )
    if roadstead:
        score = min(score, p.roadstead_max_score)
    med_d = float(np.median(v[:, 0]))
    close_h = slots.size * p.step_ms / 3_600_000.0
    silences = [
        {
            "start_ms": int(x.start_ms),
            "end_ms": int(x.end_ms),
            "hours": (x.end_ms - x.start_ms) / 3_600_000.0,
            "drift_m": float(x.drift_m),
        }
        for x in c.silences
    ]
    sa, sb = v[:, 1], v[:, 2]
    evidence: dict[str, Any] = {
        "median_distance_m": med_d,
        "median_speed_kn": med_speed_kn,
        "median_speed_a_kn": float(np.nanmedian(sa)) if np.isfinite(sa).any() else None,
        "median_speed_b_kn": float(np.nanmedian(sb)) if np.isfinite(sb).any() else None,
        "duration_h": duration_h,
        "close_h": close_h,
        "points": int(slots.size),
        "reports_a": int(v[:, 5].sum()),
        "reports_b": int(v[:, 6].sum()),
        "resample_step_min": p.resample_step_min,
        "n_runs": c.n_runs,
        "joint_silences": silences,
        "joint_silence_h": float(sum(x["hours"] for x in silences)),
        "distance_from_shore_km": shore_km,
        "distance_from_port_km": port_km,
        "nearest_port": port_name or None,
        "possible_transshipment": bool(transship),
        "likely_roadstead": roadstead,
        "vessel": fa,
        "other_vessel": fb,
        "rule": {
            "max_distance_m": p.max_distance_m,
            "merge_gap_h": p.merge_gap_h,
            "roadstead_shore_km": p.roadstead_shore_km,
        },
    }
    return Event(
        type="encounter",
        mmsi=int(fa["mmsi"]),
        other_mmsi=int(fb["mmsi"]),
        start_ms=int(c.start_ms),
        end_ms=int(c.end_ms),
        lat=lat,
        lon=lon,
        score=score,
        reasons=reasons_from_evidence("encounter", evidence),
        evidence=evidence,
    )
