"""Sentences of an ``encounter`` event (:mod:`detectors.encounter`) from its evidence."""

from __future__ import annotations

from typing import Any

from vessels.explain.words import hours, vessel_label

__all__ = ["likely_carrier_sentence", "meeting_sentence", "reasons"]


def likely_carrier_sentence(info: dict[str, Any]) -> str:
    """Why a vessel no carrier list names is taken for a carrier (:mod:`detectors.carriers`)."""
    basis = []
    n = len(info.get("fishing_partners") or [])
    if n:
        basis.append(f"it met {n} distinct fishing vessel(s) at sea")
    if info.get("long_slow_h") is not None:
        basis.append(
            f"it stayed slow for {hours(info['long_slow_h'])} far from shore and shipping lanes"
        )
    if info.get("reefer_word"):
        basis.append(f"its name {info['name']!r} carries the reefer word {info['reefer_word']!r}")
    if info.get("carrier_size"):
        basis.append(
            f"it broadcasts a cargo type ({info['ship_type']}) at a carrier's length "
            f"({float(info['length_m']):.0f} m)"
        )
    return f"MMSI {info['mmsi']} is no listed carrier but likely one: " + "; ".join(basis) + "."


def meeting_sentence(meeting: dict[str, Any]) -> str:
    """The sentence of an encounter that is part of a meeting of 3 or more vessels."""
    vessels = [str(m) for m in meeting["vessels"]]
    listed = ", ".join(vessels[:8]) + (", ..." if len(vessels) > 8 else "")
    return (
        f"Part of a meeting of {meeting['n_vessels']} vessels at the same time "
        f"({meeting['n_pairs']} pairs; MMSIs {listed})."
    )


def reasons(ev: dict[str, Any]) -> list[str]:
    rule = ev["rule"]
    fa, fb = ev["vessel"], ev["other_vessel"]
    shore = ev.get("distance_from_shore_km")
    shore_km = max(0.0, float(shore)) if shore is not None else 0.0
    port = ev.get("nearest_port")
    speed = ev.get("median_speed_kn")
    out = [
        f"{vessel_label(fa)} and {vessel_label(fb)} stayed within "
        f"{float(rule['max_distance_m']):.0f} m of each other for {hours(ev['duration_h'])} "
        f"(median {float(ev['median_distance_m']):.0f} m apart, median speed "
        f"{'unknown' if speed is None else format(float(speed), '.1f')} kn).",
        f"It happened {shore_km:.0f} km from shore and "
        f"{float(ev['distance_from_port_km']):.0f} km from the nearest port or anchorage"
        f"{f' ({port})' if port else ''}.",
    ]
    carrier = fa.get("is_carrier") or fb.get("is_carrier")
    if ev.get("possible_transshipment"):
        out.append(
            "A carrier meeting a fishing vessel at sea is the pattern of transshipment "
            "(Miller et al. 2018); AIS alone cannot show what, if anything, was moved."
        )
    elif carrier:
        out.append("One of the vessels is a listed carrier (reefer).")
    elif fa.get("is_fishing") and fb.get("is_fishing"):
        out.append("Both are fishing vessels: often pair fishing or gear handling, so scored low.")
    if ev.get("likely_roadstead"):
        out.append(
            "Both were stationary within "
            f"{float(rule['roadstead_shore_km']):.0f} km of shore and neither is a known carrier "
            "or fishing vessel: most likely at anchor in a roadstead missing from the port list "
            "(give it with --anchorages), so scored low."
        )
    silences = list(ev.get("joint_silences") or [])
    n_close = int(ev.get("n_runs") or 1) - len(silences)
    if n_close > 1:
        out.append(
            f"Merged from {n_close} close periods less than {float(rule['merge_gap_h']):g} h apart."
        )
    for x in silences:
        out.append(
            f"Both vessels fell silent together for {hours(x['hours'])} and reappeared still "
            f"together, their midpoint {float(x['drift_m']):.0f} m from where they went quiet: "
            "one encounter across the joint silence (GFW's pipeline would end it there)."
        )
    if ev.get("likely_carrier"):
        out.append(likely_carrier_sentence(ev["likely_carrier"]))
    if ev.get("meeting"):
        out.append(meeting_sentence(ev["meeting"]))
    return out
