"""Partition and window sizes of the distributed run (:mod:`vessels.scale.detect`)."""

from __future__ import annotations

from dataclasses import dataclass

from detectors import SLICE_ROWS

__all__ = ["ScaleParams"]


@dataclass(frozen=True)
class ScaleParams:
    """Partition sizes. ``rows_per_partition``: about 1 million rows per task keeps a task's
    peak memory near that of ``detectors.SLICE_ROWS`` slices (about 0.5 GB)."""

    rows_per_partition: int = 1_000_000
    rows_per_read: int = 1_000_000  # Parquet rows per read task
    slice_rows: int = SLICE_ROWS  # stream-form detectors get bigger inputs in time slices
    max_window_reruns: int = 20
    # Windows at least this many margins wide: the overlap then costs at most half again.
    # (Narrower windows are still exact, only slower; the tests use them to stress the edges.)
    min_window_margins: float = 4.0
