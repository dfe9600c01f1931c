"""kernels.resample against the plain reference in tests/naive_pairs.py."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.resample import resample_tracks
from tests import naive_pairs

STEP = 600_000
GAP = 3_600_000


def _one(t: list[int], lat: list[float], lon: list[float], **kw: object) -> list[tuple]:
    offs, _seg, rt, rla, rlo, sp, _src = resample_tracks(
        np.array(t, dtype=np.int64),
        np.array(lat),
        np.array(lon),
        np.array([0, len(t)]),
        STEP,
        GAP,
        **kw,
    )
    assert offs[-1] == len(rt)
    return list(zip(rt.tolist(), rla.tolist(), rlo.tolist(), sp.tolist(), strict=True))


def _same(a: list[tuple], b: list[tuple]) -> None:
    assert [x[0] for x in a] == [x[0] for x in b]
    for x, y in zip(a, b, strict=True):
        assert math.isclose(x[1], y[1], abs_tol=1e-9)
        assert math.isclose(x[2], y[2], abs_tol=1e-9) or abs(abs(x[2] - y[2]) - 360) < 1e-9
        assert (math.isnan(x[3]) and math.isnan(y[3])) or math.isclose(
            x[3], y[3], rel_tol=1e-9, abs_tol=1e-9
        )


def test_interpolates_only_across_short_gaps() -> None:
    # reports at 0, 30 min, then silence of 2 h: slots at 0, 10, 20, 30 only; then 150, 160
    t = [0, 1_800_000, 9_000_000, 9_600_000]
    out = _one(t, [0.0, 0.1, 0.2, 0.3], [0.0, 0.0, 0.0, 0.0])
    assert [x[0] // 60_000 for x in out] == [0, 10, 20, 30, 150, 160]
    assert math.isclose(out[1][1], 0.1 / 3)
    _same(out, naive_pairs.resample(t, [0.0, 0.1, 0.2, 0.3], [0.0] * 4, STEP, GAP))


def test_slow_vessel_bridges_a_longer_gap() -> None:
    # 3 h without reports: a drifting vessel (0.5 kn) is bridged, a steaming one (10 kn) is not
    t = [0, 10_800_000]
    slow = _one(t, [0.0, 0.025], [0.0, 0.0], slow_gap_ms=6 * 3_600_000, slow_kn=2.0)
    fast = _one(t, [0.0, 0.5], [0.0, 0.0], slow_gap_ms=6 * 3_600_000, slow_kn=2.0)
    assert len(slow) == 19 and len(fast) == 2
    ref = naive_pairs.resample(t, [0.0, 0.025], [0.0, 0.0], STEP, GAP, 6 * 3_600_000, 2.0)
    _same(slow, ref)


def test_waits_at_the_slow_end_of_a_long_gap() -> None:
    # seen fast (10 kn) 10 nm away, then 3 h later slow (0.5 kn) at the meeting point: it
    # arrived after 1 h at 10 kn and waited there; the reverse when it leaves
    t = [0, 10_800_000]
    la = [0.0, 9.99 / 60]  # just under 10 nm
    kw = {"slow_gap_ms": 6 * 3_600_000, "slow_kn": 2.0}
    arrive = _one(t, la, [0.0, 0.0], sog=np.array([10.0, 0.5]), **kw)
    assert len(arrive) == 19
    at_b = [x[0] for x in arrive if abs(x[1] - la[1]) < 1e-9]
    assert at_b[0] == 3_600_000  # arrived after 1 h
    leave = _one(t, la, [0.0, 0.0], sog=np.array([0.5, 10.0]), **kw)
    at_a = [x[0] for x in leave if abs(x[1]) < 1e-9]
    assert at_a[-1] == 7_200_000  # left 1 h before the next report
    for sog in ([10.0, 0.5], [0.5, 10.0], [4.0, 3.5]):
        ref = naive_pairs.resample(t, la, [0.0, 0.0], STEP, GAP, 6 * 3_600_000, 2.0, sog)
        _same(_one(t, la, [0.0, 0.0], sog=np.array(sog), **kw), ref)
    # with a course the waiting vessel drifts on (0.5 kn due north) instead of sitting still
    drift = _one(t, la, [0.0, 0.0], sog=np.array([10.0, 0.5]), cog=np.array([0.0, 0.0]), **kw)
    ref = naive_pairs.resample(
        t, la, [0.0, 0.0], STEP, GAP, 6 * 3_600_000, 2.0, [10.0, 0.5], [0.0, 0.0]
    )
    _same(drift, ref)
    assert drift[-2][1] < la[1] and math.isclose(la[1] - drift[-2][1], 0.5 / 60 / 6, rel_tol=0.01)
    # a working vessel (3.5-4 kn at both ends) is never bridged, even with a small displacement
    assert len(_one(t, [0.0, 0.001], [0.0, 0.0], sog=np.array([4.0, 3.5]), **kw)) == 2


def test_antimeridian_goes_the_short_way() -> None:
    out = _one([0, 1_200_000], [10.0, 10.0], [179.99, -179.99])
    assert len(out) == 3
    assert math.isclose(out[1][2], 180.0, abs_tol=1e-9) or math.isclose(
        out[1][2], -180.0, abs_tol=1e-9
    )
    # 0.02 degrees of longitude at 10N in 20 min: about 3.5 kn, not thousands
    assert 3.0 < out[1][3] < 4.2


def test_single_point_and_off_grid_point() -> None:
    assert _one([600_000], [1.0], [2.0])[0][0] == 600_000
    assert math.isnan(_one([600_000], [1.0], [2.0])[0][3])
    assert _one([600_001], [1.0], [2.0]) == []


def test_duplicates_and_stream_continuation() -> None:
    t = [0, 0, 600_000, 1_500_000, 2_400_000]
    la = [0.0, 0.01, 0.02, 0.03, 0.05]
    lo = [0.0, 0.0, 0.0, 0.0, 0.0]
    full = _one(t, la, lo)
    _same(full, naive_pairs.resample(t, la, lo, STEP, GAP))
    # the same track in two pieces: the second piece starts from the carried last report
    head = _one(t[:4], la[:4], lo[:4])
    last = head[-1]
    tail = _one(
        t[3:],
        la[3:],
        lo[3:],
        t_from=np.array([last[0]]),
        prev_t=np.array([last[0]]),
        prev_lat=np.array([last[1]]),
        prev_lon=np.array([last[2]]),
    )
    _same(head + tail, full)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=25),
    st.integers(0, 2**32 - 1),
)
def test_random_tracks_match_reference(steps_min: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.cumsum(np.array(steps_min) * 180_000).tolist()  # multiples of 3 min: many on-grid
    lat = (rng.uniform(-60, 60) + np.cumsum(rng.normal(0, 0.01, len(t)))).tolist()
    lon = [naive_pairs.wrap(x) for x in (179.9 + np.cumsum(rng.normal(0, 0.02, len(t)))).tolist()]
    _same(_one(t, lat, lon), naive_pairs.resample(t, lat, lon, STEP, GAP))
    sog = rng.choice([np.nan, 0.5, 1.5, 6.0, 12.0], len(t)).tolist()
    cog = rng.choice([np.nan, 0.0, 45.0, 359.0, 200.0], len(t)).tolist()
    kw = {"slow_gap_ms": 3 * GAP, "slow_kn": 2.0, "sog": np.array(sog), "cog": np.array(cog)}
    ref = naive_pairs.resample(t, lat, lon, STEP, GAP, 3 * GAP, 2.0, sog, cog)
    _same(_one(t, lat, lon, **kw), ref)


def test_parallel_equals_serial_on_many_segments() -> None:
    rng = np.random.default_rng(3)
    sizes = rng.integers(0, 50, 200)
    starts = np.r_[0, np.cumsum(sizes)]
    t = np.concatenate([np.sort(rng.integers(0, 86_400_000, k)) for k in sizes]).astype(np.int64)
    lat = rng.uniform(-50, 50, t.size)
    lon = rng.uniform(-180, 180, t.size)
    a = resample_tracks(t, lat, lon, starts, STEP, GAP)
    b = resample_tracks(t, lat, lon, starts, STEP, GAP, parallel=True)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    k = 17
    ref = naive_pairs.resample(
        t[starts[k] : starts[k + 1]].tolist(),
        lat[starts[k] : starts[k + 1]].tolist(),
        lon[starts[k] : starts[k + 1]].tolist(),
        STEP,
        GAP,
    )
    sl = slice(a[0][k], a[0][k + 1])
    got = list(
        zip(a[2][sl].tolist(), a[3][sl].tolist(), a[4][sl].tolist(), a[5][sl].tolist(), strict=True)
    )
    _same(got, ref)
