"""Receiver clock judgement for :mod:`ingest.merge`: per-hour consensus of copy time
differences, medians per group, and the track test for offsets known modulo 60 s."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kernels.merge import grouped_medians

__all__ = ["dense_ids", "group_medians", "judge_hour", "ranges", "resolve_by_tracks"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def dense_ids(keys: I64) -> tuple[I64, I64]:
    """Sorted unique ``keys`` and each key's index in them (``np.unique`` with the inverse),
    in linear time when the keys span a small range."""
    if keys.size == 0:
        return keys.copy(), np.zeros(0, dtype=np.int64)
    lo, hi = int(keys.min()), int(keys.max())
    if hi - lo > 4 * keys.size + 1024:
        u, inv = np.unique(keys, return_inverse=True)
        return u, inv.astype(np.int64)
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[keys - lo] = True
    remap = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.int64) + lo, remap[keys - lo].astype(np.int64)


def group_medians(keys: I64, values_ms: I64, near_ms: float) -> tuple[I64, F64, I64, F64]:
    """Per distinct key (sorted): the median of ``values_ms`` (averaging the middle two), the
    count, and the share of values within ``near_ms`` of the median; linear time."""
    if keys.size == 0:
        e = np.zeros(0)
        return np.zeros(0, np.int64), e, np.zeros(0, np.int64), e
    uniq, inv = dense_ids(keys)
    med, cnt, share = grouped_medians(inv, uniq.size, values_ms, float(near_ms))
    return uniq, med, cnt, share


def _weighted_median(values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]) -> float:
    order = np.argsort(values)
    cw = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cw, cw[-1] / 2.0)])


def judge_hour(
    ra: I64,
    rb: I64,
    diff_s: F64,
    n: I64,
    resid: dict[int, float],
    max_offset_s: float,
    min_shared: int,
) -> list[tuple[int, float, int]]:
    """Flag receivers of one hour from per receiver pair (ra, rb) median time difference (s)
    over ``n`` shared messages: the receiver disagreeing with most others first (ties: larger
    AIS-second residual, larger offset, more messages), then again without it."""
    flagged: list[tuple[int, float, int]] = []
    active = set(ra.tolist()) | set(rb.tolist())
    while True:
        act = np.array(sorted(active), dtype=np.int64)
        sel = np.isin(ra, act) & np.isin(rb, act)
        best: tuple[tuple[float, ...], int, float, int] | None = None
        for r in np.unique(ra[sel]).tolist():
            m = sel & (ra == r)
            cnt = int(n[m].sum())
            est = _weighted_median(diff_s[m], n[m].astype(np.float64))
            if cnt < min_shared or abs(est) <= max_offset_s:
                continue
            disagree = int((np.abs(diff_s[m]) > max_offset_s).sum())
            key = (float(disagree), abs(resid.get(int(r), 0.0)), round(abs(est)), float(cnt))
            if best is None or key > best[0]:
                best = (key, int(r), est, cnt)
        if best is None:
            return flagged
        flagged.append((best[1], best[2], best[3]))
        active.discard(best[1])


def ranges(starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
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


def resolve_by_tracks(
    r: int,
    residual_s: float,
    recv: npt.NDArray[np.int64],
    bad_row: npt.NDArray[np.bool_],
    mmsi: npt.NDArray[np.int64],
    t: npt.NDArray[np.int64],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    min_shared_messages: int,
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
        if sel.sum() < min_shared_messages:
            return None
        errors.append((float(np.median(err[sel])), off))
    errors.sort()
    best, second = errors[0], errors[1]
    return best[1] if best[0] < 0.5 * second[0] else None
