"""The analysis steps of ``vessels investigate`` on tables already read: receiver merge,
tracks, registry and profiles, detectors, SAR fusion and scoring (:func:`run_pipeline`).

Parts built by other issues are imported when present; a missing one is noted in the result
(and in summary.json), never silently skipped, and a broken one raises.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from vessels.errors import ConfigError, InputError, NoDataError, VesselsError
from vessels.pipeline.profiles import Profile, build_profiles
from vessels.pipeline.scoring import ScoringParams, VesselScore, score_vessels
from vessels.registry import Registry
from vessels.schema import EVENT_TYPES, EVENTS_SCHEMA
from vessels.tracks import Tracks

__all__ = ["PipelineResult", "StageTimes", "read_sar", "run_pipeline"]


# --- optional parts (built by other issues): degrade with a clear note when missing --------


def _optional(module: str, attr: str) -> Any:
    """``module.attr``, or None when that module does not exist in this build. Any other
    import failure (a bug inside the module) is raised, never mistaken for "not built"."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None
        raise
    if getattr(mod, "__file__", None) is None:  # a namespace package: a stale editable install
        raise VesselsError(
            f"the installed '{module.split('.')[0]}' package is incomplete (installed before it "
            "had an __init__.py); reinstall vessels: pip install -e ."
        )
    return getattr(mod, attr, None)


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


def _carrier_set(registry: Any, mmsis: Sequence[int]) -> frozenset[int]:
    if registry is None or not hasattr(registry, "is_carrier"):
        return frozenset()
    return frozenset(int(m) for m in mmsis if registry.is_carrier(int(m)))


def run_pipeline(
    positions: pa.Table,
    static: pa.Table | None = None,
    *,
    sar_paths: Sequence[str | os.PathLike[str]] = (),
    carriers: str | os.PathLike[str] | None = None,
    config: dict[str, Any] | None = None,
    events: pa.Table | None = None,
    anchorages: str | None = None,
    sar: Any = None,
    quiet: bool = True,
    timings: dict[str, float] | None = None,
    input_spans: Sequence[dict[str, Any]] = (),
    input_ids: dict[int, str] | None = None,
) -> PipelineResult:
    """Tracks, events (detected here unless ``events`` is given), fusion and scores.

    ``sar`` is an already read :class:`ingest.sar.SarInput` (see :func:`read_sar`), used instead
    of reading ``sar_paths`` again; ``anchorages`` is a CSV of ports or anchorages the detectors
    add to the built-in and derived ones; ``input_spans`` the time span of each input
    (``IngestStats.spans``), for the coverage section of the result; ``input_ids`` the input's
    own vessel id of each pseudo-MMSI (``IngestStats.id_map`` inverted), kept in every output."""
    from vessels.tracks import TrackParams, build_tracks

    config = config or {}
    timings = {} if timings is None else timings
    notes: list[str] = []
    if positions.num_rows == 0:
        raise NoDataError("the inputs hold no position reports at all: nothing to investigate")
    # the detectors' config loader checks every table it knows (tracks, context, detectors)
    # and passes ours ([scoring], [grids], [report]) through
    det_config: Any = None
    load_det_config = _optional("vessels.config", "load_config")
    if load_det_config is not None:
        det_config = load_det_config(config)
        tparams = det_config.get("tracks", TrackParams())
    else:
        try:
            tparams = TrackParams(**(config.get("tracks") or {}))
        except TypeError as exc:
            raise ConfigError(f"[tracks]: {exc}") from exc
    counts_extra: dict[str, Any] = {}
    positions = _merge_receivers(positions, counts_extra, notes, quiet, timings)
    with _stage("tracks", quiet, timings):
        tracks, removed = build_tracks(positions, tparams)
    if tracks.n == 0:
        raise NoDataError(
            f"none of the {positions.num_rows} position reports is usable "
            f"(removed: {', '.join(f'{k} {v}' for k, v in removed.items() if v)})"
        )
    mmsis = np.unique(tracks.seg_mmsi).tolist()
    registry = None
    build_registry = _optional("vessels.registry", "build_registry")
    with _stage("registry", quiet, timings):
        if build_registry is not None:
            registry = build_registry(static, carriers)
            registry.ids = dict(input_ids or {})
        elif carriers is not None:
            notes.append("carrier list given but vessels.registry is not available: ignored")
        profiles = build_profiles(static, set(int(m) for m in mmsis))
        latest = getattr(registry, "latest", None)
        if isinstance(latest, dict):  # the registry checks IMO check digits; prefer its IMO
            for m, prof in profiles.items():
                prof.imo = (latest.get(m) or {}).get("imo")
    carrier_set = _carrier_set(registry, mmsis)

    if events is None:
        from vessels.events import events_to_table

        found: list[Any] = []
        ports = None
        detect_tracks = _optional("detectors", "detect_tracks")
        with _stage("detectors", quiet, timings):
            if detect_tracks is None or registry is None or det_config is None:
                notes.append("the detectors package is not available: no AIS events detected")
            else:
                found, ctx = detect_tracks(
                    tracks, registry, config=det_config, anchorages=anchorages
                )
                ports = ctx.ports
                found = _regional_normal(found, tracks, det_config, ctx)
        step_params = _effective_params(det_config, tparams)
        if sar_paths or sar is not None:
            with _stage("SAR fusion", quiet, timings):
                if sar is None:
                    sar = read_sar(sar_paths)
                found = _fuse_sar(
                    sar, tracks, static, registry, det_config, found, notes, step_params
                )
        events = events_to_table(found)
    else:
        ports = None
        step_params = {"tracks": _as_dict(tparams)}
    events = _sorted_events(events)
    with _stage("port calls", quiet, timings):
        visits, voyages, events, features = _port_calls(
            tracks, events, registry, ports, anchorages, config, step_params
        )
    with _stage("scoring", quiet, timings):
        scoring = ScoringParams.from_mapping(config.get("scoring"))
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
        sar_scenes=getattr(sar, "scenes", None),
    )


def _port_calls(
    tracks: Tracks,
    events: pa.Table,
    registry: Registry | None,
    ports: Any,
    anchorages: str | None,
    config: dict[str, Any],
    step_params: dict[str, Any],
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """Port visits, voyages, the events placed in their voyages, and the vessel features."""
    from detectors.base import ContextParams, port_list
    from vessels.config import make_params
    from vessels.pipeline.features import FeatureParams, vessel_features
    from vessels.pipeline.port_calls import port_call_step
    from vessels.registry import Registry
    from vessels.voyages import PortVisitParams

    pv = make_params(PortVisitParams, config.get("port_visits") or {}, "port_visits")
    fp = make_params(FeatureParams, config.get("features") or {}, "features")
    step_params["port_visits"] = _as_dict(pv)
    step_params["features"] = _as_dict(fp)
    if ports is None:
        ports = port_list(tracks, anchorages, ContextParams())[0]
    visits, voyages, events = port_call_step(tracks, events, ports, pv)
    reg = registry if registry is not None else Registry()
    features = vessel_features(tracks, events, visits, voyages, reg, ports, fp)
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


#: Above this many rows the receiver merge is skipped (and the summary says so): ingest.merge
#: costs ~1 us a row (benchmarks/bench_fusion.py), so 20 million rows stay within minutes.
MERGE_MAX_ROWS = 20_000_000


def _merge_receivers(
    positions: pa.Table,
    counts: dict[str, Any],
    notes: list[str],
    quiet: bool,
    timings: dict[str, float],
) -> pa.Table:
    """One row per message heard by several receivers, receiver clock offsets corrected
    (:func:`ingest.merge.merge_positions`), when there is more than one receiver."""
    merge = _optional("ingest.merge", "merge_positions")
    if merge is None or "receiver" not in positions.column_names:
        return positions
    n_recv = len(pa.compute.unique(positions.column("receiver").cast(pa.string())))
    if n_recv < 2:
        return positions
    if positions.num_rows > MERGE_MAX_ROWS:
        notes.append(
            f"receiver merge skipped ({positions.num_rows:,} rows > {MERGE_MAX_ROWS:,}); "
            "duplicates are still removed when tracks are built"
        )
        return positions
    with _stage("receiver merge", quiet, timings):
        res = merge(positions)
    counts["receiver_merge"] = dict(sorted(res.stats.items()))
    return res.positions  # type: ignore[no-any-return]


def _as_dict(obj: Any) -> Any:
    import dataclasses

    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj  # type: ignore[arg-type]


def _regional_normal(found: list[Any], tracks: Tracks, det_config: Any, ctx: Any) -> list[Any]:
    """Gaps measured against how long vessels around them usually go unheard
    (:mod:`detectors.regional`; needs every position, so a step of the batch pipeline)."""
    apply = _optional("detectors.regional", "apply_regional_normal")
    if apply is None:
        return found
    from detectors.gap import GapParams

    params = det_config.get("gap", GapParams())
    cell_deg = float(getattr(getattr(ctx, "params", None), "reception_cell_deg", 1.0))
    out: list[Any] = apply(found, tracks, params, cell_deg)
    return out


def _effective_params(det_config: Any, tparams: Any) -> dict[str, Any]:
    """Every step's parameters as used (defaults included), for summary.json."""
    out: dict[str, Any] = {"tracks": _as_dict(tparams)}
    if det_config is None:
        return out
    available = _optional("detectors", "available_detectors")
    load_spec = _optional("detectors.base", "load_spec")
    if available is not None and load_spec is not None:
        for name in available():
            out[name] = _as_dict(load_spec(name, det_config.get(name)).params)
    for name, params in sorted(getattr(det_config, "params", {}).items()):
        out.setdefault(name, _as_dict(params))
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
) -> Any:
    """The SAR detections and scenes of ``paths`` (:func:`ingest.sar.read_detections`, with the
    ``columns`` mapping of ``--sar-columns``), or None when this build has no SAR reader. A
    damaged compressed file is an :class:`InputError`."""
    import lzma
    import zlib

    read = _optional("ingest.sar", "read_detections")
    if read is None:
        return None
    try:
        return read([str(p) for p in paths], columns)
    except (EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        names = ", ".join(str(p) for p in paths)
        raise InputError(
            f"a SAR detection file cannot be decompressed or read ({exc}); check each file",
            names,
        ) from exc


def _fuse_sar(
    sar: Any,
    tracks: Tracks,
    static: pa.Table | None,
    registry: Any,
    det_config: Any,
    events: list[Any],
    notes: list[str],
    step_params: dict[str, Any],
) -> list[Any]:
    """Match SAR detections to the tracks; add ``dark_detection`` / ``dark_rendezvous`` events
    and enrich the AIS gaps that imagery saw (the same steps as :mod:`vessels.fusion.fuse`)."""
    match = _optional("vessels.fusion.matching", "match_detections")
    dark = _optional("vessels.fusion.dark", "detect")
    if sar is None or match is None or dark is None:
        notes.append("SAR fusion modules are not available: detections were not matched")
        return events
    from vessels.config import make_params
    from vessels.fusion.dark import DarkParams
    from vessels.fusion.fuse import vessel_lengths
    from vessels.fusion.matching import MatchParams

    other = getattr(det_config, "other", {}) or {}
    match_params = make_params(MatchParams, other.get("fusion") or {}, "fusion")
    dark_params = make_params(DarkParams, other.get("dark") or {}, "dark")
    step_params["fusion"] = _as_dict(match_params)
    step_params["dark"] = _as_dict(dark_params)
    result = match(sar, tracks, lengths=vessel_lengths(static), params=match_params)
    gaps = [e for e in events if e.type == "gap"]
    rest = [e for e in events if e.type != "gap"]
    is_carrier = getattr(registry, "is_carrier", None)
    found: list[Any] = dark(result, tracks, dark_params, gaps=gaps, is_carrier=is_carrier)
    stats = getattr(result, "stats", None)
    if stats:
        notes.append("SAR: " + result.summary())
    return rest + found
