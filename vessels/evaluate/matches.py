"""Precision/recall of the detection-to-MMSI matching against simulator truth (truth.json)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vessels.errors import InputError

if TYPE_CHECKING:
    from vessels.fusion.matching import MatchResult

__all__ = ["MatchAccuracy", "match_accuracy"]


@dataclass(frozen=True)
class MatchAccuracy:
    """Precision/recall of the detection-to-MMSI matching against simulator truth."""

    ais_precision: float
    ais_recall: float
    dark_precision: float
    dark_recall: float
    missed_precision: float
    missed_recall: float
    counts: dict[str, int]

    def summary(self) -> str:
        return (
            f"AIS matches: precision {self.ais_precision:.3f} recall {self.ais_recall:.3f}; "
            f"dark (unmatched) detections: precision {self.dark_precision:.3f} "
            f"recall {self.dark_recall:.3f}; expected-but-missed vessels: precision "
            f"{self.missed_precision:.3f} recall {self.missed_recall:.3f} "
            f"({json.dumps(self.counts, sort_keys=True)})"
        )


def _pr(tp: int, n_pred: int, n_true: int) -> tuple[float, float]:
    return (tp / n_pred if n_pred else 1.0, tp / n_true if n_true else 1.0)


def match_accuracy(result: MatchResult, truth: Mapping[str, Any] | str | Path) -> MatchAccuracy:
    """Score ``result`` against a truth.json (path or parsed) "sar" section.

    AIS: a predicted (detection, MMSI) pair is right when truth gives that detection that MMSI.
    Dark: unmatched detections against truth detections with a null MMSI. Missed: predicted
    (scene, MMSI) against truth "missed".
    """
    if not isinstance(truth, Mapping):
        try:
            truth = json.loads(Path(truth).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read truth file ({exc})", str(truth)) from exc
    sar = truth.get("sar") if isinstance(truth, Mapping) else None
    if not isinstance(sar, Mapping):
        raise InputError("truth has no 'sar' section")
    t_det = {str(d["detection_id"]): d.get("mmsi") for d in sar.get("detections", [])}
    # false detections (no vessel at all) are right when unmatched, but are not dark vessels
    false_det = {
        str(d["detection_id"]) for d in sar.get("detections", []) if d.get("kind") == "false"
    }
    t_missed = {(str(m["scene_id"]), int(m["mmsi"])) for m in sar.get("missed", [])}
    rows = result.matches.select(["detection_id", "mmsi"]).to_pylist()
    pred = {str(r["detection_id"]): r["mmsi"] for r in rows if str(r["detection_id"]) in t_det}
    ais_pred = {k: v for k, v in pred.items() if v is not None}
    ais_true = {k: v for k, v in t_det.items() if v is not None}
    ais_tp = sum(1 for k, v in ais_pred.items() if ais_true.get(k) == v)
    dark_pred = {k for k, v in pred.items() if v is None and k not in false_det}
    dark_true = {k for k, v in t_det.items() if v is None and k not in false_det}
    dark_tp = len(dark_pred & dark_true)
    m_pred = {
        (str(r["scene_id"]), int(r["mmsi"]))
        for r in result.missed.select(["scene_id", "mmsi"]).to_pylist()
    }
    m_tp = len(m_pred & t_missed)
    ap, ar = _pr(ais_tp, len(ais_pred), len(ais_true))
    dp, dr = _pr(dark_tp, len(dark_pred), len(dark_true))
    mp, mr = _pr(m_tp, len(m_pred), len(t_missed))
    counts = {
        "truth_ais": len(ais_true),
        "pred_ais": len(ais_pred),
        "ais_correct": ais_tp,
        "truth_dark": len(dark_true),
        "pred_dark": len(dark_pred),
        "dark_correct": dark_tp,
        "truth_missed": len(t_missed),
        "pred_missed": len(m_pred),
        "missed_correct": m_tp,
    }
    return MatchAccuracy(ap, ar, dp, dr, mp, mr, counts)
