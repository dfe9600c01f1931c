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
from vessels.scale import tasks
from vessels.scale.partition import mmsi_partition, split_table
from vessels.scale.run import _windows
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
    parts = [tasks.build_part(TrackParams(), p) for p in split_table(tab, 3)]
    all_seg = np.sort(np.concatenate([p.tracks.seg_mmsi for p in parts]))
    np.testing.assert_array_equal(all_seg, whole.seg_mmsi)
    for p in parts:  # global segment numbers point at the same MMSI and first report
        g = tasks.global_segments(p.tracks, all_seg)
        np.testing.assert_array_equal(whole.seg_mmsi[g], p.tracks.seg_mmsi)
        np.testing.assert_array_equal(
            whole.t[whole.seg_start[g]], p.tracks.t[p.tracks.seg_start[:-1]]
        )
    big = np.iinfo(np.int64).max
    full = tasks.assemble(tuple(tasks.window_piece(p, all_seg, 0, big) for p in parts))
    _assert_tracks_equal(full, whole)
    lo, hi = T0 + 20 * H, T0 + 30 * H
    win = tasks.assemble(tuple(tasks.window_piece(p, all_seg, lo, hi) for p in parts))
    rows = (whole.t >= lo) & (whole.t < hi)
    assert win.n == int(rows.sum()) > 0
    key_w = np.lexsort((whole.t[rows], whole.seg[rows]))
    np.testing.assert_array_equal(win.t, whole.t[rows][key_w])
    np.testing.assert_array_equal(win.mmsi, whole.mmsi[rows][key_w])


def test_reduced_counts_equal_the_whole_context() -> None:
    tab = _fleet(3)
    whole, _ = build_tracks(tab)
    ctx = build_context(whole, build_registry(None), params=ContextParams())
    parts = [tasks.build_part(TrackParams(), p) for p in split_table(tab, 4)]
    counts = [tasks.part_counts(p, ContextParams()) for p in parts]
    red = counts[0]
    for c in counts[1:]:
        red = tasks.merge_counts(red, c)
    for got, want in zip(red, (ctx.reception_day, ctx.reception_hour, ctx.proximity), strict=True):
        for f in ("keys", "positions", "sat", "vessels"):
            np.testing.assert_array_equal(getattr(got, f), getattr(want, f), err_msg=f)


def test_windows_cover_the_span() -> None:
    e = _windows(T0, T0 + 100 * H, 7, 10 * H)
    assert e[0] == T0 and e[-1] == T0 + 100 * H + 1 and len(e) == 8
    assert all(b > a for a, b in itertools.pairwise(e))
    assert len(_windows(T0, T0 + 10 * H, 7, 20 * H)) == 2  # never narrower than asked
