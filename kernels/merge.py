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
