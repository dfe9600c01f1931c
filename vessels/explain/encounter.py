"""Sentences of an ``encounter`` event (:mod:`detectors.encounter`) from its evidence."""

from __future__ import annotations

from typing import Any

from vessels.explain.words import hours, vessel_label

__all__ = ["meeting_sentence", "reasons"]


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
    if int(ev.get("n_runs") or 1) > 1:
        out.append(
            f"Merged from {ev['n_runs']} close periods less than "
            f"{float(rule['merge_gap_h']):g} h apart."
        )
    if ev.get("meeting"):
        out.append(meeting_sentence(ev["meeting"]))
    return out
