"""The self-contained HTML report: one file, every script, style and map datum inline.

Safety: AIS text (names, callsigns, destinations, reasons) only travels inside a JSON data block
(``<script type="application/json">``, with ``<``, ``>``, ``&`` and line separators escaped so it
can never close the block) and is put on the page by the script with ``textContent`` only. A
strict Content-Security-Policy meta tag allows exactly the inline script and style by their
SHA-256 hashes, no network at all, no eval.

Size: tracks are decimated for display (:mod:`kernels.decimate`, never joined across AIS gaps)
to at most ``max_points`` points and packed as base64 little-endian int32 arrays, so a report of
1,000 vessels and a million raw points stays a few MB and opens in about a second.

Antimeridian: the map is centred on the smallest arc of longitude that holds the data
(:mod:`dashboards.lonframe`), and every longitude in the payload (box, tracks, event markers,
land and density rasters) is written continuously in that frame, so a fleet around Fiji at
179.9 and -179.9 gets a map of Fiji with 179.9 and 180.1, not the whole world. The page shows
people real longitudes (``realLon`` in report.js); event evidence keeps them as detected. Data
that does not cross 180 keeps the plain [-180, 180] numbers, untouched.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from dashboards.lonframe import PLAIN, LonFrame, choose_frame, shift_events
from kernels.decimate import decimate_tracks
from vessels.atomic import atomic_write
from vessels.errors import ConfigError
from vessels.textsafe import html_text
from vessels.tracks import Tracks

__all__ = [
    "ReportParams",
    "ReportVessel",
    "build_report_html",
    "land_mask",
    "report_data",
    "traffic_density",
    "write_report",
]


@dataclass(frozen=True)
class ReportParams:
    """What goes into report.html."""

    max_vessels: int = 1000  # flagged vessels listed (highest scores first)
    max_points: int = 300_000  # track points drawn over all vessels after decimation
    max_gap_h: float = 2.0  # tracks are broken at silences longer than this (GFW map: 2 h)
    land_max_px: int = 1600  # land raster size along its longer side
    land_min_step_deg: float = 0.01  # finer than this adds nothing to a 0.1-degree coastline
    density_max_px: int = 600  # traffic density layer (all vessels) size along its longer side

    def __post_init__(self) -> None:
        if self.max_vessels < 1 or self.max_points < 100 or self.max_gap_h <= 0:
            raise ConfigError(f"[report] values out of range: {self}")


@dataclass
class ReportVessel:
    """One row of the flagged-vessel table, with what its detail panel shows."""

    mmsi: int
    score: float
    name: str | None = None
    callsign: str | None = None
    imo: int | None = None
    flag: str | None = None
    ship_type: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    reasons: list[tuple[str, float]] = field(default_factory=list)  # (text, share)
    history: list[dict[str, Any]] = field(default_factory=list)  # static data changes
    same_imo: list[dict[str, Any]] = field(default_factory=list)  # other MMSIs, same IMO
    flagged: bool = True  # False: every event below the threshold (listed as context)
    id: str | None = None  # the input's own vessel id when it is not an MMSI
    # port visits (vessels.voyages): {"port", "start", "end" (ms), "confidence"}, time order;
    # None when the caller did not look for them (the panel then says so)
    port_calls: list[dict[str, Any]] | None = None


def _b64(a: npt.NDArray[Any]) -> str:
    return base64.b64encode(
        np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
    ).decode()


def land_mask(
    lat_min: float, lat_max: float, lon_min: float, lon_max: float, max_px: int, min_step: float
) -> dict[str, Any]:
    """Land raster for the box, from the GSHHG distance-to-shore grid (distance < 0 is land),
    sampled bilinearly at up to ``max_px`` pixels a side; rows from north to south, 1 bit a
    pixel, packed big-endian and base64-encoded."""
    from vessels.geo import distance_to_shore_km

    span = max(lat_max - lat_min, lon_max - lon_min)
    step = max(span / max_px, min_step)
    w = max(1, math.ceil((lon_max - lon_min) / step))
    h = max(1, math.ceil((lat_max - lat_min) / step))
    lats = lat_max - (np.arange(h) + 0.5) * step
    lons = lon_min + (np.arange(w) + 0.5) * step
    lons = (lons + 180.0) % 360.0 - 180.0
    la, lo = np.meshgrid(lats, lons, indexing="ij")
    d = distance_to_shore_km(la.ravel(), lo.ravel()).reshape(h, w)
    bits = np.packbits(d < 0, axis=1)
    return {
        "w": w,
        "h": h,
        "lat_max": lat_max,
        "lon_min": lon_min,
        "step": step,
        "row_bytes": int(bits.shape[1]),
        "bits": base64.b64encode(bits.tobytes()).decode(),
        "source": "GSHHG coastline via the landmetrics 0.1-degree distance-to-land grid",
    }


def _flagged_segments(tracks: Tracks, mmsis: list[int]) -> npt.NDArray[np.int64]:
    want = np.asarray(sorted(set(mmsis)), dtype=np.uint32)
    return np.flatnonzero(np.isin(tracks.seg_mmsi, want))


def _tracks_payload(
    tracks: Tracks | None,
    mmsis: list[int],
    params: ReportParams,
    frame: LonFrame = PLAIN,
) -> tuple[dict[str, Any], dict[int, tuple[int, int]], int]:
    """Decimated points of ``mmsis``: packed arrays, {mmsi: (offset, count)}, raw point count.
    Longitudes are written in ``frame`` (continuous across the antimeridian)."""
    empty = {"t0": 0, "lat": "", "lon": "", "t": "", "piece": "", "n": 0, "tol_deg": 0.0}
    if tracks is None or tracks.n == 0 or not mmsis:
        return empty, {}, 0
    segs = _flagged_segments(tracks, mmsis)
    if segs.size == 0:
        return empty, {}, 0
    # vessel by vessel (segments in time order within a vessel) so each vessel is one slice
    order = np.lexsort((tracks.t[tracks.seg_start[segs]], tracks.seg_mmsi[segs]))
    segs = segs[order]
    lens = tracks.seg_start[segs + 1] - tracks.seg_start[segs]
    idx = np.concatenate(
        [np.arange(tracks.seg_start[s], tracks.seg_start[s + 1]) for s in segs]
    ).astype(np.int64)
    sub_start = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    t = tracks.t[idx]
    lat = tracks.lat[idx]
    lon = frame.shift(tracks.lon[idx])  # continuous, so the span is the real one
    span = max(float(np.ptp(lat)), float(np.ptp(lon)), 0.01)
    tol = span / 4000.0  # about a pixel on a full view of a large screen
    gap_ms = int(params.max_gap_h * 3_600_000)
    while True:
        keep, piece = decimate_tracks(t, lat, lon, sub_start, gap_ms, tol)
        if int(keep.sum()) <= params.max_points or tol > span:
            break
        tol *= 2.0
    kept = np.flatnonzero(keep)
    seg_of_row = np.repeat(np.arange(segs.size), lens)
    vessel_of_row = tracks.seg_mmsi[segs][seg_of_row[kept]]
    spans: dict[int, tuple[int, int]] = {}
    if kept.size:
        change = np.flatnonzero(np.r_[True, vessel_of_row[1:] != vessel_of_row[:-1], True])
        for a, b in itertools.pairwise(change.tolist()):
            spans[int(vessel_of_row[a])] = (int(a), int(b - a))
    t0 = int(t.min()) // 1000
    payload = {
        "t0": t0,
        "lat": _b64(np.round(lat[kept] * 1e5).astype(np.int32)),
        "lon": _b64(np.round(lon[kept] * 1e5).astype(np.int32)),
        "t": _b64((t[kept] // 1000 - t0).astype(np.int32)),
        "piece": _b64(piece[kept].astype(np.uint8)),
        "n": int(kept.size),
        "tol_deg": round(tol, 9),
    }
    return payload, spans, int(idx.size)


def _events_payload(events: pa.Table | None, mmsis: set[int]) -> list[dict[str, Any]]:
    if events is None or events.num_rows == 0:
        return []
    out = []
    for r in events.to_pylist():
        if r["mmsi"] is not None and r["mmsi"] not in mmsis and r["other_mmsi"] not in mmsis:
            continue
        if r["mmsi"] is None and r["type"] != "dark_detection":
            continue
        out.append(
            {
                "id": r["event_id"],
                "type": r["type"],
                "mmsi": r["mmsi"],
                "other": r["other_mmsi"],
                "start": int(r["start"].timestamp() * 1000),
                "end": int(r["end"].timestamp() * 1000),
                "lat": r["lat"],
                "lon": r["lon"],
                "score": r["score"],
                "reasons": list(r["reasons"]),
                "evidence": json.loads(r["evidence"] or "{}"),
            }
        )
    return out


def traffic_density(
    lat: npt.NDArray[np.float64] | None,
    lon: npt.NDArray[np.float64] | None,
    box: tuple[float, float, float, float],
    max_px: int,
    frame: LonFrame = PLAIN,
) -> dict[str, Any]:
    """Positions of every vessel per pixel over ``box`` (rows north to south), log-scaled to
    0-255 and base64-encoded: the context layer under the flagged vessels' tracks. ``box``
    longitudes are in ``frame``; positions are binned at their longitude in that frame."""
    lat0, lat1, lon0, lon1 = box
    span = max(lat1 - lat0, lon1 - lon0, 1e-6)
    step = span / max_px
    w = max(1, math.ceil((lon1 - lon0) / step))
    h = max(1, math.ceil((lat1 - lat0) / step))
    out: dict[str, Any] = {"w": w, "h": h, "lat_max": lat1, "lon_min": lon0, "step": step}
    if lat is None or lon is None or lat.size == 0:
        out["counts"] = ""
        return out
    counts, _, _ = np.histogram2d(
        lat,
        frame.shift(lon),
        bins=(h, w),
        range=((lat1 - h * step, lat1), (lon0, lon0 + w * step)),
    )
    counts = counts[::-1]  # north up
    top = max(float(counts.max()), 1.0)
    scaled = np.where(counts > 0, 40 + 215 * np.log1p(counts) / np.log1p(top), 0)
    out["counts"] = base64.b64encode(scaled.astype(np.uint8).tobytes()).decode()
    return out


def ports_in_box(
    box: tuple[float, float, float, float], frame: LonFrame = PLAIN, limit: int = 500
) -> list[list[Any]]:
    """UN/LOCODE ports (``vessels.geo.port_index``) inside ``box`` (lat_min, lat_max, lon_min,
    lon_max; longitudes in ``frame``) as ``[lat, lon, name]``, at most ``limit`` of them."""
    from vessels.geo import port_index

    pi = port_index()
    lon = frame.shift(pi.lon)
    sel = np.flatnonzero(
        (pi.lat >= box[0]) & (pi.lat <= box[1]) & (lon >= box[2]) & (lon <= box[3])
    )[:limit]
    return [[round(float(pi.lat[i]), 4), round(float(lon[i]), 4), pi.name[i]] for i in sel]


def scene_outlines(features: list[dict[str, Any]], frame: LonFrame = PLAIN) -> list[dict[str, Any]]:
    """SAR scene footprints (GeoJSON Polygon/MultiPolygon features with ``scene_id`` and ``time``
    properties, as ``sar_scenes.geojson`` holds them) as ``{"id", "t" (ms), "rings": [[[lon,
    lat], ...]]}`` with longitudes in ``frame``, outer rings only, 5 decimals."""
    from datetime import datetime

    out = []
    for f in features:
        g = f.get("geometry") or {}
        polys = [g["coordinates"]] if g.get("type") == "Polygon" else g.get("coordinates", [])
        if g.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        props = f.get("properties") or {}
        try:
            t = int(
                datetime.fromisoformat(str(props.get("time")).replace("Z", "+00:00")).timestamp()
                * 1000
            )
        except ValueError:
            t = None
        rings = []
        for poly in polys:
            ring = np.asarray(poly[0], dtype=np.float64)
            lon = frame.shift(ring[:, 0])
            rings.append(np.round(np.c_[lon, ring[:, 1]], 5).tolist())
        out.append({"id": str(props.get("scene_id", "")), "t": t, "rings": rings})
    return out


def _json_for_html(obj: Any) -> str:
    """JSON that cannot end a <script> block or be read as markup, whatever strings it holds."""
    s = json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return (resources.files("dashboards") / "static" / name).read_text(encoding="utf-8")


def _sha256_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _bbox(
    tracks_payload: dict[str, Any],
    events: list[dict[str, Any]],
    tracks: Tracks | None,
    frame: LonFrame = PLAIN,
) -> tuple[float, float, float, float]:
    """Map box [lat_min, lat_max, lon_min, lon_max] of the events, the drawn tracks and the
    robust 0.1-99.9 % extent of all positions, padded by 15 %; longitudes in ``frame``."""
    lats: list[float] = [e["lat"] for e in events if e["lat"] is not None]
    lons: list[float] = [e["lon"] for e in events if e["lon"] is not None]
    if tracks_payload["n"]:
        la = np.frombuffer(base64.b64decode(tracks_payload["lat"]), dtype="<i4") / 1e5
        lo = np.frombuffer(base64.b64decode(tracks_payload["lon"]), dtype="<i4") / 1e5
        lats += [float(la.min()), float(la.max())]
        lons += [float(lo.min()), float(lo.max())]
    if tracks is not None and tracks.n:
        # the whole data's area (robust to a few stray positions), so the flagged vessels are
        # seen in context
        q_lat = np.quantile(tracks.lat, [0.001, 0.999])
        q_lon = np.quantile(frame.shift(tracks.lon), [0.001, 0.999])
        lats += [float(q_lat[0]), float(q_lat[1])]
        lons += [float(q_lon[0]), float(q_lon[1])]
    if not lats:
        return (-60.0, 70.0, frame.lo, frame.hi)
    la0, la1, lo0, lo1 = min(lats), max(lats), min(lons), max(lons)
    pad = max(la1 - la0, lo1 - lo0, 1.0) * 0.15
    return (
        max(-85.0, la0 - pad),
        min(85.0, la1 + pad),
        max(frame.lo, lo0 - pad),
        min(frame.hi, lo1 + pad),
    )


def _frame_for(tracks: Tracks | None, track_mmsis: list[int], ev: list[dict[str, Any]]) -> LonFrame:
    """The map's longitude frame from what the map must show: every event, every position of
    the drawn vessels, and the robust extent of all positions (:mod:`dashboards.lonframe`)."""
    required = [np.array([e["lon"] for e in ev if e["lon"] is not None], dtype=np.float64)]
    robust = None
    if tracks is not None and tracks.n:
        seg_ok = np.zeros(tracks.n_seg, dtype=bool)
        seg_ok[_flagged_segments(tracks, track_mmsis)] = True
        required.append(tracks.lon[seg_ok[tracks.seg]])
        robust = tracks.lon
    return choose_frame(np.concatenate(required), robust)


def report_data(
    vessels: list[ReportVessel],
    events: pa.Table | None,
    tracks: Tracks | None,
    meta: dict[str, Any],
    params: ReportParams = ReportParams(),
    density_points: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None,
    scenes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the map UI draws (``report.js``), as one JSON-able dict: embedded in report.html,
    and served as ``/api/overview`` by ``vessels serve`` (which passes ``tracks`` of the listed
    vessels only, and a sample of all positions as ``density_points`` (lat, lon))."""
    listed = sorted(vessels, key=lambda v: (not v.flagged, -v.score, v.mmsi))[: params.max_vessels]
    mmsis = {v.mmsi for v in listed}
    ev = _events_payload(events, mmsis)
    partners = {e["other"] for e in ev if e["other"] is not None} | {
        e["mmsi"] for e in ev if e["mmsi"] is not None
    }
    drawn = sorted(mmsis | partners)
    # around the antimeridian every longitude on the map is written continuously (179.9 and
    # -179.9 become 179.9 and 180.1); elsewhere the frame is the plain one, numbers untouched
    frame = _frame_for(tracks, drawn, ev)
    shift_events(ev, frame)
    track_payload, spans, raw_points = _tracks_payload(tracks, drawn, params, frame)
    bbox = _bbox(track_payload, ev, tracks, frame)
    # land for a wider box than the data, so panning and wide screens still show coastline
    grow = max(bbox[1] - bbox[0], bbox[3] - bbox[2]) * 0.75
    land_box = (
        max(-89.0, bbox[0] - grow),
        min(89.0, bbox[1] + grow),
        max(frame.lo, bbox[2] - grow),
        min(frame.hi, bbox[3] + grow),
    )
    ports = ports_in_box(land_box, frame)
    dens_lat, dens_lon = density_points or (
        (tracks.lat, tracks.lon) if tracks is not None else (None, None)
    )
    return {
        "meta": {**meta, "raw_points": raw_points, "max_gap_h": params.max_gap_h},
        "bbox": list(bbox),
        "land": land_mask(*land_box, params.land_max_px, params.land_min_step_deg),
        "ports": ports,
        "scenes": scene_outlines(scenes or [], frame),
        "density": traffic_density(
            dens_lat,
            dens_lon,
            bbox,
            params.density_max_px,
            frame,
        ),
        "vessels": [
            {
                "mmsi": v.mmsi,
                "name": v.name,
                "callsign": v.callsign,
                "imo": v.imo,
                "flag": v.flag,
                "ship_type": v.ship_type,
                "score": round(v.score, 4),
                "counts": v.counts,
                "reasons": [[t, round(s, 4)] for t, s in v.reasons],
                "history": v.history,
                "same_imo": v.same_imo,
                "track": list(spans.get(v.mmsi, (0, 0))),
                "flagged": v.flagged,
                "id": v.id,
                "port_calls": v.port_calls,
            }
            for v in listed
        ],
        "partners": {str(m): list(spans[m]) for m in sorted(partners - mmsis) if m in spans},
        "events": ev,
        "tracks": track_payload,
    }


def build_report_html(
    vessels: list[ReportVessel],
    events: pa.Table | None,
    tracks: Tracks | None,
    meta: dict[str, Any],
    params: ReportParams = ReportParams(),
    scenes: list[dict[str, Any]] | None = None,
) -> str:
    """The report as one HTML string (deterministic: same inputs, same bytes)."""
    data = report_data(vessels, events, tracks, meta, params, scenes=scenes)
    script = _asset("report.js")
    style = _asset("report.css")
    csp = (
        "default-src 'none'; "
        f"script-src 'sha256-{_sha256_b64(script)}'; "
        f"style-src 'sha256-{_sha256_b64(style)}'; "
        "img-src data: blob:; connect-src 'none'; font-src 'none'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    title = str(meta.get("title") or "vessels report")
    parts = {
        "CSP": html_text(csp),
        "TITLE": html_text(title),
        "STYLE": style,
        "DATA": _json_for_html(data),
        "SCRIPT": script,
    }
    # one pass, so text inside the data can never be taken for a later placeholder
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: parts[m.group(1)], _asset("report.html"))


def write_report(
    path: str | Path,
    vessels: list[ReportVessel],
    events: pa.Table | None,
    tracks: Tracks | None,
    meta: dict[str, Any],
    params: ReportParams = ReportParams(),
    scenes: list[dict[str, Any]] | None = None,
) -> Path:
    """Write report.html atomically."""
    path = Path(path)
    html = build_report_html(vessels, events, tracks, meta, params, scenes)
    with atomic_write(path) as fh:
        fh.write(html)
    return path
