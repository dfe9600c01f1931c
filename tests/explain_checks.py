"""Checks shared by the explanation tests on simulated and real runs: every sentence of every
verdict comes back, word for word, from the numbers in its evidence."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pyarrow as pa

from vessels.explain import reasons_from_evidence, vessel_reason
from vessels.pipeline.scoring import ScoringParams, VesselScore, score_vessels


def assert_text_from_evidence(events: pa.Table, where: str) -> int:
    """Every event's ``reasons`` equal the sentences regenerated from its stored evidence;
    returns how many events were checked."""
    rows = events.select(["event_id", "type", "reasons", "evidence"]).to_pylist()
    for r in rows:
        again = reasons_from_evidence(r["type"], json.loads(r["evidence"]))
        assert again == list(r["reasons"]), (
            f"{where}: {r['type']} event {r['event_id']}: its text is not what its evidence "
            f"says.\nstored:      {list(r['reasons'])}\nregenerated: {again}"
        )
    return len(rows)


def assert_vessel_reasons_from_events(
    events: pa.Table,
    scores: Mapping[int, VesselScore] | None = None,
    params: ScoringParams | None = None,
    where: str = "",
) -> int:
    """Every vessel-level reason is made from its events' numbers: the count, the longest
    duration and the first sentence of the strongest event (itself made from its evidence)."""
    if scores is None:
        scores = score_vessels(events, params or ScoringParams())
    cols = events.select(["event_id", "type", "duration_h", "evidence"]).to_pylist()
    by_id = {r["event_id"]: r for r in cols}
    n = 0
    for mmsi, sc in scores.items():
        for reason in sc.reasons:
            evs = [by_id[i] for i in reason.event_ids]
            assert len(evs) == reason.count, (where, mmsi, reason)
            strongest = evs[0]
            first = reasons_from_evidence(strongest["type"], json.loads(strongest["evidence"]))[0]
            longest = max(float(e["duration_h"]) for e in evs)
            want = vessel_reason(reason.type, reason.count, longest, first)
            assert reason.text == want, f"{where}: vessel {mmsi}: {reason.text!r} != {want!r}"
            n += 1
    return n


def assert_gap_claims_backed(events: pa.Table, where: str) -> int:
    """The claims a gap's text makes hold in its numbers: others heard only when the cell's
    count during the gap is above zero; "coverage" and "routine" only with the evidence for them
    and a score below the 0.5 at which events count. Returns the gaps checked."""
    n = 0
    for r in events.select(["event_id", "type", "score", "reasons", "evidence"]).to_pylist():
        if r["type"] != "gap":
            continue
        ev, text, n = json.loads(r["evidence"]), " ".join(r["reasons"]), n + 1
        tag = f"{where}: gap {r['event_id']}"
        if "heard in the same cell" in text:
            assert ev["cell_vessel_hours_during_gap"] > 0, tag
        if "unlikely to be a coverage hole" in text:
            assert ev["coverage"] is None, tag
        if "Treated as a coverage gap" in text:
            assert ev["coverage"] in ("data_hole", "nobody_heard", "mostly_unheard"), tag
            assert r["score"] < 0.5, tag
        if ev.get("coverage"):
            assert "Treated as a coverage gap" in text and r["score"] < 0.5, tag
        if "routine in this region" in text:
            assert ev["regional"]["routine"] and r["score"] < 0.5, tag
    return n
