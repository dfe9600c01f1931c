"""Score detected events against a simulator's ``truth.json``: precision, recall and F1 per type.

Matching rule (docs/contracts.md): a detected event matches a truth event of the same type and
the same *set* of vessels (``{mmsi, other_mmsi}`` without nulls, so the order of a pair does not
matter) when their time intervals overlap by at least ``min_overlap`` (default half) of the
shorter interval; an instant (zero-length interval) must fall inside the other one. Matching is
one-to-one and greedy by overlap, largest first. ``dark_detection`` events match by SAR
detection id (``evidence.detection_id`` against the truth's ``detection_id``). Detected events
with a score below ``min_score`` are not counted as detections at all.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from vessels.errors import InputError
from vessels.events import Event, table_to_events
from vessels.schema import EVENT_TYPES

__all__ = ["Evaluation", "TruthEvent", "TypeScore", "evaluate", "evaluate_files", "load_truth"]


@dataclass(frozen=True)
class TruthEvent:
    type: str
    mmsi: int | None
    other_mmsi: int | None
    start_ms: int
    end_ms: int
    detection_id: str | None = None

    @property
    def vessels(self) -> frozenset[int]:
        return frozenset(x for x in (self.mmsi, self.other_mmsi) if x is not None)


@dataclass
class TypeScore:
    type: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    unmatched_detected: list[Event] = field(default_factory=list)
    unmatched_truth: list[TruthEvent] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if math.isnan(p) or math.isnan(r) or p + r == 0:
            return 0.0 if (p == 0 or r == 0) else math.nan
        return 2 * p * r / (p + r)


@dataclass
class Evaluation:
    scores: dict[str, TypeScore]
    min_score: float
    ignored_low_score: int

    def as_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if math.isnan(x) else round(x, 4)

        return {
            t: {
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
                "precision": num(s.precision),
                "recall": num(s.recall),
                "f1": num(s.f1),
            }
            for t, s in self.scores.items()
        }

    def table(self, show_unmatched: bool = False) -> str:
        def f(x: float) -> str:
            return "    -" if math.isnan(x) else f"{x:5.2f}"

        lines = [
            f"{'type':<16} {'truth':>5} {'found':>5} {'tp':>4} {'fp':>4} {'fn':>4} "
            f"{'prec':>5} {'recall':>6} {'f1':>5}"
        ]
        for t, s in self.scores.items():
            lines.append(
                f"{t:<16} {s.tp + s.fn:>5} {s.tp + s.fp:>5} {s.tp:>4} {s.fp:>4} {s.fn:>4} "
                f"{f(s.precision)} {f(s.recall):>6} {f(s.f1)}"
            )
        if self.ignored_low_score:
            lines.append(
                f"({self.ignored_low_score} detected events below --min-score "
                f"{self.min_score} were not counted)"
            )
        if show_unmatched:
            for t, s in self.scores.items():
                for tr in s.unmatched_truth:
                    lines.append(
                        f"missed  {t:<16} {_who(tr.mmsi, tr.other_mmsi, tr.detection_id)} "
                        f"{_iso(tr.start_ms)} .. {_iso(tr.end_ms)}"
                    )
                for e in s.unmatched_detected:
                    lines.append(
                        f"false   {t:<16} {_who(e.mmsi, e.other_mmsi, _det_id(e))} "
                        f"{_iso(e.start_ms)} .. {_iso(e.end_ms)} score {e.score:.2f}"
                    )
        return "\n".join(lines)


def _who(a: int | None, b: int | None, det: str | None) -> str:
    if det:
        return f"detection {det}"
    return "+".join(str(x) for x in (a, b) if x is not None) or "-"


def _iso(ms: int) -> str:
    from vessels.sim.truth import iso

    return iso(ms)


def _det_id(e: Event) -> str | None:
    d = e.evidence.get("detection_id") if isinstance(e.evidence, dict) else None
    return None if d is None else str(d)


def _ms(s: str) -> int:
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


def load_truth(path: str | os.PathLike[str]) -> list[TruthEvent]:
    """Truth events from a ``truth.json`` (the simulator's format, version 1)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("no such truth file", str(p)) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read truth file ({exc})", str(p)) from exc
    return truth_from_doc(doc, str(p))


def truth_from_doc(doc: Any, where: str = "truth") -> list[TruthEvent]:
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise InputError("not a truth document: no 'events' list", where)
    out = []
    for i, e in enumerate(doc["events"]):
        try:
            out.append(
                TruthEvent(
                    str(e["type"]),
                    e.get("mmsi"),
                    e.get("other_mmsi"),
                    _ms(e["start"]),
                    _ms(e["end"]),
                    e.get("detection_id"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"truth event {i} is malformed ({exc!r})", where) from exc
    return out


def _overlap(a0: int, a1: int, b0: int, b1: int, frac: float) -> float | None:
    """Overlap in ms when it is enough by the rule, else None."""
    ov = min(a1, b1) - max(a0, b0)
    if ov < 0:
        return None
    shorter = min(a1 - a0, b1 - b0)
    if shorter <= 0:
        return float(ov) + 1.0  # an instant inside the other interval
    return float(ov) if ov >= frac * shorter else None


def evaluate(
    detected: list[Event] | pa.Table,
    truth: list[TruthEvent],
    *,
    min_score: float = 0.5,
    min_overlap: float = 0.5,
    types: tuple[str, ...] | None = None,
) -> Evaluation:
    """Precision, recall and F1 per event type (see the module docstring for the rule)."""
    dets = table_to_events(detected) if isinstance(detected, pa.Table) else list(detected)
    low = [e for e in dets if e.score < min_score]
    dets = [e for e in dets if e.score >= min_score]
    present = {e.type for e in dets} | {t.type for t in truth}
    order = [t for t in EVENT_TYPES if t in present] + sorted(present - set(EVENT_TYPES))
    if types:
        order = [t for t in order if t in types] + [t for t in types if t not in present]
    scores: dict[str, TypeScore] = {}
    for typ in order:
        d = [e for e in dets if e.type == typ]
        tr = [t for t in truth if t.type == typ]
        cands: list[tuple[float, int, int]] = []
        for i, e in enumerate(d):
            if typ == "dark_detection":
                did = _det_id(e)
                cands += [(1.0, i, j) for j, t in enumerate(tr) if did and did == t.detection_id]
                continue
            ves = frozenset(x for x in (e.mmsi, e.other_mmsi) if x is not None)
            for j, t in enumerate(tr):
                if t.vessels != ves:
                    continue
                ov = _overlap(e.start_ms, e.end_ms, t.start_ms, t.end_ms, min_overlap)
                if ov is not None:
                    cands.append((ov, i, j))
        cands.sort(key=lambda c: (-c[0], c[1], c[2]))
        used_d: set[int] = set()
        used_t: set[int] = set()
        for _, i, j in cands:
            if i in used_d or j in used_t:
                continue
            used_d.add(i)
            used_t.add(j)
        s = TypeScore(typ, tp=len(used_d), fp=len(d) - len(used_d), fn=len(tr) - len(used_t))
        s.unmatched_detected = [e for i, e in enumerate(d) if i not in used_d]
        s.unmatched_truth = [t for j, t in enumerate(tr) if j not in used_t]
        scores[typ] = s
    return Evaluation(scores, min_score, len(low))


def evaluate_files(
    events_path: str | os.PathLike[str],
    truth_path: str | os.PathLike[str],
    **kw: Any,
) -> Evaluation:
    """Read detected events (any format :func:`vessels.eventio.read_events` knows) and a truth."""
    from vessels.eventio import read_events

    p = Path(events_path)
    if not p.is_file():
        raise InputError("no such events file", str(p))
    table = read_events(p)
    return evaluate(table, load_truth(truth_path), **kw)
