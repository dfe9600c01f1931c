"""Sentences of a ``gap`` event (:mod:`detectors.gap`) from its evidence."""

from __future__ import annotations

from typing import Any

from vessels.explain.words import KM_PER_NM, hours, num, vessel_label

__all__ = ["reasons"]


def _shortfalls(ev: dict[str, Any], rule: dict[str, Any]) -> list[str]:
    """Why the gap falls short of the dark-period rule (Welch et al. 2022)."""
    why = []
    dur, min_gap = float(ev["duration_h"]), float(rule["min_gap_h"])
    expected = ev.get("silence_expected_h")
    if dur < min_gap:
        why.append(f"shorter than {min_gap:.0f} h")
    elif expected is not None and float(expected) < min_gap:
        why.append(
            f"other vessels were heard over only {num(ev.get('heard_span_h'), '.0f')} h of it, "
            f"so the silence it most likely kept ({float(expected):.1f} h) is shorter than "
            f"{min_gap:.0f} h"
        )
    shore_nm = float(ev["distance_from_shore_km_off"]) / KM_PER_NM
    if shore_nm <= float(rule["min_shore_nm"]):
        why.append(f"started within {float(rule['min_shore_nm']):.0f} nm of shore")
    if int(ev["positions_before_12h"]) < int(rule["min_positions_before"]):
        why.append(
            f"only {ev['positions_before_12h']} own positions in the "
            f"{float(rule['before_window_h']):.0f} h before"
        )
    return why


def _coverage(ev: dict[str, Any]) -> str | None:
    kind = ev.get("coverage")
    dur = float(ev["duration_h"])
    if kind == "data_hole":
        hole = float(ev["data_hole_h"])
        return (
            f"For {hours(hole)} of it ({100.0 * hole / max(dur, 1e-9):.0f} %) no input delivered "
            "any position from anywhere: the silence lies in a hole in the data (between "
            "input files or feeds), so it says nothing about this vessel. Treated as a "
            "coverage gap and scored low."
        )
    if kind == "mostly_unheard":
        unheard = float(ev["nearby_unheard_h"])
        return (
            f"For {hours(unheard)} of it ({100.0 * unheard / max(dur, 1e-9):.0f} %), in "
            f"stretches of {hours(ev['nearby_unheard_min_h'])} or more, no other vessel was "
            "heard within about one degree (roughly 100 km) of where it went silent or "
            "reappeared: the area itself went unheard (a reception outage), so AIS alone "
            "cannot tell a transponder switched off from one that was not heard. Treated as a "
            "coverage gap and scored low."
        )
    if kind == "nobody_heard":
        return (
            "No other vessel was heard within about one degree (roughly 100 km) of where it "
            "went silent or where it reappeared during the gap: AIS alone cannot tell a "
            "transponder switched off from one that was not heard there. Treated as a "
            "coverage gap and scored low."
        )
    return None


def _regional(ev: dict[str, Any]) -> str | None:
    reg = ev.get("regional")
    if not reg:
        return None
    n = int(reg["vessels"])
    if reg.get("typical_silence_h") is None:
        return (
            f"Too few other vessels were heard within about one degree ({n}, fewer than "
            f"{reg['min_vessels']}) to tell how long vessels usually go unheard there."
        )
    typical = float(reg["typical_silence_h"])
    q = float(reg["share"])
    share = "half" if q == 0.5 else f"{100 * q:.0f} %"
    rest = "half" if q == 0.5 else f"{100 * (1 - q):.0f} %"
    p90 = reg.get("p90_silence_h")
    p90_text = (
        f"90 % of their silences of an hour or more ended within {hours(p90)}"
        if p90 is not None
        else "none of them was unheard for an hour or more"
    )
    if reg.get("routine"):
        return (
            f"Vessels here often go unheard that long: {share} of the {n} other vessels heard "
            f"within about one degree were silent at least once for {hours(typical)} or more "
            f"({p90_text}). A silence no longer than that is routine in this region, so it is "
            "scored low; AIS alone cannot tell whether they all switched off or were not heard."
        )
    return (
        f"Longer than is usual here: {rest} of the {n} other vessels heard within about one "
        f"degree were never silent for more than {hours(typical)} ({p90_text})."
    )


def reasons(ev: dict[str, Any]) -> list[str]:
    rule = ev["rule"]
    dur = float(ev["duration_h"])
    shore_nm = float(ev["distance_from_shore_km_off"]) / KM_PER_NM
    out = [
        f"{vessel_label(ev.get('vessel'))} was silent for {hours(dur)} from {shore_nm:.0f} nm "
        f"offshore and reappeared {float(ev['distance_nm']):.0f} nm away (implied "
        f"{num(ev.get('implied_speed_kn'))} kn)."
    ]
    coverage = _coverage(ev)
    if coverage:
        out.append(coverage)
    per_vd = float(ev["cell_positions_per_vessel_day"])
    out.append(
        f"Reception in its 1-degree cell: {per_vd:.1f} positions per vessel-day (the "
        f"dark-period rule asks for more than {float(rule['min_cell_positions_per_vessel_day']):.0f}); "
        f"{ev['positions_before_12h']} of its own positions in the "
        f"{float(rule['before_window_h']):.0f} h before it went silent (the rule asks for "
        f"{rule['min_positions_before']})."
    )
    heard = int(ev["cell_vessel_hours_during_gap"])
    nearby = int(ev.get("nearby_vessel_hours_during_gap") or 0)
    if heard > 0:
        out.append(
            f"Other vessels were heard in the same cell during the gap ({heard} vessel-hours, "
            f"from the first to the last hour heard {num(ev.get('heard_span_h'), '.0f')} h of "
            "it)" + ("." if coverage else ", so the silence is unlikely to be a coverage hole.")
        )
    elif nearby > 0:
        out.append(
            "No other vessel was heard in its own cell during the gap, but others were heard "
            f"nearby ({nearby} vessel-hours within about one degree)."
        )
    regional = _regional(ev)
    if regional:
        out.append(regional)
    if not coverage:
        why = _shortfalls(ev, rule)
        if ev.get("meets_gap_rule"):
            weak = per_vd < float(rule["min_cell_positions_per_vessel_day"])
            out.append(
                "It meets the dark-period rule (Welch et al. 2022: a silence of "
                f"{float(rule['min_gap_h']):.0f} h or more starting over "
                f"{float(rule['min_shore_nm']):.0f} nm from shore after "
                f"{rule['min_positions_before']} or more own positions)"
                + (
                    "; weaker point: reception in the cell is below the rule's figure."
                    if weak
                    else "."
                )
            )
        else:
            out.append(
                "Below the dark-period rule, reported for context: "
                + "; ".join(why or ["weak reception"])
                + "."
            )
    img = ev.get("imagery")
    if img:
        out.append(
            f"Seen by satellite imagery during the gap (detection {img['detection_id']}, scene "
            f"{img['scene_id']}) where it could have been, with no AIS."
        )
    return out
