"""The first map view: the same data the report embeds (:func:`dashboards.report.report_data`),
built from the serve store and the investigations' ``tracks.parquet``.

Listed vessels (the highest-risk ones, ``max_vessels``) get their tracks decimated and broken at
silences exactly as in the report; the traffic-density layer is binned from at most
``DENSITY_SAMPLE`` positions taken evenly from every row group, so a 10-million-position store
opens without reading all of it into memory at once.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dashboards.report import ReportParams, ReportVessel, report_data
from vessels.schema import EVENTS_SCHEMA
from vessels.serve.queries import event_fields
from vessels.serve.tracks import first_copies
from vessels.tracks import Tracks

__all__ = ["build_overview", "parse_reasons"]

DENSITY_SAMPLE = 2_000_000


_REASON = re.compile(r"(.+?) \[(\d+(?:\.\d+)?)\](?:; |$)")


def parse_reasons(text: str) -> list[tuple[str, float]]:
    """``"text [0.42]; text [0.10]"`` (:meth:`vessels.pipeline.scoring.VesselScore.top_reasons_text`)
    back into (text, share) pairs."""
    return [(m.group(1), float(m.group(2))) for m in _REASON.finditer(text)]


def _listed(con: sqlite3.Connection, max_vessels: int) -> list[ReportVessel]:
    out = []
    for r in con.execute(
        "SELECT * FROM serve_vessels WHERE risk_score > 0 ORDER BY risk_score DESC, mmsi LIMIT ?",
        (max_vessels,),
    ):
        counts = {k: v for k, v in json.loads(r["counts"]).items() if v}
        reasons = parse_reasons(r["top_reasons"] or "")
        out.append(
            ReportVessel(
                mmsi=r["mmsi"],
                score=r["risk_score"],
                name=r["name"],
                callsign=r["callsign"],
                imo=r["imo"],
                flag=r["flag"],
                ship_type=r["ship_type"],
                counts=counts,
                reasons=reasons,
            )
        )
    return out


def _events_table(con: sqlite3.Connection, mmsis: set[int]) -> pa.Table:
    rows = []
    for r in con.execute("SELECT * FROM serve_events WHERE detected = 1"):
        if r["mmsi"] is not None and r["mmsi"] not in mmsis and r["other_mmsi"] not in mmsis:
            continue
        e = event_fields(r)
        rows.append({**e, "evidence": json.dumps(e["evidence"])})
    ts = pa.timestamp("ms", tz="UTC")
    cols = {f.name: [x[f.name] for x in rows] for f in EVENTS_SCHEMA}
    arrays = [
        pa.array(cols[f.name], pa.int64()).cast(ts)
        if f.type == ts
        else pa.array(cols[f.name], f.type)
        for f in EVENTS_SCHEMA
    ]
    return pa.Table.from_arrays(arrays, schema=EVENTS_SCHEMA)


def _read_tracks(paths: list[Path], want: set[int]) -> tuple[Tracks | None, Any]:
    """Tracks of ``want`` (row groups that can hold them only) and a density sample of all."""
    keep: list[pa.Table] = []
    lat_s: list[Any] = []
    lon_s: list[Any] = []
    total = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    stride = max(1, total // DENSITY_SAMPLE)
    want_arr = np.asarray(sorted(want), dtype=np.uint32)
    for n_file, p in enumerate(paths):
        f = pq.ParquetFile(p)
        col = f.schema_arrow.get_field_index("mmsi")
        for g in range(f.metadata.num_row_groups):
            st = f.metadata.row_group(g).column(col).statistics
            lo, hi = int(st.min), int(st.max)
            a, b = np.searchsorted(want_arr, [lo, hi + 1])
            tab = f.read_row_group(g, columns=["mmsi", "t", "lat", "lon", "piece"])
            lat_s.append(tab.column("lat").to_numpy()[::stride])
            lon_s.append(tab.column("lon").to_numpy()[::stride])
            if b > a:
                mm = tab.column("mmsi").to_numpy()
                sel = np.isin(mm, want_arr[a:b])
                if sel.any():
                    sub = tab.filter(pa.array(sel))
                    piece = sub.column("piece").to_numpy().astype(np.int64) + n_file * 1_000_000
                    keep.append(sub.set_column(4, "piece", pa.array(piece)))
    dens = (np.concatenate(lat_s), np.concatenate(lon_s)) if lat_s else None
    if not keep:
        return None, dens
    tab = pa.concat_tables(keep)
    if len(paths) > 1:  # the same report in two overlapping investigations: drawn once
        tab = tab.filter(
            pa.array(
                first_copies(
                    tab.column("mmsi").to_numpy(),
                    tab.column("t").cast(pa.int64()).to_numpy(),
                    tab.column("lat").to_numpy(),
                    tab.column("lon").to_numpy(),
                )
            )
        )
    mm = tab.column("mmsi").to_numpy()
    piece = tab.column("piece").to_numpy()
    t = tab.column("t").cast(pa.int64()).to_numpy()
    order = np.lexsort((t, piece, mm))
    mm, piece, t = mm[order], piece[order], t[order]
    lat = tab.column("lat").to_numpy()[order]
    lon = tab.column("lon").to_numpy()[order]
    brk = np.r_[True, (mm[1:] != mm[:-1]) | (piece[1:] != piece[:-1])]
    seg = np.cumsum(brk) - 1
    seg_start = np.r_[np.flatnonzero(brk), mm.size].astype(np.int64)
    n = mm.size
    tracks = Tracks(
        mmsi=mm.astype(np.uint32),
        seg=seg.astype(np.int64),
        t=t,
        lat=lat,
        lon=lon,
        sog=np.full(n, np.nan, np.float32),
        cog=np.full(n, np.nan, np.float32),
        receiver=np.full(n, -1, np.int32),
        is_sat=np.full(n, -1, np.int8),
        seg_start=seg_start,
        seg_mmsi=mm[seg_start[:-1]].astype(np.uint32),
    )
    return tracks, dens


def _scenes(folders: list[Path]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in folders:
        try:
            out += json.loads((f / "sar_scenes.geojson").read_text(encoding="utf-8"))["features"]
        except (OSError, ValueError, KeyError):
            continue  # an older investigation without footprints
    return out


def build_overview(
    con: sqlite3.Connection,
    track_paths: list[Path],
    meta: dict[str, Any],
    params: ReportParams | None = None,
    folders: list[Path] | None = None,
) -> dict[str, Any]:
    """The map payload for the dashboard's first view (same shape as the report's)."""
    params = params or ReportParams()
    listed = _listed(con, params.max_vessels)
    mmsis = {v.mmsi for v in listed}
    events = _events_table(con, mmsis)
    partners = {int(x) for x in events.column("other_mmsi").drop_null().to_pylist()} | {
        int(x) for x in events.column("mmsi").drop_null().to_pylist()
    }
    tracks, dens = _read_tracks(track_paths, mmsis | partners) if track_paths else (None, None)
    return report_data(
        listed, events, tracks, meta, params, density_points=dens, scenes=_scenes(folders or [])
    )
