"""Out of core: partitions spilled to disk, so no process holds more than one at a time.

The input is split by MMSI hash (:func:`vessels.scale.partition.mmsi_partition`) into one
Parquet file per partition as it is read (a row group batch at a time); each partition's tracks
are then built once and kept on disk as one ``.npy`` file per array, with the row order by time,
so that a time window's rows are found without reading the rest (:meth:`SpilledTracks.rows_between`).
The tasks of :mod:`vessels.scale.detect` load a partition when they need it and drop it after:
memory follows the partition size (``ScaleParams.rows_per_partition``), not the input size.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from vessels.errors import InputError
from vessels.scale.partition import PARQUET_SUFFIXES, split_table
from vessels.schema import POSITIONS_SCHEMA
from vessels.tracks import Tracks

__all__ = ["SpilledTracks", "load_tracks", "save_tracks", "spill_sources"]

I64 = npt.NDArray[np.int64]
_ARRAYS = [f.name for f in dataclasses.fields(Tracks) if f.name != "receivers"]


def save_tracks(tracks: Tracks, folder: Path) -> None:
    """One ``.npy`` per array of ``tracks`` plus the time order of its rows."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", getattr(tracks, name), allow_pickle=False)
    np.save(folder / "t_order.npy", np.argsort(tracks.t, kind="stable"), allow_pickle=False)
    (folder / "receivers.json").write_text(json.dumps(list(tracks.receivers)))


def load_tracks(folder: Path, mmap: bool = False) -> Tracks:
    """Tracks saved by :func:`save_tracks` (``mmap``: arrays mapped read-only, read on use)."""
    mode: Any = "r" if mmap else None
    arrays = {n: np.load(folder / f"{n}.npy", mmap_mode=mode) for n in _ARRAYS}
    receivers = tuple(json.loads((folder / "receivers.json").read_text()))
    return Tracks(**arrays, receivers=receivers)


class SpilledTracks:
    """A partition's tracks on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self) -> Tracks:
        return load_tracks(self.folder)

    def rows_between(self, lo_ms: int, hi_ms: int) -> tuple[I64, Tracks]:
        """The rows with ``lo_ms <= t < hi_ms`` in (segment, time) order and the tracks mapped
        read-only (index them to copy those rows; nothing else is read)."""
        tracks = load_tracks(self.folder, mmap=True)
        order = np.load(self.folder / "t_order.npy", mmap_mode="r")
        # binary search on the times in time order, reading only the pages it touches
        lo = _first_at_least(tracks.t, order, lo_ms)
        hi = _first_at_least(tracks.t, order, hi_ms)
        rows = np.sort(np.asarray(order[lo:hi], np.int64))
        return rows, tracks


def _first_at_least(t: npt.NDArray[np.int64], order: npt.NDArray[np.int64], x: int) -> int:
    """The first position in time order whose time is >= x (``t[order]`` is sorted)."""
    a, b = 0, int(order.size)
    while a < b:
        m = (a + b) // 2
        if int(t[int(order[m])]) < x:
            a = m + 1
        else:
            b = m
    return a


def spill_sources(
    items: Sequence[pa.Table | str | Path],
    n: int,
    folder: Path,
    rows_per_read: int,
    columns: str | dict[str, str] | None = None,
) -> tuple[list[str], list[pa.Table]]:
    """Split every source by MMSI hash into ``n`` Parquet files under ``folder`` (one per
    partition, rows in source order) as it is read; returns the files and the static tables
    of raw (NMEA/CSV) sources. Canonical Parquet is read ``rows_per_read`` rows at a time,
    tables as given, other files streamed through :func:`ingest.read.iter_tables`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [str(folder / f"part-{k:05d}.parquet") for k in range(n)]
    writers: dict[int, pq.ParquetWriter] = {}
    statics: list[pa.Table] = []

    schema: list[pa.Schema] = []  # of the first table: every partition file has it

    def put(table: pa.Table) -> None:
        if not table.num_rows:
            return
        if set(POSITIONS_SCHEMA.names) <= set(table.column_names):
            table = table.select(POSITIONS_SCHEMA.names).cast(POSITIONS_SCHEMA)
        if not schema:
            schema.append(table.schema)
        elif not table.schema.equals(schema[0], check_metadata=False):
            try:
                table = table.select(schema[0].names).cast(schema[0])
            except (KeyError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise InputError(
                    f"positions tables of different columns cannot be split together ({exc})"
                ) from exc
        for k, piece in enumerate(split_table(table, n)):
            if piece.num_rows:
                if k not in writers:
                    writers[k] = pq.ParquetWriter(files[k], schema[0], compression="lz4")
                writers[k].write_table(piece)

    try:
        for it in items:
            if isinstance(it, pa.Table):
                put(it)
            elif Path(it).suffix.lower() in PARQUET_SUFFIXES:
                try:
                    pf = pq.ParquetFile(it)
                    for batch in pf.iter_batches(batch_size=rows_per_read):
                        put(pa.Table.from_batches([batch]))
                except (OSError, pa.ArrowInvalid) as exc:
                    raise InputError(f"not a readable Parquet file ({exc})", str(it)) from exc
            else:
                statics += _spill_raw(Path(it), columns, put)
    finally:
        for w in writers.values():
            w.close()
    for k in range(n):
        if k not in writers:
            pq.write_table((schema[0] if schema else POSITIONS_SCHEMA).empty_table(), files[k])
    return files, statics


def _spill_raw(path: Path, columns: str | dict[str, str] | None, put: Any) -> list[pa.Table]:
    from ingest.read import iter_tables, prepare_options
    from ingest.result import IngestStats
    from ingest.sources import expand_inputs
    from ingest.static import dedupe_static

    mapping, _ = prepare_options(columns, None)
    statics = []
    for kind, table in iter_tables(expand_inputs([path]), IngestStats(), None, mapping):
        if kind == "positions":
            put(table)
        elif table.num_rows:
            statics.append(table)
    return [dedupe_static(pa.concat_tables(statics))] if statics else []
