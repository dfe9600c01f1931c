"""Read and write event tables in every output format, chosen by file extension.

``.jsonl``, ``.csv``, ``.parquet``, ``.geojson`` and ``.kml``. All writes are atomic; text from
AIS (which reaches events through reasons and evidence) is escaped for each format.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vessels.atomic import atomic_path, atomic_write
from vessels.errors import InputError
from vessels.schema import EVENTS_SCHEMA
from vessels.textsafe import csv_cell, xml_text

__all__ = ["EVENT_FORMATS", "read_events", "with_ids", "write_events", "write_table_csv"]

EVENT_FORMATS = (".jsonl", ".csv", ".parquet", ".geoparquet", ".geojson", ".kml")


#: Optional columns kept after the schema's: the input's own vessel ids (``id``, ``other_id``)
#: when they are not MMSIs (pseudo-MMSIs stand in for them, see :mod:`ingest.ids`).
ID_COLUMNS = ("id", "other_id")


def with_ids(events: pa.Table, ids: dict[int, str]) -> pa.Table:
    """``events`` with the input's own vessel ids (``id``, ``other_id``) when the inputs named
    vessels by ids that are not MMSIs (``ids``: pseudo-MMSI -> id); unchanged otherwise."""
    if not ids:
        return events
    for src, name in (("mmsi", "id"), ("other_mmsi", "other_id")):
        col = [None if m is None else ids.get(int(m)) for m in events.column(src).to_pylist()]
        events = events.append_column(name, pa.array(col, pa.string()))
    return events


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    rows = table.to_pylist()
    for r in rows:
        r["start"] = _iso(r["start"])
        r["end"] = _iso(r["end"])
        r["evidence"] = json.loads(r["evidence"])
    return rows


def _suffix(path: Path) -> str:
    suf = path.suffix.lower()
    if suf not in EVENT_FORMATS:
        raise InputError(
            f"unknown events format {suf!r}; use one of {', '.join(EVENT_FORMATS)}", str(path)
        )
    return suf


def write_events(table: pa.Table, path: str | os.PathLike[str]) -> Path:
    """Write ``table`` (EVENTS_SCHEMA) to ``path`` in the format its extension names."""
    path = Path(path)
    suf = _suffix(path)
    extras = [c for c in ID_COLUMNS if c in table.column_names]
    ids = [table.column(c).cast(pa.string()) for c in extras]
    table = table.select(EVENTS_SCHEMA.names).cast(EVENTS_SCHEMA)
    if suf == ".geoparquet":
        from vessels.geoframes import events_geodataframe, write_geoparquet

        write_geoparquet(events_geodataframe(table), path)
        return path
    for name, col in zip(extras, ids, strict=True):
        table = table.append_column(pa.field(name, pa.string()), col)
    if suf == ".parquet":
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        return path
    rows = _rows(table)
    with atomic_write(path) as fh:
        if suf == ".jsonl":
            for r in rows:
                fh.write(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n")
        elif suf == ".csv":
            _write_csv(fh, rows)
        elif suf == ".geojson":
            json.dump(_geojson(rows), fh, ensure_ascii=False, sort_keys=True)
            fh.write("\n")
        else:
            fh.write(_kml(rows))
    return path


def _write_csv(fh: io.TextIOBase | Any, rows: list[dict[str, Any]]) -> None:
    w = csv.writer(fh, lineterminator="\n")
    names = EVENTS_SCHEMA.names + [c for c in ID_COLUMNS if rows and c in rows[0]]
    w.writerow(names)
    for r in rows:
        out = []
        for n in names:
            v = r[n]
            if n == "reasons":
                v = " | ".join(v)
            elif n == "evidence":
                v = json.dumps(v, sort_keys=True, ensure_ascii=False)
            out.append(csv_cell("" if v is None else v))
        w.writerow(out)


def _geojson(rows: list[dict[str, Any]]) -> dict[str, Any]:
    feats = []
    for r in rows:
        geom = None
        if r["lat"] is not None and r["lon"] is not None:
            geom = {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
        props = {k: v for k, v in r.items() if k not in ("lat", "lon")}
        feats.append(
            {"type": "Feature", "id": r["event_id"], "geometry": geom, "properties": props}
        )
    return {"type": "FeatureCollection", "features": feats}


def _kml(rows: list[dict[str, Any]]) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>vessels events</name>\n',
    ]
    for r in rows:
        if r["lat"] is None or r["lon"] is None:
            continue
        title = f"{r['type']} {r.get('id') or r['mmsi'] or ''}" + (
            f" / {r.get('other_id') or r['other_mmsi']}" if r["other_mmsi"] else ""
        )
        desc = (
            "\n".join(r["reasons"])
            + f"\nscore {r['score']:.2f}\n"
            + json.dumps(r["evidence"], sort_keys=True, ensure_ascii=False)
        )
        parts.append(
            f'<Placemark id="{xml_text(r["event_id"])}"><name>{xml_text(title)}</name>'
            f"<description>{xml_text(desc)}</description>"
            f"<TimeSpan><begin>{r['start']}</begin><end>{r['end']}</end></TimeSpan>"
            f"<Point><coordinates>{r['lon']:.6f},{r['lat']:.6f}</coordinates></Point></Placemark>\n"
        )
    parts.append("</Document></kml>\n")
    return "".join(parts)


def _parse_time(s: str) -> int:
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


# what every event row must have to be evaluated or reported
_REQUIRED = ("event_id", "type", "start", "end")


def read_events(path: str | os.PathLike[str]) -> pa.Table:
    """Read an events file written by :func:`write_events` (``.jsonl``, ``.csv``, ``.parquet``,
    ``.geoparquet``, ``.geojson``) back into EVENTS_SCHEMA. Raises InputError with the path when unreadable."""
    path = Path(path)
    suf = _suffix(path)
    if not path.is_file():
        raise InputError("no such file", str(path))
    try:
        if suf in (".parquet", ".geoparquet"):  # GeoParquet: the same columns plus geometry
            return pq.read_table(path).select(EVENTS_SCHEMA.names).cast(EVENTS_SCHEMA)
        text = path.read_text(encoding="utf-8")
        if suf == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        elif suf == ".geojson":
            rows = []
            for f in json.loads(text)["features"]:
                r = dict(f["properties"])
                coords = (f.get("geometry") or {}).get("coordinates") or [None, None]
                r["lon"], r["lat"] = coords[0], coords[1]
                rows.append(r)
        elif suf == ".csv":
            rows = []
            reader = csv.DictReader(io.StringIO(text))
            missing = [n for n in _REQUIRED if n not in (reader.fieldnames or [])]
            if missing:  # also an empty file: write_events always writes the header
                raise InputError(
                    f"not an events table: no column(s) {', '.join(missing)} "
                    f"(header: {', '.join(reader.fieldnames or []) or 'none'}); "
                    "expected a file written by 'vessels detect', 'fuse' or 'investigate'",
                    str(path),
                )
            for r in reader:
                row: dict[str, Any] = dict(r)
                for k in ("mmsi", "other_mmsi"):
                    row[k] = int(row[k]) if row[k] else None
                for k in ("lat", "lon", "duration_h", "score"):
                    row[k] = float(row[k]) if row[k] else None
                row["reasons"] = [x for x in str(row["reasons"]).split(" | ") if x]
                row["evidence"] = json.loads(row["evidence"] or "{}")
                rows.append(row)
        else:
            raise InputError("KML is an export format and cannot be read back", str(path))
        cols: dict[str, list[Any]] = {n: [] for n in EVENTS_SCHEMA.names}
        for i, r in enumerate(rows, 1):
            if not isinstance(r, dict) or any(r.get(n) in (None, "") for n in _REQUIRED):
                raise InputError(
                    f"event {i} lacks one of {', '.join(_REQUIRED)}: not an events file "
                    "written by 'vessels detect', 'fuse' or 'investigate'",
                    str(path),
                )
            for n in EVENTS_SCHEMA.names:
                v = r.get(n)
                if n in ("start", "end"):
                    v = _parse_time(str(v))
                elif n == "evidence":
                    v = json.dumps(v or {}, sort_keys=True)
                elif n == "reasons":
                    v = list(v or [])
                elif n == "duration_h" and v is None:
                    v = 0.0
                cols[n].append(v)
        arrays = [pa.array(cols[f.name], type=f.type) for f in EVENTS_SCHEMA]
        return pa.Table.from_arrays(arrays, schema=EVENTS_SCHEMA)
    except InputError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, OSError, pa.ArrowException) as exc:
        raise InputError(f"not a readable events file ({exc})", str(path)) from exc


def write_table_csv(table: pa.Table, path: str | os.PathLike[str]) -> Path:
    """Any table as CSV, atomically: times as ISO 8601 UTC, text neutralised against formula
    injection (port and vessel names can come from user lists and AIS)."""
    path = Path(path)
    with atomic_write(path) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(table.column_names)
        for r in table.to_pylist():
            w.writerow(
                [
                    "" if v is None else _iso(v) if hasattr(v, "timestamp") else csv_cell(v)
                    for v in r.values()
                ]
            )
    return path
