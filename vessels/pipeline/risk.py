"""A risk model learned from known cases: positive-unlabelled bagging over vessel features.

Known cases (vessels named in published reports of forced labour, IUU fishing, sanctions
evasion) are positives; every other vessel is unlabelled, not negative: some of them are
unreported cases. McDonald et al. 2021 (PNAS; docs/references.md) learned forced-labour risk
that way from AIS features. This module uses the bagging PU method of Mordelet & Vert 2014
("A bagging SVM to learn from positive and unlabeled examples", with random forests as the base
learner): each bag trains a forest on the known cases against an equal-sized random draw of
unlabelled vessels, and a vessel is scored only by bags that did not train on it, so every score
is out of fold (known cases by K-fold over the positives).

Calibration follows Elkan & Noto 2008: under the assumption that known cases are a random
sample of all cases, P(case | x) = P(known | x) / c, with c the mean out-of-fold score of the
known cases. The score is a lead for a person to check, never a verdict: the report says so.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vessels.config import check_numbers
from vessels.errors import ConfigError, InputError
from vessels.registry import Registry

__all__ = ["KnownCases", "RiskModelParams", "RiskResult", "fit_risk", "read_known_cases"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RiskModelParams:
    """``n_bags`` x ``trees_per_bag`` forests (Mordelet & Vert used tens of bags); ``folds``
    splits the known cases for their out-of-fold scores; ``explain_top`` vessels (highest risk)
    get the features behind their score in words."""

    n_bags: int = 30
    trees_per_bag: int = 40
    min_samples_leaf: int = 2
    folds: int = 5
    seed: int = 0
    explain_top: int = 500
    reasons_per_vessel: int = 3

    def __post_init__(self) -> None:
        names = ("n_bags", "trees_per_bag", "min_samples_leaf", "folds", "explain_top")
        check_numbers(self, "risk", names, minimum=1, integer=True)
        if self.folds < 2:
            raise ConfigError("risk.folds must be at least 2")


@dataclass(frozen=True)
class KnownCases:
    mmsi: frozenset[int]
    imo: frozenset[int]
    source: dict[str, str]  # "mmsi:123" / "imo:9..." -> the source note of that row
    path: str
    sha256: str
    rows: int


def read_known_cases(path: str | os.PathLike[str]) -> KnownCases:
    """A CSV with an ``mmsi`` and/or ``imo`` column and a ``source`` note per row."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such known-cases file", str(p))
    raw = p.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace").splitlines()
    reader = csv.DictReader(text)
    cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    if "mmsi" not in cols and "imo" not in cols:
        raise InputError(f"known-cases CSV needs an mmsi or imo column; found {list(cols)}", str(p))
    if "source" not in cols:
        raise InputError(
            "known-cases CSV needs a source column (where each case is published)", str(p)
        )
    mmsi: set[int] = set()
    imo: set[int] = set()
    source: dict[str, str] = {}
    rows = 0
    for line, row in enumerate(reader, start=2):
        rows += 1
        note = (row.get(cols["source"]) or "").strip()
        got = False
        for key, into in (("mmsi", mmsi), ("imo", imo)):
            v = (row.get(cols[key]) or "").strip() if key in cols else ""
            if v:
                try:
                    num = int(float(v))
                except ValueError as exc:
                    raise InputError(f"line {line}: {key} {v!r} is not a number", str(p)) from exc
                into.add(num)
                source[f"{key}:{num}"] = note
                got = True
        if not got:
            raise InputError(f"line {line}: neither mmsi nor imo given", str(p))
    if rows == 0:
        raise InputError("known-cases CSV holds no rows", str(p))
    return KnownCases(
        frozenset(mmsi), frozenset(imo), source, str(p), hashlib.sha256(raw).hexdigest(), rows
    )


@dataclass
class RiskResult:
    mmsi: npt.NDArray[np.int64]
    risk: F64  # calibrated, in [0, 1]
    raw: F64  # out-of-fold bag score
    known: npt.NDArray[np.bool_]
    reasons: list[str]
    summary: dict[str, Any] = field(default_factory=dict)


def _matrix(features: pa.Table, exclude: tuple[str, ...]) -> tuple[F64, list[str]]:
    names, cols = [], []
    for name in features.column_names:
        if name in exclude:
            continue
        typ = features.schema.field(name).type
        if not (pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_boolean(typ)):
            continue
        arr = features.column(name).cast(pa.float64()).fill_null(np.nan).to_numpy()
        names.append(name)
        cols.append(arr)
    x = np.column_stack(cols) if cols else np.zeros((features.num_rows, 0))
    return np.where(np.isfinite(x), x, -1.0), names  # trees split a sentinel apart


def _forest(params: RiskModelParams, seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=params.trees_per_bag,
        min_samples_leaf=params.min_samples_leaf,
        max_features="sqrt",
        random_state=seed,
        n_jobs=1,
    )


def fit_risk(
    features: pa.Table,
    cases: KnownCases,
    registry: Registry,
    params: RiskModelParams = RiskModelParams(),
    meanings: dict[str, str] | None = None,
) -> RiskResult:
    """Out-of-fold PU scores for every vessel of ``features`` (one row per MMSI)."""
    mmsi = features.column("mmsi").to_numpy().astype(np.int64)
    imo_of = {int(m): registry.latest.get(int(m), {}).get("imo") for m in mmsi}
    known = np.array(
        [
            int(m) in cases.mmsi or (imo_of[int(m)] is not None and imo_of[int(m)] in cases.imo)
            for m in mmsi
        ]
    )
    n_pos = int(known.sum())
    if n_pos < params.folds:
        raise InputError(
            f"{n_pos} of the {cases.rows} known cases are in the data; the model needs at least "
            f"{params.folds} (one per fold)",
            cases.path,
        )
    if n_pos == mmsi.size:
        raise InputError("every vessel in the data is a known case: nothing to rank", cases.path)
    x, names = _matrix(features, exclude=("mmsi",))
    rng = np.random.default_rng(params.seed)
    pos = np.flatnonzero(known)
    unl = np.flatnonzero(~known)
    folds = np.array_split(rng.permutation(pos), params.folds)
    score_sum = np.zeros(mmsi.size)
    score_n = np.zeros(mmsi.size)
    seed = params.seed
    for f, held in enumerate(folds):
        train_pos = np.concatenate([folds[g] for g in range(params.folds) if g != f])
        for _ in range(params.n_bags):
            seed += 1
            draw = rng.choice(unl, size=min(train_pos.size, unl.size), replace=True)
            xb = np.vstack([x[train_pos], x[draw]])
            yb = np.r_[np.ones(train_pos.size), np.zeros(draw.size)]
            model = _forest(params, seed).fit(xb, yb)
            oob_u = np.setdiff1d(unl, draw)
            # unlabelled vessels: each fold's bags score them out of bag; known cases: only
            # the bags of the fold that held them out
            test = np.concatenate([held, oob_u])
            score_sum[test] += model.predict_proba(x[test])[:, 1]
            score_n[test] += 1
    raw = np.divide(score_sum, score_n, out=np.zeros_like(score_sum), where=score_n > 0)
    c = float(raw[known].mean())
    risk = np.clip(raw / c, 0.0, 1.0) if c > 0 else raw
    summary = _metrics(raw, known, params, names, cases, c)
    reasons = _explain(x, names, known, raw, params, meanings or {})
    return RiskResult(mmsi, risk, raw, known, reasons, summary)


def _auc(score: F64, label: npt.NDArray[np.bool_]) -> float:
    from scipy.stats import rankdata

    r = rankdata(score)
    n1, n0 = int(label.sum()), int((~label).sum())
    return float((r[label].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _metrics(
    raw: F64,
    known: npt.NDArray[np.bool_],
    params: RiskModelParams,
    names: list[str],
    cases: KnownCases,
    c: float,
) -> dict[str, Any]:
    order = np.argsort(-raw, kind="stable")
    out: dict[str, Any] = {
        "model": "bagging PU (Mordelet & Vert 2014), random forests, Elkan & Noto calibration",
        "params": {k: getattr(params, k) for k in params.__dataclass_fields__},
        "features": names,
        "known_cases_file": cases.path,
        "known_cases_sha256": cases.sha256,
        "known_cases_rows": cases.rows,
        "known_cases_in_data": int(known.sum()),
        "vessels": int(known.size),
        "calibration_c": round(c, 6),
        # known vs unlabelled: a lower bound of the AUC against true negatives, since the
        # unlabelled vessels hold unreported cases too
        "oof_auc_known_vs_unlabelled": round(_auc(raw, known), 4),
    }
    for share in (0.05, 0.1, 0.2):
        k = max(1, int(round(share * raw.size)))
        out[f"oof_recall_top_{int(share * 100)}pct"] = round(
            float(known[order[:k]].sum() / max(known.sum(), 1)), 4
        )
    return out


def _explain(
    x: F64,
    names: list[str],
    known: npt.NDArray[np.bool_],
    raw: F64,
    params: RiskModelParams,
    meanings: dict[str, str],
) -> list[str]:
    """For the highest-scoring vessels: the features whose removal (set to the unlabelled
    median) lowers the score most, in words, from a model trained on every known case."""
    rng = np.random.default_rng(params.seed + 10_000)
    pos = np.flatnonzero(known)
    unl = np.flatnonzero(~known)
    models = []
    for b in range(max(1, params.n_bags // 3)):
        draw = rng.choice(unl, size=min(pos.size, unl.size), replace=True)
        xb = np.vstack([x[pos], x[draw]])
        yb = np.r_[np.ones(pos.size), np.zeros(draw.size)]
        models.append(_forest(params, params.seed + 20_000 + b).fit(xb, yb))

    def predict(m: F64) -> F64:
        return np.mean([mdl.predict_proba(m)[:, 1] for mdl in models], axis=0)

    top = np.argsort(-raw, kind="stable")[: params.explain_top]
    reasons = [""] * raw.size
    if top.size == 0 or not names:
        return reasons
    base = predict(x[top])
    median = np.median(x[unl], axis=0)
    drops = np.zeros((top.size, len(names)))
    for j in range(len(names)):
        xm = x[top].copy()
        xm[:, j] = median[j]
        drops[:, j] = base - predict(xm)
    for r, i in enumerate(top):
        parts = []
        for j in np.argsort(-drops[r])[: params.reasons_per_vessel]:
            if drops[r, j] <= 0.01:
                break
            value = x[i, j]
            shown = "unknown" if value == -1.0 else f"{value:.3g}"
            label = meanings.get(names[j], names[j])
            parts.append(f"{label}: {shown} (usual: {median[j]:.3g})")
        reasons[int(i)] = "; ".join(parts)
    return reasons
