"""``read_inputs``: any mix of NMEA, provider CSV and Parquet files to the canonical tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest import nmea
from ingest.result import (
    POSITION_TYPES,
    RIDES_ON_POSITION,
    STATIC_TYPES,
    IngestResult,
    IngestStats,
)
from ingest.schemas import check_time_format, detect_layout, note_mapping, parse_columns_option
from ingest.sources import (
    Source,
    expand_inputs,
    iter_chunks,
    one_line,
    open_binary,
    read_errors_named,
    sniff_format,
)
from ingest.static import dedupe_static
from ingest.threads import prefetch
from ingest.validate import keep_plausible, validate_positions, validate_static
from kernels.ais import layout as L
from vessels.errors import InputError, NoDataError
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA

__all__ = ["finish_static", "iter_tables", "no_data_error", "prepare_options", "read_inputs"]

ProgressFactory = Callable[[int | None, str], Callable[[int], None]]


def _nmea_stats(res: nmea.NmeaResult, no_time: int) -> IngestStats:
    c = res.counters
    st = IngestStats(
        files=1,
        bytes=res.bytes_read,
        lines=int(c[L.C_LINES]),
        sentences=int(c[L.C_SENTENCES]),
        messages=int(c[L.C_MESSAGES]),
        kept_bad_checksum=int(c[L.C_KEPT_BAD]),
    )
    st.messages_by_type = {t: int(c[L.C_TYPE + t]) for t in range(64) if c[L.C_TYPE + t]}
    for code, name in enumerate(L.REJECT_NAMES):
        if name == "bad_time":  # an unreadable tag-block time: the line is still read
            st.notes[name] = int(c[L.C_REJ + code])
        else:
            st.reject(name, int(c[L.C_REJ + code]))
    st.reject("no_time", no_time)
    st.shared_lines = int(c[L.C_SHARED])
    st.outcome("blank", int(c[L.C_BLANK]))
    st.outcome("comment", int(c[L.C_COMMENT]))
    st.outcome("clock", int(c[L.C_CLOCK]))
    st.outcome("pghp", int(c[L.C_PGHP]) - st.rejects.get("bad_pghp", 0))
    st.outcome("joined_fragment", int(c[L.C_JOINED]))
    other = (t for t in range(64) if t not in POSITION_TYPES and t not in STATIC_TYPES)
    st.outcome("other_message", sum(int(c[L.C_TYPE + t]) for t in other))
    st.time_sources = {
        name: int(c[L.C_TSRC + k]) for k, name in enumerate(L.TSRC_NAMES) if k and c[L.C_TSRC + k]
    }
    return st


def _iter_nmea(
    src: Source,
    fixed_time_ms: int | None,
    keep_bad_checksum: bool,
    chunk_bytes: int,
    tick: Callable[[int], None] | None,
    stats: IngestStats,
) -> Iterator[tuple[str, pa.Table]]:
    """Positions as each chunk is decoded (see :meth:`nmea.NmeaDecoder.pop_positions`), then
    the last positions and the static reports; the file's counts are added to ``stats``.
    File reads run one chunk ahead in a thread, beside the decoder (both release the GIL)."""
    dec = nmea.NmeaDecoder(fixed_time_ms=fixed_time_ms, keep_bad_checksum=keep_bad_checksum)
    no_time = 0
    emitted = 0
    checks = IngestStats()  # implausible times, counted as the parts go
    for chunk in prefetch(iter_chunks(src, chunk_bytes)):
        dec.feed(chunk)
        if tick is not None:
            tick(len(chunk))
        for part in dec.pop_positions():
            table, nt = nmea.part_positions_table(part, dec.receivers())
            no_time += nt
            emitted += table.num_rows
            table = keep_plausible(table, checks)
            if table.num_rows:
                yield "positions", table
    res = dec.finish()
    positions, no_time_p = nmea.positions_table(res)
    static, no_time_s = nmea.static_table(res)
    st = _nmea_stats(res, no_time + no_time_p + no_time_s)
    positions = keep_plausible(positions, checks)
    lone = static.column("msg_type").to_numpy() != 19  # a type 19 counts with its position
    static = keep_plausible(static, checks, counted=lone)
    st.add(checks)
    st.formats["nmea"] = 1
    if not emitted and not positions.num_rows and not static.num_rows and not st.sentences:
        raise InputError(
            f"no AIS sentences found in {st.lines:,} lines (rejects: {st.rejects}); "
            "is this an NMEA AIS file?",
            src.name,
        )
    stats.add(st)
    yield "positions", positions
    yield "static", static


def _read_parquet(
    src: Source, columns: dict[str, str] | None, stats: IngestStats, time_format: str | None
) -> tuple[pa.Table, pa.Table]:
    try:
        with read_errors_named(src):
            if src.member is None and src.compression is None:
                table = pq.read_table(src.path)
            else:
                with open_binary(src) as fh:
                    table = pq.read_table(pa.BufferReader(fh.read()))
    except pa.ArrowInvalid as exc:
        raise InputError(f"not a readable Parquet file ({one_line(exc)})", src.name) from exc
    names = set(table.column_names)
    try:
        if columns is None and set(POSITIONS_SCHEMA.names) <= names:
            stats.lines += table.num_rows
            stats.formats["parquet:positions"] = stats.formats.get("parquet:positions", 0) + 1
            return validate_positions(table, stats), STATIC_SCHEMA.empty_table()
        if columns is None and set(STATIC_SCHEMA.names) <= names:
            stats.lines += table.num_rows
            stats.formats["parquet:static"] = stats.formats.get("parquet:static", 0) + 1
            return POSITIONS_SCHEMA.empty_table(), validate_static(table, stats)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InputError(
            "has the column names of a canonical table but not their types "
            f"({one_line(exc)}); map its columns with --columns",
            src.name,
        ) from exc
    from ingest.tabular import convert_table  # counts its rows in stats.lines

    layout = detect_layout(table.column_names, columns, src.name, time_format)
    note_mapping(layout, src.name, stats)
    stats.formats[f"parquet:{layout.name}"] = stats.formats.get(f"parquet:{layout.name}", 0) + 1
    return convert_table(table, layout, src.name, stats)


def read_inputs(
    paths: Sequence[str | PathLike[str]] | str | PathLike[str],
    *,
    fixed_time_ms: int | None = None,
    columns: str | dict[str, str] | None = None,
    keep_bad_checksum: bool = False,
    quiet: bool = True,
    chunk_bytes: int = nmea.DEFAULT_CHUNK_BYTES,
    progress: ProgressFactory | None = None,
    time_format: str | None = None,
) -> IngestResult:
    """Read NMEA (any extension), provider CSV (MarineCadastre, DMA, wide satellite CSV, NARI,
    or any CSV with ``columns``) and Parquet, plain or .gz/.xz/.bz2/.zip, into the canonical
    positions and static tables.

    ``fixed_time_ms`` (ms since the epoch, UTC) dates NMEA sentences that carry no time;
    without it they are counted as ``no_time`` rejects. ``keep_bad_checksum`` keeps sentences
    whose checksum is wrong (counted in ``stats.kept_bad_checksum``). ``progress``, when given,
    is called as ``progress(total_bytes, name)`` per input and returns a ``tick(nbytes)``;
    ``quiet`` is accepted for the command line's sake and ignored here. ``time_format`` (a
    strptime format, ``epoch`` or ``ISO8601``) says how the time column of CSV/Parquet tables
    is written; by default numbers are epochs, slash dates are read day-first or month-first
    when the data tells which (else InputError asks for the format), anything else as ISO 8601.
    A ``columns`` mapping may name ``id=COL`` instead of ``mmsi=COL`` for vessel ids that are
    not MMSIs: they get pseudo-MMSIs (``vessels.ids``), listed in ``stats.id_map``.

    Raises InputError for a missing, unreadable, empty or unrecognised input and NoDataError
    when nothing at all could be read.
    """
    del quiet
    if isinstance(paths, (str, PathLike)):
        paths = [paths]
    if not paths:
        raise InputError("no input files given")
    mapping, time_format = prepare_options(columns, time_format)
    sources = expand_inputs([Path(p) for p in paths])
    stats = IngestStats()
    parts: dict[str, list[pa.Table]] = {"positions": [], "static": []}
    for kind, table in iter_tables(
        sources,
        stats,
        fixed_time_ms,
        mapping,
        keep_bad_checksum,
        chunk_bytes,
        progress,
        time_format,
    ):
        parts[kind].append(table)
    positions = concat_tables(parts["positions"], POSITIONS_SCHEMA)
    static = finish_static(parts["static"], stats)
    result = IngestResult(positions=positions, static=static, stats=stats)
    if not positions.num_rows and not static.num_rows:
        raise no_data_error(sources, result.summary())
    return result


def no_data_error(sources: Sequence[Source], summary: str) -> NoDataError:
    names = ", ".join(src.name for src in sources[:5])
    more = f" and {len(sources) - 5} more" if len(sources) > 5 else ""
    return NoDataError(
        f"{names}{more}: the inputs held no usable position or static report.\n" + summary
    )


def prepare_options(
    columns: str | dict[str, str] | None, time_format: str | None
) -> tuple[dict[str, str] | None, str | None]:
    """The ``columns`` mapping parsed and the ``time_format`` checked (ConfigError early)."""
    mapping = parse_columns_option(columns) if columns else None
    return mapping, (check_time_format(time_format) if time_format is not None else None)


def iter_tables(
    sources: Sequence[Source],
    stats: IngestStats,
    fixed_time_ms: int | None = None,
    mapping: dict[str, str] | None = None,
    keep_bad_checksum: bool = False,
    chunk_bytes: int = nmea.DEFAULT_CHUNK_BYTES,
    progress: ProgressFactory | None = None,
    time_format: str | None = None,
) -> Iterator[tuple[str, pa.Table]]:
    """``("positions" | "static", table)`` pairs of every source as they are read (positions
    of NMEA after each decoded chunk, CSV by blocks), counts into ``stats``. Static tables are
    not yet de-duplicated and carry an internal column for the line reconciliation: give them
    all to :func:`finish_static`. Every position row yielded is counted as a ``position``.

    A source found by walking a folder that turns out unreadable before it gave any row is
    skipped and counted; once it has given rows, its error ends the ingest (the rows are out).
    """
    for src in sources:
        gave = False
        span: dict[str, Any] = {"input": src.name, "first_ms": None, "last_ms": None}
        span["positions"] = 0
        try:
            for kind, table in _iter_one(
                src, fixed_time_ms, mapping, keep_bad_checksum, chunk_bytes, progress, stats,
                time_format,
            ):  # fmt: skip
                gave = gave or bool(table.num_rows)
                if kind == "positions" and table.num_rows:
                    _extend_span(span, table)
                    stats.outcome("position", table.num_rows)
                yield kind, table
        except InputError as exc:
            if not src.in_folder or gave:
                raise
            stats.skipped.append(str(exc))
            stats.reject("skipped_file")
            continue
        stats.spans.append(span)


def _iter_one(
    src: Source,
    fixed_time_ms: int | None,
    mapping: dict[str, str] | None,
    keep_bad_checksum: bool,
    chunk_bytes: int,
    progress: ProgressFactory | None,
    stats: IngestStats,
    time_format: str | None = None,
) -> Iterator[tuple[str, pa.Table]]:
    """The tables of one source as they are read; its counts added to ``stats`` at its end."""
    fmt = sniff_format(src)
    tick = progress(src.size, src.name) if progress is not None else None
    if fmt == "nmea":
        for kind, table in _iter_nmea(
            src, fixed_time_ms, keep_bad_checksum, chunk_bytes, tick, stats
        ):
            yield kind, (_mark_lone(table, all_lone=False) if kind == "static" else table)
        return
    st = IngestStats(files=1, bytes=src.size or 0)
    if fmt == "csv":
        from ingest.tabular import read_csv  # pandas is imported only for tables

        for p, s in read_csv(src, mapping, st, time_format):
            yield "positions", p
            yield "static", _mark_lone(s, all_lone=False)
    else:
        p, s = _read_parquet(src, mapping, st, time_format)
        yield "positions", p
        # a canonical static table: every row is its own line
        yield "static", _mark_lone(s, all_lone="parquet:static" in st.formats)
    if tick is not None and src.size:
        tick(src.size)
    stats.add(st)


def _extend_span(span: dict[str, Any], table: pa.Table) -> None:
    """Widen an input's time span (first and last position time, ms UTC; positions read)."""
    import pyarrow.compute as pc

    mm = pc.min_max(table.column("t").cast(pa.int64())).as_py()
    span["positions"] += table.num_rows
    first, last = span["first_ms"], span["last_ms"]
    span["first_ms"] = mm["min"] if first is None else min(first, mm["min"])
    span["last_ms"] = mm["max"] if last is None else max(last, mm["max"])


_LONE = "_lone"  # internal column while reading: the static row is its line's only outcome
_STATIC_READ_SCHEMA = STATIC_SCHEMA.append(pa.field(_LONE, pa.bool_()))


def _mark_lone(static: pa.Table, *, all_lone: bool) -> pa.Table:
    """``static`` with the internal column telling which rows are their line's only outcome
    (the others ride on a position report of the same line, counted with it)."""
    if all_lone:
        lone = np.ones(static.num_rows, bool)
    else:
        lone = ~np.isin(static.column("msg_type").to_numpy(), RIDES_ON_POSITION)
    return static.append_column(_LONE, pa.array(lone, pa.bool_()))


def finish_static(parts: list[pa.Table], stats: IngestStats) -> pa.Table:
    """The static tables of :func:`iter_tables` as one de-duplicated STATIC_SCHEMA table
    (:func:`ingest.static.dedupe_static`); the rows that are their line's only outcome are
    counted as ``static`` when kept and ``static_duplicate`` when dropped."""
    static = concat_tables(parts, _STATIC_READ_SCHEMA)
    kept = dedupe_static(static)
    n_lone = int(pc.sum(static.column(_LONE)).as_py() or 0)
    n_kept = int(pc.sum(kept.column(_LONE)).as_py() or 0)
    stats.outcome("static", n_kept)
    stats.outcome("static_duplicate", n_lone - n_kept)
    return kept.drop_columns([_LONE])


def concat_tables(parts: list[pa.Table], schema: pa.Schema) -> pa.Table:
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return schema.empty_table()
    table = pa.concat_tables(parts).unify_dictionaries().combine_chunks()
    return table


def positions_bytes_per_row(table: pa.Table) -> float:
    """Memory of a positions table per row (buffers, validity bitmaps and dictionary)."""
    return float(table.nbytes) / max(1, table.num_rows) if table.num_rows else float(np.nan)
