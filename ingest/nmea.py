"""NMEA 0183 AIS files to the canonical tables, through the Numba bulk decoder.

Python only orchestrates: it reads the file in chunks into a NumPy byte buffer, calls
``kernels.ais.decode.decode_chunk`` (which keeps multi-sentence and ``$PGHP`` state across
chunks), and turns the columnar arrays into Arrow tables. Memory stays bounded by the chunk size
plus the output itself.

Receive times come, by trust, from a ``$PGHP`` line, the tag block ``c:``, an epoch after the
checksum, a logger's line prefix, the last ``$xxZDA`` clock line (it dates the sentences after
it until the next one, for at most ``kernels.ais.layout.ZDA_MAX_LINES`` lines), or the fixed
time given by the caller; a row with none is dropped and counted as ``no_time``.

Sentences kept despite a wrong checksum (``keep_bad_checksum``) are flagged in the tables
without a schema change: their ``receiver`` is ``"<receiver>|badcrc"`` (``"|badcrc"`` when the
line named none). Downstream code thus sees them as a receiver of their own: per-receiver
clock estimates and duplicate merging keep them apart from the clean stream, a person sees the
flag in every listing, and ``receiver.endswith("|badcrc")`` (``BADCRC``) selects or drops them.
The option is off by default, so no one meets the suffix without asking for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ingest.arrow_np import from_numpy, from_strings
from kernels.ais import decode as K
from kernels.ais import layout as L
from kernels.ais.bits import NO_TIME
from vessels.errors import VesselsError
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA, TIME_TYPE
from vessels.textsafe import strip_controls

__all__ = ["BADCRC", "NmeaDecoder", "NmeaResult", "decode_nmea_bytes", "receiver_is_sat"]

DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024
#: Suffix of the receiver name of rows kept despite a bad NMEA checksum.
BADCRC = "|badcrc"

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


def row_capacity(nbytes: int) -> int:
    """An upper bound on the rows of each table that ``nbytes`` of input can yield, from the
    size alone (counting '!' took as long as a fifth of the decoding); untouched capacity
    costs address space, not memory."""
    return nbytes // L.MIN_ROW_BYTES + 1


_Array = npt.NDArray[Any]


def _position_arrays(cap: int) -> tuple[_Array, _Array, _Array, _Array, _Array]:
    """Field-major, one array per value width (layout in ``kernels.ais.layout``): each row is
    already a typed column. The kernel writes every field of the rows it uses."""
    return (
        np.empty((L.PF_N, cap), np.float64),
        np.empty((L.PS_N, cap), np.float32),
        np.empty(cap, np.int64),
        np.empty((L.PI_N, cap), np.int32),
        np.empty((L.PB_N, cap), np.int8),
    )


def _static_arrays(cap: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    return np.zeros((cap, L.SI_N), np.int64), np.zeros((cap, L.TX_N), np.uint8)


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


#: Position columns: (name, array in a part (see _position_arrays), row or None, dtype).
_POS_FIELDS = (
    ("mmsi", 3, L.PI_MMSI, np.uint32),
    ("t", 2, None, np.int64),
    ("lat", 0, L.PF_LAT, np.float64),
    ("lon", 0, L.PF_LON, np.float64),
    ("sog", 1, L.PS_SOG, np.float32),
    ("cog", 1, L.PS_COG, np.float32),
    ("heading", 3, L.PI_HEAD, np.int16),
    ("nav_status", 4, L.PB_NAV, np.int8),
    ("msg_type", 4, L.PB_TYPE, np.uint8),
    ("receiver", 3, L.PI_RECV, np.int32),
    ("sat", 4, L.PB_SAT, np.int8),
    ("ais_second", 4, L.PB_SEC, np.int8),
    ("bad", 4, L.PB_BAD, np.uint8),
    ("tsrc", 4, L.PB_TSRC, np.int8),
)
_STA_FIELDS = (
    ("mmsi", L.SI_MMSI, np.uint32),
    ("t", L.SI_T, np.int64),
    ("msg_type", L.SI_TYPE, np.uint8),
    ("part", L.SI_PART, np.int8),
    ("imo", L.SI_IMO, np.uint32),
    ("ship_type", L.SI_STYPE, np.uint8),
    ("to_bow", L.SI_BOW, np.uint16),
    ("to_stern", L.SI_STERN, np.uint16),
    ("to_port", L.SI_PORT, np.uint8),
    ("to_starboard", L.SI_STAR, np.uint8),
    ("receiver", L.SI_RECV, np.int32),
    ("sat", L.SI_SAT, np.int8),
    ("tsrc", L.SI_TSRC, np.int8),
    ("bad", L.SI_BAD, np.uint8),
)
_TEXT_FIELDS = (
    ("callsign", L.TX_CALL, L.TX_CALL_N),
    ("name", L.TX_NAME, L.TX_NAME_N),
    ("destination", L.TX_DEST, L.TX_DEST_N),
)


class NmeaDecoder:
    """Streaming decoder: ``feed`` byte chunks in order, then ``finish``.

    Multi-sentence messages and ``$PGHP`` lines may straddle chunks. ``fixed_time_ms`` dates
    sentences that carry no time of their own; ``keep_bad_checksum`` keeps (and counts) them.
    """

    def __init__(self, *, fixed_time_ms: int | None = None, keep_bad_checksum: bool = False):
        self.fixed_t = NO_TIME if fixed_time_ms is None else int(fixed_time_ms)
        self.keep_bad = bool(keep_bad_checksum)
        self.counters = np.zeros(L.N_COUNTERS, np.int64)
        self.pend_i = np.zeros((L.N_SLOTS, L.P_N), np.int64)
        self.pend_len = np.zeros((L.N_SLOTS, L.MAX_PARTS), np.int64)
        self.pend_data = np.zeros((L.N_SLOTS, L.MAX_PARTS, L.MAX_PART_CHARS), np.uint8)
        self.pghp = np.zeros((L.PG_ROWS, L.PG_COLS), np.int64)
        self.pghp[L.G_CC, :] = -1
        self.pghp[L.R_CK, :] = -1
        self.rc_bytes = np.zeros((L.RECV_SLOTS, L.RECV_LEN), np.uint8)
        self.rc_int = np.zeros(L.RECV_INTS, np.int64)
        self.rc_int[L.RECV_LAST] = -1
        self.rc_int[L.RECV_SLOTS : L.RECV_SLOTS + L.RECV_HASH] = -1
        self.scratch = np.zeros(L.MAX_PARTS * L.MAX_PART_CHARS, np.uint8)
        self.work = np.zeros(L.WORK_INTS, np.int64)
        self._carry = b""
        self._pos_parts: list[tuple[npt.NDArray[Any], ...]] = []
        self._sta_parts: list[tuple[npt.NDArray[Any], ...]] = []
        self.bytes_read = 0
        self._rows = [0, 0]  # position and static rows decoded so far
        self._pos_done = 0  # position rows handed out by pop_positions (no longer held)
        self._sta_done = 0  # static rows handed out (ingest.live), no longer held
        self._names: list[str] = []

    def state_for(self, rows: int) -> L.DecoderState:
        """The decoder state for one call: this stream's carried-over arrays (counters, pending
        messages, $PGHP state, receiver names) and fresh arrays for ``rows`` rows."""
        sta_i, sta_txt = _static_arrays(rows)
        return L.DecoderState(
            self.counters,
            *_position_arrays(rows),
            sta_i,
            sta_txt,
            self.pend_i,
            self.pend_len,
            self.pend_data,
            self.pghp,
            self.rc_bytes,
            self.rc_int,
            self.scratch,
            self.work,
            self.fixed_t,
            self.keep_bad,
        )

    def _run(self, data: bytes, final: bool) -> int:
        buf = np.frombuffer(data, dtype=np.uint8)
        cap = row_capacity(len(data))
        state = self.state_for(cap)
        pos = (state.pos_f, state.pos_s, state.pos_t, state.pos_i, state.pos_b)
        sta_i, sta_txt = state.sta_i, state.sta_txt
        self.counters[L.C_NPOS] = 0
        self.counters[L.C_NSTA] = 0
        scal = self.pghp[L.G_SCALARS]
        scal[L.S_POS_BASE] = self._rows[0]
        scal[L.S_STA_BASE] = self._rows[1]
        scal[L.S_NFIX] = 0
        used = K.decode(state, buf, final)
        if self.counters[L.C_ROWS_FULL]:  # cannot happen while MIN_ROW_BYTES is a true bound
            raise VesselsError("internal error: NMEA decoder row capacity exceeded")
        npos = int(self.counters[L.C_NPOS])
        nsta = int(self.counters[L.C_NSTA])
        self._apply_fixes()
        # Views when the arrays are mostly used (no copy), copies when mostly empty (memory).
        if npos:
            keep = npos * 2 >= cap
            self._pos_parts.append(
                tuple(a[..., :npos] if keep else a[..., :npos].copy() for a in pos)
            )
        if nsta:
            self._sta_parts.append((sta_i[:nsta].copy(), sta_txt[:nsta].copy()))
        self._rows[0] += npos
        self._rows[1] += nsta
        return used

    def _apply_fixes(self) -> None:
        """A $PGHP line that dates a sentence decoded in an earlier chunk."""
        g = self.pghp
        n = int(g[L.G_SCALARS, L.S_NFIX])
        for kind, row, t, sat in zip(
            g[L.F_KIND, :n].tolist(),
            g[L.F_ROW, :n].tolist(),
            g[L.F_T, :n].tolist(),
            g[L.F_SAT, :n].tolist(),
            strict=True,
        ):
            if kind == 0:  # positions: time array, then sat and time source in the int8 rows
                part, r = _locate(self._pos_parts, row - self._pos_done, lambda p: p[2].shape[0])
                if part is not None:
                    part[2][r] = t
                    part[4][L.PB_SAT, r] = sat
                    part[4][L.PB_TSRC, r] = 1
            else:  # static: row-major ints
                part, r = _locate(self._sta_parts, row - self._sta_done, lambda p: p[0].shape[0])
                if part is not None:
                    part[0][r, [L.SI_T, L.SI_SAT, L.SI_TSRC]] = (t, sat, 1)

    def feed(self, chunk: bytes) -> None:
        """Decode every complete line; keep a trailing partial line for the next chunk."""
        self.bytes_read += len(chunk)
        data = self._carry + chunk if self._carry else chunk
        used = self._run(data, final=False)
        self._carry = data[used:]

    def receivers(self) -> list[str]:
        """Receiver names interned so far, by code."""
        n = int(self.rc_int[L.RECV_SLOTS + L.RECV_HASH])
        for i in range(len(self._names), n):
            raw = bytes(self.rc_bytes[i, : self.rc_int[i]]).decode("latin-1")
            self._names.append(strip_controls(raw) or "")  # feed text: no control characters
        return self._names[:n]

    def pop_positions(self) -> list[tuple[npt.NDArray[Any], ...]]:
        """Position parts (one per decoded chunk, layout of ``_position_arrays``) that no later
        line can change any more, handed over and forgotten. Only a ``$PGHP`` line changes a
        row after it was decoded, and only one of the last few sentences' rows, which the ring
        in ``self.pghp`` names: parts from the oldest of those on stay. Convert them with
        :func:`part_positions_table`; :meth:`finish` then assembles only what is left."""
        ring = self.pghp[:, : L.N_PGHP]
        live = (ring[L.R_CK] >= 0) & (ring[L.R_PROW] >= 0)
        limit = int(ring[L.R_PROW][live].min()) if live.any() else self._rows[0]
        out = []
        while self._pos_parts and self._pos_done + self._pos_parts[0][2].shape[0] <= limit:
            part = self._pos_parts.pop(0)
            self._pos_done += part[2].shape[0]
            out.append(part)
        return out

    def finish(self) -> NmeaResult:
        if self._carry:
            self._run(self._carry, final=True)
            self._carry = b""
        K.flush_pending(self.pend_i, self.counters)
        return self.result()

    def result(self) -> NmeaResult:
        """The rows decoded so far (multi-sentence messages still waiting for parts are not
        flushed: a live stream takes its rows batch by batch and keeps them pending)."""
        names = self.receivers()
        # Typed columns straight from each packed part: no copy of the wide packed arrays.
        pos_parts = self._pos_parts or [_position_arrays(0)]
        sta_parts = self._sta_parts or [_static_arrays(0)]
        positions = {
            name: _row([part[arr] for part in pos_parts], row, dtype)
            for name, arr, row, dtype in _POS_FIELDS
        }
        static = {
            name: _column([part[0] for part in sta_parts], col, dtype)
            for name, col, dtype in _STA_FIELDS
        }
        for name, col, width in _TEXT_FIELDS:
            static[name] = np.ascontiguousarray(
                np.concatenate([part[1][:, col : col + width] for part in sta_parts])
            )
        return NmeaResult(
            positions=positions,
            static=static,
            receivers=names,
            counters=self.counters.copy(),
            bytes_read=self.bytes_read,
        )


def _locate(
    parts: list[tuple[npt.NDArray[Any], ...]],
    row: int,
    n_rows: Callable[[tuple[npt.NDArray[Any], ...]], int],
) -> tuple[tuple[npt.NDArray[Any], ...] | None, int]:
    """The part of ``parts`` (chunks decoded so far) holding global row ``row``, and the row
    within it; (None, -1) when no part holds it."""
    start = 0
    for part in parts:
        n = n_rows(part)
        if row < start + n:
            return (part, row - start) if row >= start else (None, -1)
        start += n
    return None, -1


def _row(parts: list[npt.NDArray[Any]], field: int | None, dtype: Any) -> npt.NDArray[Any]:
    """Row ``field`` of field-major 2-D parts (or the whole of 1-D parts when ``field`` is
    None) as one contiguous array of ``dtype``: a view when the widths agree (int32 MMSIs
    are below 2**30, int8 types below 64), else a cast while copying."""
    rows = [p if field is None else p[field] for p in parts]
    if len(rows) == 1:
        a = rows[0]
        if a.dtype.itemsize == np.dtype(dtype).itemsize and a.dtype.kind in "iu":
            return a.view(dtype)
        return a.astype(dtype, copy=False)
    # One pass: concatenate casts while it copies (values were range-checked by the kernel).
    return np.concatenate(rows, dtype=dtype, casting="unsafe")


def _column(parts: list[npt.NDArray[Any]], col: int, dtype: Any) -> npt.NDArray[Any]:
    """Column ``col`` of packed 2-D parts as one contiguous array of ``dtype``."""
    if len(parts) == 1:
        return parts[0][:, col].astype(dtype)
    return np.concatenate([p[:, col].astype(dtype) for p in parts])


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
    codes: npt.NDArray[np.int32], names: list[str], bad: npt.NDArray[np.uint8]
) -> tuple[pa.Array, npt.NDArray[np.int8]]:
    """Dictionary-encoded receiver column and the per-row satellite flag from the names.

    Rows with ``bad`` set (kept despite a bad checksum) get the receiver ``name + BADCRC``."""
    codes = codes.astype(np.int32)
    n = len(names)
    flags = [{True: 1, False: 0, None: -1}[receiver_is_sat(x)] for x in names]
    if bad.any():
        codes = np.where(bad != 0, np.where(codes < 0, 2 * n, codes + n), codes).astype(np.int32)
        names = names + [x + BADCRC for x in names] + [BADCRC]
        flags = flags + flags
    idx = from_numpy(codes, pa.int32(), codes < 0)
    col = pa.DictionaryArray.from_arrays(idx, from_strings(names))
    flag = np.array([*flags, -1], np.int8)
    return col, flag[np.where(codes < 0, len(flags), np.minimum(codes, len(flags)))]


def _is_sat(kernel_sat: npt.NDArray[np.int8], name_sat: npt.NDArray[np.int8]) -> pa.Array:
    sat = np.where(kernel_sat == 1, 1, name_sat)
    return from_numpy(sat == 1, pa.bool_(), sat < 0)


def _text(fixed: npt.NDArray[np.uint8]) -> pa.Array:
    """Fixed-width ASCII rows (NUL padded) to strings; empty after trimming is null."""
    width = fixed.shape[1]
    raw = np.ascontiguousarray(fixed).view(f"S{width}").ravel()
    text = np.char.strip(np.char.decode(raw, "ascii"))
    return from_strings(text, text == "")


def positions_table(res: NmeaResult) -> tuple[pa.Table, int]:
    """Positions in ``POSITIONS_SCHEMA``; rows without a usable time are dropped and counted."""
    return _positions_from_columns(res.positions, res.receivers)


def part_positions_table(
    part: tuple[npt.NDArray[Any], ...], receivers: list[str]
) -> tuple[pa.Table, int]:
    """One part of :meth:`NmeaDecoder.pop_positions` as :func:`positions_table` makes the
    whole: typed columns are views of the part's field-major rows where the widths agree."""
    cols = {name: _row([part[arr]], row, dtype) for name, arr, row, dtype in _POS_FIELDS}
    return _positions_from_columns(cols, receivers)


def _positions_from_columns(
    p: dict[str, npt.NDArray[Any]], receivers: list[str]
) -> tuple[pa.Table, int]:
    keep = p["t"] != NO_TIME
    no_time = int(p["t"].size - np.count_nonzero(keep))
    if no_time:
        p = {k: v[keep] for k, v in p.items()}
    recv, name_sat = _receiver_column(p["receiver"], receivers, p["bad"])
    cols = [
        from_numpy(p["mmsi"], pa.uint32()),
        from_numpy(p["t"], TIME_TYPE),
        from_numpy(p["lat"], pa.float64()),
        from_numpy(p["lon"], pa.float64()),
        from_numpy(p["sog"], pa.float32()),
        from_numpy(p["cog"], pa.float32()),
        from_numpy(p["heading"], pa.int16()),
        from_numpy(p["nav_status"], pa.int8()),
        from_numpy(p["msg_type"], pa.uint8()),
        recv,
        _is_sat(p["sat"], name_sat),
        from_numpy(p["ais_second"], pa.int8()),
    ]
    return pa.Table.from_arrays(cols, schema=POSITIONS_SCHEMA), no_time


def static_table(res: NmeaResult) -> tuple[pa.Table, int]:
    """Static reports in ``STATIC_SCHEMA`` (zeros as nulls); type 24 A and B rows of the same
    MMSI are completed from each other. Rows without a usable time are dropped and counted,
    but for type 19 rows: their message is counted with its position row."""
    s = res.static
    keep = s["t"] != NO_TIME
    no_time = int(np.count_nonzero(~keep & (s["msg_type"] != 19)))
    if not keep.all():
        s = {k: v[keep] for k, v in s.items()}
    s = _merge_type24(s)
    recv, _ = _receiver_column(s["receiver"], res.receivers, s["bad"])

    def nz(a: npt.NDArray[Any], typ: pa.DataType) -> pa.Array:
        return from_numpy(a, typ, a == 0)

    cols = [
        from_numpy(s["mmsi"], pa.uint32()),
        from_numpy(s["t"], TIME_TYPE),
        from_numpy(s["msg_type"], pa.uint8()),
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
