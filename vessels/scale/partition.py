"""Splitting positions into partitions by MMSI hash, and reading sources on the workers.

Every row of one MMSI lands in the same partition, so track building, segmentation and every
per-vessel detector see the whole history of each vessel they get (the Tracks contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from vessels.errors import InputError, SchemaError

__all__ = [
    "PARQUET_SUFFIXES",
    "concat_tables",
    "mmsi_partition",
    "parquet_batches",
    "read_parquet_split",
    "read_raw_split",
    "split_table",
]

PARQUET_SUFFIXES = (".parquet", ".pq")

#: Knuth's multiplicative hash: MMSIs cluster by country (MID) and by allocation order, so a
#: plain modulo would fill partitions unevenly on regional data.
_GOLDEN = np.uint64(2_654_435_761)


def mmsi_partition(mmsi: npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
    """Partition number in [0, n) of each MMSI (nulls and invalid values: any fixed one)."""
    m = np.asarray(mmsi).astype(np.uint64, copy=False)
    h = (m * _GOLDEN) & np.uint64(0xFFFFFFFF)
    return (h % np.uint64(max(n, 1))).astype(np.int64)


def split_table(table: pa.Table, n: int) -> list[pa.Table]:
    """``n`` tables whose rows are those of ``table`` with ``mmsi_partition == k`` (order kept)."""
    if "mmsi" not in table.column_names:
        raise SchemaError(
            f"positions table lacks column 'mmsi'; it has {table.column_names}. "
            "Read inputs with ingest.read_inputs to get the canonical schema."
        )
    col = table.column("mmsi").cast(pa.int64()).fill_null(0)
    part = mmsi_partition(np.asarray(col.to_numpy(zero_copy_only=False)), n)
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n + 1))
    grouped = table.take(pa.array(order))  # one gather; the partitions are zero-copy slices
    return [grouped.slice(bounds[k], bounds[k + 1] - bounds[k]) for k in range(n)]


def concat_tables(tables: Sequence[pa.Table]) -> pa.Table:
    """One table of the pieces; schemas unified (a string vs dictionary receiver column)."""
    tabs = [t for t in tables if t is not None]
    if not tabs:
        raise SchemaError("no position pieces to concatenate")
    nonempty = [t for t in tabs if t.num_rows] or tabs[:1]
    if len(nonempty) == 1:
        return nonempty[0]
    return pa.concat_tables(nonempty, promote_options="permissive")


def parquet_batches(path: Path, rows_per_read: int) -> tuple[list[list[int]], int]:
    """Row groups of a Parquet file grouped into reads of about ``rows_per_read`` rows."""
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"not a readable Parquet file ({exc})", str(path)) from exc
    batches: list[list[int]] = []
    cur: list[int] = []
    rows = 0
    for g in range(meta.num_row_groups):
        cur.append(g)
        rows += meta.row_group(g).num_rows
        if rows >= rows_per_read:
            batches.append(cur)
            cur, rows = [], 0
    if cur:
        batches.append(cur)
    return batches, int(meta.num_rows)


def read_parquet_split(path: str, row_groups: list[int], n: int) -> list[pa.Table]:
    """Read some row groups of a canonical positions Parquet file and split them by MMSI."""
    try:
        table = pq.ParquetFile(path).read_row_groups(row_groups)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"cannot read Parquet row groups {row_groups} ({exc})", path) from exc
    return split_table(table, n)


def read_raw_split(
    path: str, n: int, columns: str | dict[str, str] | None = None
) -> tuple[list[pa.Table], pa.Table]:
    """Read one NMEA/CSV file (anything ``ingest.read_inputs`` reads) on a worker, split it.
    ``columns``: the CSV column mapping of ``read_inputs`` for unknown layouts."""
    from ingest import read_inputs

    res = read_inputs([path], columns=columns, quiet=True)
    return split_table(res.positions, n), res.static
