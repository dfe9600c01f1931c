"""Live NMEA: byte chunks of a feed (a socket, a followed file) to canonical rows, batch by batch.

:class:`LineFramer` cuts a byte stream into whole lines: a line split across reads waits for
its end; a line longer than ``max_line_bytes`` (no AIS sentence with its tag block comes close)
is dropped and counted, so a feed that never sends a newline cannot grow memory.
:class:`LiveDecoder` runs the same Numba decoder as ``vessels ingest`` (multi-sentence
messages and ``$PGHP`` state carry across batches) and returns the rows of each batch at once.
A sentence with no time of its own (no tag block, no trailing epoch) is dated by its arrival
(``now_ms``), as AIS-catcher and rtl-ais feeds need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ingest.nmea import NmeaDecoder, positions_table, static_table
from kernels.ais import layout as L

__all__ = ["DecodeCounts", "LineFramer", "LiveDecoder"]

#: Longest line kept: an NMEA sentence is at most 82 characters; tag blocks, $PGHP wrappers and
#: logger prefixes add a few hundred at most.
MAX_LINE_BYTES = 4096


class LineFramer:
    """Whole lines out of arbitrary byte chunks; counts over-long lines."""

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_line = int(max_line_bytes)
        self.carry = b""
        self.skipping = False  # inside an over-long line: drop bytes up to its newline
        self.over_long = 0

    def feed(self, chunk: bytes) -> bytes:
        """The complete lines now available (ending in a newline), possibly empty."""
        if self.skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                return b""
            chunk = chunk[nl + 1 :]
            self.skipping = False
        data = self.carry + chunk if self.carry else chunk
        end = data.rfind(b"\n") + 1
        lines, self.carry = data[:end], data[end:]
        if len(self.carry) > self.max_line:
            self.over_long += 1
            self.carry = b""
            self.skipping = True
        if len(lines) > self.max_line:
            lines = self._drop_long(lines)
        return lines

    def _drop_long(self, lines: bytes) -> bytes:
        buf = np.frombuffer(lines, np.uint8)
        ends = np.flatnonzero(buf == 10)
        starts = np.r_[0, ends[:-1] + 1]
        long = (ends - starts) > self.max_line
        if not long.any():
            return lines
        self.over_long += int(long.sum())
        keep = np.flatnonzero(~long)
        return b"".join(lines[starts[i] : ends[i] + 1] for i in keep.tolist())

    def flush(self) -> bytes:
        """The last line of a stream that ended without a newline."""
        rest, self.carry = self.carry, b""
        return rest + b"\n" if rest and not self.skipping else b""


@dataclass
class DecodeCounts:
    """What a live decoder saw: lines, messages, rejects by reason."""

    lines: int = 0
    messages: int = 0
    rejects: dict[str, int] = field(default_factory=dict)


class LiveDecoder(NmeaDecoder):
    """:class:`ingest.nmea.NmeaDecoder` that hands out its rows after every batch."""

    def __init__(self, *, keep_bad_checksum: bool = False) -> None:
        super().__init__(fixed_time_ms=None, keep_bad_checksum=keep_bad_checksum)
        self.no_time = 0

    def decode(self, lines: bytes, now_ms: int) -> tuple[pa.Table, pa.Table]:
        """Positions and static rows of ``lines`` (whole lines); undated ones get ``now_ms``."""
        self.fixed_t = int(now_ms)
        self.feed(lines)
        res = self.result()
        self._pos_done += sum(part[2].shape[0] for part in self._pos_parts)
        self._sta_done += sum(part[0].shape[0] for part in self._sta_parts)
        self._pos_parts.clear()
        self._sta_parts.clear()
        pos, nt_p = positions_table(res)
        sta, nt_s = static_table(res)
        self.no_time += nt_p + nt_s
        return pos, sta

    def counts(self) -> DecodeCounts:
        c = self.counters
        rej = {
            name: int(c[L.C_REJ + code])
            for code, name in enumerate(L.REJECT_NAMES)
            if c[L.C_REJ + code]
        }
        if self.no_time:
            rej["no_time"] = self.no_time
        return DecodeCounts(int(c[L.C_LINES]), int(c[L.C_MESSAGES]), rej)
