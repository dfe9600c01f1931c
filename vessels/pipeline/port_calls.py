"""The port-call step of ``vessels investigate``: port visits and voyages (:mod:`vessels.voyages`)
and, on every gap, encounter and loitering, the voyage it belongs to (``evidence.voyage``: its
id, the port it left and how many days at sea), with the sentence :mod:`vessels.explain` makes of it
added to the event's text."""

from __future__ import annotations

import json

import pyarrow as pa

from vessels.events import evidence_json
from vessels.explain.voyage import voyage_sentences
from vessels.geo import PortIndex
from vessels.tracks import Tracks
from vessels.voyages import PortVisitParams, VoyageIndex, port_calls

__all__ = ["VOYAGE_EVENT_TYPES", "add_voyages", "port_call_step"]

#: Events that happen at sea during a voyage.
VOYAGE_EVENT_TYPES = ("gap", "encounter", "loitering")
DAY_MS = 86_400_000


def add_voyages(events: pa.Table, voyages: pa.Table) -> pa.Table:
    """``events`` with ``evidence.voyage`` set on gaps, encounters and loitering of vessels with
    a voyage holding the event's start, and the voyage's sentence added to their reasons."""
    if events.num_rows == 0 or voyages.num_rows == 0:
        return events
    index = VoyageIndex.from_table(voyages)
    rows = events.to_pylist()
    evidence, reasons = [], []
    for row in rows:
        ev = json.loads(row["evidence"])
        at = None
        if row["type"] in VOYAGE_EVENT_TYPES and row["mmsi"] is not None:
            start_ms = int(row["start"].timestamp() * 1000)
            at = index.at(int(row["mmsi"]), start_ms)
        if at is None:
            evidence.append(row["evidence"])
            reasons.append(row["reasons"])
            continue
        voyage_id, from_port, days = at
        ev["voyage"] = {"id": voyage_id, "from_port": from_port, "days_at_sea": round(days, 3)}
        evidence.append(evidence_json(ev))
        # the other sentences were made from the same evidence; the voyage adds its own
        reasons.append([*row["reasons"], *voyage_sentences(ev)])
    names = events.column_names
    out = events.set_column(
        names.index("evidence"),
        "evidence",
        pa.array(evidence, events.schema.field("evidence").type),
    )
    return out.set_column(
        names.index("reasons"), "reasons", pa.array(reasons, events.schema.field("reasons").type)
    )


def port_call_step(
    tracks: Tracks, events: pa.Table, ports: PortIndex, params: PortVisitParams
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(port visits, voyages, events with their voyages)."""
    visits, voyages = port_calls(tracks, ports, params)
    return visits, voyages, add_voyages(events, voyages)
