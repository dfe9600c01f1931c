"""A vessel's track from an investigation's ``tracks.parquet``, simplified for a zoom level.

``tracks.parquet`` is sorted by (mmsi, piece, t) in row groups of 16,384 rows
(:func:`vessels.pipeline.outputs._tracks_table`); the index here holds each row group's first and last
MMSI, so one vessel is read from the one or two row groups that hold it, never the whole file.

A track is a list of pieces. A piece ends where the track builder split the MMSI (two physical
vessels on one MMSI) and wherever the vessel was silent for longer than ``max_gap_h``: no line is
ever drawn across an AIS silence. Simplification is :func:`kernels.decimate.decimate_tracks` with
a tolerance of about one screen pixel at the requested zoom (web-map zoom levels: 256 pixels
span 360 degrees at zoom 0).
"""

from __future__ import annotations

import bisect
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from kernels.decimate import decimate_tracks
from vessels.textsafe import xml_text

__all__ = [
    "Track",
    "TrackIndex",
    "first_copies",
    "tolerance_for_zoom",
    "track_csv",
    "track_geojson",
    "track_kml",
]

MAX_GAP_H = 2.0  # silences longer than this break the line (GFW map: 2 h)


def tolerance_for_zoom(zoom: float) -> float:
    """Degrees per screen pixel at a web-map zoom level (0 = the world in 256 pixels)."""
    return float(360.0 / (256.0 * 2.0 ** max(0.0, min(zoom, 24.0))))


@dataclass
class Track:
    mmsi: int
    t: npt.NDArray[np.int64]  # ms
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    sog: npt.NDArray[np.float32]
    cog: npt.NDArray[np.float32]
    piece_start: npt.NDArray[np.int64]  # row offsets of pieces, length n_pieces + 1
    raw_points: int

    @property
    def n(self) -> int:
        return int(self.t.size)

    def pieces(self) -> list[slice]:
        return [
            slice(int(a), int(b))
            for a, b in zip(self.piece_start[:-1], self.piece_start[1:], strict=True)
        ]


class TrackIndex:
    """Row-group index of one or more ``tracks.parquet`` files (one per investigation)."""

    def __init__(self, paths: list[Path]) -> None:
        self._files: list[tuple[pq.ParquetFile, list[int], list[int]]] = []
        for p in paths:
            f = pq.ParquetFile(p)
            lo, hi = [], []
            col = f.schema_arrow.get_field_index("mmsi")
            for g in range(f.metadata.num_row_groups):
                st = f.metadata.row_group(g).column(col).statistics
                lo.append(int(st.min))
                hi.append(int(st.max))
            self._files.append((f, lo, hi))

    def read(
        self,
        mmsi: int,
        start_ms: int | None = None,
        end_ms: int | None = None,
        tol_deg: float = 0.0,
        max_gap_h: float = MAX_GAP_H,
    ) -> Track:
        """The track of ``mmsi`` between ``start_ms`` and ``end_ms`` (inclusive), simplified to
        ``tol_deg`` (0: every point), broken into pieces at splits and silences."""
        parts = []
        for f, lo, hi in self._files:
            # row groups are sorted by mmsi: the first whose max >= mmsi, up to the last whose
            # min <= mmsi
            g0 = bisect.bisect_left(hi, mmsi)
            g1 = bisect.bisect_right(lo, mmsi)
            if g0 >= g1:
                continue
            tab = f.read_row_groups(
                list(range(g0, g1)), columns=["mmsi", "t", "lat", "lon", "sog", "cog", "piece"]
            )
            mm = tab.column("mmsi").to_numpy()
            a, b = np.searchsorted(mm, [mmsi, mmsi + 1])
            if b > a:
                parts.append(tab.slice(int(a), int(b - a)))
        if not parts:
            return _empty(mmsi)
        tab = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        t = tab.column("t").cast(pa.int64()).to_numpy()
        piece = tab.column("piece").to_numpy().astype(np.int64)
        sel = np.ones(t.size, dtype=bool)
        if len(parts) > 1:  # several investigations: pieces of each file apart, then by time
            offs = np.repeat(np.arange(len(parts)) * 1_000_000, [p.num_rows for p in parts])
            piece = piece + offs
            lat_all, lon_all = tab.column("lat").to_numpy(), tab.column("lon").to_numpy()
            sel &= first_copies(np.zeros(t.size, np.uint32), t, lat_all, lon_all)
        if start_ms is not None:
            sel &= t >= start_ms
        if end_ms is not None:
            sel &= t <= end_ms
        idx = np.flatnonzero(sel)
        t, piece = t[idx], piece[idx]
        lat = tab.column("lat").to_numpy()[idx]
        lon = tab.column("lon").to_numpy()[idx]
        sog = tab.column("sog").to_numpy(zero_copy_only=False)[idx].astype(np.float32)
        cog = tab.column("cog").to_numpy(zero_copy_only=False)[idx].astype(np.float32)
        raw = int(t.size)
        if raw == 0:
            return _empty(mmsi)
        seg_start = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1], True]).astype(np.int64)
        gap_ms = int(max_gap_h * 3_600_000)
        keep, brk = decimate_tracks(
            t, lat, lon, seg_start, np.int64(gap_ms), float(max(tol_deg, 0.0))
        )
        if tol_deg <= 0:
            keep[:] = True
        k = np.flatnonzero(keep)
        brk_k = brk[k]
        brk_k[0] = True
        starts = np.r_[np.flatnonzero(brk_k), k.size].astype(np.int64)
        return Track(mmsi, t[k], lat[k], lon[k], sog[k], cog[k], starts, raw)


def first_copies(
    mmsi: npt.ArrayLike, t: npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """True for the first row of each (mmsi, t, lat, lon): one report that two overlapping
    investigations both hold is drawn once."""
    key = np.rec.fromarrays([np.asarray(mmsi), np.asarray(t), np.asarray(lat), np.asarray(lon)])
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(key.shape[0], dtype=bool)
    keep[first] = True
    return keep


def _empty(mmsi: int) -> Track:
    z = np.zeros(0)
    return Track(
        mmsi,
        z.astype(np.int64),
        z,
        z,
        z.astype(np.float32),
        z.astype(np.float32),
        np.zeros(1, dtype=np.int64),
        0,
    )


def _num(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 1)


def track_json(tr: Track) -> dict[str, Any]:
    """Compact JSON: pieces of parallel arrays (t in ms, lat/lon to 1e-5 degrees)."""
    return {
        "mmsi": tr.mmsi,
        "points": tr.n,
        "raw_points": tr.raw_points,
        "pieces": [
            {
                "t": tr.t[s].tolist(),
                "lat": np.round(tr.lat[s], 5).tolist(),
                "lon": np.round(tr.lon[s], 5).tolist(),
                "sog": [_num(x) for x in tr.sog[s]],
                "cog": [_num(x) for x in tr.cog[s]],
            }
            for s in tr.pieces()
        ],
    }


def _iso(ms: int) -> str:
    return str(np.datetime_as_string(np.datetime64(int(ms), "ms"), unit="s")) + "Z"


def track_geojson(tr: Track, name: str | None) -> dict[str, Any]:
    """One Feature per piece: a LineString (a Point for a one-report piece) with its times."""
    feats = []
    for i, s in enumerate(tr.pieces()):
        coords = [
            [round(float(lo), 5), round(float(la), 5)]
            for la, lo in zip(tr.lat[s], tr.lon[s], strict=True)
        ]
        geom = (
            {"type": "Point", "coordinates": coords[0]}
            if len(coords) == 1
            else {"type": "LineString", "coordinates": coords}
        )
        feats.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {
                    "mmsi": tr.mmsi,
                    "name": name,
                    "piece": i,
                    "start": _iso(tr.t[s][0]),
                    "end": _iso(tr.t[s][-1]),
                    "times": [_iso(x) for x in tr.t[s]],
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def track_csv(tr: Track) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["mmsi", "piece", "time", "lat", "lon", "sog_kn", "cog_deg"])
    for i, s in enumerate(tr.pieces()):
        for t, la, lo, sg, cg in zip(
            tr.t[s], tr.lat[s], tr.lon[s], tr.sog[s], tr.cog[s], strict=True
        ):
            w.writerow(
                [
                    tr.mmsi,
                    i,
                    _iso(t),
                    f"{la:.5f}",
                    f"{lo:.5f}",
                    "" if not np.isfinite(sg) else f"{sg:.1f}",
                    "" if not np.isfinite(cg) else f"{cg:.1f}",
                ]
            )
    return buf.getvalue()


def track_kml(tr: Track, name: str | None) -> str:
    """KML: one Placemark per piece with the track as a LineString (AIS text escaped)."""
    title = xml_text(f"{name or 'MMSI'} {tr.mmsi}")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
        f"<name>{title}</name>",
        '<Style id="track"><LineStyle><color>ff2b39c0</color><width>2</width></LineStyle></Style>',
    ]
    for i, s in enumerate(tr.pieces()):
        coords = " ".join(f"{lo:.5f},{la:.5f}" for la, lo in zip(tr.lat[s], tr.lon[s], strict=True))
        geom = (
            f"<Point><coordinates>{coords}</coordinates></Point>"
            if tr.t[s].size == 1
            else f"<LineString><tessellate>1</tessellate><coordinates>{coords}</coordinates></LineString>"
        )
        out.append(
            f"<Placemark><name>{title} piece {i}</name><styleUrl>#track</styleUrl>"
            f"<TimeSpan><begin>{_iso(tr.t[s][0])}</begin><end>{_iso(tr.t[s][-1])}</end></TimeSpan>"
            f"{geom}</Placemark>"
        )
    out.append("</Document></kml>")
    return "\n".join(out) + "\n"


def track_text(tr: Track, fmt: str, name: str | None) -> tuple[str, str]:
    """(body, media type) for ``fmt`` in json, geojson, csv, kml."""
    if fmt == "json":
        return json.dumps(track_json(tr), separators=(",", ":")), "application/json"
    if fmt == "geojson":
        return json.dumps(track_geojson(tr, name)), "application/geo+json"
    if fmt == "csv":
        return track_csv(tr), "text/csv; charset=utf-8"
    return track_kml(tr, name), "application/vnd.google-earth.kml+xml"
