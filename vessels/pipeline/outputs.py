"""Everything ``vessels investigate`` writes: the vessel table (CSV, Parquet), events in every
format, grids.nc, report.html and summary.json (:func:`write_outputs`).

Outputs are written into a temporary sibling folder ``.DIR.partial-*`` and only then moved into
place, so an interrupted run never leaves a folder that looks complete; a previous result in
DIR is replaced only once the new one is whole; ``summary.json`` is written last. Reruns on the
same inputs give byte-identical files except ``summary.json``'s run times.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vessels import __version__
from vessels.atomic import atomic_write, output_error
from vessels.config import Config, load_config
from vessels.errors import InputError
from vessels.eventio import with_ids, write_events, write_table_csv
from vessels.pipeline.profiles import Profile, ship_type_text
from vessels.pipeline.risk import RiskResult
from vessels.pipeline.run import PipelineResult, _stage
from vessels.pipeline.scoring import ScoringParams
from vessels.schema import EVENT_TYPES
from vessels.textsafe import csv_cell

__all__ = [
    "OUTPUT_FILES",
    "VESSEL_COLUMNS",
    "VesselRow",
    "check_out_dir",
    "staging_dir",
    "vessel_rows",
    "write_outputs",
]

OUTPUT_FILES = (
    "vessels.csv",
    "vessels.parquet",
    "events.csv",
    "events.geojson",
    "events.parquet",
    "events.kml",
    "tracks.parquet",
    "identity.parquet",
    "sar_scenes.geojson",
    "port_visits.csv",
    "port_visits.parquet",
    "voyages.csv",
    "voyages.parquet",
    "vessel_features.parquet",
    "grids.nc",
    "report.html",
    "summary.json",
)

METHOD_TEXT = (
    "Each event (an AIS gap, an encounter, loitering, an identity problem, a satellite detection "
    "no AIS vessel explains) has a score from 0 to 1 saying how strongly its evidence points to "
    "something unusual. A vessel's risk combines its events so that every further suspicious "
    "event raises the risk but it never goes above 1; each kind of event has a weight (0.8 for "
    "gaps, encounters, loitering and identity, 0.7 for a meeting with a vessel seen only by "
    "satellite; set in the [scoring] table). The share shown beside each reason is how much of "
    "the risk that reason accounts for; the shares add up to the risk. Events scoring below the "
    "threshold are shown as context (hollow markers, listed last) and do not count. An AIS gap "
    "lying mostly in hours when no input delivered anything, or with no other vessel heard near "
    "it, is a coverage gap, and one no longer than the vessels around it usually go unheard is "
    "routine there: both score low, because AIS cannot show the vessel would have been heard. "
    "Every sentence of an event is made from the figures in its evidence. A flag is a "
    "lead for investigation, not proof: check the evidence of every event (reception quality, "
    "distance from shore, matched detections)."
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
    model_risk: float | None = None  # learned from --known-cases (vessels.pipeline.risk)
    model_reasons: str = ""  # the features behind model_risk, in words
    id: str | None = None  # the input's own vessel id when it is not an MMSI (pseudo-MMSI)


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
                id=p.ids.get(m),
            )
        )
    rows.sort(key=lambda r: (-r.risk_score, r.mmsi))
    return rows


def port_calls_by_vessel(visits: pa.Table | None) -> dict[int, list[dict[str, Any]]]:
    """Each vessel's port visits as the report's vessel panel and timeline show them."""
    out: dict[int, list[dict[str, Any]]] = {}
    if visits is None or visits.num_rows == 0:
        return out
    cols = visits.select(["mmsi", "port", "start", "end", "confidence"])
    for r in cols.to_pylist():
        out.setdefault(int(r["mmsi"]), []).append(
            {
                "port": r["port"],
                "start": int(r["start"].timestamp() * 1000),
                "end": int(r["end"].timestamp() * 1000),
                "confidence": r["confidence"],
            }
        )
    for calls in out.values():
        calls.sort(key=lambda c: c["start"])
    return out


def _add_model_risk(rows: list[VesselRow], risk: RiskResult) -> None:
    by_mmsi = {int(m): k for k, m in enumerate(risk.mmsi)}
    for r in rows:
        k = by_mmsi.get(r.mmsi)
        if k is not None:
            r.model_risk = round(float(risk.risk[k]), 4)
            r.model_reasons = risk.reasons[k]


VESSEL_COLUMNS = (
    ["rank", "mmsi", "id", "name", "callsign", "imo", "flag", "ship_type", "risk_score"]
    + [f"n_{t}" for t in EVENT_TYPES]
    + ["positions", "first_seen", "last_seen", "top_reasons", "same_imo_mmsis"]
)


def _vessels_table(rows: list[VesselRow]) -> pa.Table:
    ts = pa.timestamp("ms", tz="UTC")
    cols: dict[str, pa.Array] = {
        "rank": pa.array(range(1, len(rows) + 1), pa.int32()),
        "mmsi": pa.array([r.mmsi for r in rows], pa.uint32()),
        "id": pa.array([r.id for r in rows], pa.string()),
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
    if _has_model(rows):
        cols["model_risk"] = pa.array([r.model_risk for r in rows], pa.float64())
        cols["model_reasons"] = pa.array([r.model_reasons for r in rows], pa.string())
    return pa.table(cols)


def _has_model(rows: list[VesselRow]) -> bool:
    """The learned risk columns appear only in runs given known cases."""
    return any(r.model_risk is not None for r in rows)


def _with_id(table: pa.Table, ids: dict[int, str]) -> pa.Table:
    """``table`` with the input's own vessel id beside its ``mmsi`` column, when the inputs
    named vessels by ids that are not MMSIs; unchanged otherwise."""
    if not ids or "mmsi" not in table.column_names or "id" in table.column_names:
        return table
    col = [None if m is None else ids.get(int(m)) for m in table.column("mmsi").to_pylist()]
    return table.add_column(
        table.column_names.index("mmsi") + 1, pa.field("id", pa.string()), pa.array(col)
    )


def _event_counts(events: pa.Table) -> dict[int, dict[str, int]]:
    """Events per vessel (either side of a pair) and type, whatever their score."""
    out: dict[int, dict[str, int]] = {}
    cols = events.select(["type", "mmsi", "other_mmsi"]).to_pydict()
    for t, a, b in zip(cols["type"], cols["mmsi"], cols["other_mmsi"], strict=True):
        for m in {a, b} - {None}:
            d = out.setdefault(int(m), {})
            d[t] = d.get(t, 0) + 1
    return out


def _coverage_meta(cov: dict[str, Any], min_h: float = 24.0) -> dict[str, Any]:
    """What the report header says about coverage: the span, the holes longer than a day."""
    holes = [h for h in cov.get("holes", []) if h["hours"] > min_h]
    return {
        "first": cov.get("first"),
        "last": cov.get("last"),
        "hole_min_h": min_h,
        "holes": holes[:5],
        "n_holes": len(holes),
        "coverage_gaps": cov.get("coverage_gaps") or {},
        "inputs": [
            {"input": Path(str(x["input"])).name, "first": x["first"], "last": x["last"]}
            for x in sorted(
                (x for x in cov.get("inputs") or [] if x.get("first")),
                key=lambda x: str(x["first"]),
            )[:10]
        ],
        "n_inputs": len(cov.get("inputs") or []),
    }


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return np.datetime_as_string(np.datetime64(ms, "ms"), unit="s") + "Z"


def _write_vessels_csv(rows: list[VesselRow], path: Path) -> None:
    with atomic_write(path) as fh:
        w = csv.writer(fh, lineterminator="\n")
        model = _has_model(rows)
        w.writerow([*VESSEL_COLUMNS, *(("model_risk", "model_reasons") if model else ())])
        for i, r in enumerate(rows, 1):
            vals: list[Any] = [
                i,
                r.mmsi,
                r.id,
                r.name,
                r.callsign,
                r.imo,
                r.flag,
                r.ship_type,
                f"{r.risk_score:.4f}",
            ]
            vals += [r.counts.get(t, 0) for t in EVENT_TYPES]
            vals += [r.positions, _iso(r.first_seen), _iso(r.last_seen), r.top_reasons, r.same_imo]
            if model:
                vals += [
                    "" if r.model_risk is None else f"{r.model_risk:.4f}",
                    r.model_reasons,
                ]
            w.writerow([csv_cell("" if v is None else v) for v in vals])


# --- tracks and identity history (read by `vessels serve`) ---------------------------------

TRACK_ROW_GROUP = 16_384  # rows per Parquet row group: a vessel's track is read by row group


def _tracks_table(p: PipelineResult) -> pa.Table:
    """Every used position, sorted by (mmsi, segment, t), with ``piece``: the segment number
    within its MMSI (one physical vessel's track as the track builder split it; two transponders
    on one MMSI are two pieces that overlap in time, never one zigzag line)."""
    tr = p.tracks
    ts = pa.timestamp("ms", tz="UTC")
    order = np.lexsort((tr.t, tr.seg, tr.mmsi))
    seg = tr.seg[order]
    mm = tr.mmsi[order]
    first_seg = np.zeros(seg.size, dtype=np.int64)
    if seg.size:
        new_mmsi = np.r_[True, mm[1:] != mm[:-1]]
        first_seg = np.maximum.accumulate(np.where(new_mmsi, np.arange(seg.size), 0))
    new_piece = np.r_[True, seg[1:] != seg[:-1]] if seg.size else np.zeros(0, dtype=bool)
    piece = np.cumsum(new_piece) - 1
    piece = piece - piece[first_seg] if seg.size else piece
    return pa.table(
        {
            "mmsi": pa.array(mm, pa.uint32()),
            "t": pa.array(tr.t[order], pa.int64()).cast(ts),
            "lat": pa.array(tr.lat[order], pa.float64()),
            "lon": pa.array(tr.lon[order], pa.float64()),
            "sog": pa.array(tr.sog[order], pa.float32()),
            "cog": pa.array(tr.cog[order], pa.float32()),
            "piece": pa.array(piece, pa.int32()),
        }
    )


def _dimensions(static: pa.Table | None) -> dict[tuple[int, int], tuple[int | None, int | None]]:
    """{(mmsi, t ms): (length, beam)} in metres from the static reports' bow/stern/port/starboard
    distances (None where a report gives none: 0 means not available in AIS)."""
    if static is None or static.num_rows == 0 or "to_bow" not in static.column_names:
        return {}
    cols = {
        k: static.column(k).to_pylist() for k in ("to_bow", "to_stern", "to_port", "to_starboard")
    }
    mm = static.column("mmsi").to_pylist()
    tt = static.column("t").cast(pa.int64()).to_pylist()
    out: dict[tuple[int, int], tuple[int | None, int | None]] = {}
    for i in range(static.num_rows):
        b, st, po, sb = (cols[k][i] or 0 for k in ("to_bow", "to_stern", "to_port", "to_starboard"))
        out[(int(mm[i]), int(tt[i]))] = ((b + st) or None, (po + sb) or None)
    return out


def _identity_table(p: PipelineResult) -> pa.Table:
    """Static-data history: one row per change of a vessel's identity (vessels.pipeline.profiles)."""
    rows = [
        {**h, "mmsi": m, "ship_type": ship_type_text(h.get("ship_type"))}
        for m in sorted(p.profiles)
        for h in p.profiles[m].history
    ]
    dims = _dimensions(p.static)
    length = [dims.get((r["mmsi"], r["t"]), (None, None))[0] for r in rows]
    beam = [dims.get((r["mmsi"], r["t"]), (None, None))[1] for r in rows]
    ts = pa.timestamp("ms", tz="UTC")
    return pa.table(
        {
            "mmsi": pa.array([r["mmsi"] for r in rows], pa.uint32()),
            "t": pa.array([r["t"] for r in rows], pa.int64()).cast(ts),
            "length_m": pa.array(length, pa.int32()),
            "beam_m": pa.array(beam, pa.int32()),
            "name": pa.array([r.get("name") for r in rows], pa.string()),
            "callsign": pa.array([r.get("callsign") for r in rows], pa.string()),
            "imo": pa.array([r.get("imo") for r in rows], pa.uint32()),
            "ship_type": pa.array([r.get("ship_type") for r in rows], pa.string()),
            "destination": pa.array([r.get("destination") for r in rows], pa.string()),
        }
    )


def _scene_features(scenes: pa.Table | None) -> list[dict[str, Any]]:
    """SAR scene footprints as GeoJSON features (scenes without a footprint are left out)."""
    if scenes is None or scenes.num_rows == 0:
        return []
    import shapely
    from shapely.geometry import mapping

    out = []
    for r in scenes.to_pylist():
        if not r.get("footprint"):
            continue
        try:
            geom = mapping(shapely.from_wkt(r["footprint"]))
        except Exception:  # a footprint fusion could not read either; it said so there
            continue
        t = r["t"]
        out.append(
            {
                "type": "Feature",
                "geometry": json.loads(json.dumps(geom)),  # tuples to lists
                "properties": {
                    "scene_id": r["scene_id"],
                    "time": t.strftime("%Y-%m-%dT%H:%M:%SZ") if t is not None else None,
                },
            }
        )
    return out


# --- outputs -------------------------------------------------------------------------------


def check_out_dir(
    out: str | os.PathLike[str],
    known: Iterable[str] = OUTPUT_FILES,
    marker: str = "summary.json",
) -> Path:
    """``out`` resolved, if it can take a result: a new folder, an empty one or a previous result
    (replaced as a whole), below a folder this process may write. Run before the work starts so
    that a wrong ``--out`` fails in a second, not after the pipeline. What a killed run left
    beside ``out`` is tidied first (:func:`_recover_stale`). A previous result is a folder that
    holds ``marker`` or only ``known`` file names (the defaults are those of investigate)."""
    out = Path(out).resolve()
    if out.parent.is_dir():
        try:
            _recover_stale(out)
        except OSError as exc:
            raise output_error(exc, out) from exc
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder; give a folder for --out", str(out))
    if out.is_dir() and any(out.iterdir()) and not (out / marker).is_file():
        names = {p.name for p in out.iterdir()}
        if not names <= set(known):
            raise InputError(
                "is a non-empty folder that does not hold a previous vessels result; "
                "choose a new or empty --out folder",
                str(out),
            )
    base = out.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise InputError(f"cannot create the output folder here ({base} is not a folder)", str(out))
    try:  # a real probe: access() says yes to root on read-only or virtual file systems
        os.rmdir(tempfile.mkdtemp(prefix=".vessels-probe-", dir=base))
    except OSError as exc:
        raise InputError(
            f"cannot create the output folder here ({base}: {exc.strerror or exc}); "
            "choose a writable place for --out",
            str(out),
        ) from exc
    return out


@contextlib.contextmanager
def staging_dir(
    out: str | os.PathLike[str],
    known: Iterable[str] = OUTPUT_FILES,
    marker: str = "summary.json",
) -> Iterator[Path]:
    """A temporary sibling of ``out`` that replaces it only when the block ends cleanly, so that
    ``out`` is always either complete or the previous result (see :func:`check_out_dir` for
    ``known`` and ``marker``)."""
    out = check_out_dir(out, known, marker)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    except OSError as exc:
        raise output_error(exc, out) from exc
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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _recover_stale(out: Path) -> None:
    """Tidy what a killed run left beside ``out`` (a kill skips every ``finally``).

    ``.DIR.partial-PID-*`` of a dead process is an unfinished result: removed. ``.DIR.old-PID``
    of a dead process is the previous complete result, moved aside just before the kill: put
    back in place when ``out`` is missing, else removed.
    """
    head = f".{out.name}."
    for cand in sorted(x for x in out.parent.iterdir() if x.name.startswith(head)):
        kind, _, rest = cand.name[len(head) :].partition("-")
        pid_text = rest.split("-", 1)[0]
        if kind not in ("partial", "old") or not pid_text.isdigit() or not cand.is_dir():
            continue
        if _pid_alive(int(pid_text)):
            continue  # another run on the same folder is still working
        if kind == "old" and not out.exists():
            os.replace(cand, out)
        else:
            shutil.rmtree(cand, ignore_errors=True)


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
    config: Config | Mapping[str, Any],
    inputs: list[dict[str, Any]],
    sar_inputs: list[dict[str, Any]],
    carriers: str | None,
    started: float,
    timings: dict[str, float],
    quiet: bool = True,
    title: str | None = None,
    anchorages: dict[str, Any] | None = None,
    risk: RiskResult | None = None,
) -> tuple[list[VesselRow], dict[str, Any]]:
    """Every output file of a run, into ``out`` (replaced as a whole, see module docstring).
    ``risk``: the learned model's scores (``--known-cases``), added to the vessel table."""
    from dashboards.report import ReportParams, ReportVessel, write_report
    from vessels.pipeline.grids import GridParams, build_grids, write_grids

    cfg = load_config(config)
    scoring = cfg.params("scoring", ScoringParams)
    grid_params = cfg.params("grids", GridParams)
    report_params = cfg.params("report", ReportParams)
    rows = vessel_rows(p, scoring)
    if risk is not None:
        _add_model_risk(rows, risk)
    with staging_dir(out) as tmp:
        with _stage("vessel table", quiet, timings):
            _write_vessels_csv(rows, tmp / "vessels.csv")
            pq.write_table(_vessels_table(rows), tmp / "vessels.parquet", compression="zstd")
        with _stage("events", quiet, timings):
            events_out = with_ids(p.events, p.ids)
            for ext in ("csv", "geojson", "parquet", "kml"):
                write_events(events_out, tmp / f"events.{ext}")
        with _stage("tracks", quiet, timings):
            pq.write_table(
                _tracks_table(p),
                tmp / "tracks.parquet",
                compression="zstd",
                row_group_size=TRACK_ROW_GROUP,
            )
            pq.write_table(_identity_table(p), tmp / "identity.parquet", compression="zstd")
        with _stage("port call files", quiet, timings):
            for name, table in (("port_visits", p.visits), ("voyages", p.voyages)):
                table = _with_id(table, p.ids) if table is not None else pa.table({})
                write_table_csv(table, tmp / f"{name}.csv")
                pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
            features = _with_id(p.features, p.ids) if p.features is not None else pa.table({})
            pq.write_table(features, tmp / "vessel_features.parquet", compression="zstd")
        with _stage("grids", quiet, timings):
            write_grids(build_grids(p.tracks, p.events, grid_params), tmp / "grids.nc")
        with _stage("report", quiet, timings):
            flagged = [r for r in rows if r.risk_score > 0]
            # vessels whose events all scored below the threshold: listed as context (the
            # report's "show context" switch), so nothing detected is invisible
            ev_counts = _event_counts(p.events)
            context = [r for r in rows if r.risk_score <= 0 and r.mmsi in ev_counts]
            calls = port_calls_by_vessel(p.visits)
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
                    flagged=r.risk_score > 0,
                    id=r.id,
                    port_calls=calls.get(r.mmsi, []),
                )
                for r in flagged + context
            ]
            for v in rv:
                if not v.flagged:
                    v.counts = ev_counts[v.mmsi]
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
                    "flagged": len(flagged),
                    "context_vessels": len(context),
                },
                "data_span": [int(t_all.min()), int(t_all.max())] if t_all.size else None,
                "coverage": _coverage_meta(p.coverage),
                "period": period,
                "version": __version__,
                "method": METHOD_TEXT,
                "threshold": scoring.min_event_score,
                "inputs": [Path(i["path"]).name for i in inputs],
            }
            scenes = _scene_features(p.sar_scenes)
            with atomic_write(tmp / "sar_scenes.geojson") as fh:
                json.dump({"type": "FeatureCollection", "features": scenes}, fh, sort_keys=True)
                fh.write("\n")
            write_report(tmp / "report.html", rv, p.events, p.tracks, meta, report_params, scenes)
        summary = {
            "software": _software(),
            "inputs": inputs,
            "sar_inputs": sar_inputs,
            "carriers": carriers,
            "anchorages": anchorages,
            "counts": p.counts,
            "parameters": {
                "config_file": dict(cfg.raw),
                **p.step_params,
                "scoring": asdict(scoring),
                "grids": asdict(grid_params),
                "report": asdict(report_params),
            },
            "notes": p.notes,
            "coverage": p.coverage,
            "risk_model": None if risk is None else risk.summary,
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
