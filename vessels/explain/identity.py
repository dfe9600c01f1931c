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


#: The sentence maker of each identity finding (``evidence["kind"]``).
KINDS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "shared_mmsi": _shared,
    "impossible_jump": _jump,
    "invalid_mmsi": _invalid,
    "identity_change": _change,
}


def reasons(ev: dict[str, Any]) -> list[str]:
    kind = ev.get("kind")
    if kind not in KINDS:
        raise ValueError(f"no explanation for identity finding {kind!r}")
    return KINDS[kind](ev)
