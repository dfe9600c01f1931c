"""Sentences of ``dark_detection`` and ``dark_rendezvous`` events (:mod:`vessels.fusion.dark`) from
their evidence."""

from __future__ import annotations

from typing import Any

from vessels.explain.words import hours

__all__ = ["detection_reasons", "rendezvous_reasons"]


def detection_reasons(ev: dict[str, Any]) -> list[str]:
    rule = ev["rule"]
    d = ev.get("nearest_ais_m")
    near = (
        f"the nearest AIS vessel is {float(d) / 1000:.1f} km away"
        if d is not None
        else "no AIS vessel within reach"
    )
    out = [
        f"A vessel seen by satellite imagery (scene {ev['scene_id']}) with no AIS vessel to "
        f"account for it; {near}."
    ]
    length = ev.get("length_m")
    if length is not None and float(length) < float(rule["min_length_m"]):
        out.append(f"Small ({float(length):.0f} m): radar clutter is often this small.")
    du, mu = ev.get("nearest_unmatched_ais_m"), ev.get("nearest_unmatched_mmsi")
    if mu is not None and du is not None and float(du) < float(rule["isolation_m"]):
        out.append(
            f"An AIS vessel (MMSI {mu}) that matched no detection is {float(du) / 1000:.1f} km "
            "away: it may be this ship, badly placed."
        )
    ms, ds = ev.get("silent_ais_mmsi"), ev.get("silent_ais_m")
    if ms is not None and ds is not None:
        out.append(
            f"MMSI {ms}, in an AIS gap at the image time, was placed {float(ds) / 1000:.1f} km "
            "away: it may be this ship."
        )
    km = ev.get("distance_from_shore_km")
    if km is not None:
        if float(km) < 0:
            out.append("The detection is on land: probably not a vessel.")
        elif float(km) < float(rule["min_shore_km"]):
            out.append(f"Only {float(km):.1f} km from shore: could be a rock, pier or clutter.")
    return out


def rendezvous_reasons(ev: dict[str, Any]) -> list[str]:
    rule = ev["rule"]
    out = [
        f"{'Carrier ' if ev.get('is_carrier') else ''}MMSI {ev['mmsi']} slow (< "
        f"{float(rule['max_speed_kn']):g} kn) for {hours(ev['slow_hours'])} with a vessel seen "
        f"by satellite imagery {float(ev['distance_m']):.0f} m away that broadcasts no AIS "
        f"(detection {ev['detection_id']})."
    ]
    if ev.get("partner_mmsi") is not None:
        out.append(
            f"MMSI {ev['partner_mmsi']} was silent on AIS from "
            f"{float(ev['partner_silent_before_h']):.1f} h before to "
            f"{float(ev['partner_silent_after_h']):.1f} h after the image and could have been there."
        )
    return out
