from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.cellhour import cellhour_keys
from kernels.segment import assign_segments, duplicate_mask
from tests import naive_detect as nv
from tests.naive_detect import T0, H, positions_table
from vessels.errors import SchemaError
from vessels.tracks import TrackParams, build_tracks, build_tracks_indexed, take_rows


def test_cleaning_counts_every_removed_row() -> None:
    tb = positions_table(
        [1, 0, 2, 3, 4, 5, 5],
        [T0, T0, T0, T0, 0, T0, T0 + 1000],
        [10.0, 10.0, 0.0, 95.0, 10.0, 20.0, 20.0],
        [10.0, 10.0, 0.0, 10.0, 10.0, 20.0, 20.0],
    )
    tracks, removed = build_tracks(tb)
    assert removed == {
        "invalid_position": 1,
        "null_island": 1,
        "invalid_mmsi": 1,
        "invalid_time": 1,
        "duplicate": 1,
    }
    assert tracks.n == 2
    assert sorted(tracks.mmsi.tolist()) == [1, 5]


def test_sorted_by_segment_and_time_and_unavailable_values_become_nan() -> None:
    tb = positions_table([7, 7, 3], [T0 + 2000, T0, T0], [1.0, 1.0, 2.0], [1.0, 1.001, 2.0])
    tb = tb.set_column(4, "sog", pa.array([5.0, 102.3, 1.0], pa.float32()))
    tracks, _ = build_tracks(tb)
    assert tracks.mmsi.tolist() == [3, 7, 7]
    assert tracks.t.tolist() == [T0, T0, T0 + 2000]
    assert np.isnan(tracks.sog[1]) and tracks.sog[2] == 5.0
    assert tracks.seg_start.tolist() == [0, 1, 3]
    assert tracks.receivers == ("sat",)


def test_two_ships_sharing_an_mmsi_become_two_segments() -> None:
    # ship A near 40N 20W, ship B 600 km away, reporting alternately every 5 minutes
    t = T0 + np.arange(40) * 300_000
    lat = np.where(np.arange(40) % 2 == 0, 40.0, 45.0)
    lon = -20.0 + np.arange(40) * 0.001
    tracks, _ = build_tracks(positions_table(123456789, t, lat, lon))
    assert tracks.n_seg == 2
    assert tracks.seg_mmsi.tolist() == [123456789, 123456789]
    for s in range(2):
        rows = slice(tracks.seg_start[s], tracks.seg_start[s + 1])
        assert np.unique(tracks.lat[rows]).size == 1
        assert np.all(np.diff(tracks.t[rows]) > 0)


def test_one_outlier_does_not_split_the_track() -> None:
    t = T0 + np.arange(20) * 600_000
    lat = np.full(20, 10.0)
    lat[7] = 30.0  # a single corrupt position
    tracks, _ = build_tracks(positions_table(1, t, lat, np.linspace(0, 0.2, 20)))
    assert tracks.n_seg == 2
    sizes = sorted(np.diff(tracks.seg_start).tolist())
    assert sizes == [1, 19]


def test_missing_columns_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="lacks column"):
        build_tracks(pa.table({"mmsi": pa.array([1], pa.uint32())}))


def test_indexed_rows_point_back_and_take_rows_renumbers() -> None:
    tb = positions_table([5, 4, 5], [T0 + 10, T0, T0], [1.0, 2.0, 1.0], [1.0, 2.0, 1.001])
    tracks, _, src = build_tracks_indexed(tb)
    assert src.tolist() == [1, 2, 0]
    sub = take_rows(tracks, np.array([1, 2]))
    assert sub.seg_start.tolist() == [0, 2] and sub.seg_mmsi.tolist() == [5]


def test_antimeridian_crossing_is_not_a_jump() -> None:
    t = T0 + np.arange(10) * 600_000
    lon = np.array(
        [179.96, 179.98, 179.99, -179.99, -179.98, -179.96, -179.95, -179.93, -179.91, -179.89]
    )
    tracks, _ = build_tracks(positions_table(1, t, 0.0, lon))
    assert tracks.n_seg == 1


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 60))
def test_segment_kernel_matches_reference(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    mmsi = np.sort(rng.integers(1, 4, n)).astype(np.uint32)
    t = np.zeros(n, np.int64)
    for m in np.unique(mmsi):
        k = mmsi == m
        t[k] = np.sort(rng.integers(0, 6 * H, k.sum()))
    lat = rng.choice([10.0, 10.05, 12.0], n) + rng.normal(0, 0.01, n)
    lon = rng.choice([20.0, 20.1, -179.99], n) + rng.normal(0, 0.01, n)
    got = assign_segments(mmsi, t, lat, lon, 30.0, 500.0, 1.0, 3)
    want = nv.assign_segments(mmsi, t, lat, lon, 30.0, 500.0, 1.0, 3)
    assert got.tolist() == want.tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 60))
def test_duplicate_kernel_matches_reference(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    mmsi = np.sort(rng.integers(1, 3, n)).astype(np.uint32)
    t = np.zeros(n, np.int64)
    for m in np.unique(mmsi):
        k = mmsi == m
        t[k] = np.sort(rng.integers(0, 20_000, k.sum()))
    lat = rng.choice([1.0, 1.00001, 2.0], n)
    lon = rng.choice([1.0, 3.0], n)
    got = duplicate_mask(mmsi, t, lat, lon, 5000, 1e-5)
    want = nv.duplicate_mask(mmsi, t, lat, lon, 5000, 1e-5)
    assert got.tolist() == want.tolist()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 80))
def test_cellhour_kernel_matches_reference(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    seg_start = np.r_[0, np.sort(rng.choice(np.arange(1, n + 1), min(3, n), replace=False))]
    seg_start[-1] = n
    seg_start = np.unique(seg_start)
    t = T0 + np.sort(rng.integers(0, 5 * H, n))
    for s in range(len(seg_start) - 1):  # time-ordered within each segment
        t[seg_start[s] : seg_start[s + 1]] = np.sort(t[seg_start[s] : seg_start[s + 1]])
    lat = rng.uniform(-90, 90, n)
    lat[: n // 3] = 89.999999  # the pole row is clamped
    lon = rng.choice([-180.0, -0.5, 0.4, 179.99], n)
    for cell, bucket in ((1.0, H), (0.01, H), (1.0, 24 * H)):
        k1, f1 = cellhour_keys(lat, lon, t, seg_start.astype(np.int64), cell, bucket)
        k2, f2 = nv.cellhour_keys(lat, lon, t, seg_start, cell, bucket)
        assert k1.tolist() == k2.tolist()
        assert f1.tolist() == f2.tolist()


def test_params_change_segmentation() -> None:
    t = T0 + np.arange(4) * 3_600_000
    lat = np.array([0.0, 0.6, 1.2, 1.8])  # 36 kn
    assert build_tracks(positions_table(1, t, lat, 1.0))[0].n_seg == 4
    assert build_tracks(positions_table(1, t, lat, 1.0), TrackParams(max_speed_kn=40))[0].n_seg == 1


def test_minimal_tables_with_plain_types_are_accepted() -> None:
    # seconds-resolution timestamps, a plain string receiver, no speed or satellite columns
    tb = pa.table(
        {
            "mmsi": pa.array([9, 9], pa.int64()),
            "t": pa.array([T0 // 1000, T0 // 1000 + 60], pa.timestamp("s")),
            "lat": [1.0, 1.001],
            "lon": [2.0, 2.0],
            "receiver": ["a", None],
        }
    )
    tracks, removed = build_tracks(tb)
    assert sum(removed.values()) == 0
    assert tracks.t.tolist() == [T0, T0 + 60_000]
    assert tracks.receivers == ("a",) and tracks.receiver.tolist() == [0, -1]
    assert tracks.is_sat.tolist() == [-1, -1] and np.isnan(tracks.sog).all()
