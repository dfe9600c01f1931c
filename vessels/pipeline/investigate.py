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
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from vessels.anchorages import read_anchorages_csv
from vessels.errors import ConfigError, InputError, NoDataError, VesselsError
from vessels.pipeline.outputs import OUTPUT_FILES, VesselRow, check_out_dir, write_outputs
from vessels.pipeline.risk import KnownCases, RiskResult, read_known_cases
from vessels.pipeline.run import (
    PipelineResult,
    StageTimes,
    _optional,
    _stage,
    read_sar,
    run_pipeline,
)

__all__ = [
    "OUTPUT_FILES",
    "InvestigateResult",
    "PipelineResult",
    "VesselRow",
    "check_config",
    "find_carriers",
    "investigate",
    "load_config",
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


# --- configuration -------------------------------------------------------------------------


def load_config(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The TOML parameter file: one table per detector type plus [scoring], [grids], [report]."""
    if path is None:
        return {}
    p = Path(path)
    if not p.is_file():
        raise InputError("no such config file", str(p))
    try:
        with open(p, "rb") as fh:
            cfg = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from exc
    for k, v in cfg.items():
        if not isinstance(v, dict):
            raise ConfigError(f"{p}: top-level key {k!r} must be a table like [{k}]")
    check_config(cfg, str(p))
    return cfg


def check_config(cfg: dict[str, Any], origin: str | None = None) -> None:
    """Check every table of ``cfg`` now, before any work: an unknown table or key, or a value of
    the wrong type, is a :class:`ConfigError` naming ``origin`` (the file) and the table, not a
    failure minutes later in the stage that reads it."""
    from dashboards.report import ReportParams
    from vessels.pipeline.features import FeatureParams
    from vessels.pipeline.grids import GridParams
    from vessels.pipeline.risk import RiskModelParams
    from vessels.pipeline.scoring import ScoringParams
    from vessels.voyages import PortVisitParams

    try:
        load_det_config = _optional("vessels.config", "load_config")
        if load_det_config is None:
            ScoringParams.from_mapping(cfg.get("scoring"))
            GridParams.from_mapping(cfg.get("grids"))
            ReportParams.from_mapping(cfg.get("report"))
            return
        load_det_config(cfg)  # [tracks], [context] and every detector table
        from vessels.config import make_params

        steps: list[tuple[str, Any]] = [
            ("scoring", ScoringParams),
            ("grids", GridParams),
            ("report", ReportParams),
            ("port_visits", PortVisitParams),
            ("features", FeatureParams),
            ("risk", RiskModelParams),
        ]
        match_params = _optional("vessels.fusion.matching", "MatchParams")
        dark_params = _optional("vessels.fusion.dark", "DarkParams")
        if match_params is not None:
            steps.append(("fusion", match_params))
        if dark_params is not None:
            steps.append(("dark", dark_params))
        for table, cls in steps:
            make_params(cls, cfg.get(table) or {}, table)
    except ConfigError as exc:
        if origin is None:
            raise
        raise ConfigError(f"{origin}: {exc}") from exc


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
    config: str | os.PathLike[str] | dict[str, Any] | None = None,
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
    config: str | os.PathLike[str] | dict[str, Any] | None,
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
    if isinstance(config, dict):
        cfg = config
        check_config(cfg)
    else:
        cfg = load_config(config)
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
    read_inputs = _optional("ingest", "read_inputs")
    if read_inputs is None:
        raise VesselsError("this build of vessels lacks ingest.read_inputs: cannot read inputs")
    sar_input = None
    if sar:  # read first: a bad detection file fails in seconds, not after the detectors
        with _stage("SAR read", quiet, timings):
            sar_input = read_sar(sar, sar_columns)
    with _stage("ingest", quiet, timings):
        res = read_inputs([str(p) for p in inputs], quiet=quiet, **read_kw)
    positions = res.positions
    if positions.num_rows == 0:
        summary = res.summary() if hasattr(res, "summary") else ""
        raise NoDataError(
            "no position reports found in the inputs; check the format"
            + (f" ({summary})" if summary else "")
        )
    stats0 = getattr(res, "stats", None)
    spans = list(getattr(stats0, "spans", []) or [])
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
        input_ids={int(m): str(i) for i, m in (getattr(stats0, "id_map", None) or {}).items()},
    )
    stats = getattr(res, "stats", None)
    if stats is not None:
        p.counts["ingest"] = {
            "lines": getattr(stats, "lines", None),
            "messages_by_type": {
                str(k): v for k, v in sorted(getattr(stats, "messages_by_type", {}).items())
            },
            "rejects": dict(sorted(getattr(stats, "rejects", {}).items())),
            # where every line went (ingest.result.IngestStats): outcomes + rejects add up to
            # lines + sentences_sharing_a_line
            "outcomes": dict(sorted(getattr(stats, "outcomes", {}).items())),
            "sentences_sharing_a_line": getattr(stats, "shared_lines", 0),
            "notes": dict(sorted(getattr(stats, "notes", {}).items())),
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


def _risk(p: PipelineResult, cases: KnownCases, cfg: dict[str, Any]) -> RiskResult:
    from vessels.config import make_params
    from vessels.pipeline.features import FEATURE_COLUMNS
    from vessels.pipeline.risk import RiskModelParams, fit_risk
    from vessels.registry import Registry

    if p.features is None:
        raise VesselsError(
            "the pipeline produced no vessel features: cannot learn from known cases"
        )
    params = make_params(RiskModelParams, cfg.get("risk") or {}, "risk")
    meanings = {name: meaning for name, _, meaning in FEATURE_COLUMNS}
    registry = p.registry if p.registry is not None else Registry()
    return fit_risk(p.features, cases, registry, params, meanings)
