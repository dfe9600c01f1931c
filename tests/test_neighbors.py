"""kernels.neighbors.close_pairs against the all-pairs reference in tests/naive_pairs.py."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.geo import destination
from kernels.neighbors import close_pairs
from tests import naive_pairs


def _pairs(slot, lat, lon, vid, d, parallel=False, step=0) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    a, b, dist = close_pairs(
        np.asarray(slot), np.asarray(lat), np.asarray(lon), np.asarray(vid), d, parallel, step
    )
    assert np.all(dist <= d)
    got = set(zip(a.tolist(), b.tolist(), strict=True))
    assert len(got) == a.size  # each pair once
    return got


def _check(slot, lat, lon, vid, d) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    ref = naive_pairs.close_pairs(list(slot), list(lat), list(lon), list(vid), d)
    got = _pairs(slot, lat, lon, vid, d)
    assert got == ref
    assert _pairs(slot, lat, lon, vid, d, parallel=True) == ref
    # slots on a time grid (multiples of 600 s) take the sort-free path
    grid = [600_000 * s for s in slot]
    assert _pairs(grid, lat, lon, vid, d, step=600_000) == ref
    return got


def test_edge_cases() -> None:
    # across the antimeridian, exactly at the band edge, near the pole, other slot, same vessel
    lat = [0.0, 0.0, 10.0, 10.0 + 400 / 111_195, 89.999, 89.999, 5.0, 5.0, 5.0]
    lon = [179.999, -179.999, 20.0, 20.0, 0.0, 180.0 - 1e-9 - 180.0 + 90.0, 7.0, 7.0, 7.0]
    vid = [1, 2, 3, 4, 5, 6, 7, 8, 7]
    slot = [0, 0, 0, 0, 0, 0, 0, 1, 0]
    got = _check(slot, lat, lon, vid, 500.0)
    assert (0, 1) in got  # 222 m apart across 180 degrees
    assert (2, 3) in got
    assert (4, 5) in got  # 1 km from the pole on opposite meridians: ~220 m
    assert (6, 7) not in got and (6, 8) not in got  # another slot; the same vessel


def test_empty_and_single() -> None:
    assert _pairs([], [], [], [], 500.0) == set()
    assert _pairs([3], [1.0], [1.0], [1], 500.0) == set()


def test_ring_of_points_at_exact_distances() -> None:
    # partners placed on a ring at 490 m (in) and 510 m (out) in every direction, at high latitude
    lat, lon, vid = [70.0], [179.9995], [0]
    for k, brg in enumerate(range(0, 360, 15)):
        for j, r in enumerate((490.0, 510.0)):
            la, lo = destination(70.0, 179.9995, float(brg), r)
            lat.append(la)
            lon.append(lo)
            vid.append(1 + 2 * k + j)
    got = _check([0] * len(lat), lat, lon, vid, 500.0)
    assert {b for a, b in got if a == 0} == {i for i in range(1, len(lat)) if vid[i] % 2 == 1}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([50.0, 500.0, 5000.0]))
def test_random_clusters_match_reference(seed: int, d: float) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 120))
    c_lat = rng.choice([0.0, 45.0, -80.0, 89.99])
    c_lon = rng.choice([0.0, 179.99, -179.99])
    lat = np.clip(c_lat + rng.normal(0, 0.01, n), -90, 90)
    lon = (c_lon + rng.normal(0, 0.02, n) + 540) % 360 - 180
    slot = rng.integers(0, 3, n)
    vid = rng.integers(0, n // 2 + 2, n)
    _check(slot.tolist(), lat.tolist(), lon.tolist(), vid.tolist(), d)
