"""How well the vessel ranking separates suspect vessels from the rest, against simulator truth.

The issue's check: on a simulated scenario, every vessel with a suspicious truth event must rank
above every vessel without one. :func:`ranking_check` says whether that holds (``separated``)
and, as a graded figure, the share of (suspect, clean) vessel pairs ordered correctly (the ROC
AUC of the risk score; ties count half).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SUSPICIOUS_TYPES", "RankingCheck", "ranking_check", "suspect_vessels"]

#: Truth event types that make a vessel a suspect (dark detections have no AIS vessel).
SUSPICIOUS_TYPES = ("gap", "encounter", "loitering", "identity", "dark_rendezvous")


@dataclass(frozen=True)
class RankingCheck:
    suspects: int
    clean: int
    separated: bool  # every suspect scores above every clean vessel
    pair_auc: float  # share of (suspect, clean) pairs in the right order, ties half
    worst_suspect: int | None  # the suspect with the lowest score
    best_clean: int | None  # the clean vessel with the highest score

    def line(self) -> str:
        return (
            f"{self.suspects} suspects / {self.clean} clean: "
            f"{'separated' if self.separated else 'NOT separated'}, pair AUC {self.pair_auc:.3f}"
        )


def suspect_vessels(truth: Mapping[str, Any] | str | Path) -> set[int]:
    """MMSIs taking part in a suspicious truth event (both vessels of a pair)."""
    doc: Mapping[str, Any] = (
        truth if isinstance(truth, Mapping) else json.loads(Path(truth).read_text(encoding="utf-8"))
    )
    out: set[int] = set()
    for e in doc.get("events", []):
        if e.get("type") not in SUSPICIOUS_TYPES:
            continue
        for k in ("mmsi", "other_mmsi"):
            if e.get(k) is not None:
                out.add(int(e[k]))
    return out


def ranking_check(scores: Mapping[int, float], suspects: Iterable[int]) -> RankingCheck:
    """Compare ``scores`` (every vessel of the run, 0 for unflagged) with the truth suspects.

    Suspects absent from ``scores`` (never heard on AIS) are left out: no ranking can show them.
    """
    sus = {m for m in suspects if m in scores}
    clean = [m for m in scores if m not in sus]
    s_sc = sorted((scores[m], m) for m in sus)
    c_sc = sorted(((scores[m], m) for m in clean), reverse=True)
    if not s_sc or not c_sc:
        return RankingCheck(len(s_sc), len(c_sc), True, 1.0, None, None)
    good = 0.0
    cs = sorted(scores[m] for m in clean)
    for sv, _ in s_sc:
        lo = bisect.bisect_left(cs, sv)
        hi = bisect.bisect_right(cs, sv)
        good += lo + 0.5 * (hi - lo)
    auc = good / (len(s_sc) * len(cs))
    return RankingCheck(
        suspects=len(s_sc),
        clean=len(cs),
        separated=s_sc[0][0] > c_sc[0][0],
        pair_auc=auc,
        worst_suspect=s_sc[0][1],
        best_clean=c_sc[0][1],
    )
