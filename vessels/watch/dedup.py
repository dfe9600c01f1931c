"""One row per AIS message across live sources, with the batch merge's duplicate key.

Copies of one transmission heard by two sources (a coastal receiver and a satellite feed)
decode to identical fields (``ingest.merge.message_keys``); a copy from another source within
``dup_window_s`` of the first is dropped and counted. Repeats within one source are left to
track building, as in batch (``vessels detect`` on one file keeps them), so a single-source
replay gives the batch events exactly. Clock offsets between sources are not estimated live.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ingest.merge import message_keys

__all__ = ["SourceDedup"]


class SourceDedup:
    def __init__(self, window_ms: int) -> None:
        self.window_ms = int(window_ms)
        self.first: dict[int, tuple[int, int]] = {}  # key -> (time ms, source)
        self.dropped = 0
        self._evict_at = -(2**62)

    def filter(self, table: pa.Table, source: int, keep_since_ms: int) -> pa.Table:
        """``table`` without the copies other sources already delivered. Keys of messages
        older than ``keep_since_ms`` (the watermark: a later copy would be late anyway) less
        the window are forgotten now and then."""
        if table.num_rows == 0:
            return table
        keys = message_keys(table).tolist()
        ts = table.column("t").cast(pa.int64()).to_numpy().tolist()
        keep = np.ones(len(keys), bool)
        first, w = self.first, self.window_ms
        for i, (k, t) in enumerate(zip(keys, ts, strict=True)):
            prev = first.get(k)
            if prev is None or abs(t - prev[0]) > w:
                first[k] = (t, source)
            elif prev[1] != source:
                keep[i] = False
        n_drop = int((~keep).sum())
        self.dropped += n_drop
        if keep_since_ms - self._evict_at > w:
            cut = keep_since_ms - w
            self.first = {k: v for k, v in first.items() if v[0] >= cut}
            self._evict_at = keep_since_ms
        return table.filter(pa.array(keep)) if n_drop else table
