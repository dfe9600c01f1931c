"""Ingest: AIS NMEA, provider CSV and Parquet inputs to the canonical positions/static tables.

``read_inputs(paths, ...) -> IngestResult`` is the one entry point other parts call
(docs/contracts.md).
"""

from __future__ import annotations

from ingest.read import read_inputs
from ingest.result import IngestResult, IngestStats

__all__ = ["IngestResult", "IngestStats", "read_inputs"]
