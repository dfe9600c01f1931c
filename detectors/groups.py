"""Meetings of three or more vessels, from the pairwise encounters.

Encounters are pairs (GFW publishes them pair by pair too), but a carrier with several fishing
vessels tied up at once, or a cluster of vessels meeting together, is one meeting and tells more
than its pairs: it is how transshipment hubs and motherships look in AIS. Two encounters belong
to one meeting when they share a vessel and overlap in time; a meeting is a connected set of such
encounters with at least three vessels. Each of its encounters gets ``evidence["meeting"]``
(every vessel, how many pairs, the span of time) and a sentence among its reasons; nothing else
changes (ids, scores and times stay the pair's own), so the same events come out of a single
process, chunked or distributed run, whichever order they arrive in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

from vessels.events import Event
from vessels.explain import reasons_from_evidence

__all__ = ["mark_meetings"]

ENCOUNTER = "encounter"


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def mark_meetings(events: Sequence[Event], min_vessels: int = 3) -> list[Event]:
    """``events`` with every encounter that is part of a meeting of ``min_vessels`` or more
    vessels marked (copies; the input is not changed). Order is kept."""
    idx = [
        k
        for k, e in enumerate(events)
        if e.type == ENCOUNTER and e.mmsi is not None and e.other_mmsi is not None
    ]
    if len(idx) < 2:
        return list(events)
    # Sweep in start order: an encounter can only overlap those that started before its end.
    order = sorted(idx, key=lambda k: (events[k].start_ms, events[k].event_id))
    pos = {k: n for n, k in enumerate(order)}
    par = list(range(len(order)))
    active: list[int] = []  # positions in `order` of encounters not yet ended
    for n, k in enumerate(order):
        e = events[k]
        active = [m for m in active if events[order[m]].end_ms > e.start_ms]
        mine = {e.mmsi, e.other_mmsi}
        for m in active:
            o = events[order[m]]
            if o.mmsi in mine or o.other_mmsi in mine:
                a, b = _find(par, n), _find(par, m)
                if a != b:
                    par[max(a, b)] = min(a, b)
        active.append(n)
    groups: dict[int, list[int]] = {}
    for k in idx:
        groups.setdefault(_find(par, pos[k]), []).append(k)
    out = list(events)
    for members in groups.values():
        vessels = sorted(
            {m for k in members for m in (events[k].mmsi, events[k].other_mmsi) if m is not None}
        )
        if len(vessels) < min_vessels:
            continue
        start = min(events[k].start_ms for k in members)
        end = max(events[k].end_ms for k in members)
        ids = sorted(events[k].event_id for k in members)
        meeting = {
            "id": hashlib.sha1("|".join(ids).encode()).hexdigest()[:16],
            "vessels": vessels,
            "n_vessels": len(vessels),
            "n_pairs": len(members),
            "start_ms": start,
            "end_ms": end,
            "duration_h": round((end - start) / 3_600_000.0, 6),
        }
        for k in members:
            e = events[k]
            evidence = {**e.evidence, "meeting": meeting}
            out[k] = dataclasses.replace(
                e, evidence=evidence, reasons=reasons_from_evidence(e.type, evidence)
            )
    return out
