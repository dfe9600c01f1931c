"""Ingest: AIS NMEA, provider CSV and Parquet inputs to the canonical positions/static tables.

``read_inputs(paths, ...) -> IngestResult`` is the one entry point other parts call
(docs/contracts.md); ``write_inputs(paths, positions_out, ...)`` streams the positions into a
Parquet file instead (``vessels ingest``).
"""

from __future__ import annotations

from ingest.read import read_inputs
from ingest.result import IngestResult, IngestStats
from ingest.stream import WrittenIngest, write_inputs

__all__ = ["IngestResult", "IngestStats", "WrittenIngest", "read_inputs", "write_inputs"]
