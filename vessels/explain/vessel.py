"""The vessel-level reason of a vessel's score (:mod:`vessels.pipeline.scoring`): one per event type,
made from the numbers of its events."""

from __future__ import annotations

__all__ = ["DURATION_TYPES", "TYPE_WORDS", "vessel_reason"]

#: Plain words for each event type, singular and plural.
TYPE_WORDS: dict[str, tuple[str, str]] = {
    "gap": ("AIS gap", "AIS gaps"),
    "encounter": ("encounter at sea", "encounters at sea"),
    "loitering": ("loitering period", "loitering periods"),
    "identity": ("identity anomaly", "identity anomalies"),
    "dark_detection": ("unmatched satellite detection", "unmatched satellite detections"),
    "dark_rendezvous": ("rendezvous with a dark vessel", "rendezvous with dark vessels"),
}

#: Types for which "longest" makes sense.
DURATION_TYPES = ("gap", "encounter", "loitering", "dark_rendezvous")


def vessel_reason(type_: str, count: int, longest_h: float, first_sentence: str) -> str:
    """'2 AIS gaps (longest 31.0 h): <the strongest event's first sentence>'."""
    one, many = TYPE_WORDS.get(type_, (type_, type_))
    head = f"{count} {one if count == 1 else many}"
    if longest_h > 0 and type_ in DURATION_TYPES:
        head += f" (longest {longest_h:.1f} h)"
    if first_sentence:
        head += f": {first_sentence}"
    return head
