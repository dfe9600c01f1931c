"""Sentences of a ``loitering`` event (:mod:`detectors.loitering`) from its evidence."""

from __future__ import annotations

from typing import Any

from vessels.explain.encounter import likely_carrier_sentence
from vessels.explain.words import KM_PER_NM, hours, vessel_label

__all__ = ["reasons"]


def reasons(ev: dict[str, Any]) -> list[str]:
    rule = ev["rule"]
    shore_nm = float(ev["distance_from_shore_km"]) / KM_PER_NM
    out = [
        f"{vessel_label(ev.get('vessel'))} stayed below {float(rule['max_speed_kn']):g} kn for "
        f"{hours(ev['total_time_h'])} {shore_nm:.0f} nm from shore (average "
        f"{float(ev['average_speed_kn']):.2f} kn over {float(ev['total_distance_nm']):.1f} nm)."
    ]
    if ev.get("is_carrier"):
        out.append("It is a carrier (reefer): carriers loiter to meet other vessels.")
        if ev.get("visible_partner"):
            out.append(
                f"Another vessel was seen within about 1 km for "
                f"{ev['hours_with_vessel_within_1km']} h of it."
            )
        else:
            out.append(
                "No other vessel was seen near it while it loitered: a rendezvous with a "
                "vessel that had its AIS off (dark rendezvous) is possible, but AIS alone "
                "cannot show one."
            )
    elif ev.get("long_slow_off_lane"):
        out.append(
            f"Not a fishing vessel, slow for {hours(ev['total_time_h'])} (at least "
            f"{float(rule['long_slow_h']):g} h) {shore_nm:.0f} nm from shore and "
            f"{float(ev['distance_from_lane_km']):.0f} km from the nearest shipping lane: the "
            f"carrier-loitering pattern (Miller et al. 2018 used {float(rule['long_slow_h']):g} h), "
            "whatever ship type it broadcasts."
        )
    elif ev.get("is_fishing"):
        out.append("Fishing vessels often move slowly while fishing; reported for context.")
    else:
        out.append("Slow for hours far from shore; benign waiting or drifting is common.")
    if ev.get("likely_carrier"):
        out.append(likely_carrier_sentence(ev["likely_carrier"]))
    port_km = ev.get("distance_from_port_km")
    if port_km is not None and float(port_km) < float(rule["near_port_km"]):
        out.append(
            f"It was {float(port_km):.1f} km from {ev.get('nearest_port') or 'a port'} "
            "(port or anchorage), where waiting is normal."
        )
    return out
