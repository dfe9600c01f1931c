"""NMEA 0183 AIS files to the canonical tables, through the Numba bulk decoder.

Python only orchestrates: it reads the file in chunks into a NumPy byte buffer, calls
``kernels.ais_decode.decode_chunk`` (which keeps multi-sentence and ``$PGHP`` state across
chunks), and turns the columnar arrays into Arrow tables. Memory stays bounded by the chunk size
plus the output itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kernels import ais_decode as K
from kernels.ais_bits import NO_TIME
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA, TIME_TYPE

__all__ = ["NmeaDecoder", "NmeaResult", "decode_nmea_bytes", "receiver_is_sat"]

DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024

# Receiver names that say where the report was heard. Spire names its LEMUR-2 satellites by
# flight model ("FM112"); Spire and GFW feeds label sources "terrestrial"/"satellite";
# exactEarth and ORBCOMM are satellite AIS operators.
_SAT_NAME = re.compile(r"^(FM\d+|.*satellite.*|.*\bsat\b.*|.*exact.?earth.*|rORBCOMM.*)$", re.I)
_TERR_NAME = re.compile(r"^.*terrestrial.*$", re.I)


def receiver_is_sat(name: str) -> bool | None:
    """True for a satellite receiver name, False for a terrestrial one, None when unknown."""
    if _SAT_NAME.match(name):
        return True
    if _TERR_NAME.match(name):
        return False
    return None


def _position_arrays(cap: int) -> tuple[npt.NDArray[Any], ...]:
    return (
        np.zeros(cap, np.uint32),  # mmsi
        np.zeros(cap, np.int64),  # t
        np.zeros(cap, np.float64),  # lat
        np.zeros(cap, np.float64),  # lon
        np.zeros(cap, np.float32),  # sog
        np.zeros(cap, np.float32),  # cog
        np.zeros(cap, np.int16),  # heading
        np.zeros(cap, np.int8),  # nav status
        np.zeros(cap, np.uint8),  # msg type
        np.zeros(cap, np.int32),  # receiver
        np.zeros(cap, np.int8),  # is_sat (1 / -1)
        np.zeros(cap, np.int8),  # UTC second
        np.zeros(cap, np.uint8),  # bad checksum kept
        np.zeros(cap, np.int8),  # time source
    )


def _static_arrays(cap: int) -> tuple[npt.NDArray[Any], ...]:
    return (
        np.zeros(cap, np.uint32),  # mmsi
        np.zeros(cap, np.int64),  # t
        np.zeros(cap, np.uint8),  # msg type
        np.zeros(cap, np.int8),  # part (-1, 0 = 24A, 1 = 24B)
        np.zeros(cap, np.uint32),  # imo
        np.zeros((cap, 7), np.uint8),  # callsign
        np.zeros((cap, 20), np.uint8),  # name
        np.zeros(cap, np.uint8),  # ship type
        np.zeros(cap, np.uint16),  # to bow
        np.zeros(cap, np.uint16),  # to stern
        np.zeros(cap, np.uint8),  # to port
        np.zeros(cap, np.uint8),  # to starboard
        np.zeros((cap, 20), np.uint8),  # destination
        np.zeros(cap, np.int32),  # receiver
        np.zeros(cap, np.int8),  # is_sat
        np.zeros(cap, np.int8),  # time source
    )


@dataclass
class NmeaResult:
    """Raw decoder output for one stream: arrays plus counters, before null handling."""

    positions: dict[str, npt.NDArray[Any]]
    static: dict[str, npt.NDArray[Any]]
    receivers: list[str]
    counters: npt.NDArray[np.int64]
    bytes_read: int = 0
    kept_bad_rows: int = 0
    extra: dict[str, int] = field(default_factory=dict)


_POS_NAMES = (
    "mmsi",
    "t",
    "lat",
    "lon",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "msg_type",
    "receiver",
    "sat",
    "ais_second",
    "bad",
    "tsrc",
)
_STA_NAMES = (
    "mmsi",
    "t",
    "msg_type",
    "part",
    "imo",
    "callsign",
    "name",
    "ship_type",
    "to_bow",
    "to_stern",
    "to_port",
    "to_starboard",
    "destination",
    "receiver",
    "sat",
    "tsrc",
)


class NmeaDecoder:
    """Streaming decoder: ``feed`` byte chunks in order, then ``finish``.

    Multi-sentence messages and ``$PGHP`` lines may straddle chunks. ``fixed_time_ms`` dates
    sentences that carry no time of their own; ``keep_bad_checksum`` keeps (and counts) them.
    """

    def __init__(self, *, fixed_time_ms: int | None = None, keep_bad_checksum: bool = False):
        self.fixed_t = NO_TIME if fixed_time_ms is None else int(fixed_time_ms)
        self.keep_bad = bool(keep_bad_checksum)
        self.counters = np.zeros(K.N_COUNTERS, np.int64)
        s, p, c = K.N_SLOTS, K.MAX_PARTS, K.MAX_PART_CHARS
        self.pending = (
            np.zeros(s, np.int8),
            np.zeros(s, np.int64),
            np.zeros(s, np.int64),
            np.zeros(s, np.int64),
            np.zeros(s, np.int64),
            np.zeros(s, np.int64),
            np.zeros((s, 5), np.int64),
            np.zeros((s, p), np.int64),
            np.zeros(s, np.int64),
            np.zeros((s, p, c), np.uint8),
        )
        g = K.N_PGHP
        self.pghp = (
            np.full(g, -1, np.int64),
            np.zeros(g, np.int64),
            np.zeros(g, np.int64),
            np.zeros(1, np.int64),
            np.full(g, -1, np.int64),
            np.zeros(g, np.int64),
            np.zeros(g, np.int64),
            np.zeros(g, np.int64),
            np.zeros(1, np.int64),
            np.zeros(g, np.int64),  # line number of each waiting $PGHP
            np.zeros(g, np.int64),  # lines between a ring sentence and the $PGHP dating it
            np.zeros(g, np.int64),  # line number of each ring sentence
            np.zeros(2, np.int64),  # global number of the first position / static row of a call
            np.zeros((16, 4), np.int64),  # re-datings of rows of earlier calls (kind, row, t, sat)
            np.zeros(1, np.int64),
        )
        self.receivers_state = (
            np.zeros((K.RECV_SLOTS, K.RECV_LEN), np.uint8),
            np.zeros(K.RECV_SLOTS, np.int64),
            np.zeros(1, np.int64),
            np.full(K.RECV_HASH, -1, np.int64),
        )
        self.scratch = np.zeros(K.MAX_PARTS * K.MAX_PART_CHARS, np.uint8)
        self.work = np.zeros(32, np.int64)
        self._carry = b""
        self._pos_parts: list[tuple[npt.NDArray[Any], ...]] = []
        self._sta_parts: list[tuple[npt.NDArray[Any], ...]] = []
        self.bytes_read = 0
        self._rows = [0, 0]  # position and static rows decoded so far

    def _run(self, data: bytes, final: bool) -> int:
        buf = np.frombuffer(data, dtype=np.uint8)
        # Each sentence yields at most one row of each table: '!' counts bound the output.
        cap = int(np.count_nonzero(buf == 33)) + 1
        pos = _position_arrays(cap)
        sta = _static_arrays(cap)
        self.counters[K.C_NPOS] = 0
        self.counters[K.C_NSTA] = 0
        self.pghp[12][0] = self._rows[0]
        self.pghp[12][1] = self._rows[1]
        self.pghp[14][0] = 0
        state = (
            self.counters,
            pos,
            sta,
            self.pending,
            self.pghp,
            self.receivers_state,
            self.scratch,
            self.work,
        )
        used = int(K.decode_chunk(buf, buf.shape[0], final, self.fixed_t, self.keep_bad, state))
        npos = int(self.counters[K.C_NPOS])
        nsta = int(self.counters[K.C_NSTA])
        self._apply_fixes()
        if npos:
            self._pos_parts.append(tuple(a[:npos].copy() for a in pos))
        if nsta:
            self._sta_parts.append(tuple(a[:nsta].copy() for a in sta))
        self._rows[0] += npos
        self._rows[1] += nsta
        return used

    def _apply_fixes(self) -> None:
        """A $PGHP line that dates a sentence decoded in an earlier chunk."""
        fixes = self.pghp[13]
        for kind, row, t, sat in fixes[: int(self.pghp[14][0])].tolist():
            parts = self._pos_parts if kind == 0 else self._sta_parts
            start = 0
            for part in parts:
                n = part[0].shape[0]
                if start <= row < start + n:
                    part[1][row - start] = t
                    part[10 if kind == 0 else 14][row - start] = sat
                    part[13 if kind == 0 else 15][row - start] = 1
                    break
                start += n

    def feed(self, chunk: bytes) -> None:
        """Decode every complete line; keep a trailing partial line for the next chunk."""
        self.bytes_read += len(chunk)
        data = self._carry + chunk if self._carry else chunk
        used = self._run(data, final=False)
        self._carry = data[used:]

    def finish(self) -> NmeaResult:
        if self._carry:
            self._run(self._carry, final=True)
            self._carry = b""
        K.flush_pending(self.pending, self.counters)
        n = int(self.receivers_state[2][0])
        names = [
            bytes(self.receivers_state[0][i, : self.receivers_state[1][i]]).decode(
                "latin-1", "replace"
            )
            for i in range(n)
        ]
        return NmeaResult(
            positions=_concat(self._pos_parts, _POS_NAMES, _position_arrays(0)),
            static=_concat(self._sta_parts, _STA_NAMES, _static_arrays(0)),
            receivers=names,
            counters=self.counters.copy(),
            bytes_read=self.bytes_read,
        )


def _concat(
    parts: list[tuple[npt.NDArray[Any], ...]],
    names: tuple[str, ...],
    empty: tuple[npt.NDArray[Any], ...],
) -> dict[str, npt.NDArray[Any]]:
    if not parts:
        return dict(zip(names, empty, strict=True))
    if len(parts) == 1:
        return dict(zip(names, parts[0], strict=True))
    return {n: np.concatenate([p[k] for p in parts]) for k, n in enumerate(names)}


def decode_nmea_bytes(
    chunks: Iterable[bytes],
    *,
    fixed_time_ms: int | None = None,
    keep_bad_checksum: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> NmeaResult:
    """Decode a stream of byte chunks (one file) into raw arrays and counters."""
    dec = NmeaDecoder(fixed_time_ms=fixed_time_ms, keep_bad_checksum=keep_bad_checksum)
    for chunk in chunks:
        dec.feed(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
    return dec.finish()


def _receiver_column(
    codes: npt.NDArray[np.int32], names: list[str]
) -> tuple[pa.Array, npt.NDArray[np.int8]]:
    """Dictionary-encoded receiver column and the per-row satellite flag from the names."""
    idx = pa.array(codes.astype(np.int32), mask=codes < 0, type=pa.int32())
    col = pa.DictionaryArray.from_arrays(idx, pa.array(names, type=pa.string()))
    flag = np.array(
        [{True: 1, False: 0, None: -1}[receiver_is_sat(n)] for n in names] + [-1], np.int8
    )
    return col, flag[np.where(codes < 0, len(names), codes)]


def _is_sat(kernel_sat: npt.NDArray[np.int8], name_sat: npt.NDArray[np.int8]) -> pa.Array:
    sat = np.where(kernel_sat == 1, 1, name_sat)
    return pa.array(sat == 1, mask=sat < 0, type=pa.bool_())


def _text(fixed: npt.NDArray[np.uint8]) -> pa.Array:
    """Fixed-width ASCII rows (NUL padded) to strings; empty after trimming is null."""
    width = fixed.shape[1]
    raw = np.ascontiguousarray(fixed).view(f"S{width}").ravel()
    text = np.char.strip(np.char.decode(raw, "ascii"))
    return pa.array(text, mask=text == "", type=pa.string())


def positions_table(res: NmeaResult) -> tuple[pa.Table, int]:
    """Positions in ``POSITIONS_SCHEMA``; rows without a usable time are dropped and counted."""
    p = res.positions
    keep = p["t"] != NO_TIME
    no_time = int(np.count_nonzero(~keep))
    if no_time:
        p = {k: v[keep] for k, v in p.items()}
    recv, name_sat = _receiver_column(p["receiver"], res.receivers)
    cols = [
        pa.array(p["mmsi"], type=pa.uint32()),
        pa.array(p["t"], type=TIME_TYPE),
        pa.array(p["lat"], type=pa.float64()),
        pa.array(p["lon"], type=pa.float64()),
        pa.array(p["sog"], type=pa.float32()),
        pa.array(p["cog"], type=pa.float32()),
        pa.array(p["heading"], type=pa.int16()),
        pa.array(p["nav_status"], type=pa.int8()),
        pa.array(p["msg_type"], type=pa.uint8()),
        recv,
        _is_sat(p["sat"], name_sat),
        pa.array(p["ais_second"], type=pa.int8()),
    ]
    return pa.Table.from_arrays(cols, schema=POSITIONS_SCHEMA), no_time


def static_table(res: NmeaResult) -> tuple[pa.Table, int]:
    """Static reports in ``STATIC_SCHEMA`` (zeros as nulls); type 24 A and B rows of the same
    MMSI are completed from each other. Rows without a usable time are dropped and counted."""
    s = res.static
    keep = s["t"] != NO_TIME
    no_time = int(np.count_nonzero(~keep))
    if no_time:
        s = {k: v[keep] for k, v in s.items()}
    s = _merge_type24(s)
    recv, _ = _receiver_column(s["receiver"], res.receivers)

    def nz(a: npt.NDArray[Any], typ: pa.DataType) -> pa.Array:
        return pa.array(a, mask=a == 0, type=typ)

    cols = [
        pa.array(s["mmsi"], type=pa.uint32()),
        pa.array(s["t"], type=TIME_TYPE),
        pa.array(s["msg_type"], type=pa.uint8()),
        nz(s["imo"], pa.uint32()),
        _text(s["callsign"]),
        _text(s["name"]),
        nz(s["ship_type"], pa.uint8()),
        nz(s["to_bow"], pa.uint16()),
        nz(s["to_stern"], pa.uint16()),
        nz(s["to_port"], pa.uint8()),
        nz(s["to_starboard"], pa.uint8()),
        _text(s["destination"]),
        recv,
    ]
    return pa.Table.from_arrays(cols, schema=STATIC_SCHEMA), no_time


def _merge_type24(s: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """Fill each type 24 row with the latest earlier other part of the same MMSI.

    Part A carries the name; part B the ship type, call sign and dimensions (ITU-R M.1371-5
    §3.3.8.2.4): a registry wants both on one row.
    """
    rows = np.flatnonzero(s["msg_type"] == 24)
    if rows.size < 2:
        return s
    order = rows[np.lexsort((s["t"][rows], s["mmsi"][rows]))]
    out = {k: v.copy() for k, v in s.items()}
    last_a: dict[int, int] = {}
    last_b: dict[int, int] = {}
    b_fields = ("ship_type", "callsign", "to_bow", "to_stern", "to_port", "to_starboard")
    for r in order.tolist():
        m = int(s["mmsi"][r])
        if s["part"][r] == 0:
            if m in last_b:
                for f in b_fields:
                    out[f][r] = s[f][last_b[m]]
            last_a[m] = r
        else:
            if m in last_a:
                out["name"][r] = s["name"][last_a[m]]
            last_b[m] = r
    return out
