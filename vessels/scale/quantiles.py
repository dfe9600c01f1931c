"""Exact quantiles of the receive times of all partitions, without gathering the times.

``detectors.run_detectors`` feeds a stream-form detector (identity, encounter) inputs of more
than ``SLICE_ROWS`` rows in time slices whose edges are ``np.quantile`` of every track time.
The distributed run slices each partition at the *same* edges so that its events match the
single-process ones in every detail. Two passes: per-minute counts locate the order
statistics, then only the times inside those minutes are fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from vessels.tracks import Tracks

__all__ = ["MINUTE_MS", "minute_counts", "slice_edges", "times_in_minutes"]

I64 = npt.NDArray[np.int64]
MINUTE_MS = 60_000


def minute_counts(tracks: Tracks) -> tuple[I64, I64]:
    """Distinct minutes (``t // 60000``) of the partition's rows and rows per minute."""
    keys, counts = np.unique(tracks.t // MINUTE_MS, return_counts=True)
    return keys.astype(np.int64), counts.astype(np.int64)


def times_in_minutes(tracks: Tracks, minutes: I64) -> I64:
    """The partition's times that fall in ``minutes`` (sorted)."""
    m = tracks.t // MINUTE_MS
    out: I64 = np.sort(tracks.t[np.isin(m, minutes)])
    return out


def _order_stats(
    ranks: I64,
    keys: I64,
    counts: I64,
    fetch: Callable[[I64], I64],
) -> I64:
    """Values of the given ranks (0-based) of all times, from per-minute counts."""
    cum = np.cumsum(counts)
    bins = np.searchsorted(cum, ranks, side="right")
    need = np.unique(keys[bins])
    vals = fetch(need)  # every time in those minutes, sorted
    before = np.r_[0, cum][bins]  # rows in earlier minutes
    first_of_bin = np.searchsorted(vals, keys[bins] * MINUTE_MS, side="left")
    out: I64 = vals[first_of_bin + (ranks - before)]
    return out


def slice_edges(
    n: int,
    slice_rows: int,
    keys: I64,
    counts: I64,
    fetch: Callable[[I64], I64],
    t_max: int,
) -> I64 | None:
    """The edges ``detectors.run_detectors`` would cut ``n`` rows at (None: no slicing).

    ``np.quantile`` (linear) of q depends only on n and the order statistics at
    ``floor((n - 1) q)`` and the next one: an array of n values holding just those two gives
    the bit-identical result, so numpy itself does the arithmetic.
    """
    if n <= slice_rows:
        return None
    n_slices = -(-n // slice_rows)
    qs = np.linspace(0.0, 1.0, n_slices + 1)
    h = (n - 1) * qs
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    vals = _order_stats(np.r_[lo, hi], keys, counts, fetch)
    v_lo, v_hi = vals[: lo.size], vals[lo.size :]
    out = np.empty(qs.size)
    for k, q in enumerate(qs.tolist()):
        z = np.empty(n, np.int64)
        z[: lo[k] + 1] = v_lo[k]
        z[lo[k] + 1 :] = v_hi[k]
        out[k] = np.quantile(z, q)
    edges: I64 = np.unique(out.astype(np.int64))
    edges[-1] = t_max + 1
    return edges


def merge_minutes(parts: Sequence[tuple[I64, I64]]) -> tuple[I64, I64]:
    """Sum per-minute counts of several partitions."""
    keys = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    if keys.size == 0:
        return keys, counts
    order = np.argsort(keys, kind="stable")
    k, c = keys[order], counts[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return k[starts], np.add.reduceat(c, starts)
