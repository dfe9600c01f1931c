"""Decoded-AIS tables (CSV or Parquet of a provider layout) to the canonical tables.

Values go through the same rules as the NMEA decoder: AIS "not available" codes become null or
NaN (lat 91, lon 181, speed 102.3, course 360, heading 511), invalid MMSIs and unparseable
times are counted rejects, never silent drops.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.result import RIDES_ON_POSITION, IngestStats
from ingest.schemas import Layout, detect_layout, note_mapping
from ingest.sources import Source, one_line, open_binary, read_errors_named
from ingest.timeparse import BAD_TIME, parse_times, resolve_time_format
from ingest.validate import plausible_times
from vessels.errors import InputError
from vessels.ids import PSEUDO_MMSI_MAX, pseudo_mmsis
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA, TIME_TYPE
from vessels.textsafe import CONTROL_CHARS

__all__ = ["convert_table", "read_csv"]

CSV_BLOCK_BYTES = 16 * 1024 * 1024

# Text values of the DMA "Navigational status" column, to ITU-R M.1371-5 codes.
_NAV_TEXT = {
    "under way using engine": 0,
    "at anchor": 1,
    "not under command": 2,
    "restricted maneuverability": 3,
    "restricted manoeuvrability": 3,
    "constrained by her draught": 4,
    "moored": 5,
    "aground": 6,
    "engaged in fishing": 7,
    "under way sailing": 8,
    "ais-sart": 14,
    "unknown value": 15,
    "undefined": 15,
}
# Text ship types (DMA) to the first ITU code of their class; "Undefined" stays null.
_SHIP_TEXT = {
    "wig": 20,
    "fishing": 30,
    "towing": 31,
    "towing long/wide": 32,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "hsc": 40,
    "pilot": 50,
    "sar": 51,
    "tug": 52,
    "port tender": 53,
    "anti-pollution": 54,
    "law enforcement": 55,
    "medical": 58,
    "not party to conflict": 59,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
    "other": 90,
}
_STATIC_TEXT = ("name", "callsign", "destination")
_STATIC_NUM = ("imo", "ship_type", "to_bow", "to_stern", "to_port", "to_starboard")


_FREE_TEXT = ("name", "callsign", "destination", "receiver")


class _LineCounter:
    """A binary stream that counts the lines of what is read through it (for the CSV
    parser, which skips empty lines without saying how many)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._newlines = 0
        self._last = b"\n"
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        if data:
            self._newlines += data.count(b"\n")
            self._last = data[-1:]
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True

    def lines(self) -> int:
        """Lines read so far (a last line without a newline counts)."""
        return self._newlines + (self._last != b"\n")


def _column(col: pa.ChunkedArray) -> pd.Series:
    """A table column for pandas; bytes (free text of a CSV) decoded as UTF-8, any invalid
    byte replaced by U+FFFD."""
    if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
        return pd.Series(col.to_pandas(), dtype=object).str.decode("utf-8", errors="replace")
    return col.to_pandas()


def _num(df: pd.DataFrame, field: str) -> npt.NDArray[np.float64]:
    if field not in df:
        return np.full(len(df), np.nan)
    col = df[field]
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        col = col.astype(str).str.replace(r"^IMO", "", regex=True)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _text(df: pd.DataFrame, field: str) -> npt.NDArray[Any]:
    if field not in df:
        return np.full(len(df), None, dtype=object)
    s = df[field].astype("string").str.replace(r"[\t\n\r]", " ", regex=True)
    s = s.str.replace(CONTROL_CHARS.pattern, "", regex=True).str.strip()  # AIS text is hostile
    s = s.mask(s.isin(["", "Unknown", "nan", "None", "NULL"]))
    return np.asarray(s.astype(object).where(s.notna(), None), dtype=object)


def _times(df: pd.DataFrame, layout: Layout, source: str) -> npt.NDArray[np.int64]:
    """Milliseconds since the epoch; BAD_TIME where unparseable."""
    fmt = resolve_time_format(df["t"], layout.time_format, source)
    ms = parse_times(df["t"], fmt)
    if "ms" in df:
        extra = _num(df, "ms")
        ok = (ms != BAD_TIME) & np.isfinite(extra)
        ms = np.where(ok, ms + np.nan_to_num(extra).astype(np.int64), ms)
    return ms


def _nav(df: pd.DataFrame) -> npt.NDArray[np.int8]:
    if "nav_status" not in df:
        return np.full(len(df), 15, np.int8)
    v = _num(df, "nav_status")
    if np.isnan(v).all():
        text = df["nav_status"].astype("string").str.strip().str.lower()
        v = text.map(_NAV_TEXT).astype("float64").to_numpy(na_value=np.nan)
    v = np.where(np.isfinite(v) & (v >= 0) & (v <= 15), v, 15)
    return v.astype(np.int8)


def _ship_type(df: pd.DataFrame) -> npt.NDArray[np.float64]:
    v = _num(df, "ship_type")
    if "ship_type" in df and np.isnan(v).all():
        text = df["ship_type"].astype("string").str.strip().str.lower()
        v = text.map(_SHIP_TEXT).astype("float64").to_numpy(na_value=np.nan)
    return v


def _opt_uint(v: npt.NDArray[np.float64], typ: pa.DataType, hi: float) -> pa.Array:
    ok = np.isfinite(v) & (v > 0) & (v <= hi)
    return pa.array(np.where(ok, v, 0).astype(np.int64), mask=~ok).cast(typ)


def convert_table(
    table: pa.Table, layout: Layout, source: str, stats: IngestStats
) -> tuple[pa.Table, pa.Table]:
    """One block of a provider table to (positions, static) canonical tables."""
    cols = {f: table.column(c) for f, c in layout.columns.items()}
    df = pd.DataFrame({f: _column(c) for f, c in cols.items()})
    n = len(df)
    if "id" in df:  # vessel ids that are not MMSIs: pseudo-MMSIs (vessels.ids)
        mmsi = pseudo_mmsis(df["id"], stats.id_map)
        stats.reject("missing_id", int(np.count_nonzero(np.isnan(mmsi))))
    else:
        mmsi = _num(df, "mmsi")
    hi = PSEUDO_MMSI_MAX if "id" in df else 999_999_999  # pseudo-MMSIs only from id mapping
    in_range = mmsi <= hi
    ok_mmsi = np.isfinite(mmsi) & (mmsi >= 1) & in_range & (mmsi == np.floor(mmsi))
    t = _times(df, layout, source)
    has_t = t != BAD_TIME
    ok_t = has_t & plausible_times(t)
    lat = _num(df, "lat")
    lon = _num(df, "lon")
    unavailable = ~np.isfinite(lat) | ~np.isfinite(lon) | (lat == 91.0) | (lon == 181.0)
    out_of_range = ~unavailable & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    msg_type = _num(df, "msg_type")
    is_position_msg = ~np.isfinite(msg_type) | np.isin(msg_type, RIDES_ON_POSITION)  # 0: unknown
    stats.lines += n
    stats.reject("invalid_mmsi", int(np.count_nonzero(~ok_mmsi & np.isfinite(mmsi))))
    if "id" not in df:
        stats.reject("invalid_mmsi", int(np.count_nonzero(~np.isfinite(mmsi))))
    stats.reject("no_time", int(np.count_nonzero(ok_mmsi & ~has_t)))
    stats.reject("implausible_time", int(np.count_nonzero(ok_mmsi & has_t & ~ok_t)))
    good = ok_mmsi & ok_t
    stats.reject(
        "position_unavailable", int(np.count_nonzero(good & is_position_msg & unavailable))
    )
    stats.reject(
        "position_out_of_range", int(np.count_nonzero(good & is_position_msg & out_of_range))
    )
    keep = good & is_position_msg & ~unavailable & ~out_of_range
    if "msg_type" in df:
        kinds, counts = np.unique(msg_type[good & np.isfinite(msg_type)], return_counts=True)
        for k, c in zip(kinds.astype(int).tolist(), counts.tolist(), strict=True):
            stats.messages_by_type[k] = stats.messages_by_type.get(k, 0) + c
    sog = _num(df, "sog")
    sog = np.where((sog >= 0) & (sog < 102.25), sog, np.nan)  # 102.3 = not available
    cog = _num(df, "cog")
    cog = np.where((cog >= 0) & (cog < 360), cog, np.nan)
    heading = _num(df, "heading")
    heading = np.where((heading >= 0) & (heading < 360), np.floor(heading), -1)
    receiver = _text(df, "receiver")
    is_sat = _text(df, "is_sat")
    sat_col = pa.array(
        [None if v is None else str(v).lower() in ("true", "1", "t", "yes") for v in is_sat[keep]],
        type=pa.bool_(),
    )
    k = keep
    positions = pa.Table.from_arrays(
        [
            pa.array(mmsi[k].astype(np.uint32)),
            pa.array(t[k], type=TIME_TYPE),
            pa.array(lat[k]),
            pa.array(lon[k]),
            pa.array(sog[k].astype(np.float32)),
            pa.array(cog[k].astype(np.float32)),
            pa.array(heading[k].astype(np.int16)),
            pa.array(_nav(df)[k]),
            pa.array(np.where(np.isfinite(msg_type[k]), msg_type[k], 0).astype(np.uint8)),
            pa.array(receiver[k], type=pa.string()).dictionary_encode(),
            sat_col,
            pa.array(np.full(int(k.sum()), -1, np.int8)),
        ],
        schema=POSITIONS_SCHEMA,
    )
    static = _static_rows(df, good, mmsi, t, msg_type, receiver)
    # good rows of a message type without a position: those without vessel data either
    # (a base station report, ...) are counted as other messages; the rest are static rows
    lone = ~np.isin(static.column("msg_type").to_numpy(), RIDES_ON_POSITION)
    n_other = int(np.count_nonzero(good & ~is_position_msg)) - int(np.count_nonzero(lone))
    stats.outcome("other_message", n_other)
    return positions, static


def _static_rows(
    df: pd.DataFrame,
    good: npt.NDArray[np.bool_],
    mmsi: npt.NDArray[np.float64],
    t: npt.NDArray[np.int64],
    msg_type: npt.NDArray[np.float64],
    receiver: npt.NDArray[Any],
) -> pa.Table:
    """Rows that carry any vessel data (name, IMO, call sign, type, size, destination)."""
    text = {f: _text(df, f) for f in _STATIC_TEXT}
    num = {f: _num(df, f) for f in ("imo", "to_bow", "to_stern", "to_port", "to_starboard")}
    num["ship_type"] = _ship_type(df)
    # Length/width only (MarineCadastre, DMA): the antenna position is unknown, so the sums are
    # kept and split in halves (registry code reads length as to_bow + to_stern).
    length, width = _num(df, "length"), _num(df, "width")
    has_len = np.isnan(num["to_bow"]) & np.isfinite(length) & (length > 0)
    num["to_bow"] = np.where(has_len, np.ceil(length / 2), num["to_bow"])
    num["to_stern"] = np.where(has_len, np.floor(length / 2), num["to_stern"])
    has_w = np.isnan(num["to_port"]) & np.isfinite(width) & (width > 0)
    num["to_port"] = np.where(has_w, np.ceil(width / 2), num["to_port"])
    num["to_starboard"] = np.where(has_w, np.floor(width / 2), num["to_starboard"])
    any_field = np.zeros(len(df), bool)
    for v in text.values():
        any_field |= v != None  # noqa: E711 - elementwise over an object array
    for f in _STATIC_NUM:
        any_field |= np.isfinite(num[f]) & (num[f] > 0)
    k = good & any_field
    return pa.Table.from_arrays(
        [
            pa.array(mmsi[k].astype(np.uint32)),
            pa.array(t[k], type=TIME_TYPE),
            pa.array(np.where(np.isfinite(msg_type[k]), msg_type[k], 0).astype(np.uint8)),
            _opt_uint(num["imo"][k], pa.uint32(), 999_999_999),
            pa.array(text["callsign"][k], type=pa.string()),
            pa.array(text["name"][k], type=pa.string()),
            _opt_uint(num["ship_type"][k], pa.uint8(), 255),
            _opt_uint(num["to_bow"][k], pa.uint16(), 511),
            _opt_uint(num["to_stern"][k], pa.uint16(), 511),
            _opt_uint(num["to_port"][k], pa.uint8(), 63),
            _opt_uint(num["to_starboard"][k], pa.uint8(), 63),
            pa.array(text["destination"][k], type=pa.string()),
            pa.array(receiver[k], type=pa.string()).dictionary_encode(),
        ],
        schema=STATIC_SCHEMA,
    )


def read_csv(
    src: Source,
    columns: dict[str, str] | None,
    stats: IngestStats,
    time_format: str | None = None,
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Stream a CSV in blocks, converted to canonical tables; the layout comes from the header,
    ``time_format`` (strptime, ``epoch`` or ``ISO8601``) overrides how its times are read."""
    read_opts = pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES)
    with read_errors_named(src):
        yield from _read_csv_blocks(src, columns, stats, time_format, read_opts)


def _read_csv_blocks(
    src: Source,
    columns: dict[str, str] | None,
    stats: IngestStats,
    time_format: str | None,
    read_opts: pacsv.ReadOptions,
) -> Iterator[tuple[pa.Table, pa.Table]]:
    try:
        with open_binary(src) as fh:
            head = fh.read(64 * 1024)
        first = head.decode("utf-8", "replace").splitlines()[0] if head else ""
        delim = max(",;\t|", key=first.count)
        parse = pacsv.ParseOptions(delimiter=delim, newlines_in_values=False)
        with open_binary(src) as fh:
            probe = pacsv.open_csv(
                fh,
                read_options=read_opts,
                parse_options=parse,
                convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=True),
            )
            header = [str(c) for c in probe.schema.names]
        layout = detect_layout(header, columns, src.name, time_format)
        note_mapping(layout, src.name, stats)
        wanted = list(dict.fromkeys(layout.columns.values()))
        # free text is read as bytes and decoded leniently (_column): one name in another
        # encoding must not make the whole file unreadable
        text_cols = {layout.columns[f] for f in _FREE_TEXT if f in layout.columns}
        conv = pacsv.ConvertOptions(
            include_columns=wanted,
            column_types={c: pa.binary() if c in text_cols else pa.string() for c in wanted},
            strings_can_be_null=True,
        )
        with open_binary(src) as raw:
            counted = _LineCounter(raw)
            reader = pacsv.open_csv(
                counted, read_options=read_opts, parse_options=parse, convert_options=conv
            )
            stats.formats[f"csv:{layout.name}"] = stats.formats.get(f"csv:{layout.name}", 0) + 1
            rows = 0
            for batch in reader:
                if layout.time_format == "auto":  # decided once, so every block reads alike
                    times = batch.column(layout.columns["t"]).to_pandas()
                    layout = replace(
                        layout, time_format=resolve_time_format(times, "auto", src.name)
                    )
                rows += batch.num_rows
                yield convert_table(pa.Table.from_batches([batch]), layout, src.name, stats)
            # empty lines, which the CSV parser skips, are lines read too
            blank = max(0, counted.lines() - 1 - rows)  # less the header
            stats.lines += blank
            stats.outcome("blank", blank)
    except pa.ArrowInvalid as exc:
        raise InputError(f"CSV cannot be parsed ({one_line(exc)})", src.name) from exc
