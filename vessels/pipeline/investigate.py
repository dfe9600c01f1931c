"""The batch pipeline behind ``vessels investigate``: inputs in, a ranked and explained list of
suspect vessels and a self-contained report out.

ingest (:func:`ingest.read_inputs`) -> :func:`vessels.pipeline.run.run_pipeline` (receiver merge,
tracks, detectors, SAR fusion, scoring) -> :func:`vessels.pipeline.outputs.write_outputs` (written into a
temporary sibling folder and renamed into place, summary.json last; see docs/investigate.md).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest import read_inputs
from vessels.anchorages import read_anchorages_csv
from vessels.config import Config, load_config
from vessels.errors import InputError, NoDataError, VesselsError
from vessels.pipeline import warm
from vessels.pipeline.outputs import OUTPUT_FILES, VesselRow, check_out_dir, write_outputs
from vessels.pipeline.risk import KnownCases, RiskResult, read_known_cases
from vessels.pipeline.run import (
    PipelineResult,
    StageTimes,
    _stage,
    read_sar,
    run_pipeline,
)

__all__ = [
    "OUTPUT_FILES",
    "InvestigateResult",
    "PipelineResult",
    "VesselRow",
    "find_carriers",
    "investigate",
    "run_pipeline",
    "write_outputs",
]


@dataclass
class InvestigateResult:
    out_dir: Path
    vessels: list[VesselRow]
    events: pa.Table
    summary: dict[str, Any]

    def flagged(self) -> list[VesselRow]:
        return [v for v in self.vessels if v.risk_score > 0]


def find_carriers(inputs: Sequence[str | os.PathLike[str]]) -> Path | None:
    """A ``carriers.csv`` beside an input file or inside an input folder (the simulator writes
    one), else None."""
    for p in inputs:
        path = Path(p)
        cand = (path if path.is_dir() else path.parent) / "carriers.csv"
        if cand.is_file():
            return cand
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_list(paths: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    out = []
    for p in paths:
        path = Path(p)
        files = sorted(x for x in path.rglob("*") if x.is_file()) if path.is_dir() else [path]
        for f in files:
            out.append({"path": str(f), "bytes": f.stat().st_size, "sha256": _sha256(f)})
    return out


def investigate(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    sar: Sequence[str | os.PathLike[str]] = (),
    carriers: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | Mapping[str, Any] | Config | None = None,
    quiet: bool = True,
    columns: str | dict[str, str] | None = None,
    time_format: str | None = None,
    sar_columns: str | dict[str, str] | None = None,
    anchorages: str | os.PathLike[str] | None = None,
    known_cases: str | os.PathLike[str] | None = None,
) -> InvestigateResult:
    """Run the whole investigation and write every output into ``out``.

    ``known_cases``: a CSV of vessels (MMSI or IMO, with a source note each) known from published
    cases; a model learned from them scores every vessel (``model_risk``, see
    :mod:`vessels.pipeline.risk`). Without it nothing of the kind is computed.

    ``columns`` and ``time_format`` map a CSV of an unknown layout, as for ``vessels ingest``;
    ``sar_columns`` maps the detection files' columns, as for ``vessels fuse --sar-columns``;
    ``anchorages`` is a CSV of ports or anchorages added to the built-in ports and the ones
    derived from the data (see :func:`vessels.anchorages.read_anchorages_csv`)."""
    started = time.perf_counter()
    timings = StageTimes(quiet)
    read_kw: dict[str, Any] = {}
    if columns is not None:
        read_kw["columns"] = columns
    if time_format is not None:
        read_kw["time_format"] = time_format
    try:
        return _investigate(
            inputs,
            out,
            sar,
            carriers,
            config,
            quiet,
            started,
            timings,
            read_kw,
            sar_columns,
            anchorages,
            known_cases,
        )
    finally:
        timings.close()


def _investigate(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    sar: Sequence[str | os.PathLike[str]],
    carriers: str | os.PathLike[str] | None,
    config: str | os.PathLike[str] | Mapping[str, Any] | Config | None,
    quiet: bool,
    started: float,
    timings: StageTimes,
    read_kw: dict[str, Any],
    sar_columns: str | dict[str, str] | None = None,
    anchorages: str | os.PathLike[str] | None = None,
    known_cases: str | os.PathLike[str] | None = None,
) -> InvestigateResult:
    if not inputs:
        raise InputError("no input files given")
    for path in [*inputs, *sar]:
        if not Path(path).exists():
            raise InputError("no such file or directory", str(path))
    check_out_dir(out)  # a wrong --out fails now, not after the pipeline
    cfg = load_config(config)  # every table checked now, before any work
    if carriers is None:
        found = find_carriers(inputs)
        carriers = found
    elif not Path(carriers).is_file():
        raise InputError("no such carrier list", str(carriers))
    if anchorages is not None:
        if not Path(anchorages).is_file():
            raise InputError("no such anchorage list", str(anchorages))
        read_anchorages_csv(Path(anchorages))  # a bad list fails now, not after the pipeline
    cases = None if known_cases is None else read_known_cases(known_cases)  # fails now too
    sar_input = None
    if sar:  # read first: a bad detection file fails in seconds, not after the detectors
        with _stage("SAR read", quiet, timings):
            sar_input = read_sar(sar, sar_columns)
    # First run: the pipeline's kernels compile in a child meanwhile (vessels/pipeline/warm.py).
    warming = warm.start()
    try:
        with warm.busy(warming), _stage("ingest", quiet, timings):
            res = read_inputs([str(p) for p in inputs], quiet=quiet, **read_kw)
    finally:
        warm.wait(warming)
    positions = res.positions
    if positions.num_rows == 0:
        raise NoDataError(
            f"no position reports found in the inputs; check the format ({res.summary()})"
        )
    spans = list(res.stats.spans)
    p = run_pipeline(
        positions,
        res.static,
        sar_paths=sar,
        sar=sar_input,
        carriers=carriers,
        anchorages=None if anchorages is None else str(anchorages),
        config=cfg,
        quiet=quiet,
        timings=timings,
        input_spans=spans,
        input_ids={int(m): str(i) for i, m in res.stats.id_map.items()},
    )
    st = res.stats
    p.counts["ingest"] = {
        "lines": st.lines,
        "messages_by_type": {str(k): v for k, v in sorted(st.messages_by_type.items())},
        "rejects": dict(sorted(st.rejects.items())),
        # where every line went (ingest.result.IngestStats): outcomes + rejects add up to
        # lines + sentences_sharing_a_line
        "outcomes": dict(sorted(st.outcomes.items())),
        "sentences_sharing_a_line": st.shared_lines,
        "notes": dict(sorted(st.notes.items())),
    }
    risk = None
    if cases is not None:
        with _stage("risk model", quiet, timings):
            risk = _risk(p, cases, cfg)
    input_list = _file_list(inputs)
    rows, summary = write_outputs(
        Path(out),
        p,
        config=cfg,
        inputs=input_list,
        sar_inputs=_file_list(sar),
        carriers=None if carriers is None else str(carriers),
        anchorages=_file_list([anchorages])[0] if anchorages is not None else None,
        started=started,
        timings=timings,
        quiet=quiet,
        risk=risk,
    )
    return InvestigateResult(Path(out), rows, p.events, summary)


def _risk(p: PipelineResult, cases: KnownCases, cfg: Config) -> RiskResult:
    from vessels.pipeline.features import FEATURE_COLUMNS
    from vessels.pipeline.risk import RiskModelParams, fit_risk
    from vessels.registry import Registry

    if p.features is None:
        raise VesselsError(
            "the pipeline produced no vessel features: cannot learn from known cases"
        )
    params = cfg.params("risk", RiskModelParams)
    meanings = {name: meaning for name, _, meaning in FEATURE_COLUMNS}
    registry = p.registry if p.registry is not None else Registry()
    return fit_risk(p.features, cases, registry, params, meanings)
