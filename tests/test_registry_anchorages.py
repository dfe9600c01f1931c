"""Anchorages derived from positions (GFW pipe-anchorages rule) and read from a user list;
the reception count index they share the context with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from detectors.base import build_context
from detectors.reception import DAY_MS, HOUR_MS, CellHourCounts
from tests.naive_detect import T0, H, positions_table
from vessels.anchorages import AnchorageParams, anchorages_from_tracks, read_anchorages_csv
from vessels.errors import InputError
from vessels.registry import Registry
from vessels.tracks import build_tracks, take_rows


def _anchored(n_vessels: int, hours: float, lat: float = -38.05, lon: float = -57.5) -> pa.Table:
    rng = np.random.default_rng(n_vessels)
    tabs = []
    for v in range(n_vessels):
        t = T0 + np.arange(0, int(hours * 60), 6) * 60_000  # every 6 min, as at anchor
        jitter = rng.normal(0, 0.0003, (2, t.size))  # swinging at anchor, ~30 m
        tabs.append(
            positions_table(
                412_100_000 + v, t, lat + 0.001 + jitter[0], lon + 0.001 + jitter[1], 0.1
            )
        )
    return pa.concat_tables(tabs)


def test_many_vessels_staying_make_an_anchorage() -> None:
    tracks, _ = build_tracks(_anchored(22, 13))
    a = anchorages_from_tracks(tracks)
    assert a.lat.size >= 1 and a.vessels.max() >= 20
    assert np.all(np.abs(a.lat + 38.049) < 0.01) and np.all(np.abs(a.lon + 57.499) < 0.01)
    ctx = build_context(tracks, Registry())
    assert ctx.n_anchorages == a.lat.size
    km, idx = ctx.port_km([-38.049], [-57.499])
    assert km[0] < 1.0 and ctx.ports.name[int(idx[0])].startswith("derived anchorage")


@pytest.mark.parametrize(("n", "hours"), [(15, 13), (22, 8)])
def test_too_few_vessels_or_too_short_stays_are_not_anchorages(n: int, hours: float) -> None:
    tracks, _ = build_tracks(_anchored(n, hours))
    assert anchorages_from_tracks(tracks).lat.size == 0
    assert (
        anchorages_from_tracks(
            tracks, AnchorageParams(min_vessels=n, min_stay_h=hours - 1)
        ).lat.size
        >= 1
    )


def test_real_gfw_anchorage_list(shared_data: Path, tmp_path: Path) -> None:
    a = read_anchorages_csv(shared_data / "gfw_ports_anchorages" / "anchorage_overrides.csv.gz")
    assert a.lat.size > 60_000 and "TONGYEONG" in a.name
    bad = tmp_path / "a.csv"
    bad.write_text("x,y\n1,2\n")
    with pytest.raises(InputError, match="latitude"):
        read_anchorages_csv(bad)
    with pytest.raises(InputError, match="no such"):
        read_anchorages_csv(tmp_path / "none.csv")


def _random_tracks(seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = 400
    return positions_table(
        rng.integers(1, 6, n) + 412_000_000,
        T0 + rng.integers(0, 3 * 24 * H, n),
        rng.uniform(-46, -44, n),
        rng.choice([-55.5, -54.99, 179.99, -179.99], n),
        is_sat=rng.random(n) < 0.5,
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_counts_merge_like_batch_and_range_sums_are_exact(seed: int) -> None:
    tracks, _ = build_tracks(_random_tracks(seed))
    for cell, bucket in ((1.0, DAY_MS), (1.0, HOUR_MS), (0.01, HOUR_MS)):
        whole = CellHourCounts.from_tracks(tracks, cell, bucket)
        assert whole.positions.sum() == tracks.n
        # by time: earlier rows are context (flags) but counted only once
        cut = int(np.median(tracks.t))
        early = tracks.t < cut
        merged = CellHourCounts.from_tracks(tracks, cell, bucket, early).merged(
            CellHourCounts.from_tracks(tracks, cell, bucket, ~early)
        )
        for f in ("keys", "positions", "sat", "vessels"):
            assert np.array_equal(getattr(merged, f), getattr(whole, f))
        # range sums against a direct count
        cells = whole.cells(tracks.lat, tracks.lon)
        b = whole.bucket(tracks.t)
        for c in np.unique(cells)[:5]:
            lo, hi = int(b.min()), int(b.max()) + 1
            mid = (lo + hi) // 2
            p, s, _ = whole.range_sums(np.array([c]), np.array([lo]), np.array([mid]))
            m = (cells == c) & (b >= lo) & (b < mid)
            assert p[0] == m.sum() and s[0] == (tracks.is_sat[m] == 1).sum()
            f, last = whole.first_last(np.array([c]), np.array([lo]), np.array([hi]))
            assert f[0] == b[cells == c].min() and last[0] == b[cells == c].max()
        assert whole.evicted(int(tracks.t.max()) + 2 * DAY_MS).keys.size == 0
    sub = take_rows(tracks, np.arange(10))
    assert CellHourCounts.from_tracks(sub, 1.0).positions.sum() == 10


def test_reception_table_per_cell_and_day() -> None:
    t = T0 + np.arange(48) * H  # two days, one report an hour, two vessels in one cell
    tb = pa.concat_tables(
        [
            positions_table(412000001, t, -45.5, -55.5),
            positions_table(412000002, t, -45.4, -55.4, is_sat=False),
        ]
    )
    tracks, _ = build_tracks(tb)
    table = CellHourCounts.from_tracks(tracks, 1.0, DAY_MS).to_table()
    assert table.column("lat").to_pylist() == [-45.5] * table.num_rows
    assert sum(table.column("positions").to_pylist()) == 96
    assert sum(table.column("sat_positions").to_pylist()) == 48
    assert set(table.column("vessels").to_pylist()) == {2}
