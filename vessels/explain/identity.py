"""Sentences of an ``identity`` event (:mod:`detectors.identity`) from its evidence, one
function per ``evidence["kind"]``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vessels.explain.words import hours

__all__ = ["KINDS", "invalid_mmsi_sentence", "reasons"]


def _shared(ev: dict[str, Any]) -> list[str]:
    out = [
        f"MMSI {ev['mmsi']} was transmitted by at least two ships at once for "
        f"{hours(ev['overlap_h'])}, {float(ev['median_separation_km']):.0f} km apart (median): "
        f"one ship would need {float(ev['implied_speed_kn']):.0f} kn to be both."
    ]
    names = list(ev.get("names") or [])
    if len(names) > 1:
        out.append(f"Several names were broadcast meanwhile: {', '.join(names[:5])}.")
    out.append("A shared or spoofed MMSI hides which ship did what (GFW segmenter rule).")
    return out


def _jump(ev: dict[str, Any]) -> list[str]:
    return [
        f"MMSI {ev['mmsi']} reported {ev['reports']} position(s) in {ev['jumps']} place(s) up "
        f"to {float(ev['max_offset_km']):.0f} km off its own track, impossible for one ship.",
        "Isolated jumps are often GPS or decoding faults; repeated ones suggest spoofing.",
    ]


def invalid_mmsi_sentence(check: str, mmsi: int, mid: int | None = None) -> str:
    """Why ``mmsi`` cannot be a ship's MMSI (ITU-R M.585), by check code."""
    if check == "placeholder":
        return f"MMSI {mmsi} is a placeholder number, not an assigned identity."
    if check == "not_9_digits":
        return (
            f"MMSI {mmsi} has fewer or more than 9 digits (or is a group call number), "
            "which no ship should transmit."
        )
    if check == "bad_format":
        return f"MMSI {mmsi} starts with a digit no ship MMSI uses (ITU-R M.585)."
    if check == "unallocated_mid":
        return f"MMSI {mmsi} carries MID {mid}, which ITU has not allocated to any country."
    raise ValueError(f"unknown invalid-MMSI check {check!r}")


def _invalid(ev: dict[str, Any]) -> list[str]:
    return [
        invalid_mmsi_sentence(ev["check"], ev["mmsi"], ev.get("mid")),
        "Class B sets often carry invalid numbers (Southeast Asia): context, not a verdict."
        if ev.get("class_b")
        else "Without a valid MMSI the ship cannot be looked up in any registry.",
    ]


def _change(ev: dict[str, Any]) -> list[str]:
    names = list(ev.get("names") or [])
    out = [
        f"MMSI {ev['mmsi']} changed its broadcast identity {ev['changes']} times "
        f"({', '.join(ev['fields'])}); names used: {', '.join(names[:6])}."
    ]
    if ev.get("imo_changed"):
        out.append("The IMO number changed, though it belongs to the hull for life.")
    return out


def _transmitters(ev: dict[str, Any]) -> list[str]:
    out = [
        f"MMSI {ev['mmsi']} was transmitted from two places "
        f"{float(ev['median_separation_km']):.1f} km apart (median) at once for "
        f"{hours(ev['overlap_h'])}; reports minutes apart would need "
        f"{float(ev['implied_speed_kn']):.0f} kn from one ship.",
        "Neither track is the other heard late: a second unit (a class B set on another boat, "
        "or a clone nearby) used the MMSI in these hours only.",
    ]
    names = list(ev.get("names") or [])
    if len(names) > 1:
        out.append(f"Several names were broadcast meanwhile: {', '.join(names[:5])}.")
    return out


def _clone_while_dark(ev: dict[str, Any]) -> list[str]:
    who = f"{ev['name']} (MMSI {ev['mmsi']})" if ev.get("name") else f"MMSI {ev['mmsi']}"
    return [
        f"{who} fell silent for {hours(ev['silent_before_h'])}, was heard "
        f"{float(ev['clone_distance_km']):.0f} km away for {hours(ev['clone_hours'])} "
        f"({ev['clone_reports']} reports), fell silent again for {hours(ev['silent_after_h'])} "
        f"and came back {float(ev['owner_moved_km']):.1f} km from where it had gone quiet.",
        f"One ship going there and back with its AIS off would have needed "
        f"{float(ev['round_trip_speed_kn']):.0f} kn, faster than it was ever reported going "
        f"({float(ev['fastest_reported_kn']):.1f} kn): a second transmitter used the MMSI "
        "while its owner was dark.",
    ]


def _two_transponders(ev: dict[str, Any]) -> list[str]:
    na, nb = ([*list(ev.get("names") or []), None, None])[:2]
    la = f"{na} (MMSI {ev['mmsi']})" if na else f"MMSI {ev['mmsi']}"
    lb = f"{nb} (MMSI {ev['other_mmsi']})" if nb else f"MMSI {ev['other_mmsi']}"
    out = [
        f"{la} and {lb} were {float(ev['median_distance_m']):.0f} m apart (median) in "
        f"{hours(ev['together_h'])} of reports over {hours(ev['span_h'])}, "
        f"{hours(ev['moving_together_h'])} of it both under way above "
        f"{float(ev['min_speed_kn']):g} kn: one vessel broadcasting on two transponders.",
    ]
    if ev.get("same_name"):
        out.append("Both broadcast the same or a similar name.")
    out.append("Their meetings are not encounters at sea (one vessel cannot meet itself).")
    return out


#: The sentence maker of each identity finding (``evidence["kind"]``).
KINDS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "shared_mmsi": _shared,
    "impossible_jump": _jump,
    "invalid_mmsi": _invalid,
    "identity_change": _change,
    "two_transmitters": _transmitters,
    "clone_while_dark": _clone_while_dark,
    "two_transponders": _two_transponders,
}


def reasons(ev: dict[str, Any]) -> list[str]:
    kind = ev.get("kind")
    if kind not in KINDS:
        raise ValueError(f"no explanation for identity finding {kind!r}")
    return KINDS[kind](ev)
