"""Carriers that no registry names, inferred from what the vessels did (issue 13 item 2).

Reefers and fish carriers often broadcast a cargo ship type, and carrier lists (GFW's
``transshipment-vessels.csv``, Miller et al. 2018) are never complete. A vessel that is not a
listed carrier, not fishing and not gear becomes a *likely carrier* when its behaviour says so:

- it met at least ``min_fishing_partners`` (2) distinct fishing vessels at sea in encounters
  (in GFW's 2012-2017 events 77 % of the 507 carriers met 3 or more distinct fishing vessels,
  46 % of the 1,942 fishing vessels met 3 or more distinct carriers); or
- it met one fishing vessel *and* shows a second sign: it stayed slow for ``long_slow_h`` (8 h,
  Miller et al. 2018) or more far from shore and lanes (a ``loitering`` event with
  ``evidence.long_slow_off_lane``), or its name carries a reefer word (REEFER, FRIO, FRIGO,
  FROST, ...: 7-12 % of GFW's carrier names), or it broadcasts a cargo type (70-79) at a
  carrier's length (``carrier_length_m``).

A likely carrier's encounters with fishing vessels score as possible transshipments and its
loitering as a carrier's; the basis is in ``evidence.likely_carrier`` and the reasons. A
carrier list given with ``--carriers`` still decides for the vessels it names. Like
:func:`detectors.groups.mark_meetings` this is a pass over the finished events, so single
process and distributed runs give the same result.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detectors.loitering import LoiteringParams, carrier_score
from vessels.events import Event
from vessels.explain import reasons_from_evidence

__all__ = ["CarrierParams", "infer_carriers", "mark_likely_carriers"]

#: Words in reefer and fish-carrier names (GFW's carrier list: REEFER, FRIO, FROST, ...).
_REEFER_NAME = re.compile(r"REEF|FRIO|FRIGO|FROST|FREEZ|COOL|CHILL|REFRIG|CARRIER|LENG\d*$")


@dataclass(frozen=True)
class CarrierParams:
    """When a vessel is taken for a carrier. See the module docstring for the sources."""

    min_fishing_partners: int = 2
    min_encounter_score: float = 0.5  # encounters that count (the evaluation threshold)
    carrier_length_m: tuple[float, float] = (70.0, 200.0)  # reefers: 70-200 m
    enabled: bool = True


def _static_hints(mmsi: int, registry: Any, p: CarrierParams) -> dict[str, Any]:
    """Signs in what the vessel says of itself: a reefer word in its name, a cargo type at a
    carrier's length."""
    info = registry.info(mmsi) if registry is not None else {}
    name = str(info.get("name") or "").upper()
    m = _REEFER_NAME.search(name)
    st, length = info.get("ship_type"), info.get("length_m")
    lo, hi = p.carrier_length_m
    size = st is not None and 70 <= int(st) <= 79 and length is not None and lo <= length <= hi
    return {
        "name": name or None,
        "reefer_word": m.group(0) if m else None,
        "ship_type": st,
        "length_m": length,
        "carrier_size": bool(size),
    }


def infer_carriers(
    events: Sequence[Event], registry: Any, params: CarrierParams = CarrierParams()
) -> dict[int, dict[str, Any]]:
    """{mmsi: basis} of the likely carriers among the vessels of ``events``."""
    if not params.enabled or registry is None:
        return {}
    partners: dict[int, set[int]] = {}
    long_slow: dict[int, float] = {}
    for e in events:
        if e.score < params.min_encounter_score:
            continue
        if e.type == "encounter" and e.mmsi is not None and e.other_mmsi is not None:
            for me, other in ((e.mmsi, e.other_mmsi), (e.other_mmsi, e.mmsi)):
                if registry.is_fishing(other):
                    partners.setdefault(me, set()).add(other)
        elif e.type == "loitering" and e.mmsi is not None and e.evidence.get("long_slow_off_lane"):
            long_slow[e.mmsi] = max(long_slow.get(e.mmsi, 0.0), e.duration_h)
    out: dict[int, dict[str, Any]] = {}
    for mmsi in sorted(set(partners) | set(long_slow)):
        if registry.is_carrier(mmsi) or registry.is_fishing(mmsi) or registry.is_gear(mmsi):
            continue
        fp = sorted(partners.get(mmsi, set()))
        hints = _static_hints(mmsi, registry, params)
        signs = (mmsi in long_slow) + bool(hints["reefer_word"]) + hints["carrier_size"]
        if len(fp) >= params.min_fishing_partners or (fp and signs):
            out[mmsi] = {
                "mmsi": mmsi,
                "fishing_partners": fp,
                "long_slow_h": long_slow.get(mmsi),
                **hints,
            }
    return out


def mark_likely_carriers(
    events: Sequence[Event],
    registry: Any,
    params: CarrierParams = CarrierParams(),
    loitering: LoiteringParams | None = None,
) -> list[Event]:
    """``events`` with the encounters and loitering of likely carriers rescored (copies; the
    input is not changed, ids stay). Order is kept."""
    loitering = loitering or LoiteringParams()
    likely = infer_carriers(events, registry, params)
    if not likely:
        return list(events)
    out: list[Event] = []
    for e in events:
        if e.type == "encounter" and e.mmsi is not None and e.other_mmsi is not None:
            c = next((m for m in (e.mmsi, e.other_mmsi) if m in likely), None)
            other = e.other_mmsi if c == e.mmsi else e.mmsi
            if c is not None and registry.is_fishing(other):
                ev = dict(e.evidence)
                if not ev.get("possible_transshipment"):
                    ev["possible_transshipment"] = True
                    score = min(0.99, e.score + 0.25)  # the transshipment bonus of encounter
                else:
                    score = e.score
                ev["likely_carrier"] = likely[c]
                reasons = reasons_from_evidence("encounter", ev)
                e = dataclasses.replace(e, score=score, evidence=ev, reasons=reasons)
        elif e.type == "loitering" and e.mmsi in likely:
            ev = dict(e.evidence)
            near = ev.get("distance_from_port_km", 1e9) < loitering.near_port_km
            alone = not ev.get("visible_partner", True)
            s = carrier_score(e.duration_h, alone, loitering) - (0.1 if near else 0.0)
            ev["likely_carrier"] = likely[e.mmsi]
            reasons = reasons_from_evidence("loitering", ev)
            e = dataclasses.replace(
                e, score=round(min(1.0, max(e.score, s)), 4), evidence=ev, reasons=reasons
            )
        out.append(e)
    return out
