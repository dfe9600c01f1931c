"""Static reports: keep only the rows where a vessel's declared identity or voyage changed."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.arrow_np import from_numpy, to_numpy
from vessels.schema import STATIC_SCHEMA

__all__ = ["dedupe_static"]


def dedupe_static(static: pa.Table) -> pa.Table:
    """Keep a vessel's static row only when something in it changed since its previous one.

    Rows are ordered by (mmsi, t); the receiver, message type and time do not count as a
    change. Arrow compute only (no pandas), so an NMEA ingest does not import pandas.
    """
    if static.num_rows < 2:
        return static
    order = pc.sort_indices(static, sort_keys=[("mmsi", "ascending"), ("t", "ascending")])
    sorted_t = static.take(order)
    n = sorted_t.num_rows
    changed = np.zeros(n, bool)
    changed[0] = True
    for name in STATIC_SCHEMA.names:
        if name in ("t", "receiver", "msg_type"):
            continue
        col = sorted_t.column(name).combine_chunks()
        a, b = col.slice(1), col.slice(0, n - 1)
        ne = to_numpy(pc.not_equal(a, b), bool)  # null (either side null) reads as False
        null_diff = to_numpy(pc.xor(pc.is_null(a), pc.is_null(b)), bool)
        changed[1:] |= ne | null_diff
    return sorted_t.filter(from_numpy(changed, pa.bool_()))
