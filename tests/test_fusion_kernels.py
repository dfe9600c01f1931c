"""The matching kernels against plain references (tests/naive_fusion.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kernels.match import bracket_reports, candidate_pairs, greedy_assign, project_one
from tests import naive_fusion as naive

H = 3_600_000
ARGS = (12 * H, 1 * H, 300.0, 1.0, 0.1, 6.0, 0.5)


def _random_track(rng: np.random.Generator, n: int, lon0: float = 0.0):
    t = np.sort(rng.integers(0, 24 * H, n)).astype(np.int64)
    lat = rng.uniform(-60, 60, n)
    lon = (lon0 + rng.uniform(-1, 1, n) + 540) % 360 - 180
    sog = rng.uniform(0, 20, n).astype(np.float32)
    cog = rng.uniform(0, 360, n).astype(np.float32)
    sog[rng.random(n) < 0.3] = np.nan
    return t, lat, lon, sog, cog


@pytest.mark.parametrize("seed", range(6))
def test_project_one_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    t, lat, lon, sog, cog = _random_track(rng, n, lon0=179.5 if seed % 2 else 0.0)
    for T in rng.integers(-2 * H, 26 * H, 30):
        got = project_one(t, lat, lon, sog, cog, 0, n, int(T), *ARGS)
        ref = naive.project_one(t, lat, lon, sog, cog, 0, n, int(T), *ARGS)
        assert got[0] == (ref is not None)
        if ref is not None:
            assert got[1] == pytest.approx(ref[0], abs=1e-9)
            assert got[2] == pytest.approx(ref[1], abs=1e-9)
            assert got[3] == pytest.approx(ref[2], rel=1e-9)
            assert got[4] == ref[3] and got[5] == ref[4]


def test_project_edge_cases() -> None:
    t = np.array([0, H], dtype=np.int64)
    lat = np.array([0.0, 0.0])
    lon = np.array([179.9, -179.9])  # across the antimeridian
    nan = np.full(2, np.nan, dtype=np.float32)
    ok, plat, plon, _sig, dt, meth, _, _ = project_one(t, lat, lon, nan, nan, 0, 2, H // 2, *ARGS)
    assert ok and meth == 0 and abs(abs(plon) - 180.0) < 1e-9 and dt == H // 2
    # a single report: dead reckoning with unknown speed stays put, sigma grows with time
    ok1, la1, lo1, s1, *_ = project_one(
        t[:1], lat[:1], lon[:1], nan[:1], nan[:1], 0, 1, H // 4, *ARGS
    )
    ok2, _, _, s2, *_ = project_one(t[:1], lat[:1], lon[:1], nan[:1], nan[:1], 0, 1, H // 2, *ARGS)
    assert ok1 and ok2 and (la1, lo1) == (0.0, 179.9) and s2 > s1 > 300.0
    # beyond the dead-reckoning reach: nothing
    assert not project_one(t[:1], lat[:1], lon[:1], nan[:1], nan[:1], 0, 1, 3 * H, *ARGS)[0]
    # an empty segment
    assert not project_one(t, lat, lon, nan, nan, 1, 1, 0, *ARGS)[0]
    # duplicate timestamps: zero span interpolates to the first report
    td = np.array([H, H], dtype=np.int64)
    ok, plat, plon, *_ = project_one(
        td, np.array([1.0, 2.0]), np.array([0.0, 0.0]), nan, nan, 0, 2, H, *ARGS
    )
    assert ok and math.isfinite(plat)


@pytest.mark.parametrize("seed", range(4))
def test_candidate_pairs_match_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_scene = 3
    nd, nv = 40, 50
    d_scene = np.sort(rng.integers(0, n_scene, nd))
    v_scene = rng.integers(0, n_scene, nv)
    d_lat, d_lon = rng.uniform(10, 10.5, nd), rng.uniform(179.8, 180.2, nd) % 360
    d_lon = (d_lon + 180) % 360 - 180
    v_lat, v_lon = rng.uniform(10, 10.5, nv), (rng.uniform(179.8, 180.2, nv) + 180) % 360 - 180
    order = np.lexsort((v_lat, v_scene))
    v_scene, v_lat, v_lon = v_scene[order], v_lat[order], v_lon[order]
    radius = rng.uniform(500, 8000, nv)
    det_ptr = np.searchsorted(d_scene, np.arange(n_scene + 1)).astype(np.int64)
    ves_ptr = np.searchsorted(v_scene, np.arange(n_scene + 1)).astype(np.int64)
    pd_, pv, _dist, _near, near_d = candidate_pairs(
        det_ptr, d_lat, d_lon, ves_ptr, v_lat, v_lon, radius, 10_000.0
    )
    got = set(zip(pd_.tolist(), pv.tolist(), strict=True))
    assert got == naive.candidate_pairs(d_lat, d_lon, d_scene, v_lat, v_lon, v_scene, radius)
    for i in range(nd):
        same = np.flatnonzero(v_scene == d_scene[i])
        ds = [naive.haversine_m(d_lat[i], d_lon[i], v_lat[j], v_lon[j]) for j in same]
        ds = [d for d in ds if d <= 10_000.0]
        assert near_d[i] == (pytest.approx(min(ds)) if ds else np.inf)


def test_greedy_and_bracket() -> None:
    chosen = greedy_assign(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), 2, 2)
    assert chosen.tolist() == [True, False, False, True]
    seg_start = np.array([0, 3, 3, 5], dtype=np.int64)
    t = np.array([1, 5, 9, 2, 4], dtype=np.int64)
    before, after = bracket_reports(seg_start, t, 5)
    assert before.tolist() == [1, -1, 4] and after.tolist() == [2, -1, -1]


@pytest.mark.parametrize("seed", range(3))
def test_project_to_scenes_matches_reference(seed: int) -> None:
    from kernels.match import project_to_scenes

    rng = np.random.default_rng(seed)
    rows = []
    for v in range(15):
        t, lat, lon, sog, cog = _random_track(rng, int(rng.integers(1, 8)))
        lat = rng.uniform(-1, 1, t.size)
        rows += [(v, *r) for r in zip(t, lat, lon, sog, cog, strict=True)]
    tr = naive.make_tracks([(m, int(t), la, lo, s, c) for m, t, la, lo, s, c in rows])
    n_sc = 6
    st = rng.integers(-2 * H, 26 * H, n_sc).astype(np.int64)
    lat0, lon0 = rng.uniform(-1, 1, n_sc), rng.uniform(-1, 1, n_sc)
    hl, ho = rng.uniform(0.1, 0.8, n_sc), rng.uniform(0.1, 0.8, n_sc)
    out = project_to_scenes(tr.seg_start, tr.t, tr.lat, tr.lon, tr.sog, tr.cog, st, lat0, lon0,
                            hl, ho, *ARGS, 3.0, 30_000.0)  # fmt: skip
    got = {(int(s), int(k)): (la, lo) for s, k, la, lo in zip(*out[:4], strict=True)}
    want = {}
    for s in range(n_sc):
        for k in range(tr.n_seg):
            a, b = int(tr.seg_start[k]), int(tr.seg_start[k + 1])
            ref = naive.project_one(tr.t, tr.lat, tr.lon, tr.sog, tr.cog, a, b, int(st[s]), *ARGS)
            if ref is None:
                continue
            m_deg = min(3.0 * ref[2], 30_000.0) / 111_195.0
            dlon = abs((ref[1] - lon0[s] + 540) % 360 - 180)
            c = max(math.cos(math.radians(ref[0])), 0.01)
            if abs(ref[0] - lat0[s]) <= hl[s] + m_deg and dlon <= ho[s] + m_deg / c:
                want[(s, k)] = (ref[0], ref[1])
    assert got.keys() == want.keys() and len(want) > 0
    for key, (la, lo) in want.items():
        assert got[key][0] == pytest.approx(la, abs=1e-9) and got[key][1] == pytest.approx(
            lo, abs=1e-9
        )


@pytest.mark.parametrize("seed", range(3))
def test_silence_around_matches_reference(seed: int) -> None:
    from kernels.match import silence_around

    rng = np.random.default_rng(seed)
    seg_start = np.r_[0, np.cumsum(rng.integers(0, 6, 8))].astype(np.int64)
    t = np.concatenate([np.sort(rng.integers(0, 100, seg_start[k + 1] - seg_start[k]))
                        for k in range(8)]).astype(np.int64)  # fmt: skip
    seg = rng.integers(0, 8, 50).astype(np.int64)
    T = rng.integers(-10, 110, 50).astype(np.int64)
    got = silence_around(seg_start, t, seg, T)
    for j in range(50):
        rows = t[seg_start[seg[j]] : seg_start[seg[j] + 1]]
        before, after = rows[rows <= T[j]], rows[rows > T[j]]
        want = after[0] - before[-1] if before.size and after.size else -1
        assert got[j] == want


def test_meandering_vessel_gets_wider_uncertainty() -> None:
    # the same two reports 2 h apart and 2 km apart: a straight run at 0.5 kn, or a vessel
    # reporting 8 kn that must have zig-zagged (fishing) between them
    t = np.array([0, 2 * H], dtype=np.int64)
    lat, lon = np.array([0.0, 0.018]), np.array([0.0, 0.0])
    cog = np.zeros(2, dtype=np.float32)
    slow = np.full(2, 0.5, dtype=np.float32)
    fast = np.full(2, 8.0, dtype=np.float32)
    s_straight = project_one(t, lat, lon, slow, cog, 0, 2, H, *ARGS)[3]
    s_meander = project_one(t, lat, lon, fast, cog, 0, 2, H, *ARGS)[3]
    s_edge = project_one(t, lat, lon, fast, cog, 0, 2, H // 6, *ARGS)[3]
    s_edge_straight = project_one(t, lat, lon, slow, cog, 0, 2, H // 6, *ARGS)[3]
    assert s_meander > 3 * s_straight  # ~7.9 kn unexplained over a 0.5 h bridge time
    assert s_meander > s_edge > 3 * s_edge_straight  # largest mid-interval (bridge factor)
