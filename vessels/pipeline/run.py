"""The analysis steps of ``vessels investigate`` on tables already read: receiver merge,
tracks, registry and profiles, detectors, SAR fusion and scoring (:func:`run_pipeline`).

The receiver merge and the SAR fusion are the same calls ``vessels fuse`` makes
(:func:`vessels.fusion.fuse.merge_receivers`, :func:`vessels.fusion.fuse.fuse_events`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import lzma
import os
import sys
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from detectors import DETECTOR_TYPES, detect_tracks, load_spec
from detectors.base import ContextParams, DetectContext, port_list
from detectors.gap import GapParams
from detectors.regional import apply_regional_normal
from ingest.sar import SarInput, read_detections
from vessels.config import Config, load_config
from vessels.errors import InputError, NoDataError
from vessels.events import Event, events_to_table
from vessels.fusion.dark import DarkParams
from vessels.fusion.fuse import fuse_events, merge_receivers
from vessels.fusion.matching import MatchParams
from vessels.geo import PortIndex
from vessels.pipeline.features import FeatureParams, vessel_features, voyage_features
from vessels.pipeline.port_calls import port_call_step
from vessels.pipeline.profiles import Profile, build_profiles
from vessels.pipeline.scoring import ScoringParams, VesselScore, score_vessels
from vessels.registry import Registry, build_registry
from vessels.schema import EVENT_TYPES, EVENTS_SCHEMA
from vessels.tracks import TrackParams, Tracks, build_tracks
from vessels.voyages import PortVisitParams

__all__ = ["PipelineResult", "StageTimes", "read_sar", "run_pipeline"]


class StageTimes(dict[str, float]):
    """Seconds per stage, and a progress bar over the stages on a terminal (none when quiet)."""

    STAGES = (
        "SAR read",
        "ingest",
        "receiver merge",
        "tracks",
        "registry",
        "detectors",
        "SAR fusion",
        "scoring",
        "port calls",
        "risk model",
        "vessel table",
        "events",
        "grids",
        "report",
    )

    def __init__(self, quiet: bool = True) -> None:
        super().__init__()
        self.bar: Any = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=len(self.STAGES), desc="investigate", unit="stage", leave=False)

    def start(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_description(f"investigate: {name}")

    def done(self, name: str) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def _stage(name: str, quiet: bool, timings: dict[str, float]) -> Iterator[None]:
    """Time a stage; advance the stage bar when ``timings`` is a :class:`StageTimes`."""
    if isinstance(timings, StageTimes):
        timings.start(name)
    t0 = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - t0, 3)
    if isinstance(timings, StageTimes):
        timings.done(name)


# --- the pipeline --------------------------------------------------------------------------


@dataclass
class PipelineResult:
    tracks: Tracks
    static: pa.Table | None
    events: pa.Table
    scores: dict[int, VesselScore]
    profiles: dict[int, Profile]
    carriers: frozenset[int]
    counts: dict[str, Any]
    notes: list[str]
    step_params: dict[str, Any] = field(default_factory=dict)  # effective parameters per step
    coverage: dict[str, Any] = field(default_factory=dict)  # spans and holes (vessels.coverage)
    visits: pa.Table | None = None  # port visits (vessels.voyages.PORT_VISITS_SCHEMA)
    voyages: pa.Table | None = None  # voyages between them (vessels.voyages.VOYAGES_SCHEMA)
    features: pa.Table | None = None  # one row per vessel (vessels.pipeline.features)
    registry: Registry | None = None
    ids: dict[int, str] = field(default_factory=dict)  # pseudo-MMSI -> the input's vessel id
    sar_scenes: pa.Table | None = None  # SAR scenes read (ingest.sar.SCENES_SCHEMA), for maps


def _carrier_set(registry: Registry, mmsis: Sequence[int]) -> frozenset[int]:
    return frozenset(int(m) for m in mmsis if registry.is_carrier(int(m)))


def run_pipeline(
    positions: pa.Table,
    static: pa.Table | None = None,
    *,
    sar_paths: Sequence[str | os.PathLike[str]] = (),
    carriers: str | os.PathLike[str] | None = None,
    config: Config | Mapping[str, Any] | None = None,
    events: pa.Table | None = None,
    anchorages: str | None = None,
    sar: SarInput | None = None,
    quiet: bool = True,
    timings: dict[str, float] | None = None,
    input_spans: Sequence[dict[str, Any]] = (),
    input_ids: dict[int, str] | None = None,
) -> PipelineResult:
    """Tracks, events (detected here unless ``events`` is given), fusion and scores.

    ``config`` is a checked :class:`vessels.config.Config` or a parsed TOML mapping; ``sar`` an
    already read :class:`ingest.sar.SarInput` (see :func:`read_sar`), used instead of reading
    ``sar_paths`` again; ``anchorages`` a CSV of ports or anchorages the detectors add to the
    built-in and derived ones; ``input_spans`` the time span of each input
    (``IngestStats.spans``), for the coverage section of the result; ``input_ids`` the input's
    own vessel id of each pseudo-MMSI (``IngestStats.id_map`` inverted), kept in every output."""
    cfg = load_config(config)
    tparams = cfg.params("tracks", TrackParams)
    timings = {} if timings is None else timings
    notes: list[str] = []
    if positions.num_rows == 0:
        raise NoDataError("the inputs hold no position reports at all: nothing to investigate")
    counts_extra: dict[str, Any] = {}
    with _stage("receiver merge", quiet, timings):
        positions, merged, note = merge_receivers(positions)
    if merged is not None:
        counts_extra["receiver_merge"] = dict(sorted(merged.stats.items()))
    if note:
        notes.append(note)
    with _stage("tracks", quiet, timings):
        tracks, removed = build_tracks(positions, tparams)
    if tracks.n == 0:
        raise NoDataError(
            f"none of the {positions.num_rows} position reports is usable "
            f"(removed: {', '.join(f'{k} {v}' for k, v in removed.items() if v)})"
        )
    mmsis = np.unique(tracks.seg_mmsi).tolist()
    with _stage("registry", quiet, timings):
        registry = build_registry(static, None if carriers is None else Path(carriers))
        registry.ids = dict(input_ids or {})
        profiles = build_profiles(static, set(int(m) for m in mmsis))
        for m, prof in profiles.items():  # the registry checks IMO check digits; prefer its IMO
            prof.imo = (registry.latest.get(m) or {}).get("imo")
    carrier_set = _carrier_set(registry, mmsis)

    ports: PortIndex | None = None
    if events is None:
        with _stage("detectors", quiet, timings):
            found, ctx = detect_tracks(tracks, registry, config=cfg, anchorages=anchorages)
            ports = ctx.ports
            found = _regional_normal(found, tracks, cfg, ctx)
        step_params = _effective_params(cfg, tparams)
        if sar_paths or sar is not None:
            with _stage("SAR fusion", quiet, timings):
                if sar is None:
                    sar = read_sar(sar_paths)
                match_params = cfg.params("fusion", MatchParams)
                dark_params = cfg.params("dark", DarkParams)
                step_params["fusion"] = dataclasses.asdict(match_params)
                step_params["dark"] = dataclasses.asdict(dark_params)
                fused, others, match = fuse_events(
                    sar,
                    tracks,
                    static,
                    found,
                    is_carrier=registry.is_carrier,
                    match_params=match_params,
                    dark_params=dark_params,
                )
                found = others + fused
                if match.stats:
                    notes.append("SAR: " + match.summary())
        events = events_to_table(found)
    else:
        step_params = {"tracks": dataclasses.asdict(tparams)}
    events = _sorted_events(events)
    with _stage("port calls", quiet, timings):
        visits, voyages, events, features = _port_calls(
            tracks, events, registry, ports, anchorages, cfg, step_params
        )
    with _stage("scoring", quiet, timings):
        scoring = cfg.params("scoring", ScoringParams)
        scores = score_vessels(events, scoring, carrier_set)
    counts: dict[str, Any] = {
        "positions_in": positions.num_rows,
        "positions_used": tracks.n,
        "positions_removed": removed,
        "segments": tracks.n_seg,
        "vessels": len(mmsis),
        "static_reports": 0 if static is None else static.num_rows,
        "events": events.num_rows,
        "events_by_type": _count_types(events),
        "flagged_vessels": sum(1 for s in scores.values() if s.score > 0),
        "carriers_known": len(carrier_set),
        **counts_extra,
    }
    coverage = _coverage(tracks, events, step_params, input_spans)
    counts["coverage_gaps"] = coverage["coverage_gaps"]
    counts["routine_gaps"] = coverage["routine_gaps"]
    counts["events_below_threshold_by_type"] = _below_threshold(events, scoring.min_event_score)
    counts["port_visits"] = visits.num_rows
    counts["voyages"] = voyages.num_rows
    return PipelineResult(
        tracks,
        static,
        events,
        scores,
        profiles,
        carrier_set,
        counts,
        notes,
        step_params,
        coverage,
        visits=visits,
        voyages=voyages,
        features=features,
        registry=registry,
        ids=dict(input_ids or {}),
        sar_scenes=None if sar is None else sar.scenes,
    )


def _port_calls(
    tracks: Tracks,
    events: pa.Table,
    registry: Registry,
    ports: PortIndex | None,
    anchorages: str | None,
    cfg: Config,
    step_params: dict[str, Any],
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """Port visits, voyages, the events placed in their voyages, and the vessel features."""
    pv = cfg.params("port_visits", PortVisitParams)
    fp = cfg.params("features", FeatureParams)
    step_params["port_visits"] = dataclasses.asdict(pv)
    step_params["features"] = dataclasses.asdict(fp)
    if ports is None:
        ports = port_list(tracks, anchorages, cfg.params("context", ContextParams))[0]
    visits, voyages, events = port_call_step(tracks, events, ports, pv)
    features = vessel_features(tracks, events, visits, voyages, registry, ports, fp)
    voyages = voyage_features(tracks, events, voyages, registry, fp)
    return visits, voyages, events, features


def _coverage(
    tracks: Tracks,
    events: pa.Table,
    step_params: dict[str, Any],
    spans: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """Each input's span, the holes in the data as a whole (``vessels.coverage``) and the gaps
    treated as coverage, by kind (``evidence.coverage`` of :mod:`detectors.gap`)."""
    from vessels.coverage import holes_report

    min_h = float((step_params.get("gap") or {}).get("data_hole_min_h", 6.0))
    out = holes_report(tracks.t, min_h, spans)
    kinds: dict[str, int] = {}
    routine = 0  # no coverage gap, but no longer than the regional normal
    types = events.column("type").to_pylist()
    for t, ev in zip(types, events.column("evidence").to_pylist(), strict=True):
        if t == "gap":
            evd = json.loads(ev or "{}")
            kind = evd.get("coverage")
            if kind:
                kinds[kind] = kinds.get(kind, 0) + 1
            elif (evd.get("regional") or {}).get("routine"):
                routine += 1
    out["coverage_gaps"] = dict(sorted(kinds.items()))
    out["routine_gaps"] = routine
    return out


def _below_threshold(events: pa.Table, min_score: float) -> dict[str, int]:
    """Events scoring below the threshold at which they count, by type."""
    out: dict[str, int] = {}
    for t, s in zip(
        events.column("type").to_pylist(), events.column("score").to_pylist(), strict=True
    ):
        if float(s) < min_score:
            out[t] = out.get(t, 0) + 1
    return {t: out[t] for t in EVENT_TYPES if t in out}


def _regional_normal(
    found: list[Event], tracks: Tracks, cfg: Config, ctx: DetectContext
) -> list[Event]:
    """Gaps measured against how long vessels around them usually go unheard
    (:mod:`detectors.regional`; needs every position, so a step of the batch pipeline)."""
    params = cfg.params("gap", GapParams)
    out: list[Event] = apply_regional_normal(found, tracks, params, ctx.params.reception_cell_deg)
    return out


def _effective_params(cfg: Config, tparams: TrackParams) -> dict[str, Any]:
    """Every step's parameters as used (defaults included), for summary.json."""
    out: dict[str, Any] = {"tracks": dataclasses.asdict(tparams)}
    for name in DETECTOR_TYPES:
        out[name] = dataclasses.asdict(load_spec(name, cfg.get(name)).params)
    for name, params in sorted(cfg.tables.items()):
        out.setdefault(name, dataclasses.asdict(params))
    return out


def _count_types(events: pa.Table) -> dict[str, int]:
    types = events.column("type").to_pylist()
    return {t: types.count(t) for t in EVENT_TYPES if t in types}


def _sorted_events(events: pa.Table) -> pa.Table:
    events = events.select(EVENTS_SCHEMA.names).cast(EVENTS_SCHEMA)
    if events.num_rows == 0:
        return events
    return events.sort_by(
        [("start", "ascending"), ("type", "ascending"), ("event_id", "ascending")]
    )


def read_sar(
    paths: Sequence[str | os.PathLike[str]], columns: str | dict[str, str] | None = None
) -> SarInput:
    """The SAR detections and scenes of ``paths`` (:func:`ingest.sar.read_detections`, with the
    ``columns`` mapping of ``--sar-columns``). A damaged compressed file is an
    :class:`InputError`."""
    try:
        return read_detections([str(p) for p in paths], columns)
    except (EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        names = ", ".join(str(p) for p in paths)
        raise InputError(
            f"a SAR detection file cannot be decompressed or read ({exc}); check each file",
            names,
        ) from exc
