"""Merge AIS positions heard by several receivers (terrestrial stations, satellite providers).

Duplicate key
    One AIS transmission heard by several receivers decodes to identical fields. Rows are the
    same message when they share ``mmsi, msg_type, lat, lon, sog, cog, heading, nav_status,
    ais_second`` (bit-identical values) and their receive times lie within ``dup_window_s`` of
    the group's first row (600 s: wide enough to pair a receiver whose clock is off by minutes,
    short enough that a moored vessel repeating the same report ten minutes later stays two rows).
    One row is kept per message: the one from a trusted receiver with the earliest receive time;
    every receiver that heard it is recorded (``MergeResult.heard_by``).

Clock-offset rule
    For every message heard by two or more receivers, each copy's receive time is compared with
    the other copies. Per hour (of the copy's own time) and receiver pair the median difference
    is taken; per hour, a receiver whose weighted median difference from the others exceeds
    ``max_clock_offset_s`` (30 s, the limit above which GFW drops a receiver-hour) over at least
    ``min_shared_messages`` shared messages is flagged, most-disagreeing first, and removed from
    the consensus before the next is judged. Ties between two receivers (each is 90 s off from
    the other) are broken by the AIS UTC-second field: a correct clock's second-of-minute agrees
    with the second the transponder reports. A receiver-hour that shares no message with anyone
    is judged by that second field alone (median residual beyond ``ais_second_max_residual_s``
    with most residuals close to it); that finds offsets only modulo 60 s.
    Flagged receiver-hours are reported (``MergeResult.clock``) and, by ``clock_action``:
    ``"correct"`` (default) shifts their times by the estimated offset. An offset found by the
    second field alone is known modulo 60 s: the candidate ``residual + 60 k`` (``|k| <= 5``)
    that puts the receiver's reports of moving vessels closest to the tracks other receivers
    heard (median distance at least halved against the next best) is taken
    (``method="ais_second+tracks"``); when none wins, the receiver-hour is dropped,
    ``"drop"`` removes their rows (GFW), ``"keep"`` only reports.

Late data
    Satellite data arrives late and out of order; rows are placed by receive time (``t``), and
    the rows that arrived after a later-stamped row of the same input are counted (``late_rows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ingest.merge_clock import group_medians, judge_hour, ranges, resolve_by_tracks
from kernels.merge import (
    copy_pairs,
    duplicate_groups,
    message_hash_cols,
    pick_representatives,
    sort_ties,
)
from vessels.errors import ConfigError, SchemaError
from vessels.schema import POSITIONS_SCHEMA, TIME_TYPE

__all__ = ["CLOCK_SCHEMA", "MergeParams", "MergeResult", "merge_positions", "message_keys"]

HOUR_MS = 3_600_000

#: One row per flagged receiver-hour.
CLOCK_SCHEMA = pa.schema(
    [
        pa.field("receiver", pa.string()),
        pa.field("hour", TIME_TYPE),
        pa.field("offset_s", pa.float64()),  # receiver time minus consensus, seconds
        pa.field("shared_messages", pa.int64()),
        pa.field("method", pa.string()),  # "consensus" or "ais_second"
        pa.field("rows", pa.int64()),  # rows of that receiver-hour
        pa.field("action", pa.string()),  # corrected / dropped / kept
    ]
)


@dataclass(frozen=True)
class MergeParams:
    """Parameters of the multi-receiver merge (units in the names)."""

    dup_window_s: float = 600.0  # copies of one message within this time are one message
    max_clock_offset_s: float = 30.0  # GFW drops receiver-hours off by more than 30 s
    min_shared_messages: int = 3  # evidence needed before a receiver-hour is judged
    ais_second_max_residual_s: float = 10.0  # lone receivers: second-of-minute disagreement
    min_ais_second_reports: int = 20
    clock_action: str = "correct"  # "correct" | "drop" | "keep"

    def __post_init__(self) -> None:
        if self.clock_action not in ("correct", "drop", "keep"):
            raise ConfigError(
                f"clock_action must be correct, drop or keep; got {self.clock_action!r}"
            )
        if self.dup_window_s < 0 or self.max_clock_offset_s <= 0:
            raise ConfigError("dup_window_s must be >= 0 and max_clock_offset_s > 0")


@dataclass
class MergeResult:
    positions: pa.Table  # POSITIONS_SCHEMA, one row per message, sorted by (t, mmsi)
    heard_by: pa.Array  # list<string>, aligned with positions: every receiver that heard it
    clock: pa.Table  # CLOCK_SCHEMA: flagged receiver-hours
    stats: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        s = self.stats
        bad = sorted({str(r) for r in self.clock.column("receiver").to_pylist()})
        clock = (
            f"{self.clock.num_rows} receiver-hours with clock offsets "
            f"(receivers: {', '.join(bad)}; {s.get('clock_rows_corrected', 0)} rows corrected, "
            f"{s.get('clock_rows_dropped', 0)} dropped)"
            if bad
            else "no receiver clock offsets found"
        )
        return (
            f"{s.get('rows_in', 0)} rows from {s.get('receivers', 0)} receivers -> "
            f"{s.get('rows_out', 0)} messages ({s.get('duplicates', 0)} duplicate copies removed, "
            f"{s.get('multi_heard', 0)} messages heard by several receivers, "
            f"{s.get('late_rows', 0)} rows delivered late); {clock}"
        )


def _late_rows(table: pa.Table) -> int:
    t = table.column("t").cast(pa.int64()).to_numpy()
    if t.size < 2:
        return 0
    return int((t[1:] < np.maximum.accumulate(t)[:-1]).sum())


def _bits64(x: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    return np.ascontiguousarray(x, dtype=np.float64).view(np.int64)


def _bits32(x: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    return np.ascontiguousarray(x, dtype=np.float32).view(np.int32).astype(np.int64)


def _col(table: pa.Table, name: str, dtype: type, fill: float) -> npt.NDArray[Any]:
    arr = table.column(name)
    if arr.null_count:
        arr = pc.fill_null(arr, fill)
    return np.asarray(arr.to_numpy(), dtype=dtype)


def message_keys(table: pa.Table) -> npt.NDArray[np.int64]:
    """Per row, the hash of the duplicate key (see the module doc): copies of one message heard
    by several receivers get the same key (``vessels watch`` merges live sources with it)."""
    return message_hash_cols(  # type: ignore[no-any-return]
        _col(table, "ais_second", np.int64, -1),
        _col(table, "msg_type", np.int64, 0),
        _col(table, "heading", np.int64, -1),
        _col(table, "nav_status", np.int64, 15),
        _bits32(_col(table, "sog", np.float32, np.nan)),  # type: ignore[arg-type]
        _bits32(_col(table, "cog", np.float32, np.nan)),  # type: ignore[arg-type]
        _bits64(_col(table, "lon", np.float64, np.nan)),  # type: ignore[arg-type]
        _bits64(_col(table, "lat", np.float64, np.nan)),  # type: ignore[arg-type]
        _col(table, "mmsi", np.int64, 0),
    )


def _prepare(tables: Sequence[pa.Table] | pa.Table) -> tuple[pa.Table, int]:
    if isinstance(tables, pa.Table):
        tables = [tables]
    parts = []
    late = 0
    for tb in tables:
        missing = [f.name for f in POSITIONS_SCHEMA if f.name not in tb.column_names]
        if missing:
            raise SchemaError(f"positions table lacks columns {missing}; expected POSITIONS_SCHEMA")
        tb = tb.select([f.name for f in POSITIONS_SCHEMA])
        late += _late_rows(tb)
        parts.append(tb.cast(POSITIONS_SCHEMA.set(9, pa.field("receiver", pa.string()))))
    table = pa.concat_tables(parts) if parts else POSITIONS_SCHEMA.empty_table()
    return table, late


def _groups(
    msg_key: npt.NDArray[np.int64], times: npt.NDArray[np.int64], window_ms: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Rows sorted by (message, time) and their duplicate-group ids (see the module doc)."""
    order = np.lexsort((times, msg_key))
    ks = msg_key[order]
    change = np.ones(order.size, dtype=np.bool_)
    if order.size:
        change[1:] = ks[1:] != ks[:-1]
    return order, duplicate_groups(change, times[order], window_ms)


def _consensus_flags(
    order: npt.NDArray[np.int64],
    gid: npt.NDArray[np.int64],
    recv: npt.NDArray[np.int64],
    t: npt.NDArray[np.int64],
    hour_of: npt.NDArray[np.int64],
    n_recv: int,
    res_med: dict[tuple[int, int], float],
    p: MergeParams,
) -> tuple[list[tuple[int, int, float, int, str]], set[tuple[int, int]]]:
    """Receiver-hours off the consensus of the other receivers, from messages heard by several
    (copies at most 7 apart in a group: copies of one message are few); and the set of
    (receiver, hour) that shared any message."""
    # columns in group order once, so the pair look-ups below read memory in sequence
    recv_o, t_o, hour_o = recv[order], t[order], hour_of[order]
    i, j = copy_pairs(np.arange(order.size), gid, recv_o, 7)
    if i.size == 0:
        return [], set()
    h0 = int(hour_of.min())
    # both directions: (ra = receiver of the copy, its own hour, rb = the other receiver)
    ra = np.r_[recv_o[i], recv_o[j]]
    rb = np.r_[recv_o[j], recv_o[i]]
    hh = np.r_[hour_o[i], hour_o[j]] - h0
    d_ms = np.r_[t_o[i] - t_o[j], t_o[j] - t_o[i]]
    keys, med, cnt, _ = group_medians((hh * n_recv + ra) * n_recv + rb, d_ms, 0.0)
    k_rb = keys % n_recv
    k_ra = (keys // n_recv) % n_recv
    k_h = keys // (n_recv * n_recv) + h0
    diff_s = med / 1000.0
    flags: list[tuple[int, int, float, int, str]] = []
    cuts = np.flatnonzero(np.diff(k_h)) + 1
    for sl in np.split(np.arange(keys.size), cuts):
        h = int(k_h[sl[0]])
        rmap = {int(r): res_med.get((h, int(r)), 0.0) for r in np.unique(k_ra[sl]).tolist()}
        for r, est, c in judge_hour(
            k_ra[sl], k_rb[sl], diff_s[sl], cnt[sl], rmap, p.max_clock_offset_s,
            p.min_shared_messages,
        ):  # fmt: skip
            flags.append((r, h, est, c, "consensus"))
    shared = set(zip(k_ra.tolist(), k_h.tolist(), strict=True))
    return flags, shared


def merge_positions(
    tables: Sequence[pa.Table] | pa.Table, params: MergeParams | None = None
) -> MergeResult:
    """Merge positions tables (POSITIONS_SCHEMA) from several inputs; see the module doc.

    Cost: a few sorts of the rows plus linear Numba passes (about 1 us per row on 2 cores)."""
    p = params or MergeParams()
    table, late = _prepare(tables)
    n = table.num_rows
    recv_raw = pc.fill_null(table.column("receiver"), "").combine_chunks().dictionary_encode()
    recv_names = np.array(recv_raw.dictionary.to_pylist(), dtype=object)
    n_recv = max(len(recv_names), 1)
    recv = np.asarray(recv_raw.indices.to_numpy(), dtype=np.int64)
    t = table.column("t").cast(pa.int64()).to_numpy().astype(np.int64)
    mmsi = _col(table, "mmsi", np.int64, 0)
    ais_sec = _col(table, "ais_second", np.int64, -1)
    msg_key = message_keys(table)
    hour_of = (t // HOUR_MS).astype(np.int64)
    h0 = int(hour_of.min()) if n else 0
    n_hours = int(hour_of.max()) - h0 + 1 if n else 1
    window_ms = int(p.dup_window_s * 1000)

    # AIS UTC-second residuals (ms, exact) per receiver-hour and per receiver
    has_sec = (ais_sec >= 0) & (ais_sec < 60)
    res_ms = ((t % 60_000) - ais_sec * 1000 + 30_000) % 60_000 - 30_000
    rs, hs, rv = recv[has_sec], hour_of[has_sec] - h0, res_ms[has_sec]
    near_ms = 5_000.0  # a real offset concentrates its residuals within 5 s of the median
    rh_key, rh_med, rh_cnt, rh_share = group_medians(rs * n_hours + hs, rv, near_ms)
    res_med = {
        (int(k % n_hours) + h0, int(k // n_hours)): m / 1000.0
        for k, m in zip(rh_key.tolist(), rh_med.tolist(), strict=True)
    }

    # --- clock offsets from messages heard by several receivers
    order, gid = _groups(msg_key, t, window_ms)
    flags, shared = _consensus_flags(order, gid, recv, t, hour_of, n_recv, res_med, p)

    # --- receiver-hours that share nothing: the AIS second field alone
    def offset_of(med_ms: float, share: float) -> float | None:
        m = med_ms / 1000.0
        return m if abs(m) > p.ais_second_max_residual_s and share >= 0.6 else None

    # an hour with few reports inherits its receiver's judgement over the whole input
    rh_r = rh_key // n_hours
    few = np.unique(rh_r[rh_cnt < p.min_ais_second_reports])
    whole: dict[int, float | None] = {}
    if few.size:
        of_few = np.isin(rs, few)
        r_key, r_med, r_cnt, r_share = group_medians(rs[of_few], rv[of_few], near_ms)
        whole = {
            int(r): offset_of(m, s)
            for r, m, c, s in zip(
                r_key.tolist(), r_med.tolist(), r_cnt.tolist(), r_share.tolist(), strict=True
            )
            if c >= p.min_ais_second_reports
        }
    for k, m, c, s in zip(rh_key.tolist(), rh_med.tolist(), rh_cnt.tolist(), rh_share.tolist(),
                          strict=True):  # fmt: skip
        r, h = int(k // n_hours), int(k % n_hours) + h0
        if (r, h) in shared:
            continue
        off = offset_of(m, s) if c >= p.min_ais_second_reports else whole.get(r)
        if off is not None:
            flags.append((r, h, off, 0, "ais_second"))

    # --- offsets known only modulo 60 s: resolved against other receivers' tracks
    lone = sorted({f[0] for f in flags if f[4] == "ais_second"})
    if lone:
        flagged_rh = {(f[0], f[1]) for f in flags}
        rh_key_row = recv * (1 << 32) + hour_of
        bad_row = np.isin(
            rh_key_row, np.array([a * (1 << 32) + b for a, b in flagged_rh], np.int64)
        )
        lat = _col(table, "lat", np.float64, np.nan)
        lon = _col(table, "lon", np.float64, np.nan)
        resolved: dict[int, float] = {}
        for r in lone:
            m = float(np.median([f[2] for f in flags if f[0] == r and f[4] == "ais_second"]))
            off = resolve_by_tracks(
                r, m, recv, bad_row, mmsi, t, lat, lon,  # type: ignore[arg-type]
                p.min_shared_messages,
            )  # fmt: skip
            if off is not None:
                resolved[r] = off
        flags = [
            (f[0], f[1], resolved[f[0]], f[3], "ais_second+tracks")
            if f[4] == "ais_second" and f[0] in resolved
            else f
            for f in flags
        ]

    # --- apply: correct / drop / keep
    keep = np.ones(n, dtype=bool)
    t_adj = t.copy()
    clock_rows: list[dict[str, object]] = []
    n_corr = n_drop = 0
    flags = sorted(flags, key=lambda f: (f[1], str(recv_names[f[0]])))
    f_key = np.array([f[0] * (1 << 32) + f[1] for f in flags], dtype=np.int64)
    f_sorted = np.argsort(f_key)
    row_key = recv * (1 << 32) + hour_of
    pos = np.searchsorted(f_key[f_sorted], row_key)
    hit = pos < f_key.size
    hit[hit] = f_key[f_sorted][pos[hit]] == row_key[hit]
    row_flag = (
        np.where(hit, f_sorted[np.minimum(pos, f_key.size - 1)], -1)
        if flags
        else np.full(n, -1, dtype=np.int64)
    )
    rows_per_flag = np.bincount(row_flag[hit], minlength=len(flags))
    trusted = ~hit
    fixable = ("consensus", "ais_second+tracks")
    for i, (r, h, off, cnt, method) in enumerate(flags):
        rows = int(rows_per_flag[i])
        if p.clock_action == "keep":
            action = "kept"
        elif p.clock_action == "correct" and method in fixable:
            action = "corrected"
            n_corr += rows
        else:
            action = "dropped"
            n_drop += rows
        clock_rows.append(
            {
                "receiver": str(recv_names[r]),
                "hour": h * HOUR_MS,
                "offset_s": round(off, 3),
                "shared_messages": cnt,
                "method": method,
                "rows": rows,
                "action": action,
            }
        )
    if flags and p.clock_action != "keep":
        shift = np.array([round(f[2] * 1000) for f in flags], dtype=np.int64)
        fix = np.array([p.clock_action == "correct" and f[4] in fixable for f in flags])
        idx = np.flatnonzero(hit)
        fl = row_flag[idx]
        t_adj[idx[fix[fl]]] -= shift[fl[fix[fl]]]
        keep[idx[~fix[fl]]] = False
        # --- de-duplicate on corrected times: re-sort each message's copies, regroup
        order = sort_ties(order, msg_key, t_adj)
        change = np.ones(n, dtype=np.bool_)
        ks = msg_key[order]
        change[1:] = ks[1:] != ks[:-1]
        gid = duplicate_groups(change, t_adj[order], window_ms)
    sel = keep[order]
    k_order, k_gid = order[sel], gid[sel]
    # representative: trusted first, then earliest time, then receiver name
    name_rank = np.argsort(np.argsort(recv_names.astype(str), kind="stable")).astype(np.int64)
    rep, h_start, h_len, h_ranks = pick_representatives(
        k_order, k_gid, trusted, t_adj, name_rank[recv], len(recv_names)
    )
    final = np.argsort(t_adj[rep], kind="stable")
    final = sort_ties(final, t_adj[rep], mmsi[rep])  # rows sorted by (t, mmsi)
    rep = rep[final]
    n_heard = h_len[final]
    offsets = np.r_[0, np.cumsum(n_heard)].astype(np.int32)
    by_rank = pa.array(np.sort(recv_names.astype(str)).tolist(), pa.string())
    values = by_rank.take(pa.array(h_ranks[ranges(h_start[final], n_heard)], pa.int64()))
    heard_by = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)
    out = table.take(pa.array(rep, pa.int64()))
    out = out.set_column(
        out.schema.get_field_index("t"), "t", pa.array(t_adj[rep], pa.int64()).cast(TIME_TYPE)
    )
    out = out.set_column(
        out.schema.get_field_index("receiver"),
        pa.field("receiver", POSITIONS_SCHEMA.field("receiver").type),
        pc.dictionary_encode(out.column("receiver")).cast(POSITIONS_SCHEMA.field("receiver").type),
    )
    out = out.cast(POSITIONS_SCHEMA)
    clock = pa.Table.from_pylist(clock_rows, schema=CLOCK_SCHEMA)
    stats = {
        "rows_in": n,
        "rows_out": out.num_rows,
        "duplicates": int(keep.sum()) - out.num_rows,
        "multi_heard": int((n_heard > 1).sum()),
        "late_rows": late,
        "receivers": len(recv_names),
        "clock_receiver_hours": len(clock_rows),
        "clock_rows_corrected": n_corr,
        "clock_rows_dropped": n_drop,
    }
    return MergeResult(out, heard_by, clock, stats)
