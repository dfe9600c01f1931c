"""The alert record: an event plus its life (issue 14, docs/store.md).

``alert_id`` is the event's stable ``event_id`` for detector events (gap, encounter, loitering,
identity), so a file replayed through ``watch`` ends with the ids ``vessels detect`` gives.
Area and watchlist alerts get ids made the same way from what identifies them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vessels.events import Event, _clean, _json_default

__all__ = ["STATES", "Alert", "iso_ms"]

#: Life cycle states, in the order an alert may pass through them.
STATES = ("open", "update", "final", "retracted")


def iso_ms(ms: int | None) -> str | None:
    """ISO 8601 UTC with milliseconds and a Z (as ``vessels detect`` writes times)."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000.0, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) or math.isinf(f) else f


@dataclass
class Alert:
    """One version of an alert. Times in ms since the Unix epoch, UTC."""

    alert_id: str
    version: int
    state: str
    type: str
    mmsi: int | None
    other_mmsi: int | None
    start_ms: int
    end_ms: int | None
    lat: float | None
    lon: float | None
    score: float | None
    reasons: list[str]
    evidence: dict[str, Any]
    trigger_time_ms: int
    emitted_at_ms: int
    kind: str = "event"  # "event" (a detector's), "area" or "watchlist"
    areas: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)
    retract_reason: str | None = None
    replayed: bool = False

    @classmethod
    def of_event(
        cls,
        e: Event,
        *,
        version: int,
        state: str,
        trigger_time_ms: int,
        emitted_at_ms: int,
        areas: list[str] | None = None,
        lists: list[str] | None = None,
    ) -> Alert:
        return cls(
            alert_id=e.event_id,
            version=version,
            state=state,
            type=e.type,
            mmsi=e.mmsi,
            other_mmsi=e.other_mmsi,
            start_ms=int(e.start_ms),
            end_ms=int(e.end_ms),
            lat=_num(e.lat),
            lon=_num(e.lon),
            score=_num(round(float(e.score), 6)),
            reasons=list(e.reasons),
            evidence=_clean(e.evidence),
            trigger_time_ms=int(trigger_time_ms),
            emitted_at_ms=int(emitted_at_ms),
            areas=list(areas or []),
            lists=list(lists or []),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to sinks (times as ISO 8601 Z strings and as ms)."""
        return {
            "alert_id": self.alert_id,
            "version": self.version,
            "state": self.state,
            "kind": self.kind,
            "type": self.type,
            "mmsi": self.mmsi,
            "other_mmsi": self.other_mmsi,
            "start": iso_ms(self.start_ms),
            "end": iso_ms(self.end_ms),
            "lat": _num(self.lat),
            "lon": _num(self.lon),
            "score": _num(self.score),
            "reasons": list(self.reasons),
            "evidence": _clean(self.evidence),
            "areas": list(self.areas),
            "lists": list(self.lists),
            "retract_reason": self.retract_reason,
            "trigger_time": iso_ms(self.trigger_time_ms),
            "emitted_at": iso_ms(self.emitted_at_ms),
            "replayed": self.replayed,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=_json_default)
