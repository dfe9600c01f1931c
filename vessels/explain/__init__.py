"""Every sentence of a verdict, generated from the numbers in its evidence (issue 12).

A detector first builds an event's ``evidence`` (every figure and every rule threshold the
text will speak of), then asks :func:`reasons_from_evidence` for its sentences. Nothing else
writes reasons: a step that changes the evidence later (a meeting of several vessels, imagery
seen during a gap, the regional normal of silences) regenerates the text from the new
evidence. So text and evidence can never disagree, and ``tests/test_explain.py`` and
``tests/test_realdata.py`` check it for every event of simulated and real runs.

One function per event type (``vessels/explain/<type>.py``), over the evidence as it is
stored (:func:`stored`: the JSON form of ``events.*``, NaN as null, floats rounded), so the
same sentences come back from a file read years later. A sentence states only what the
evidence shows; where AIS alone cannot answer, it says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from vessels.events import evidence_json
from vessels.explain import dark, encounter, gap, identity, loitering
from vessels.explain.vessel import vessel_reason
from vessels.explain.voyage import voyage_sentences
from vessels.explain.words import vessel_label

__all__ = ["EXPLAINERS", "reasons_from_evidence", "stored", "vessel_label", "vessel_reason"]

Explainer = Callable[[dict[str, Any]], list[str]]

#: The sentence maker of each event type.
EXPLAINERS: dict[str, Explainer] = {
    "gap": gap.reasons,
    "encounter": encounter.reasons,
    "loitering": loitering.reasons,
    "identity": identity.reasons,
    "dark_detection": dark.detection_reasons,
    "dark_rendezvous": dark.rendezvous_reasons,
}


def stored(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """``evidence`` exactly as ``events_to_table`` stores it (and any reader gets it back)."""
    out: dict[str, Any] = json.loads(evidence_json(evidence))
    return out


def reasons_from_evidence(type_: str, evidence: Mapping[str, Any]) -> list[str]:
    """The plain-language sentences of an event of ``type_`` with this ``evidence``."""
    try:
        fn = EXPLAINERS[type_]
    except KeyError:
        raise ValueError(f"no explanation for event type {type_!r}") from None
    ev = stored(evidence)
    return fn(ev) + voyage_sentences(ev)
