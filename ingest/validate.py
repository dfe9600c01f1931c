"""Checks every source goes through: plausible AIS times, and canonical tables read as they are.

An AIS receive time before 2000-01-01 (AIS was mandated by SOLAS from 2002; no archive holds
older traffic) or later than one day past now is a clock or parsing fault, not a report: such
rows are rejected and counted as ``implausible_time``, whether they came from NMEA, CSV or
Parquet. Canonical Parquet tables (written by this project or by anyone else) get the same value
checks as a provider CSV: an MMSI must be 1-999999999 (or a pseudo-MMSI of ``vessels.ids``), a
position finite and on the globe, a time present and plausible; AIS text loses its control
characters (``vessels.textsafe.strip_controls``).
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ingest.result import IngestStats
from vessels.ids import PSEUDO_MMSI_MAX, PSEUDO_MMSI_MIN
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA
from vessels.textsafe import strip_controls

__all__ = [
    "TIME_MIN_MS",
    "keep_plausible",
    "plausible_times",
    "strip_text_columns",
    "time_max_ms",
    "validate_positions",
    "validate_static",
]

TIME_MIN_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
_DAY_MS = 86_400_000
MAX_MMSI = 999_999_999  # nine decimal digits (ITU-R M.585)


def time_max_ms() -> int:
    """The latest plausible receive time: one day after now (clock skew, time zones)."""
    return int(time.time() * 1000) + _DAY_MS


def plausible_times(t_ms: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True where a time (ms since the epoch) lies in 2000-01-01 .. now + 1 day."""
    return (t_ms >= TIME_MIN_MS) & (t_ms <= time_max_ms())


def _ms(col: pa.ChunkedArray | pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """A timestamp column as ms since the epoch and its validity."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    valid = ~arr.is_null().to_numpy(zero_copy_only=False)
    ms = pc.cast(arr, pa.timestamp("ms", tz="UTC"), safe=False).cast(pa.int64()).fill_null(0)
    return ms.to_numpy(), valid


def _float(table: pa.Table, name: str) -> npt.NDArray[np.float64]:
    col = pc.cast(table.column(name), pa.float64()).combine_chunks()
    return col.fill_null(np.nan).to_numpy(zero_copy_only=False)


def _valid_mmsi(table: pa.Table) -> npt.NDArray[np.bool_]:
    m = _float(table, "mmsi")
    real = (m >= 1) & (m <= MAX_MMSI)
    pseudo = (m >= PSEUDO_MMSI_MIN) & (m <= PSEUDO_MMSI_MAX)
    return np.isfinite(m) & (real | pseudo)


def _time_checks(
    table: pa.Table, ok: npt.NDArray[np.bool_], stats: IngestStats
) -> npt.NDArray[np.bool_]:
    """``ok`` narrowed to rows with a plausible time; the others counted by reason."""
    t, present = _ms(table.column("t"))
    stats.reject("no_time", int(np.count_nonzero(ok & ~present)))
    ok = ok & present
    plausible = plausible_times(t)
    stats.reject("implausible_time", int(np.count_nonzero(ok & ~plausible)))
    return ok & plausible


def validate_positions(table: pa.Table, stats: IngestStats) -> pa.Table:
    """A canonical positions table with the rows no AIS report can hold rejected and counted
    (invalid MMSI, no or implausible time, position unavailable or off the globe), and speed,
    course, heading and status outside their ranges set to "not available"."""
    table = table.select(POSITIONS_SCHEMA.names)
    ok = _valid_mmsi(table)
    stats.reject("invalid_mmsi", int(np.count_nonzero(~ok)))
    ok = _time_checks(table, ok, stats)
    lat, lon = _float(table, "lat"), _float(table, "lon")
    unavailable = ~np.isfinite(lat) | ~np.isfinite(lon) | (lat == 91.0) | (lon == 181.0)
    off_globe = ~unavailable & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    stats.reject("position_unavailable", int(np.count_nonzero(ok & unavailable)))
    stats.reject("position_out_of_range", int(np.count_nonzero(ok & off_globe)))
    keep = ok & ~unavailable & ~off_globe
    sog, cog = _float(table, "sog"), _float(table, "cog")
    sog = np.where((sog >= 0) & (sog < 102.25), sog, np.nan)  # 102.3 = not available
    cog = np.where((cog >= 0) & (cog < 360), cog, np.nan)
    head = _float(table, "heading")
    head = np.where((head >= 0) & (head < 360), np.floor(head), -1)
    nav = _float(table, "nav_status")
    nav = np.where((nav >= 0) & (nav <= 15), nav, 15)
    fixed = {
        "sog": pa.array(sog.astype(np.float32)),
        "cog": pa.array(cog.astype(np.float32)),
        "heading": pa.array(head.astype(np.int16)),
        "nav_status": pa.array(nav.astype(np.int8)),
    }
    for name, arr in fixed.items():
        table = table.set_column(table.schema.get_field_index(name), name, arr)
    return table.filter(pa.array(keep)).cast(POSITIONS_SCHEMA)


def strip_text_columns(table: pa.Table, names: tuple[str, ...]) -> pa.Table:
    """``names`` columns without control or bidi-override characters (empty -> null)."""
    for name in names:
        i = table.schema.get_field_index(name)
        values = [strip_controls(v) for v in table.column(name).to_pylist()]
        table = table.set_column(i, name, pa.array(values, type=table.schema.field(i).type))
    return table


def validate_static(table: pa.Table, stats: IngestStats) -> pa.Table:
    """A canonical static table with rows of an invalid MMSI or no plausible time rejected and
    counted, and its text (name, call sign, destination) stripped of control characters."""
    table = table.select(STATIC_SCHEMA.names)
    ok = _valid_mmsi(table)
    stats.reject("invalid_mmsi", int(np.count_nonzero(~ok)))
    ok = _time_checks(table, ok, stats)
    table = strip_text_columns(table.filter(pa.array(ok)), ("name", "callsign", "destination"))
    return table.cast(STATIC_SCHEMA)


def keep_plausible(
    table: pa.Table, stats: IngestStats, counted: npt.NDArray[np.bool_] | None = None
) -> pa.Table:
    """``table`` without rows whose time is implausible, counted as ``implausible_time``
    where ``counted`` (default: every row; a static row that rides on a counted position
    report, type 19, is not counted twice)."""
    t, _ = _ms(table.column("t"))
    ok = plausible_times(t)
    if ok.all():
        return table
    bad = ~ok if counted is None else ~ok & counted
    stats.reject("implausible_time", int(np.count_nonzero(bad)))
    return table.filter(pa.array(ok))
