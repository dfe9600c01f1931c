"""The ``truth.json`` document: every labelled event, the SAR truth, and how it was made."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from vessels.sim.fleet import Vessel
from vessels.sim.geography import Geography
from vessels.sim.labels import LabelParams
from vessels.sim.params import SimConfig
from vessels.sim.plans import Injected
from vessels.sim.receivers import Pass
from vessels.sim.sar import SarResult

__all__ = ["TRUTH_VERSION", "build_truth", "iso"]

TRUTH_VERSION = 1


def iso(t_ms: int) -> str:
    return dt.datetime.fromtimestamp(t_ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_truth(
    cfg: SimConfig,
    geo: Geography,
    t0_ms: int,
    vessels: list[Vessel],
    injected: list[Injected],
    passes: list[Pass],
    sar: SarResult,
    labelled: list[dict[str, Any]],
) -> dict[str, Any]:
    step_ms = cfg.step_s * 1000
    events = list(labelled)
    by_vid = {v.vid: v for v in vessels}
    det_of: dict[tuple[str, int], str] = {}
    for d in sar.truth:
        if d["vessel_mmsi"] is not None:
            det_of[(d["scene_id"], int(d["vessel_mmsi"]))] = d["detection_id"]
        if d["kind"] == "dark":
            sc = next(s for s in sar.scenes if s.scene_id == d["scene_id"])
            events.append(
                {
                    "type": "dark_detection",
                    "mmsi": None,
                    "other_mmsi": None,
                    "start_ms": sc.t_ms,
                    "end_ms": sc.t_ms,
                    "detection_id": d["detection_id"],
                    "params": {"scene_id": sc.scene_id, "vessel_mmsi": d["vessel_mmsi"]},
                }
            )
    for inj in injected:
        if inj.type != "dark_rendezvous":
            continue
        c, f = by_vid[inj.vids[0]], by_vid[inj.vids[1]]
        a_ms, b_ms = t0_ms + inj.k0 * step_ms, t0_ms + inj.k1 * step_ms
        for sc in sar.scenes:
            k = (sc.t_ms - t0_ms) // step_ms
            if not a_ms <= sc.t_ms <= b_ms:
                continue
            inside = sc.contains(c.track.lat[k : k + 1], c.track.lon[k : k + 1])[0]
            det = det_of.get((sc.scene_id, f.mmsi))
            if inside and det is not None:  # the imagery shows the dark partner by the carrier
                events.append(
                    {
                        "type": "dark_rendezvous",
                        "mmsi": c.mmsi,
                        "other_mmsi": None,
                        "start_ms": a_ms,
                        "end_ms": b_ms,
                        "params": {
                            "partner_mmsi": f.mmsi,
                            "scene_id": sc.scene_id,
                            "partner_detection_id": det,
                            "distance_m": round(float(inj.params["distance_m"]), 1),
                        },
                    }
                )
                break
    events.sort(key=lambda e: (e["start_ms"], e["type"], e["mmsi"] or 0, e["other_mmsi"] or 0))
    out_events = []
    for e in events:
        r = {
            "type": e["type"],
            "mmsi": e["mmsi"],
            "other_mmsi": e["other_mmsi"],
            "start": iso(e["start_ms"]),
            "end": iso(e["end_ms"]),
        }
        if "detection_id" in e:
            r["detection_id"] = e["detection_id"]
        r["params"] = {
            k: (round(v, 3) if isinstance(v, float) else v) for k, v in e["params"].items()
        }
        out_events.append(r)
    negatives = [
        {
            "type": i.type,
            "mmsi": [by_vid[v].mmsi or None for v in i.vids],
            "start": iso(t0_ms + i.k0 * step_ms),
            "end": iso(t0_ms + i.k1 * step_ms),
        }
        for i in injected
        if i.type
        not in (
            "gap",
            "encounter",
            "dark_rendezvous",
            "identity",
            "class_ab_pair",
            "clone_while_dark",
            "joint_silence",
        )
    ]
    clock = {}
    if cfg.clock_offset_s:
        clock[geo.stations[geo.shifted_station].name] = cfg.clock_offset_s
    params = {
        "config": {
            k: v
            for k, v in cfg.as_dict().items()
            if k != "extra" and not (k == "behaviours" and not v)  # none: as before options
        },
        "region": {
            "name": geo.region.name,
            "fishing_ground": list(geo.region.ground),
            "poor_reception_box": list(geo.region.poor_reception),
            "ports": [
                {"code": p.code, "name": p.name, "lat": p.lat, "lon": p.lon} for p in geo.ports
            ],
            "anchorages": [list(a) for a in geo.anchorages],
            "stations": [
                {"name": s.name, "lat": s.lat, "lon": s.lon, "range_nm": s.range_nm}
                for s in geo.stations
            ],
        },
        "receiver_clock_offsets_s": clock,
        "satellite_receivers": sorted({p.name for p in passes}),
        "satellite_passes": len(passes),
        "definitions": asdict(LabelParams()),
        "notes": "class A reports decimated to one per class_a_interval_s (one per "
        "anchored_interval_s when stopped); receive times are whole seconds.",
    }
    vessel_list = [
        {
            "mmsi": v.mmsi or None,
            "kind": v.kind,
            "name": v.name if v.mmsi else None,
            "length_m": v.length_m,
            "roles": v.roles,
            "clone_of_mmsi": by_vid[v.clone_of].mmsi if v.clone_of is not None else None,
        }
        for v in vessels
    ]
    return {
        "version": TRUTH_VERSION,
        "seed": cfg.seed,
        "params": params,
        "events": out_events,
        "negatives": negatives,
        "sar": {
            "detections": [
                {k: d[k] for k in ("detection_id", "scene_id", "mmsi", "vessel_mmsi", "kind")}
                for d in sar.truth
            ],
            "missed": sar.missed,
        },
        "vessels": vessel_list,
    }
