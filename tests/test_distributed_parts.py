"""The pieces of the distributed run: MMSI partitioning, global segment numbers, window
assembly and window planning, checked against the single-process objects."""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.base import ContextParams, build_context
from tests.naive_detect import T0, H, positions_table
from vessels.registry import build_registry
from vessels.scale import vessel_tasks, window_tasks
from vessels.scale.partition import mmsi_partition, split_table
from vessels.scale.quantiles import merge_minutes, minute_counts, slice_edges, times_in_minutes
from vessels.scale.windows import plan_windows as _windows
from vessels.tracks import TrackParams, Tracks, build_tracks


def _fleet(seed: int) -> pa.Table:
    """Random vessels, some MMSIs shared by two ships far apart (several segments each)."""
    rng = np.random.default_rng(seed)
    tabs = []
    for v in range(30):
        mmsi = int(rng.choice([412_000_000, 224_000_000, 538_000_000])) + v
        n = int(rng.integers(3, 60))
        t = T0 + np.sort(rng.integers(0, 72 * H, n))
        lat = -40.0 + rng.uniform(-2, 2) + np.cumsum(rng.normal(0, 0.01, n))
        lon = -30.0 + rng.uniform(-2, 2) + np.cumsum(rng.normal(0, 0.01, n))
        tabs.append(positions_table(mmsi, t, lat, lon, sog=3.0, receiver="sat"))
        if v % 4 == 0:  # a second ship with the same MMSI 10 degrees away
            tabs.append(positions_table(mmsi, t + 1000, lat + 10, lon, receiver="shore"))
    return pa.concat_tables(tabs, promote_options="permissive")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 999_999_999), min_size=1, max_size=50), st.integers(1, 9))
def test_partition_is_a_function_of_the_mmsi(mmsi: list[int], n: int) -> None:
    p = mmsi_partition(np.array(mmsi, np.int64), n)
    assert ((p >= 0) & (p < n)).all()
    again = mmsi_partition(np.array(mmsi[::-1], np.int64), n)[::-1]
    assert (p == again).all()
    for m in set(mmsi):
        assert len(set(p[np.array(mmsi) == m].tolist())) == 1


def test_split_table_keeps_every_row_once() -> None:
    tab = _fleet(1)
    parts = split_table(tab, 4)
    assert sum(p.num_rows for p in parts) == tab.num_rows
    seen = [set(p.column("mmsi").to_pylist()) for p in parts]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not seen[i] & seen[j]
    back = pa.concat_tables(parts).sort_by([("mmsi", "ascending"), ("t", "ascending")])
    want = tab.sort_by([("mmsi", "ascending"), ("t", "ascending")])
    assert back.column("lat").to_pylist() == want.column("lat").to_pylist()
    assert sum(n > 0 for n in (p.num_rows for p in parts)) >= 3  # the hash spreads MIDs


def _assert_tracks_equal(a: Tracks, b: Tracks) -> None:
    for name in ("mmsi", "seg", "t", "lat", "lon", "sog", "cog", "is_sat", "seg_start"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    ra = np.array((*a.receivers, "?"))[a.receiver]
    rb = np.array((*b.receivers, "?"))[b.receiver]
    assert (ra == rb).all()


def test_assembled_window_equals_whole_tracks() -> None:
    """Partitions built apart and put back together give the single-process tracks exactly
    (segment numbers included), and a time window gives the whole tracks' rows in it."""
    tab = _fleet(2)
    whole, _ = build_tracks(tab)
    assert whole.n_seg > np.unique(whole.seg_mmsi).size  # some MMSIs were split
    parts = [vessel_tasks.build_part(TrackParams(), p) for p in split_table(tab, 3)]
    all_seg = np.sort(np.concatenate([p.tracks.seg_mmsi for p in parts]))
    np.testing.assert_array_equal(all_seg, whole.seg_mmsi)
    for p in parts:  # global segment numbers point at the same MMSI and first report
        g = vessel_tasks.global_segments(p.tracks, all_seg)
        np.testing.assert_array_equal(whole.seg_mmsi[g], p.tracks.seg_mmsi)
        np.testing.assert_array_equal(
            whole.t[whole.seg_start[g]], p.tracks.t[p.tracks.seg_start[:-1]]
        )
    big = np.iinfo(np.int64).max
    full = window_tasks.assemble(
        tuple(window_tasks.window_piece(p, all_seg, 0, big) for p in parts)
    )
    _assert_tracks_equal(full, whole)
    lo, hi = T0 + 20 * H, T0 + 30 * H
    win = window_tasks.assemble(tuple(window_tasks.window_piece(p, all_seg, lo, hi) for p in parts))
    rows = (whole.t >= lo) & (whole.t < hi)
    assert win.n == int(rows.sum()) > 0
    key_w = np.lexsort((whole.t[rows], whole.seg[rows]))
    np.testing.assert_array_equal(win.t, whole.t[rows][key_w])
    np.testing.assert_array_equal(win.mmsi, whole.mmsi[rows][key_w])


def test_reduced_counts_equal_the_whole_context() -> None:
    tab = _fleet(3)
    whole, _ = build_tracks(tab)
    ctx = build_context(whole, build_registry(None), params=ContextParams())
    parts = [vessel_tasks.build_part(TrackParams(), p) for p in split_table(tab, 4)]
    counts = [vessel_tasks.part_counts(p, ContextParams()) for p in parts]
    red = counts[0]
    for c in counts[1:]:
        red = vessel_tasks.merge_counts(red, c)
    for got, want in zip(red, (ctx.reception_day, ctx.reception_hour, ctx.proximity), strict=True):
        for f in ("keys", "positions", "sat", "vessels"):
            np.testing.assert_array_equal(getattr(got, f), getattr(want, f), err_msg=f)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-180, 180),
    st.lists(st.floats(-3, 3), min_size=1, max_size=20),
    st.floats(-80, 80),
)
def test_segment_arc_holds_every_position_and_its_halo(
    lon0: float, dlon: list[float], lat: float
) -> None:
    lon = (lon0 + np.array(dlon) + 180.0) % 360.0 - 180.0
    n = lon.size
    piece = window_tasks.Piece(
        gseg=np.zeros(n, np.int64),
        mmsi=np.full(n, 412_000_000, np.uint32),
        t=T0 + np.arange(n, dtype=np.int64) * H,
        lat=np.full(n, lat),
        lon=lon,
        sog=np.zeros(n, np.float32),
        cog=np.zeros(n, np.float32),
        receiver=np.full(n, -1, np.int32),
        is_sat=np.ones(n, np.int8),
        receivers=(),
    )
    start, length = window_tasks.segment_arcs(piece, 30.0)
    assert start.shape == (1,) and 0 <= start[0] < 360
    halo_deg = 30.0 / (111.32 * np.cos(np.radians(abs(lat))))
    assert length[0] <= 6.0 + 2 * halo_deg + 1e-9  # the short way round the antimeridian
    for x in (lon, lon - 0.99 * halo_deg, lon + 0.99 * halo_deg):
        assert (np.mod(x - start[0], 360.0) <= length[0] + 1e-9).all()


def test_bands_give_a_straddling_track_to_both_sides() -> None:
    t = T0 + np.arange(10, dtype=np.int64) * H
    east = positions_table(412_000_001, t, -40.0, np.linspace(-30.5, -30.05, 10))
    cross = positions_table(412_000_002, t, -40.0, np.linspace(179.8, 180.0, 10))
    tab = pa.concat_tables([east, cross])
    part = vessel_tasks.build_part(TrackParams(), tab)
    all_seg = np.sort(part.tracks.seg_mmsi)
    big = np.iinfo(np.int64).max
    tiles = window_tasks.window_tiles(part, all_seg, 0, big, (-180.0, -30.0, 0.0, 180.0), 20.0)
    mm = [set(p.mmsi.tolist()) for p in tiles]
    # 0.05 deg (4 km) from the -30 edge with a 20 km halo: both sides of it; the track ending
    # on the antimeridian touches the first and the last band
    assert mm == [{412_000_001, 412_000_002}, {412_000_001}, {412_000_002}]
    assert sum(p.t.size for p in tiles) == 10 + 10 + 10 + 10


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(20, 3000),
    st.integers(1, 5),
    st.integers(5, 400),
    st.sampled_from([1, 997, 60_000, 3_600_000]),
)
def test_slice_edges_equal_numpy_quantiles_of_all_times(
    seed: int, n: int, n_parts: int, slice_rows: int, spread_ms: int
) -> None:
    """The exact global quantiles from per-minute counts plus a few fetched minutes equal the
    single-process slicing of ``detectors.run_detectors`` (np.quantile of every time)."""
    rng = np.random.default_rng(seed)
    t = T0 + rng.integers(0, 50, n) * spread_ms + rng.integers(0, 3, n)
    owner = rng.integers(0, n_parts, n)
    per = [times_only(t[owner == k]) for k in range(n_parts)]
    keys, counts = merge_minutes([minute_counts(p) for p in per])
    assert counts.sum() == n

    def fetch(minutes: np.ndarray) -> np.ndarray:
        return np.sort(np.concatenate([times_in_minutes(p, minutes) for p in per]))

    got = slice_edges(n, slice_rows, keys, counts, fetch, int(t.max()))
    if n <= slice_rows:
        assert got is None
        return
    n_slices = -(-n // slice_rows)  # as detectors._detect_bounded
    want = np.unique(np.quantile(t, np.linspace(0.0, 1.0, n_slices + 1)).astype(np.int64))
    want[-1] = int(t.max()) + 1
    assert got is not None
    np.testing.assert_array_equal(got, want)


def times_only(t: np.ndarray) -> Tracks:
    """A Tracks holding only times (one segment)."""
    n = t.size
    z = np.zeros(n)
    return Tracks(
        mmsi=np.ones(n, np.uint32),
        seg=np.zeros(n, np.int64),
        t=np.asarray(t, np.int64),
        lat=z,
        lon=z,
        sog=z.astype(np.float32),
        cog=z.astype(np.float32),
        receiver=np.full(n, -1, np.int32),
        is_sat=np.ones(n, np.int8),
        seg_start=np.array([0, n], np.int64),
        seg_mmsi=np.ones(1, np.uint32),
    )


def test_windows_cover_the_span() -> None:
    e = _windows(T0, T0 + 100 * H, 7, 10 * H)
    assert e[0] == T0 and e[-1] == T0 + 100 * H + 1 and len(e) == 8
    assert all(b > a for a, b in itertools.pairwise(e))
    assert len(_windows(T0, T0 + 10 * H, 7, 20 * H)) == 2  # never narrower than asked
