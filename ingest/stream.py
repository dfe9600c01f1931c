"""``write_inputs``: any mix of inputs straight into a positions Parquet file, streamed.

Positions go to the output as they are decoded (a row group per decoded chunk of NMEA or block
of CSV), written by a thread behind the decoder while another reads ahead: memory stays near a
few chunks whatever the input size (``benchmarks/bench_ingest_cli.py`` measures it), and file
reads, decoding and Parquet encoding overlap on two cores. Static reports are few and must be
compared across the whole input (:func:`ingest.static.dedupe_static`), so they are held.
The output appears only when complete (written beside it, then renamed).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest import nmea
from ingest.read import ProgressFactory, finish_static, iter_tables, no_data_error, prepare_options
from ingest.result import IngestStats, TableFacts, summarize
from ingest.sources import expand_inputs
from ingest.threads import Behind
from vessels.atomic import atomic_path
from vessels.errors import InputError
from vessels.schema import POSITIONS_SCHEMA

__all__ = ["WrittenIngest", "write_inputs"]

#: Parquet compression of the outputs (zstd: small files, fast enough to stay behind decoding).
COMPRESSION = "zstd"
#: Columns worth a Parquet dictionary (few distinct values). Trying one on times and
#: coordinates, which have almost as many values as rows, doubled the writer's CPU time.
DICTIONARY_COLUMNS = ["mmsi", "msg_type", "nav_status", "receiver"]


@dataclass
class WrittenIngest:
    """What :func:`write_inputs` wrote: counts, facts about the positions written, and the
    (de-duplicated) static reports."""

    stats: IngestStats
    facts: TableFacts
    static: pa.Table

    def summary(self) -> str:
        return summarize(self.stats, self.facts)


def write_inputs(
    paths: Sequence[str | os.PathLike[str]],
    positions_out: str | os.PathLike[str],
    *,
    static_out: str | os.PathLike[str] | None = None,
    fixed_time_ms: int | None = None,
    columns: str | dict[str, str] | None = None,
    keep_bad_checksum: bool = False,
    chunk_bytes: int = nmea.DEFAULT_CHUNK_BYTES,
    progress: ProgressFactory | None = None,
    time_format: str | None = None,
) -> WrittenIngest:
    """Read ``paths`` as :func:`ingest.read_inputs` does (same options, same rows in the same
    order) and write the positions to ``positions_out`` (POSITIONS_SCHEMA Parquet) as they
    come; the static reports to ``static_out`` when given.

    Raises what ``read_inputs`` raises; then no output is written.
    """
    if not paths:
        raise InputError("no input files given")
    mapping, time_format = prepare_options(columns, time_format)
    sources = expand_inputs([Path(p) for p in paths])
    stats = IngestStats()
    facts = TableFacts()
    static_parts: list[pa.Table] = []
    with atomic_path(positions_out) as tmp:
        writer = pq.ParquetWriter(
            tmp, POSITIONS_SCHEMA, compression=COMPRESSION, use_dictionary=DICTIONARY_COLUMNS
        )
        try:

            def write(table: pa.Table) -> None:
                if not table.schema.equals(POSITIONS_SCHEMA, check_metadata=False):
                    table = table.cast(POSITIONS_SCHEMA)
                facts.add_positions(table)
                writer.write_table(table)

            with Behind(write) as behind:
                for kind, table in iter_tables(
                    sources, stats, fixed_time_ms, mapping, keep_bad_checksum, chunk_bytes,
                    progress, time_format,
                ):  # fmt: skip
                    if kind == "static":
                        static_parts.append(table)
                    elif table.num_rows:
                        behind.put(table)
        finally:
            writer.close()
        static = finish_static(static_parts, stats)
        facts.add_static(static)
        if not facts.positions and not static.num_rows:
            raise no_data_error(sources, summarize(stats, facts))
    if static_out is not None:
        with atomic_path(static_out) as tmp:
            pq.write_table(static, tmp, compression=COMPRESSION)
    return WrittenIngest(stats, facts, static)
