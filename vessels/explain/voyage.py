"""The sentence that places a gap, encounter or loitering in its vessel's voyage
(:mod:`vessels.voyages`), from ``evidence["voyage"]``."""

from __future__ import annotations

from typing import Any

__all__ = ["voyage_sentences"]


def voyage_sentences(ev: dict[str, Any]) -> list[str]:
    v = ev.get("voyage")
    if not v:
        return []
    days = float(v["days_at_sea"])
    if v.get("from_port"):
        return [
            f"It happened {days:.1f} days into a voyage from {v['from_port']} "
            "(the last port call seen)."
        ]
    return [
        f"No port call was seen before it: at least {days:.1f} days at sea since the data "
        "began (earlier port calls may lie outside the data)."
    ]
