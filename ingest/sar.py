"""Satellite vessel detections (SAR or optical) and their scenes, from CSV or GeoJSON.

Formats recognised by their column names (a ``columns`` mapping covers the rest):

- the project's own (simulator) CSV: ``detection_id, scene_id, t, lat, lon, length_m,
  heading_deg, confidence``, with scenes in a GeoJSON of footprint polygons (``scene_id``, ``t``);
- KSAT/GFW RADARSAT-2 tables (Kroodsma et al. 2022): ``lon, lat, Probability`` (percent),
  ``DetectionId, ProductStartTime, ProductStopTime, Length, Type, Heading, scene_id`` and the
  scene ``footprint`` as WKT on every row; the image time is the middle of start and stop;
- xView3 labels: ``detect_lat, detect_lon, vessel_length_m, detect_id, scene_id, is_vessel,
  confidence`` (HIGH / MEDIUM / LOW). xView3 has no time column: the time comes from a scenes
  file, a ``t`` mapping, or a Sentinel-1 / RADARSAT-2 scene id that carries it;
- GeoJSON: Point features are detections (properties as above), Polygon features are scenes.

Every input row is accounted for: it is accepted or counted under a reject reason
(``no_position``, ``bad_position``, ``no_time``, ``implausible_time`` (before 2000 or after
tomorrow, ``ingest.validate``), ``bad_confidence``, ``not_vessel``, ``duplicate_id``). Units: times ms since epoch UTC, lengths metres, heading degrees true,
confidence a probability in [0, 1] (percent and HIGH/MEDIUM/LOW are converted).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ingest.sources import READ_ERRORS, one_line
from ingest.validate import plausible_times
from vessels.errors import InputError, SchemaError
from vessels.schema import TIME_TYPE

__all__ = [
    "DETECTIONS_SCHEMA",
    "SCENES_SCHEMA",
    "SarInput",
    "SarStats",
    "parse_columns",
    "read_detections",
]

#: One row per accepted detection.
DETECTIONS_SCHEMA = pa.schema(
    [
        pa.field("detection_id", pa.string(), nullable=False),
        pa.field("scene_id", pa.string(), nullable=False),
        pa.field("t", TIME_TYPE, nullable=False),  # image time, UTC
        pa.field("lat", pa.float64(), nullable=False),
        pa.field("lon", pa.float64(), nullable=False),  # [-180, 180)
        pa.field("length_m", pa.float64()),  # NaN when unknown
        pa.field("heading_deg", pa.float64()),  # NaN when unknown
        pa.field("confidence", pa.float64()),  # [0, 1], NaN when unknown
    ]
)

#: One row per scene (image acquisition).
SCENES_SCHEMA = pa.schema(
    [
        pa.field("scene_id", pa.string(), nullable=False),
        pa.field("t", TIME_TYPE, nullable=False),  # image time (middle of acquisition), UTC
        pa.field("footprint", pa.string()),  # WKT polygon in lon/lat degrees; null when unknown
    ]
)

# canonical name -> accepted source names (compared case-insensitively)
_ALIASES: dict[str, tuple[str, ...]] = {
    "detection_id": ("detection_id", "detectionid", "detect_id", "id"),
    "scene_id": ("scene_id", "sceneid", "scene"),
    "t": ("t", "time", "timestamp", "datetime", "detect_time", "image_time", "acquisition_time"),
    "t_start": ("productstarttime", "start_time", "t_start"),
    "t_end": ("productstoptime", "stop_time", "end_time", "t_end"),
    "lat": ("lat", "latitude", "detect_lat", "y"),
    "lon": ("lon", "longitude", "detect_lon", "lng", "x"),
    "length_m": ("length_m", "length", "vessel_length_m", "sar_length"),
    "heading_deg": ("heading_deg", "heading"),
    "confidence": ("confidence", "probability", "score", "detection_confidence"),
    "footprint": ("footprint", "scene_footprint", "wkt"),
    "type": ("type", "class"),
    "is_vessel": ("is_vessel",),
}
CANONICAL = tuple(_ALIASES)
_CONFIDENCE_WORDS = {"HIGH": 0.9, "MEDIUM": 0.6, "LOW": 0.3}
_VESSEL_TYPES = {"VESSEL", "SHIP", "BOAT", ""}
# Time in scene ids: RADARSAT-2 "RS2_20191126_151156_...", Sentinel-1 "S1A_IW_GRDH_1SDV_20200803T123456_..."
_SCENE_TIME = re.compile(r"(?<!\d)(20\d{6})[_T](\d{6})(?!\d)")


@dataclass
class SarStats:
    """Row accounting: ``rows == accepted + sum(rejects.values())``."""

    rows: int = 0
    accepted: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)  # rows per input file
    scenes_without_footprint: int = 0

    def reject(self, reason: str, n: int = 1) -> None:
        if n:
            self.rejects[reason] = self.rejects.get(reason, 0) + int(n)


@dataclass
class SarInput:
    """Detections (``DETECTIONS_SCHEMA``) and scenes (``SCENES_SCHEMA``) read from files."""

    detections: pa.Table
    scenes: pa.Table
    stats: SarStats

    def summary(self) -> str:
        s = self.stats
        rej = ", ".join(f"{k} {v}" for k, v in sorted(s.rejects.items())) or "none"
        return (
            f"{s.rows} detection rows in {len(s.files)} files: {s.accepted} accepted, "
            f"rejected: {rej}; {self.scenes.num_rows} scenes "
            f"({s.scenes_without_footprint} without footprint)"
        )


def parse_columns(spec: str | Mapping[str, str] | None) -> dict[str, str]:
    """``"lat=Y,lon=X,t=when"`` (canonical=source) as a dict; names are checked."""
    if spec is None:
        return {}
    items = spec.items() if isinstance(spec, Mapping) else _split_spec(spec)
    out: dict[str, str] = {}
    for k, v in items:
        key = k.strip()
        if key not in CANONICAL:
            raise InputError(
                f"unknown detection column {key!r} in the column mapping; "
                f"known: {', '.join(CANONICAL)} (syntax: lat=Y,lon=X,t=when)"
            )
        out[key] = v.strip()
    return out


def _split_spec(spec: str) -> list[tuple[str, str]]:
    pairs = []
    for part in spec.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise InputError(f"column mapping {part!r} is not NAME=SOURCE (e.g. lat=Y,lon=X)")
        k, v = part.split("=", 1)
        pairs.append((k, v))
    return pairs


def _resolve(cols: Sequence[str], mapping: Mapping[str, str], path: str) -> dict[str, str]:
    lower = {c.strip().lower(): c for c in cols}
    found: dict[str, str] = {}
    for canon, aliases in _ALIASES.items():
        if canon in mapping:
            src = mapping[canon]
            if src not in cols and src.lower() not in lower:
                raise InputError(
                    f"mapped column {src!r} for {canon} not found; columns: {', '.join(cols)}",
                    path,
                )
            found[canon] = src if src in cols else lower[src.lower()]
            continue
        for a in aliases:
            if a in lower:
                found[canon] = lower[a]
                break
    return found


def _to_ms(values: pd.Series) -> npt.NDArray[np.int64]:
    ts = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    ms = np.array(
        ts.to_numpy(dtype="datetime64[ms]", na_value=np.datetime64("NaT")).astype(np.int64)
    )
    return ms


def _time_from_scene_id(scene_ids: pd.Series) -> np.ndarray:
    out = np.full(len(scene_ids), np.iinfo(np.int64).min, dtype=np.int64)
    for i, s in enumerate(scene_ids.astype(str)):
        m = _SCENE_TIME.search(s)
        if m:
            ts = pd.to_datetime(m.group(1) + m.group(2), format="%Y%m%d%H%M%S", utc=True)
            out[i] = int(ts.value // 1_000_000)
    return out


_NAT = np.iinfo(np.int64).min


def _numeric(values: pd.Series) -> np.ndarray:
    return np.array(pd.to_numeric(values, errors="coerce"), dtype=np.float64)


def _confidence(values: pd.Series) -> np.ndarray:
    words = values.astype(str).str.strip().str.upper()
    conf = _numeric(values)
    for w, p in _CONFIDENCE_WORDS.items():
        conf[(words == w).to_numpy()] = p
    finite = conf[np.isfinite(conf)]
    if finite.size and finite.max() > 1.0:
        conf = conf / 100.0  # percent, as KSAT's Probability column
    return conf


def _frame_from_geojson(path: Path) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not valid GeoJSON ({exc})", str(path)) from exc
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise InputError("GeoJSON has no 'features' list", str(path))
    points: list[dict[str, Any]] = []
    scenes: list[dict[str, Any]] = []
    for f in feats:
        if not isinstance(f, dict) or not isinstance(f.get("geometry") or {}, dict):
            raise InputError(
                f"a GeoJSON feature is not an object with a geometry: {f!r:.80}", str(path)
            )
        geom = f.get("geometry") or {}
        props = dict(f.get("properties") or {})
        gtype = geom.get("type")
        if gtype == "Point":
            coords = geom.get("coordinates") or [None, None]
            props.setdefault("lon", coords[0] if len(coords) > 0 else None)
            props.setdefault("lat", coords[1] if len(coords) > 1 else None)
            points.append(props)
        elif gtype in ("Polygon", "MultiPolygon"):
            from shapely.errors import ShapelyError
            from shapely.geometry import shape

            try:
                props["footprint"] = shape(geom).wkt
            except (ShapelyError, ValueError, TypeError, IndexError, KeyError) as exc:
                msg = f"a scene footprint is not a valid {gtype} ({one_line(exc)})"
                raise InputError(msg, str(path)) from exc
            scenes.append(props)
        else:
            points.append({"lat": None, "lon": None, **props})  # counted as no_position
    return pd.DataFrame(points), scenes


_CSV_ERRORS: tuple[type[BaseException], ...] = (*READ_ERRORS, ValueError, UnicodeDecodeError)


def _read_frame(path: Path) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith((".geojson", ".json")):
        return _frame_from_geojson(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except _CSV_ERRORS as exc:
        # a truncated .gz ends in EOFError, a damaged one in zlib.error, a damaged zip in
        # BadZipFile: the file's fault, not ours
        raise InputError(f"cannot be read as CSV ({one_line(exc)})", str(path)) from exc
    # pandas' unnamed index column (",lon,lat,..." header) is not data
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed:")]]
    return df, []


@dataclass
class _Part:
    det: dict[str, Any]
    scenes: list[dict[str, Any]]


def _scene_rows(scenes: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    out = []
    for i, props in enumerate(scenes):
        lower = {str(k).lower(): v for k, v in props.items()}
        sid = next((lower[a] for a in _ALIASES["scene_id"] if lower.get(a) is not None), None)
        t_raw = next((lower[a] for a in _ALIASES["t"] if lower.get(a) is not None), None)
        if sid is None:
            sid = f"{path.stem}#{i}"
        t_ms = _NAT
        if t_raw is not None:
            t_ms = int(_to_ms(pd.Series([t_raw]))[0])
        if t_ms == _NAT:
            t_ms = int(_time_from_scene_id(pd.Series([str(sid)]))[0])
        out.append({"scene_id": str(sid), "t": t_ms, "footprint": props.get("footprint")})
    return out


def _detections_part(
    df: pd.DataFrame, path: Path, mapping: Mapping[str, str], stats: SarStats
) -> dict[str, Any]:
    n = len(df)
    cols = _resolve([str(c) for c in df.columns], mapping, str(path))
    if n and ("lat" not in cols or "lon" not in cols):
        raise InputError(
            "no latitude/longitude columns among: "
            f"{', '.join(map(str, df.columns))}; map them with --sar-columns lat=NAME,lon=NAME",
            str(path),
        )
    keep = np.ones(n, dtype=bool)

    def col(name: str) -> pd.Series | None:
        return df[cols[name]] if name in cols else None

    lat = _numeric(df[cols["lat"]]) if n else np.empty(0)
    lon = _numeric(df[cols["lon"]]) if n else np.empty(0)
    no_pos = ~(np.isfinite(lat) & np.isfinite(lon))
    stats.reject("no_position", int(no_pos.sum()))
    keep &= ~no_pos
    lon = np.where((lon >= 180.0) & (lon <= 360.0), lon - 360.0, lon)  # 0..360 products
    bad_pos = keep & ((np.abs(lat) > 90.0) | (lon < -180.0) | (lon >= 180.0))
    stats.reject("bad_position", int(bad_pos.sum()))
    keep &= ~bad_pos

    typ = col("type")
    if typ is not None:
        not_vessel = (
            keep
            & ~typ.fillna("").astype(str).str.strip().str.upper().isin(_VESSEL_TYPES).to_numpy()
        )
        stats.reject("not_vessel", int(not_vessel.sum()))
        keep &= ~not_vessel
    isv = col("is_vessel")
    if isv is not None:
        false = isv.fillna("").astype(str).str.strip().str.lower().isin(["false", "0", "no"])
        not_vessel = keep & false.to_numpy()
        stats.reject("not_vessel", int(not_vessel.sum()))
        keep &= ~not_vessel

    sid_series = col("scene_id")
    scene_id = (
        sid_series.fillna("").astype(str).to_numpy(dtype=object)
        if sid_series is not None
        else np.full(n, "", dtype=object)
    )
    t = np.full(n, _NAT, dtype=np.int64)
    if "t" in cols:
        t = _to_ms(df[cols["t"]])
    elif "t_start" in cols:
        t0 = _to_ms(df[cols["t_start"]])
        t1 = _to_ms(df[cols["t_end"]]) if "t_end" in cols else t0
        both = (t0 != _NAT) & (t1 != _NAT)
        t = np.where(both, t0 + (t1 - t0) // 2, t0)
    missing_t = t == _NAT
    if missing_t.any() and sid_series is not None:
        t[missing_t] = _time_from_scene_id(pd.Series(scene_id[missing_t]))

    conf = _confidence(col("confidence")) if "confidence" in cols else np.full(n, np.nan)
    bad_conf = keep & np.isfinite(conf) & ((conf < 0.0) | (conf > 1.0))
    stats.reject("bad_confidence", int(bad_conf.sum()))
    keep &= ~bad_conf

    length = _numeric(df[cols["length_m"]]) if "length_m" in cols else np.full(n, np.nan)
    length = np.where((length > 0) & (length < 600), length, np.nan)
    heading = _numeric(df[cols["heading_deg"]]) if "heading_deg" in cols else np.full(n, np.nan)
    heading = np.where((heading >= 0) & (heading <= 360), heading % 360.0, np.nan)

    if "detection_id" in cols:
        did = df[cols["detection_id"]].fillna("").astype(str).to_numpy(dtype=object)
        empty = did == ""
        did[empty] = [f"{path.name}:{i}" for i in np.flatnonzero(empty)]
    else:
        did = np.array([f"{path.name}:{i}" for i in range(n)], dtype=object)

    footprint = (
        df[cols["footprint"]].to_numpy(dtype=object)
        if "footprint" in cols
        else np.full(n, None, dtype=object)
    )
    return {
        "keep": keep,
        "detection_id": did,
        "scene_id": scene_id,
        "t": t,
        "lat": lat,
        "lon": lon,
        "length_m": length,
        "heading_deg": heading,
        "confidence": conf,
        "footprint": footprint,
        "file": np.full(n, path.name, dtype=object),
    }


def read_detections(
    paths: Sequence[str | Path], columns: str | Mapping[str, str] | None = None
) -> SarInput:
    """Read detection tables and scene footprints (CSV / GeoJSON) into one :class:`SarInput`.

    Scenes come from footprint polygons in GeoJSON files and from a footprint column on
    detection rows; a detection whose time is missing takes its scene's time. Raises
    :class:`InputError` for unreadable files or a table without position columns and
    :class:`vessels.errors.NoDataError` when nothing at all was found.
    """
    from vessels.errors import NoDataError

    mapping = parse_columns(columns)
    stats = SarStats()
    parts: list[dict[str, Any]] = []
    scene_rows: list[dict[str, Any]] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            raise InputError("is a folder; give detection files (CSV/GeoJSON)", str(path))
        if not path.is_file():
            raise InputError("no such file", str(path))
        df, file_scenes = _read_frame(path)
        stats.files[path.name] = len(df)
        stats.rows += len(df)
        scene_rows.extend(_scene_rows(file_scenes, path))
        if len(df):
            parts.append(_detections_part(df, path, mapping, stats))
    if not parts and not scene_rows:
        names = ", ".join(str(p) for p in paths)
        raise NoDataError(f"{names}: no detections and no scenes in the SAR inputs")

    det = {
        k: np.concatenate([pt[k] for pt in parts]) if parts else np.empty(0)
        for k in (parts[0] if parts else {"keep": 0})
    }
    # Scenes: from scene files first, then detection rows (footprint column, times).
    scenes: dict[str, dict[str, Any]] = {}
    for row in scene_rows:
        scenes.setdefault(row["scene_id"], dict(row))
    if parts:
        keep = det["keep"].astype(bool)
        sid = det["scene_id"]
        no_sid = keep & (sid == "")
        if no_sid.any():  # one scene per file and image minute
            sid[no_sid] = [
                f"{f}@{int(t // 60000) if t != _NAT else 'unknown'}"
                for f, t in zip(det["file"][no_sid], det["t"][no_sid], strict=True)
            ]
        for i in np.flatnonzero(keep):
            s = scenes.get(sid[i])
            if s is None:
                s = scenes[sid[i]] = {"scene_id": sid[i], "t": _NAT, "footprint": None}
            fp = det["footprint"][i]
            if s["footprint"] is None and isinstance(fp, str) and fp.strip():
                s["footprint"] = fp.strip()
        # a detection without time takes the scene's; a scene without time, its detections'
        t = det["t"]
        for i in np.flatnonzero(keep & (t == _NAT)):
            t[i] = scenes[sid[i]]["t"]
        times: dict[str, list[int]] = {}
        for i in np.flatnonzero(keep & (t != _NAT)):
            times.setdefault(sid[i], []).append(int(t[i]))
        for s in scenes.values():
            if s["t"] == _NAT and s["scene_id"] in times:
                s["t"] = int(np.median(times[s["scene_id"]]))
        no_t = keep & (t == _NAT)
        stats.reject("no_time", int(no_t.sum()))
        keep &= ~no_t
        odd_t = keep & ~plausible_times(t.astype(np.int64))  # before 2000 or in the future
        stats.reject("implausible_time", int(odd_t.sum()))
        keep &= ~odd_t
        ids = det["detection_id"]
        seen: Counter[str] = Counter()
        dup = np.zeros(keep.shape[0], dtype=bool)
        for i in np.flatnonzero(keep):
            seen[ids[i]] += 1
            dup[i] = seen[ids[i]] > 1
        stats.reject("duplicate_id", int(dup.sum()))
        keep &= ~dup
        det["keep"] = keep

    untimed = [k for k, s in scenes.items() if s["t"] == _NAT]
    for k in untimed:  # a scene with neither a time nor timed detections cannot be used
        del scenes[k]
    stats.accepted = int(det["keep"].sum()) if parts else 0
    if stats.accepted + sum(stats.rejects.values()) != stats.rows:
        raise SchemaError("internal: detection rows not all accounted for")  # pragma: no cover

    kept = det["keep"].astype(bool) if parts else np.zeros(0, dtype=bool)
    order = (
        np.lexsort((det["detection_id"][kept].astype(str), det["t"][kept]))
        if parts
        else np.empty(0, dtype=np.int64)
    )

    def sel(name: str) -> npt.NDArray[Any]:
        return det[name][kept][order] if parts else np.empty(0)

    detections = pa.table(
        {
            "detection_id": pa.array(sel("detection_id").astype(str), pa.string()),
            "scene_id": pa.array(sel("scene_id").astype(str), pa.string()),
            "t": pa.array(sel("t").astype(np.int64), pa.int64()).cast(TIME_TYPE),
            "lat": pa.array(sel("lat").astype(np.float64)),
            "lon": pa.array(sel("lon").astype(np.float64)),
            "length_m": pa.array(sel("length_m").astype(np.float64)),
            "heading_deg": pa.array(sel("heading_deg").astype(np.float64)),
            "confidence": pa.array(sel("confidence").astype(np.float64)),
        },
        schema=DETECTIONS_SCHEMA,
    )
    srows = sorted(scenes.values(), key=lambda s: (s["t"], s["scene_id"]))
    stats.scenes_without_footprint = sum(1 for s in srows if not s["footprint"])
    scenes_table = pa.table(
        {
            "scene_id": pa.array([s["scene_id"] for s in srows], pa.string()),
            "t": pa.array([s["t"] for s in srows], pa.int64()).cast(TIME_TYPE),
            "footprint": pa.array([s["footprint"] or None for s in srows], pa.string()),
        },
        schema=SCENES_SCHEMA,
    )
    return SarInput(detections=detections, scenes=scenes_table, stats=stats)
