"""The batch pipeline behind ``vessels investigate``: inputs in, a ranked and explained list of
suspect vessels and a self-contained report out.

ingest -> tracks -> detectors -> SAR fusion -> scoring -> outputs. Outputs (see
:func:`write_outputs`) are first written into a temporary sibling folder ``.DIR.partial-*`` and
only then moved into place, so an interrupted run never leaves a folder that looks complete; a
previous result in DIR is replaced only once the new one is whole. ``summary.json`` is written
last. Reruns on the same inputs give byte-identical files except ``summary.json``'s run time.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vessels import __version__
from vessels.atomic import atomic_write
from vessels.errors import ConfigError, InputError, NoDataError, VesselsError
from vessels.eventio import write_events
from vessels.profiles import Profile, build_profiles, ship_type_text
from vessels.schema import EVENT_TYPES, EVENTS_SCHEMA
from vessels.scoring import ScoringParams, VesselScore, score_vessels
from vessels.textsafe import csv_cell
from vessels.tracks import Tracks

__all__ = [
    "InvestigateResult",
    "VesselRow",
    "find_carriers",
    "investigate",
    "load_config",
    "run_pipeline",
    "write_outputs",
]

OUTPUT_FILES = (
    "vessels.csv",
    "vessels.parquet",
    "events.csv",
    "events.geojson",
    "events.parquet",
    "events.kml",
    "grids.nc",
    "report.html",
    "summary.json",
)

METHOD_TEXT = (
    "Each event carries a score in [0, 1] from its detector (evidence in the event). A vessel's "
    "risk combines its events as a noisy-OR, 1 - prod(1 - w_type x event score), with a weight per "
    "event type (0.8 for gaps, encounters, loitering and identity, 0.7 for a rendezvous with a "
    "vessel seen only by satellite; configurable in the [scoring] table). Each reason's share of the score is proportional to "
    "its log-odds contribution, so the shares add up to the score. Events below the minimum "
    "event score are not counted. A flag is a lead for investigation, not proof: check the "
    "evidence (reception quality, distance from shore, matched detections) of every event."
)


@dataclass
class VesselRow:
    """One row of vessels.csv: identity, risk and why."""

    mmsi: int
    name: str | None
    callsign: str | None
    imo: int | None
    flag: str | None
    ship_type: str | None
    risk_score: float
    counts: dict[str, int]
    positions: int
    first_seen: int | None  # ms
    last_seen: int | None
    top_reasons: str
    reasons: list[tuple[str, float]] = field(default_factory=list)
    same_imo: str = ""  # other MMSIs that reported this vessel's IMO, "MMSI (flag)"


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
    return cfg


def find_carriers(inputs: Sequence[str | os.PathLike[str]]) -> Path | None:
    """A ``carriers.csv`` beside the first input (the simulator writes one), else None."""
    for p in inputs:
        cand = Path(p).parent / "carriers.csv"
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
        "ingest",
        "receiver merge",
        "tracks",
        "registry",
        "detectors",
        "SAR fusion",
        "scoring",
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
    quiet: bool = True,
    timings: dict[str, float] | None = None,
) -> PipelineResult:
    """Tracks, events (detected here unless ``events`` is given), fusion and scores."""
    from vessels.tracks import TrackParams, build_tracks

    config = config or {}
    timings = {} if timings is None else timings
    notes: list[str] = []
    if positions.num_rows == 0:
        raise NoDataError("the inputs hold no position reports at all: nothing to investigate")
    # the detectors' config loader checks every table it knows (tracks, context, detectors)
    # and passes ours ([scoring], [grids], [report]) through
    det_config: Any = None
    load_det_config = _optional("detectors.config", "load_config")
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
        detect_tracks = _optional("detectors", "detect_tracks")
        with _stage("detectors", quiet, timings):
            if detect_tracks is None or registry is None or det_config is None:
                notes.append("the detectors package is not available: no AIS events detected")
            else:
                found, _ctx = detect_tracks(tracks, registry, config=det_config)
        step_params = _effective_params(det_config, tparams)
        if sar_paths:
            with _stage("SAR fusion", quiet, timings):
                found = _fuse_sar(
                    sar_paths, tracks, static, registry, det_config, found, notes, step_params
                )
        events = events_to_table(found)
    else:
        step_params = {"tracks": _as_dict(tparams)}
    events = _sorted_events(events)
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
    return PipelineResult(
        tracks, static, events, scores, profiles, carrier_set, counts, notes, step_params
    )


#: Above this many rows the receiver merge is skipped: ingest.merge costs ~20 us a row today,
#: which alone would break the 3-minute budget for 10 million positions.
MERGE_MAX_ROWS = 2_000_000


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


def _fuse_sar(
    sar_paths: Sequence[str | os.PathLike[str]],
    tracks: Tracks,
    static: pa.Table | None,
    registry: Any,
    det_config: Any,
    events: list[Any],
    notes: list[str],
    step_params: dict[str, Any],
) -> list[Any]:
    """Match SAR detections to the tracks; add ``dark_detection`` / ``dark_rendezvous`` events
    and enrich the AIS gaps that imagery saw (the same steps as :mod:`vessels.fusepipe`)."""
    read = _optional("ingest.sar", "read_detections")
    match = _optional("vessels.fusion", "match_detections")
    dark = _optional("detectors.dark", "detect")
    if read is None or match is None or dark is None:
        notes.append("SAR fusion modules are not available: detections were not matched")
        return events
    from detectors.config import make_params
    from detectors.dark import DarkParams
    from vessels.fusepipe import vessel_lengths
    from vessels.fusion import MatchParams

    other = getattr(det_config, "other", {}) or {}
    match_params = make_params(MatchParams, other.get("fusion") or {}, "fusion")
    dark_params = make_params(DarkParams, other.get("dark") or {}, "dark")
    step_params["fusion"] = _as_dict(match_params)
    step_params["dark"] = _as_dict(dark_params)
    sar = read([str(p) for p in sar_paths])
    result = match(sar, tracks, lengths=vessel_lengths(static), params=match_params)
    gaps = [e for e in events if e.type == "gap"]
    rest = [e for e in events if e.type != "gap"]
    is_carrier = getattr(registry, "is_carrier", None)
    found: list[Any] = dark(result, tracks, dark_params, gaps=gaps, is_carrier=is_carrier)
    stats = getattr(result, "stats", None)
    if stats:
        notes.append("SAR: " + result.summary())
    return rest + found


# --- vessel table --------------------------------------------------------------------------


def vessel_rows(p: PipelineResult, scoring: ScoringParams) -> list[VesselRow]:
    """One row per vessel (MMSI), sorted by risk (highest first), then MMSI."""
    tr = p.tracks
    # positions and time span per MMSI (segments of one MMSI pooled)
    mm_u, inv = np.unique(tr.mmsi, return_inverse=True)
    n_pos = np.bincount(inv, minlength=mm_u.size)
    first = np.full(mm_u.size, np.iinfo(np.int64).max)
    last = np.full(mm_u.size, np.iinfo(np.int64).min)
    np.minimum.at(first, inv, tr.t)
    np.maximum.at(last, inv, tr.t)
    stats = {
        int(m): (int(n), int(a), int(b))
        for m, n, a, b in zip(mm_u, n_pos, first, last, strict=True)
    }
    all_mmsi = set(stats) | set(p.scores)
    rows = []
    for m in all_mmsi:
        prof = p.profiles.get(m) or Profile(mmsi=m)
        sc = p.scores.get(m)
        n, a, b = stats.get(m, (0, 0, 0))
        reasons = [(r.text, r.share) for r in sc.reasons] if sc else []
        rows.append(
            VesselRow(
                mmsi=m,
                name=prof.name,
                callsign=prof.callsign,
                imo=prof.imo,
                flag=prof.flag,
                ship_type=prof.ship_type,
                risk_score=sc.score if sc else 0.0,
                counts={t: (sc.counts.get(t, 0) if sc else 0) for t in EVENT_TYPES},
                positions=n,
                first_seen=a if n else None,
                last_seen=b if n else None,
                top_reasons=sc.top_reasons_text(scoring.top_reasons) if sc else "",
                reasons=reasons,
                same_imo="; ".join(f"{o['mmsi']} ({o['flag'] or '?'})" for o in prof.same_imo),
            )
        )
    rows.sort(key=lambda r: (-r.risk_score, r.mmsi))
    return rows


VESSEL_COLUMNS = (
    ["rank", "mmsi", "name", "callsign", "imo", "flag", "ship_type", "risk_score"]
    + [f"n_{t}" for t in EVENT_TYPES]
    + ["positions", "first_seen", "last_seen", "top_reasons", "same_imo_mmsis"]
)


def _vessels_table(rows: list[VesselRow]) -> pa.Table:
    ts = pa.timestamp("ms", tz="UTC")
    cols: dict[str, pa.Array] = {
        "rank": pa.array(range(1, len(rows) + 1), pa.int32()),
        "mmsi": pa.array([r.mmsi for r in rows], pa.uint32()),
        "name": pa.array([r.name for r in rows], pa.string()),
        "callsign": pa.array([r.callsign for r in rows], pa.string()),
        "imo": pa.array([r.imo for r in rows], pa.uint32()),
        "flag": pa.array([r.flag for r in rows], pa.string()),
        "ship_type": pa.array([r.ship_type for r in rows], pa.string()),
        "risk_score": pa.array([r.risk_score for r in rows], pa.float64()),
    }
    for t in EVENT_TYPES:
        cols[f"n_{t}"] = pa.array([r.counts.get(t, 0) for r in rows], pa.int32())
    cols["positions"] = pa.array([r.positions for r in rows], pa.int64())
    cols["first_seen"] = pa.array([r.first_seen for r in rows], ts)
    cols["last_seen"] = pa.array([r.last_seen for r in rows], ts)
    cols["top_reasons"] = pa.array([r.top_reasons for r in rows], pa.string())
    cols["same_imo_mmsis"] = pa.array([r.same_imo for r in rows], pa.string())
    return pa.table(cols)


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return np.datetime_as_string(np.datetime64(ms, "ms"), unit="s") + "Z"


def _write_vessels_csv(rows: list[VesselRow], path: Path) -> None:
    with atomic_write(path) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(VESSEL_COLUMNS)
        for i, r in enumerate(rows, 1):
            vals: list[Any] = [
                i,
                r.mmsi,
                r.name,
                r.callsign,
                r.imo,
                r.flag,
                r.ship_type,
                f"{r.risk_score:.4f}",
            ]
            vals += [r.counts.get(t, 0) for t in EVENT_TYPES]
            vals += [r.positions, _iso(r.first_seen), _iso(r.last_seen), r.top_reasons, r.same_imo]
            w.writerow([csv_cell("" if v is None else v) for v in vals])


# --- outputs -------------------------------------------------------------------------------


@contextlib.contextmanager
def _staging_dir(out: Path) -> Iterator[Path]:
    """A temporary sibling of ``out`` that replaces it only when the block ends cleanly."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", str(out))
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").is_file():
        names = {p.name for p in out.iterdir()}
        if not names <= set(OUTPUT_FILES):
            raise InputError(
                "is a non-empty folder that does not hold a previous vessels result; "
                "choose a new or empty --out folder",
                str(out),
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
        _publish_modes(tmp)
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _software() -> dict[str, str]:
    """Versions that decide the results, for reproducibility."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"name": "vessels", "version": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "numba", "pyarrow", "pyais", "xarray", "landmetrics", "searoute"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def _publish_modes(folder: Path) -> None:
    """Temporary files are created private (0600); results get the usual umask modes."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(folder, 0o777 & ~mask)
    for f in folder.iterdir():
        if f.is_file():
            os.chmod(f, 0o666 & ~mask)


def write_outputs(
    out: Path,
    p: PipelineResult,
    *,
    config: dict[str, Any],
    inputs: list[dict[str, Any]],
    sar_inputs: list[dict[str, Any]],
    carriers: str | None,
    started: float,
    timings: dict[str, float],
    quiet: bool = True,
    title: str | None = None,
) -> tuple[list[VesselRow], dict[str, Any]]:
    """Every output file of a run, into ``out`` (replaced as a whole, see module docstring)."""
    from dashboards.report import ReportParams, ReportVessel, write_report
    from vessels.grids import GridParams, build_grids, write_grids

    scoring = ScoringParams.from_mapping(config.get("scoring"))
    grid_params = GridParams.from_mapping(config.get("grids"))
    report_params = ReportParams.from_mapping(config.get("report"))
    rows = vessel_rows(p, scoring)
    with _staging_dir(out) as tmp:
        with _stage("vessel table", quiet, timings):
            _write_vessels_csv(rows, tmp / "vessels.csv")
            pq.write_table(_vessels_table(rows), tmp / "vessels.parquet", compression="zstd")
        with _stage("events", quiet, timings):
            for ext in ("csv", "geojson", "parquet", "kml"):
                write_events(p.events, tmp / f"events.{ext}")
        with _stage("grids", quiet, timings):
            write_grids(build_grids(p.tracks, p.events, grid_params), tmp / "grids.nc")
        with _stage("report", quiet, timings):
            flagged = [r for r in rows if r.risk_score > 0]
            rv = [
                ReportVessel(
                    mmsi=r.mmsi,
                    score=r.risk_score,
                    name=r.name,
                    callsign=r.callsign,
                    imo=r.imo,
                    flag=r.flag,
                    ship_type=r.ship_type,
                    counts={k: v for k, v in r.counts.items() if v},
                    reasons=r.reasons,
                    history=[
                        {**h, "ship_type": ship_type_text(h.get("ship_type"))}
                        for h in (p.profiles[r.mmsi].history if r.mmsi in p.profiles else [])
                    ],
                    same_imo=p.profiles[r.mmsi].same_imo if r.mmsi in p.profiles else [],
                )
                for r in flagged
            ]
            t_all = p.tracks.t
            period = (
                f"{_iso(int(t_all.min()))[:10]} to {_iso(int(t_all.max()))[:10]}"
                if t_all.size
                else ""
            )
            meta = {
                "title": title or "vessels investigation",
                "counts": {
                    "positions": p.counts["positions_used"],
                    "vessels": p.counts["vessels"],
                    "events": p.counts["events"],
                },
                "period": period,
                "version": __version__,
                "method": METHOD_TEXT,
                "inputs": [Path(i["path"]).name for i in inputs],
            }
            write_report(tmp / "report.html", rv, p.events, p.tracks, meta, report_params)
        summary = {
            "software": _software(),
            "inputs": inputs,
            "sar_inputs": sar_inputs,
            "carriers": carriers,
            "counts": p.counts,
            "parameters": {
                "config_file": config,
                **p.step_params,
                "scoring": asdict(scoring),
                "grids": asdict(grid_params),
                "report": asdict(report_params),
            },
            "notes": p.notes,
            "outputs": list(OUTPUT_FILES),
            "atomicity": "written into a temporary sibling folder and renamed into place; "
            "summary.json last",
            "top_vessels": [
                {
                    "mmsi": r.mmsi,
                    "name": r.name,
                    "risk_score": r.risk_score,
                    "reasons": r.top_reasons,
                }
                for r in flagged[:20]
            ],
            "stage_seconds": dict(timings),
            "run_time_s": round(time.perf_counter() - started, 3),
        }
        with atomic_write(tmp / "summary.json") as fh:
            json.dump(summary, fh, indent=1, sort_keys=True, default=str)
            fh.write("\n")
    return rows, summary


def investigate(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    sar: Sequence[str | os.PathLike[str]] = (),
    carriers: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | dict[str, Any] | None = None,
    quiet: bool = True,
) -> InvestigateResult:
    """Run the whole investigation and write every output into ``out``."""
    started = time.perf_counter()
    timings = StageTimes(quiet)
    try:
        return _investigate(inputs, out, sar, carriers, config, quiet, started, timings)
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
) -> InvestigateResult:
    if not inputs:
        raise InputError("no input files given")
    for path in [*inputs, *sar]:
        if not Path(path).exists():
            raise InputError("no such file or directory", str(path))
    cfg = config if isinstance(config, dict) else load_config(config)
    if carriers is None:
        found = find_carriers(inputs)
        carriers = found
    elif not Path(carriers).is_file():
        raise InputError("no such carrier list", str(carriers))
    read_inputs = _optional("ingest", "read_inputs")
    if read_inputs is None:
        raise VesselsError("this build of vessels lacks ingest.read_inputs: cannot read inputs")
    with _stage("ingest", quiet, timings):
        res = read_inputs([str(p) for p in inputs], quiet=quiet)
    positions = res.positions
    if positions.num_rows == 0:
        summary = res.summary() if hasattr(res, "summary") else ""
        raise NoDataError(
            "no position reports found in the inputs; check the format"
            + (f" ({summary})" if summary else "")
        )
    p = run_pipeline(
        positions,
        res.static,
        sar_paths=sar,
        carriers=carriers,
        config=cfg,
        quiet=quiet,
        timings=timings,
    )
    stats = getattr(res, "stats", None)
    if stats is not None:
        p.counts["ingest"] = {
            "lines": getattr(stats, "lines", None),
            "messages_by_type": {
                str(k): v for k, v in sorted(getattr(stats, "messages_by_type", {}).items())
            },
            "rejects": dict(sorted(getattr(stats, "rejects", {}).items())),
        }
    input_list = _file_list(inputs)
    rows, summary = write_outputs(
        Path(out),
        p,
        config=cfg,
        inputs=input_list,
        sar_inputs=_file_list(sar),
        carriers=None if carriers is None else str(carriers),
        started=started,
        timings=timings,
        quiet=quiet,
    )
    return InvestigateResult(Path(out), rows, p.events, summary)
