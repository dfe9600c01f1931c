"""One vessel on two transponders (issue 13 item 3a), found by the encounter pair search.

Fishing vessels often carry a class A unit and a class B unit (or two of either) that
broadcast two MMSIs, usually with the same or a similar name. Their positions stay within tens
of metres whenever both are heard, at anchor, fishing and under way. To plain rules that is an
"encounter at sea" of the vessel with itself, hours long whenever it is slow offshore.

:class:`EncounterStream` feeds the slots in which two vessels are within ``twin_max_distance_m``
and both positions are observed or minutes from a report (not reconstructed across a hole;
class B units offshore are heard by satellites only now and then) to a second
:class:`~detectors.encounter.pair_runs.PairRuns`; a run of such slots (merged across ``twin_merge_gap_h``)
in which both were also *under way* (over ``twin_min_speed_kn``) for ``twin_min_moving_h``,
lasting ``twin_min_span_h`` with at least ``twin_min_slots`` such slots, and in which the pair
was seen more than ``twin_apart_m`` apart in at most 1 - ``twin_share`` of the slots both were
seen, is one ship: an ``identity`` event of kind ``two_transponders`` linking both MMSIs. Two
different ships do not stay within 100 m of each other for hours at sea, under way at times,
except tugs, pilots, towing vessels and other service craft at work, and pleasure craft (ship
types 31-32, 36-37, 50-59), left out, and so is a pair of which one broadcasts the fishing type and the other not.
:func:`drop_twin_encounters` then removes the encounters between the two MMSIs of such a
vessel (applied after batch and distributed runs, like :func:`detectors.groups.mark_meetings`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from vessels.events import Event
from vessels.explain import reasons_from_evidence

__all__ = ["drop_twin_encounters", "twin_event"]

KIND = "two_transponders"


def _service_craft(info: dict[str, Any]) -> bool:
    """Tugs, pilots, SAR and other special craft (50-59), towing vessels (31, 32) and pleasure
    craft (36, 37: boats leaving a marina together on the same channel)."""
    st = info.get("ship_type")
    return st is not None and (50 <= int(st) <= 59 or int(st) in (31, 32, 36, 37))


def _similar(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    x, y = a.replace(" ", "").upper(), b.replace(" ", "").upper()
    return x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x)))


def twin_event(
    mmsi_a: int,
    mmsi_b: int,
    start_ms: int,
    end_ms: int,
    slots: npt.NDArray[np.int64],
    v: npt.NDArray[np.float64],
    step_ms: int,
    registry: Any,
    p: Any,
) -> Event | None:
    """The ``two_transponders`` identity event of a run of tight, observed slots, or None when
    the pair was not under way together long enough (or is a service craft at work)."""
    info_a = registry.info(mmsi_a) if registry is not None else {}
    info_b = registry.info(mmsi_b) if registry is not None else {}
    if _service_craft(info_a) or _service_craft(info_b):
        return None
    ta, tb = info_a.get("ship_type"), info_b.get("ship_type")
    if ta is not None and tb is not None and (int(ta) == 30) != (int(tb) == 30):
        return None  # a fishing vessel and one that is not: two ships (a carrier and a visitor)
    moving = (v[:, 1] > p.twin_min_speed_kn) & (v[:, 2] > p.twin_min_speed_kn)
    moving_h = float(moving.sum()) * step_ms / 3_600_000.0
    if (
        moving_h < p.twin_min_moving_h - 1e-9
        or slots.size < p.twin_min_slots
        or end_ms - start_ms < p.twin_min_span_h * 3_600_000
    ):
        return None
    tight_h = slots.size * step_ms / 3_600_000.0
    span_h = (end_ms - start_ms) / 3_600_000.0
    med_d = float(np.median(v[:, 0]))
    na, nb = info_a.get("name"), info_b.get("name")
    same_name = _similar(na, nb)
    score = 0.6 + 0.1 * min(1.0, tight_h / 24.0) + (0.15 if same_name else 0.0)
    la, lo = float(np.mean(v[:, 3])), float(v[0, 4])
    evidence = {
        "kind": KIND,
        "mmsi": mmsi_a,
        "other_mmsi": mmsi_b,
        "median_distance_m": med_d,
        "together_h": tight_h,
        "span_h": span_h,
        "moving_together_h": moving_h,
        "min_speed_kn": p.twin_min_speed_kn,
        "names": [na, nb],
        "same_name": same_name,
        "reports_a": int(v[:, 5].sum()),
        "reports_b": int(v[:, 6].sum()),
    }
    return Event(
        type="identity",
        mmsi=mmsi_a,
        other_mmsi=mmsi_b,
        start_ms=int(start_ms),
        end_ms=int(end_ms),
        lat=la,
        lon=lo,
        score=float(min(0.95, score)),
        reasons=reasons_from_evidence("identity", evidence),
        id_key=KIND,
        evidence=evidence,
    )


def drop_twin_encounters(events: Sequence[Event]) -> list[Event]:
    """``events`` without the encounters between two MMSIs that a ``two_transponders``
    identity event shows to be one vessel (at any time: a vessel cannot meet itself). Order
    is kept."""
    twins: set[tuple[int, int]] = set()
    for e in events:
        if e.type == "identity" and e.evidence.get("kind") == KIND and e.other_mmsi is not None:
            assert e.mmsi is not None
            key = (min(e.mmsi, e.other_mmsi), max(e.mmsi, e.other_mmsi))
            twins.add(key)
    if not twins:
        return list(events)
    out = []
    for e in events:
        if e.type == "encounter" and e.mmsi is not None and e.other_mmsi is not None:
            key = (min(e.mmsi, e.other_mmsi), max(e.mmsi, e.other_mmsi))
            if key in twins:
                continue
        out.append(e)
    return out
