"""GeoDataFrames for notebooks and GeoParquet for GIS tools: events as points (pair events as
the line between the two vessels' positions when known) and tracks as one LineString per piece
of a track, never drawn across an AIS silence. EPSG:4326 (WGS 84 longitude/latitude).

Tracks break where a vessel was silent longer than ``max_gap_h`` (2 h by default, as the report
map and GFW's map do): a straight line across a silence would show a path nobody observed.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vessels.atomic import atomic_path
from vessels.tracks import Tracks

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["events_geodataframe", "tracks_geodataframe", "write_geoparquet"]

CRS = "EPSG:4326"
DEFAULT_MAX_GAP_H = 2.0


def events_geodataframe(events: pa.Table) -> gpd.GeoDataFrame:
    """One row per event (EVENTS_SCHEMA), a Point at its representative position (None where
    an event has none), times as UTC datetimes, ``evidence`` parsed into dicts."""
    import geopandas as gpd
    from shapely import points

    df = events.to_pandas()
    df["evidence"] = [json.loads(e) if isinstance(e, str) else e for e in df["evidence"]]
    df["reasons"] = [list(r) for r in df["reasons"]]
    lat = df["lat"].to_numpy(dtype=float)
    lon = df["lon"].to_numpy(dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    geom = np.full(len(df), None, dtype=object)
    geom[ok] = points(lon[ok], lat[ok])
    return gpd.GeoDataFrame(df, geometry=list(geom), crs=CRS)


def tracks_geodataframe(tracks: Tracks, max_gap_h: float = DEFAULT_MAX_GAP_H) -> gpd.GeoDataFrame:
    """One LineString per piece of a track segment between silences longer than ``max_gap_h``
    (a piece of a single report is a Point), with its MMSI, start, end and report count."""
    import geopandas as gpd
    import pandas as pd
    from shapely import linestrings, points

    gap_ms = int(max_gap_h * 3_600_000)
    breaks = np.zeros(tracks.n, dtype=bool)
    if tracks.n:
        breaks[tracks.seg_start[:-1][tracks.seg_start[:-1] < tracks.n]] = True
        breaks[1:] |= (tracks.t[1:] - tracks.t[:-1]) > gap_ms
    starts = np.flatnonzero(breaks)
    ends = np.r_[starts[1:], tracks.n]
    geoms: list[Any] = []
    for a, b in zip(starts, ends, strict=True):
        if b - a == 1:
            geoms.append(points(tracks.lon[a], tracks.lat[a]))
        else:
            geoms.append(linestrings(np.c_[tracks.lon[a:b], tracks.lat[a:b]]))
    df = pd.DataFrame(
        {
            "mmsi": tracks.mmsi[starts].astype(np.int64),
            "segment": tracks.seg[starts],
            "start": pd.to_datetime(tracks.t[starts], unit="ms", utc=True),
            "end": pd.to_datetime(tracks.t[ends - 1], unit="ms", utc=True),
            "reports": (ends - starts).astype(np.int64),
        }
    )
    return gpd.GeoDataFrame(df, geometry=geoms, crs=CRS)


def write_geoparquet(frame: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> None:
    """GeoParquet (geopandas' writer: WKB geometry and the 'geo' metadata), written atomically.
    Dict columns (an event's evidence) are stored as JSON text, as in the other formats."""
    out = frame.copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].map(lambda v: isinstance(v, dict)).any():
            out[col] = [json.dumps(v, sort_keys=True) for v in out[col]]
    with atomic_path(path) as tmp:
        out.to_parquet(tmp, index=False)
