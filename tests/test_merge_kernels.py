"""Merge kernels against plain references on seeded random input."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.merge_clock import dense_ids, group_medians
from kernels.merge import (
    copy_pairs,
    duplicate_groups,
    message_hash,
    message_hash_cols,
    pick_representatives,
    sort_ties,
)
from tests import naive_fusion as naive


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_message_hash_cols_equals_stacked_hash(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 500
    ints = [rng.integers(-1, 60, n), rng.integers(1, 4, n), rng.integers(-1, 360, n),
            rng.integers(0, 16, n)]  # fmt: skip
    f32 = [rng.uniform(0, 360, n).astype(np.float32) for _ in range(2)]
    f64 = [rng.uniform(-90, 90, n) for _ in range(2)]
    f32[0][::7] = np.nan
    mmsi = rng.integers(0, 5, n) + 200_000_000
    bits32 = [x.view(np.int32).astype(np.int64) for x in f32]
    bits64 = [x.view(np.int64) for x in f64]
    stacked = message_hash(np.ascontiguousarray(np.vstack([*ints, *bits32, *bits64, mmsi])))
    assert (message_hash_cols(*ints, *bits32, *bits64, mmsi) == stacked).all()
    # equal fields hash equal, one changed field differs
    same = message_hash_cols(*[np.r_[c[:1], c[:1]] for c in [*ints, *bits32, *bits64, mmsi]])
    assert same[0] == same[1] and len(set(stacked.tolist())) > n * 0.95


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_copy_pairs_and_representatives(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    key = rng.integers(0, 120, n)
    t = rng.integers(0, 5_000, n)
    recv = rng.integers(0, 4, n)
    trusted = rng.random(n) < 0.8
    rank = np.array([2, 0, 3, 1])[recv]
    order = np.lexsort((t, key))
    ks = key[order]
    change = np.r_[True, ks[1:] != ks[:-1]]
    gid = duplicate_groups(change, t[order], 1_000)
    a, b = copy_pairs(order, gid, recv, 7)
    ra, rb = naive.copy_pairs(order, gid, recv, 7)
    assert a.tolist() == ra and b.tolist() == rb and len(ra) > 0
    rep, hs, hl, hr = pick_representatives(order, gid, trusted, t, rank, 4)
    want = naive.pick_representatives(order, gid, trusted, t, rank)
    assert rep.tolist() == [w[0] for w in want]
    assert [hr[s : s + m].tolist() for s, m in zip(hs, hl, strict=True)] == [w[1] for w in want]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_group_medians_and_dense_ids(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for keys in (rng.integers(0, 30, 700), rng.integers(0, 2**40, 700) * 1000):
        keys = keys[rng.integers(0, keys.size, keys.size)]  # repeats
        vals = rng.integers(-30_000, 30_000, keys.size)
        vals[::5] = 12_000  # a concentrated value
        k, med, cnt, share = group_medians(keys, vals, 5_000.0)
        want = naive.group_medians(keys, vals, 5_000.0)
        assert k.tolist() == list(want)
        assert np.allclose(med, [w[0] for w in want.values()])
        assert cnt.tolist() == [w[1] for w in want.values()]
        assert np.allclose(share, [w[2] for w in want.values()])
        u, inv = dense_ids(keys)
        nu, ninv = np.unique(keys, return_inverse=True)
        assert (u == nu).all() and (inv == ninv).all()
    assert group_medians(np.zeros(0, np.int64), np.zeros(0, np.int64), 1.0)[0].size == 0


@pytest.mark.parametrize("seed", [0, 1])
def test_sort_ties_orders_by_time_then_key(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 20, 300)
    t[:60] = 99  # one long run (merge sort path)
    key = rng.integers(0, 1_000, 300)
    got = sort_ties(np.argsort(t, kind="stable"), t, key)
    assert (got == np.lexsort((key, t))).all()
