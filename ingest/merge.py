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

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kernels.merge import ais_second_residual, duplicate_groups, message_hash
from vessels.errors import ConfigError, SchemaError
from vessels.schema import POSITIONS_SCHEMA, TIME_TYPE

__all__ = ["CLOCK_SCHEMA", "MergeParams", "MergeResult", "merge_positions"]

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


def _col(table: pa.Table, name: str, dtype: type, fill: float) -> npt.NDArray[np.generic]:
    arr = table.column(name)
    if arr.null_count:
        arr = pc.fill_null(arr, fill)
    return np.asarray(arr.to_numpy(), dtype=dtype)


def _weighted_median(values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]) -> float:
    order = np.argsort(values)
    cw = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cw, cw[-1] / 2.0)])


def _judge_hour(
    pairs: pd.DataFrame, resid: dict[int, float], p: MergeParams
) -> list[tuple[int, float, int]]:
    """Flag receivers of one hour from per-pair (ra, rb, median diff s, n): see module doc."""
    flagged: list[tuple[int, float, int]] = []
    active = {int(x) for x in pairs["ra"]} | {int(x) for x in pairs["rb"]}
    while True:
        sub = pairs[pairs["ra"].isin(active) & pairs["rb"].isin(active)]
        best: tuple[tuple[float, ...], int, float, int] | None = None
        for ra, grp in sub.groupby("ra", sort=True):
            n = int(grp["n"].sum())
            est = _weighted_median(grp["diff"].to_numpy(), grp["n"].to_numpy(dtype=np.float64))
            if n < p.min_shared_messages or abs(est) <= p.max_clock_offset_s:
                continue
            disagree = int((grp["diff"].abs() > p.max_clock_offset_s).sum())
            key = (float(disagree), abs(resid.get(int(ra), 0.0)), round(abs(est)), float(n))
            if best is None or key > best[0]:
                best = (key, int(ra), est, n)
        if best is None:
            return flagged
        flagged.append((best[1], best[2], best[3]))
        active.discard(best[1])


def _ranges(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenated ``arange(s, s + n)`` for each start and length, vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    out = np.ones(total, dtype=np.int64)
    out[0] = starts[0]
    nz = lengths > 0
    s_nz, e_nz = starts[nz], ends[nz]
    out[e_nz[:-1]] = s_nz[1:] - (s_nz[:-1] + lengths[nz][:-1] - 1)
    return np.cumsum(out)


def _resolve_by_tracks(
    r: int,
    residual_s: float,
    recv: npt.NDArray[np.int64],
    bad_row: npt.NDArray[np.bool_],
    mmsi: npt.NDArray[np.int64],
    t: npt.NDArray[np.int64],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    p: MergeParams,
) -> float | None:
    """The offset ``residual_s + 60 k`` (|k| <= 5) that best puts receiver ``r``'s reports of
    moving vessels on the tracks other receivers heard; None when no candidate clearly wins."""
    trusted = ~bad_row
    mine = np.flatnonzero(recv == r)
    if mine.size == 0 or not trusted.any():
        return None
    _, inv = np.unique(mmsi, return_inverse=True)
    t_min = int(t.min())
    key = inv.astype(np.int64) * (1 << 38) + (t - t_min)
    tr = np.flatnonzero(trusted)
    tr = tr[np.argsort(key[tr], kind="stable")]
    k_tr = key[tr]
    window = 30 * 60_000  # neighbours within 30 min on both sides
    errors: list[tuple[float, float]] = []
    for k in range(-5, 6):
        off = residual_s + 60.0 * k
        tc = t[mine] - int(round(off * 1000))
        kc = inv[mine].astype(np.int64) * (1 << 38) + (tc - t_min)
        i = np.searchsorted(k_tr, kc)
        ok = (i > 0) & (i < tr.size)
        i_ok = np.clip(i, 1, max(tr.size - 1, 1))
        b, a = tr[i_ok - 1], tr[i_ok]
        ok &= (mmsi[b] == mmsi[mine]) & (mmsi[a] == mmsi[mine])
        ok &= (tc - t[b] <= window) & (t[a] - tc <= window) & (t[a] > t[b])
        span = np.maximum(t[a] - t[b], 1)
        f = (tc - t[b]) / span
        plat = lat[b] + f * (lat[a] - lat[b])
        plon = lon[b] + f * (lon[a] - lon[b])
        c = np.cos(np.radians(lat[mine]))
        err = np.hypot(lat[mine] - plat, (lon[mine] - plon) * c) * 111_195.0
        moved = np.hypot(lat[a] - lat[b], (lon[a] - lon[b]) * c) * 111_195.0 > 200.0
        sel = ok & moved  # stationary vessels say nothing about time
        if sel.sum() < p.min_shared_messages:
            return None
        errors.append((float(np.median(err[sel])), off))
    errors.sort()
    best, second = errors[0], errors[1]
    return best[1] if best[0] < 0.5 * second[0] else None


def merge_positions(
    tables: Sequence[pa.Table] | pa.Table, params: MergeParams | None = None
) -> MergeResult:
    """Merge positions tables (POSITIONS_SCHEMA) from several inputs; see the module doc."""
    p = params or MergeParams()
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
    n = table.num_rows
    recv_raw = pc.fill_null(table.column("receiver"), "").combine_chunks().dictionary_encode()
    recv_names = np.array(recv_raw.dictionary.to_pylist(), dtype=object)
    recv = np.asarray(recv_raw.indices.to_numpy(), dtype=np.int64)
    t = table.column("t").cast(pa.int64()).to_numpy().astype(np.int64)
    mmsi = _col(table, "mmsi", np.int64, 0)
    ais_sec = _col(table, "ais_second", np.int64, -1)
    key_cols = [
        ais_sec,
        _col(table, "msg_type", np.int64, 0),
        _col(table, "heading", np.int64, -1),
        _col(table, "nav_status", np.int64, 15),
        _bits32(_col(table, "sog", np.float32, np.nan)),  # type: ignore[arg-type]
        _bits32(_col(table, "cog", np.float32, np.nan)),  # type: ignore[arg-type]
        _bits64(_col(table, "lon", np.float64, np.nan)),  # type: ignore[arg-type]
        _bits64(_col(table, "lat", np.float64, np.nan)),  # type: ignore[arg-type]
        mmsi,
    ]
    hour_of = (t // HOUR_MS).astype(np.int64)
    resid = ais_second_residual(t, ais_sec)

    msg_key = message_hash(np.ascontiguousarray(np.vstack(key_cols)))

    def groups(times: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        order = np.lexsort((times, msg_key))
        ks = msg_key[order]
        change = np.ones(n, dtype=np.bool_)
        if n:
            change[1:] = ks[1:] != ks[:-1]
        return order, duplicate_groups(change, times[order], int(p.dup_window_s * 1000))

    # --- clock offsets from messages heard by several receivers
    order, gid = groups(t)
    ra_l, rb_l, h_l, d_l = [], [], [], []
    for d in range(1, 8):  # copies of one message are few; 8 receivers at most per pairing
        if n <= d:
            break
        same = gid[d:] == gid[:-d]
        i, j = order[:-d][same], order[d:][same]
        diff = recv[i] != recv[j]
        i, j = i[diff], j[diff]
        if i.size == 0:
            continue
        ra_l += [recv[i], recv[j]]
        rb_l += [recv[j], recv[i]]
        h_l += [hour_of[i], hour_of[j]]
        d_l += [(t[i] - t[j]) / 1000.0, (t[j] - t[i]) / 1000.0]
    flags: list[tuple[int, int, float, int, str]] = []  # receiver, hour, offset, n, method
    if ra_l:
        pair_df = pd.DataFrame(
            {
                "h": np.concatenate(h_l),
                "ra": np.concatenate(ra_l),
                "rb": np.concatenate(rb_l),
                "d": np.concatenate(d_l),
            }
        )
        agg = pair_df.groupby(["h", "ra", "rb"], sort=True)["d"].agg(["median", "size"])
        agg = agg.reset_index().rename(columns={"median": "diff", "size": "n"})
        rh = pd.DataFrame({"r": recv, "h": hour_of, "res": resid})
        res_med = rh.dropna().groupby(["h", "r"])["res"].median()
        for h, hp in agg.groupby("h", sort=True):
            rmap = {int(r): float(res_med.get((h, r), 0.0)) for r in set(hp["ra"])}
            for r, est, cnt in _judge_hour(hp, rmap, p):
                flags.append((int(r), int(h), est, cnt, "consensus"))
        shared = set(zip(pair_df["ra"].tolist(), pair_df["h"].tolist(), strict=True))
    else:
        shared = set()
    # --- receiver-hours that share nothing: the AIS second field alone
    rh_all = pd.DataFrame({"r": recv, "h": hour_of, "res": resid}).dropna()

    def offset_of(vals: npt.NDArray[np.float64]) -> float | None:
        m = float(np.median(vals))
        concentrated = np.mean(np.abs(vals - m) <= 5.0) >= 0.6  # a real offset, not noise
        return m if abs(m) > p.ais_second_max_residual_s and concentrated else None

    if len(rh_all):
        # an hour with few reports inherits its receiver's judgement over the whole input
        whole = {
            int(r): offset_of(g.to_numpy())
            for r, g in rh_all.groupby("r")["res"]
            if len(g) >= p.min_ais_second_reports
        }
        for (r, h), g in rh_all.groupby(["r", "h"], sort=True)["res"]:
            if (r, h) in shared:
                continue
            vals = g.to_numpy()
            off = offset_of(vals) if len(vals) >= p.min_ais_second_reports else whole.get(int(r))
            if off is not None:
                flags.append((int(r), int(h), off, 0, "ais_second"))

    # --- offsets known only modulo 60 s: resolved against other receivers' tracks
    lone = sorted({f[0] for f in flags if f[4] == "ais_second"})
    if lone:
        flagged_rh = {(f[0], f[1]) for f in flags}
        rh_key = recv * (1 << 32) + hour_of
        bad_row = np.isin(rh_key, np.array([a * (1 << 32) + b for a, b in flagged_rh], np.int64))
        lat = _col(table, "lat", np.float64, np.nan)
        lon = _col(table, "lon", np.float64, np.nan)
        resolved: dict[int, float] = {}
        for r in lone:
            m = float(np.median([f[2] for f in flags if f[0] == r and f[4] == "ais_second"]))
            off = _resolve_by_tracks(r, m, recv, bad_row, mmsi, t, lat, lon, p)  # type: ignore[arg-type]
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
    trusted = np.ones(n, dtype=bool)
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

    # --- de-duplicate on corrected times
    order, gid = groups(t_adj)
    k_order = order[keep[order]]
    k_gid = gid[keep[order]]
    # representative: trusted first, then earliest time, then receiver name
    name_rank = np.argsort(np.argsort(recv_names.astype(str), kind="stable"))
    rank = np.lexsort((name_rank[recv[k_order]], t_adj[k_order], ~trusted[k_order], k_gid))
    k_order, k_gid = k_order[rank], k_gid[rank]
    first = np.ones(k_gid.size, dtype=bool)
    first[1:] = k_gid[1:] != k_gid[:-1]
    rep = k_order[first]
    # receivers per message, names sorted: unique (group, name rank) pairs, then list offsets
    pair = np.sort(k_gid * len(recv_names) + name_rank[recv[k_order]])
    pair = pair[np.r_[True, pair[1:] != pair[:-1]]] if pair.size else pair
    pair_g = pair // max(len(recv_names), 1)
    by_rank = np.sort(recv_names.astype(str))
    new_g = np.r_[True, pair_g[1:] != pair_g[:-1]] if pair.size else np.zeros(0, bool)
    uniq_g = pair_g[new_g]
    starts = np.flatnonzero(new_g)
    n_heard = np.diff(np.r_[starts, pair.size])

    out_t = t_adj[rep]
    final = np.lexsort((mmsi[rep], out_t))
    rep = rep[final]
    g_pos = np.searchsorted(uniq_g, k_gid[first][final])  # each kept row's group
    offsets = np.r_[0, np.cumsum(n_heard[g_pos])].astype(np.int32)
    take_idx = _ranges(starts[g_pos], n_heard[g_pos])
    values = pa.array(by_rank[pair[take_idx] % max(len(recv_names), 1)].tolist(), pa.string())
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
    multi = int((n_heard[g_pos] > 1).sum())
    stats = {
        "rows_in": n,
        "rows_out": out.num_rows,
        "duplicates": int(keep.sum()) - out.num_rows,
        "multi_heard": multi,
        "late_rows": late,
        "receivers": len(recv_names),
        "clock_receiver_hours": len(clock_rows),
        "clock_rows_corrected": n_corr,
        "clock_rows_dropped": n_drop,
    }
    return MergeResult(out, heard_by, clock, stats)
