"""Per-vessel risk score in [0, 1] from its events, with the share of the score each reason carries.

How a score is made (documented in the report and in ``summary.json``):

1. Every event of a vessel contributes an *evidence strength* ``p = weight[type] * event.score``
   (both in [0, 1]). Pair events (encounter, dark rendezvous) count for both vessels.
   Events below ``min_event_score`` are ignored, as ``vessels evaluate`` ignores them.
2. Strengths combine as a noisy-OR: ``score = 1 - prod(1 - p_i)``. One strong event makes a high
   score; more events raise it with diminishing returns; it never passes 1. This is the usual way
   to pool independent indicators into one probability-like risk (Pearl 1988, ch. 4.3.2).
3. Each event's *share* of the score is proportional to its log-odds contribution
   ``-ln(1 - p_i)``, so the shares add up exactly to the score and the vessel table can say
   "3 AIS gaps: 0.41 of 0.62".

Default weights: the detectors already score context (a fishing vessel loitering, a gap where
reception is poor, a gap near shore all score low), so the type weights stay close to each other
and only temper the least direct evidence: a "rendezvous with a dark vessel" rests on one image
and a proximity (Paolo et al. 2024 report matching uncertainty of kilometres), and an unmatched
detection says nothing about any AIS vessel. Stronger type differences double-count the
detectors' discounts: on the simulator's scenarios (seeds 1-12, 60 vessels, 3 days) weights of
0.8 separate suspects from other vessels in twice as many seeds as a 0.4-0.9 spread (see
``python -m benchmarks.bench_investigate ranking``). All are configurable in the ``[scoring]``
table of the TOML config.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field, fields

import pyarrow as pa

from vessels.errors import ConfigError
from vessels.explain.vessel import TYPE_WORDS, vessel_reason
from vessels.schema import EVENT_TYPES

__all__ = ["TYPE_WORDS", "Reason", "ScoringParams", "VesselScore", "score_vessels"]

_MAX_STRENGTH = 0.999  # keeps -ln(1 - p) finite so shares stay defined


@dataclass(frozen=True)
class ScoringParams:
    """Weights per event type (unitless, [0, 1]) and filters. See the module docstring."""

    weight_gap: float = 0.8  # intentional AIS disabling (Welch et al. 2022)
    weight_encounter: float = 0.8  # transshipment proxy (Miller et al. 2018)
    weight_loitering: float = 0.8  # carrier loitering, the RFMO transshipment rule (GFW)
    weight_identity: float = 0.8  # shared/spoofed MMSI, identity hopping (GFW segmenter)
    weight_dark_detection: float = 0.5  # counted for a vessel only when an MMSI is attached
    weight_dark_rendezvous: float = 0.7  # one image + proximity: least direct (Paolo 2024)
    weight_carrier_bonus: float = 0.1  # added to an encounter's weight: partner is a carrier
    min_event_score: float = 0.5  # same threshold as `vessels evaluate --min-score`
    top_reasons: int = 3  # how many reasons the vessel table spells out

    def weight(self, type_: str) -> float:
        return float(getattr(self, f"weight_{type_}", 0.0))

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "top_reasons":
                if not isinstance(v, int) or v < 1:
                    raise ConfigError(f"scoring.top_reasons must be a positive integer, got {v!r}")
            elif not isinstance(v, int | float) or not 0.0 <= float(v) <= 1.0:
                raise ConfigError(f"scoring.{f.name} must be a number in [0, 1], got {v!r}")


@dataclass(frozen=True)
class Reason:
    """One line of explanation: an event type's contribution to a vessel's score."""

    type: str
    count: int
    share: float  # part of the vessel score this reason carries; shares sum to the score
    text: str  # plain words, e.g. "2 AIS gaps (longest 31.0 h): ..."
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class VesselScore:
    mmsi: int
    score: float
    counts: dict[str, int] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()

    def top_reasons_text(self, n: int) -> str:
        return "; ".join(f"{r.text} [{r.share:.2f}]" for r in self.reasons[:n])


def _evidence_is_carrier(evidence: str) -> bool:
    try:
        ev = json.loads(evidence) if evidence else {}
    except ValueError:
        return False
    if not isinstance(ev, dict):
        return False
    return bool(ev.get("other_is_carrier") or ev.get("carrier") or ev.get("is_carrier"))


def score_vessels(
    events: pa.Table,
    params: ScoringParams = ScoringParams(),
    carriers: frozenset[int] = frozenset(),
) -> dict[int, VesselScore]:
    """Score every vessel named in ``events`` (EVENTS_SCHEMA). Returns {mmsi: VesselScore}.

    ``carriers`` are MMSIs known to be reefer/carrier vessels: an encounter with one weighs more
    for the other vessel (the transshipment pattern of Miller et al. 2018).
    """
    cols = events.select(
        ["event_id", "type", "mmsi", "other_mmsi", "score", "duration_h", "reasons", "evidence"]
    ).to_pydict()
    # per vessel, per type: list of (strength, event_id, duration_h, first reason)
    per: dict[int, dict[str, list[tuple[float, str, float, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    n = len(cols["event_id"])
    for i in range(n):
        type_ = cols["type"][i]
        s = float(cols["score"][i])
        if type_ not in EVENT_TYPES or s < params.min_event_score:
            continue
        reasons = cols["reasons"][i] or []
        first = str(reasons[0]) if reasons else ""
        mm = cols["mmsi"][i]
        other = cols["other_mmsi"][i]
        for me, partner in ((mm, other), (other, mm)):
            if me is None:
                continue
            w = params.weight(type_)
            if type_ == "encounter" and (
                (partner is not None and int(partner) in carriers)
                or (me == mm and _evidence_is_carrier(cols["evidence"][i]))
            ):
                w = min(1.0, w + params.weight_carrier_bonus)
            p = min(_MAX_STRENGTH, max(0.0, w * s))
            per[int(me)][type_].append(
                (p, cols["event_id"][i], float(cols["duration_h"][i]), first)
            )

    out: dict[int, VesselScore] = {}
    for mmsi, by_type in per.items():
        logs = {t: sum(-math.log1p(-p) for p, *_ in evs) for t, evs in by_type.items()}
        total_log = sum(logs.values())
        score = -math.expm1(-total_log)  # = 1 - prod(1 - p_i)
        reasons = []
        for t, evs in by_type.items():
            share = score * logs[t] / total_log if total_log > 0 else 0.0
            evs_sorted = sorted(evs, key=lambda e: (-e[0], e[1]))
            longest = max(e[2] for e in evs)
            reasons.append(
                Reason(
                    type=t,
                    count=len(evs),
                    share=round(share, 6),
                    text=vessel_reason(t, len(evs), longest, evs_sorted[0][3]),
                    event_ids=tuple(e[1] for e in evs_sorted),
                )
            )
        reasons.sort(key=lambda r: (-r.share, r.type))
        out[mmsi] = VesselScore(
            mmsi=mmsi,
            score=round(min(1.0, max(0.0, score)), 6),
            counts={t: len(evs) for t, evs in by_type.items()},
            reasons=tuple(reasons),
        )
    return out
