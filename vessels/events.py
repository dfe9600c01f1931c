"""The event record every detector emits, its stable id, and the conversion to Arrow.

Readers and writers for the output formats live in :mod:`vessels.eventio`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from vessels.errors import SchemaError
from vessels.schema import EVENT_TYPES, EVENTS_SCHEMA

__all__ = ["Event", "events_to_table", "evidence_json", "make_event_id", "table_to_events"]


def make_event_id(
    type_: str, mmsi: int | None, other_mmsi: int | None, start_ms: int, key: str = ""
) -> str:
    """A stable id from what identifies an event: its type, vessels and start (ms since epoch).

    The end is deliberately left out, so an event that grows or is revised on a live stream
    keeps its id (as GFW's gap_id does). ``key`` separates events that share all of these
    (for example two identity findings of different kinds, or a SAR detection id).
    """
    pair = sorted(x for x in (mmsi, other_mmsi) if x is not None)
    raw = f"{type_}|{'-'.join(str(x) for x in pair)}|{start_ms}|{key}"
    return hashlib.sha1(raw.encode()).hexdigest()[:20]


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"evidence value of type {type(obj).__name__} is not JSON serialisable")


def _clean(value: Any) -> Any:
    """Recursively replace NaN/inf floats with None so the JSON is standard."""
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else round(f, 6)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def evidence_json(evidence: Mapping[str, Any]) -> str:
    """The stored form of an event's evidence: standard JSON (NaN/inf as null), floats rounded
    to 6 decimals, keys sorted."""
    return json.dumps(_clean(evidence), sort_keys=True, default=_json_default)


@dataclass
class Event:
    """One detected event. Times in ms since the Unix epoch, UTC."""

    type: str
    mmsi: int | None
    start_ms: int
    end_ms: int
    lat: float | None
    lon: float | None
    score: float
    reasons: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    other_mmsi: int | None = None
    id_key: str = ""
    fixed_id: str | None = None  # set when read back from a file

    @property
    def event_id(self) -> str:
        if self.fixed_id is not None:
            return self.fixed_id
        return make_event_id(self.type, self.mmsi, self.other_mmsi, self.start_ms, self.id_key)

    @property
    def duration_h(self) -> float:
        return (self.end_ms - self.start_ms) / 3_600_000.0


def events_to_table(events: Iterable[Event]) -> pa.Table:
    """Arrow table in EVENTS_SCHEMA, sorted by (start, type, mmsi, event_id) for reproducibility."""
    evs = list(events)
    for e in evs:
        if e.type not in EVENT_TYPES:
            raise SchemaError(f"unknown event type {e.type!r}; expected one of {EVENT_TYPES}")
        if not 0.0 <= e.score <= 1.0 or math.isnan(e.score):
            raise SchemaError(f"event score must be in [0, 1], got {e.score} for {e.type}")
    ids = [e.event_id for e in evs]
    order = sorted(
        range(len(evs)),
        key=lambda i: (evs[i].start_ms, evs[i].type, evs[i].mmsi or 0, ids[i]),
    )
    evs = [evs[i] for i in order]
    ids = [ids[i] for i in order]

    def _f(x: float | None) -> float | None:
        return None if x is None or math.isnan(x) else float(x)

    cols: dict[str, Any] = {
        "event_id": ids,
        "type": [e.type for e in evs],
        "mmsi": [e.mmsi for e in evs],
        "other_mmsi": [e.other_mmsi for e in evs],
        "start": [e.start_ms for e in evs],
        "end": [e.end_ms for e in evs],
        "duration_h": [round(e.duration_h, 6) for e in evs],
        "lat": [_f(e.lat) for e in evs],
        "lon": [_f(e.lon) for e in evs],
        "score": [round(float(e.score), 6) for e in evs],
        "reasons": [list(e.reasons) for e in evs],
        "evidence": [evidence_json(e.evidence) for e in evs],
    }
    arrays = [pa.array(cols[f.name], type=f.type) for f in EVENTS_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=EVENTS_SCHEMA)


def table_to_events(table: pa.Table) -> list[Event]:
    """Inverse of :func:`events_to_table`; ids are kept as read."""
    out: list[Event] = []
    for row in table.to_pylist():
        start = row["start"]
        end = row["end"]
        out.append(
            Event(
                type=row["type"],
                mmsi=row["mmsi"],
                other_mmsi=row["other_mmsi"],
                start_ms=int(start.timestamp() * 1000),
                end_ms=int(end.timestamp() * 1000),
                lat=row["lat"],
                lon=row["lon"],
                score=row["score"],
                reasons=list(row["reasons"]),
                evidence=json.loads(row["evidence"]),
                fixed_id=row["event_id"],
            )
        )
    return out
