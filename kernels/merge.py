"""Kernels for merging AIS heard by several receivers."""

from __future__ import annotations

import numpy as np

from kernels._jit import njit


@njit
def duplicate_groups(key_change, t, window_ms):
    """Group ids for rows sorted by (message key, t): a new group starts where the key changes or
    the time is more than ``window_ms`` after the group's first row. Returns int64 group ids."""
    n = t.shape[0]
    out = np.empty(n, dtype=np.int64)
    g = -1
    t0 = 0
    for i in range(n):
        if i == 0 or key_change[i] or t[i] - t0 > window_ms:
            g += 1
            t0 = t[i]
        out[i] = g
    return out


@njit
def ais_second_residual(t, ais_second):
    """Receive time's second of minute minus the AIS UTC-second field, wrapped to [-30, 30) s.

    NaN where the field is not available (< 0 or >= 60).
    """
    n = t.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        s = ais_second[i]
        if 0 <= s < 60:
            sec = (t[i] % 60000) / 1000.0
            out[i] = (sec - s + 30.0) % 60.0 - 30.0
    return out


@njit
def _mix(h, x):
    # splitmix64 finaliser over the running hash: a well-spread 64-bit mix
    h = (h ^ x) * np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


@njit
def message_hash(keys):
    """One 64-bit hash per row of the int64 key columns ``keys`` (shape k x n), so that rows
    with equal fields sort together; two different messages share a hash with odds ~2^-64."""
    k, n = keys.shape
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        h = np.uint64(0x243F6A8885A308D3)
        for j in range(k):
            h = _mix(h, np.uint64(keys[j, i]))
        out[i] = np.int64(h)
    return out


@njit
def message_hash_cols(ais_second, msg_type, heading, nav_status, sog_bits, cog_bits, lon_bits,
                      lat_bits, mmsi):  # fmt: skip
    """:func:`message_hash` over the nine key columns given separately (no stacked copy): the
    same value as ``message_hash(np.vstack([ais_second, ..., mmsi]))``. Float columns are
    passed as their bit patterns (float32 viewed as int32, float64 as int64)."""
    n = mmsi.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        h = np.uint64(0x243F6A8885A308D3)
        h = _mix(h, np.uint64(np.int64(ais_second[i])))
        h = _mix(h, np.uint64(np.int64(msg_type[i])))
        h = _mix(h, np.uint64(np.int64(heading[i])))
        h = _mix(h, np.uint64(np.int64(nav_status[i])))
        h = _mix(h, np.uint64(np.int64(sog_bits[i])))
        h = _mix(h, np.uint64(np.int64(cog_bits[i])))
        h = _mix(h, np.uint64(np.int64(lon_bits[i])))
        h = _mix(h, np.uint64(np.int64(lat_bits[i])))
        h = _mix(h, np.uint64(np.int64(mmsi[i])))
        out[i] = np.int64(h)
    return out


@njit
def copy_pairs(order, gid, recv, max_lag):
    """Pairs of copies of one message heard by different receivers.

    ``order`` lists rows sorted by group (``gid[k]`` is the group of ``order[k]``); a pair is
    (``order[k]``, ``order[k + d]``) for ``1 <= d <= max_lag`` in the same group with different
    receivers. Returns (first_rows, second_rows)."""
    n = order.shape[0]
    c = 0
    for k in range(n):
        for d in range(1, max_lag + 1):
            if k + d >= n or gid[k + d] != gid[k]:
                break
            if recv[order[k]] != recv[order[k + d]]:
                c += 1
    a = np.empty(c, dtype=np.int64)
    b = np.empty(c, dtype=np.int64)
    c = 0
    for k in range(n):
        for d in range(1, max_lag + 1):
            if k + d >= n or gid[k + d] != gid[k]:
                break
            if recv[order[k]] != recv[order[k + d]]:
                a[c] = order[k]
                b[c] = order[k + d]
                c += 1
    return a, b


@njit
def pick_representatives(order, gid, trusted, t, rank, n_names):
    """One row per group of ``order`` (rows sorted by group, ``gid`` aligned with ``order``):
    the trusted row with the earliest ``t``, then the lowest receiver ``rank``, then the first.

    Also the receivers that heard each group as sorted unique ranks: returns
    (rep_rows, heard_start, heard_len, heard_ranks), the heard lists concatenated in group
    order."""
    n = order.shape[0]
    n_g = 0
    for k in range(n):
        if k == 0 or gid[k] != gid[k - 1]:
            n_g += 1
    rep = np.empty(n_g, dtype=np.int64)
    h_start = np.empty(n_g, dtype=np.int64)
    h_len = np.empty(n_g, dtype=np.int64)
    ranks = np.empty(n, dtype=np.int64)
    seen = np.zeros(max(n_names, 1), dtype=np.bool_)
    g = 0
    pos = 0
    a = 0
    while a < n:
        b = a + 1
        while b < n and gid[b] == gid[a]:
            b += 1
        best = order[a]
        for k in range(a + 1, b):
            i = order[k]
            if trusted[i] != trusted[best]:
                if trusted[i]:
                    best = i
            elif t[i] != t[best]:
                if t[i] < t[best]:
                    best = i
            elif rank[i] < rank[best]:
                best = i
        rep[g] = best
        h_start[g] = pos
        start = pos
        for k in range(a, b):
            r = rank[order[k]]
            if not seen[r]:
                seen[r] = True
                ranks[pos] = r
                pos += 1
        for k in range(start, pos):
            seen[ranks[k]] = False
        for k in range(start + 1, pos):  # insertion sort: a message has few receivers
            x = ranks[k]
            m = k - 1
            while m >= start and ranks[m] > x:
                ranks[m + 1] = ranks[m]
                m -= 1
            ranks[m + 1] = x
        h_len[g] = pos - start
        g += 1
        a = b
    return rep, h_start, h_len, ranks[:pos]


@njit
def sort_ties(order, t, key):
    """Within runs of equal ``t[order]``, reorder ``order`` in place by ``key`` (stable).

    Runs are short (insertion sort) except for long ones (merge sort)."""
    n = order.shape[0]
    a = 0
    while a < n:
        b = a + 1
        while b < n and t[order[b]] == t[order[a]]:
            b += 1
        if b - a > 32:
            seg = order[a:b].copy()
            idx = np.argsort(key[seg], kind="mergesort")
            for k in range(b - a):
                order[a + k] = seg[idx[k]]
        else:
            for k in range(a + 1, b):
                x = order[k]
                m = k - 1
                while m >= a and key[order[m]] > key[x]:
                    order[m + 1] = order[m]
                    m -= 1
                order[m + 1] = x
        a = b
    return order


@njit
def grouped_medians(group, n_groups, values, near):
    """Median per dense group id (``0 <= group < n_groups``) of ``values`` in linear time
    (bucket the values by group, then a selection per group; numpy's median: the middle two
    averaged). Returns (median, count, share of values within ``near`` of the median)."""
    n = group.shape[0]
    cnt = np.zeros(n_groups, dtype=np.int64)
    for i in range(n):
        cnt[group[i]] += 1
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        start[g + 1] = start[g] + cnt[g]
    fill = start[:-1].copy()
    buf = np.empty(n, dtype=np.float64)
    for i in range(n):
        g = group[i]
        buf[fill[g]] = values[i]
        fill[g] += 1
    med = np.full(n_groups, np.nan)
    share = np.zeros(n_groups)
    for g in range(n_groups):
        a = start[g]
        b = start[g + 1]
        if b > a:
            m = np.median(buf[a:b])
            k = 0
            for i in range(a, b):
                if abs(buf[i] - m) <= near:
                    k += 1
            med[g] = m
            share[g] = k / (b - a)
    return med, cnt, share
