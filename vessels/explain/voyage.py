"""The sentence that places a gap, encounter or loitering in its vessel's voyage
(:mod:`vessels.voyages`), from ``evidence["voyage"]``."""

from __future__ import annotations

from typing import Any

__all__ = ["voyage_sentences"]


def _span(days: float) -> str:
    """'14 h' under two days, else '5.2 days'."""
    return f"{days * 24:.0f} h" if days < 2 else f"{days:.1f} days"


def voyage_sentences(ev: dict[str, Any]) -> list[str]:
    v = ev.get("voyage")
    if not v:
        return []
    days = float(v["days_at_sea"])
    if v.get("from_port"):
        return [
            f"It began {_span(days)} after the vessel left {v['from_port']} (its last port call seen)."
        ]
    return [
        f"No port call of this vessel was seen before it; the data began {_span(days)} earlier, "
        "so an earlier call may lie outside the data."
    ]
