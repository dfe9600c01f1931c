from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from kernels.grid import activity_grid, cell_index, weighted_counts
from tests import naive_report
from tests.investigate_fixtures import events_for, positions_table
from vessels.config import load_config
from vessels.errors import ConfigError
from vessels.pipeline.grids import GridParams, build_grids, write_grids
from vessels.schema import EVENT_TYPES
from vessels.tracks import Tracks, build_tracks

DAY = 86_400_000


def _random_tracks(seed: int, n_seg: int = 20) -> Tracks:
    rng = np.random.default_rng(seed)
    lens = rng.integers(0, 60, n_seg)
    n = int(lens.sum())
    seg_start = np.r_[0, np.cumsum(lens)].astype(np.int64)
    t = (
        np.concatenate(
            [np.sort(rng.integers(0, 3 * DAY, k)) for k in lens] or [np.zeros(0)]
        ).astype(np.int64)
        + 1_700_000_000_000
    )
    lat = rng.uniform(-1, 1, n)
    lon = rng.uniform(179, 181, n)
    lon = np.where(lon >= 180, lon - 360, lon)  # straddles the antimeridian
    lat[rng.random(n) < 0.05] = np.nan
    return Tracks(
        mmsi=np.repeat(np.arange(n_seg), lens).astype(np.uint32),
        seg=np.repeat(np.arange(n_seg), lens).astype(np.int64),
        t=t,
        lat=lat,
        lon=lon,
        sog=np.zeros(n, np.float32),
        cog=np.zeros(n, np.float32),
        receiver=np.zeros(n, np.int32),
        is_sat=rng.integers(-1, 2, n).astype(np.int8),
        seg_start=seg_start,
        seg_mmsi=np.arange(n_seg).astype(np.uint32),
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_activity_grid_matches_reference(seed: int) -> None:
    tr = _random_tracks(seed)
    spec = {"lat0": -1.0, "lon0": -180.0, "step": 0.25, "nlat": 8, "nlon": 1440, "ndays": 3}
    spec["day0_ms"] = 1_700_000_000_000 // DAY * DAY
    args = (spec["lat0"], spec["lon0"], spec["step"], spec["nlat"], spec["nlon"])
    pos, sat, hours = activity_grid(
        tr.t, tr.lat, tr.lon, tr.is_sat, tr.seg_start, *args, spec["day0_ms"], 3, 3_600_000
    )
    rp, rs, rh = naive_report.activity_grid(
        tr.t, tr.lat, tr.lon, tr.is_sat, tr.seg_start, spec, 3_600_000
    )
    assert (pos == rp).all() and (sat == rs).all()
    np.testing.assert_allclose(hours, rh, rtol=1e-12, atol=1e-9)
    # points past the end of the grid's days or NaN are not counted, all others are
    inside = np.isfinite(tr.lat) & (tr.t < spec["day0_ms"] + 3 * DAY)
    assert pos.sum() == int(inside.sum())


def test_activity_grid_hand_made() -> None:
    # one vessel: three reports in one cell, 30 min apart, then a 5 h gap, then one report
    t = np.array([0, 1_800_000, 3_600_000, 3_600_000 + 5 * 3_600_000], dtype=np.int64)
    lat = np.array([0.05, 0.05, 0.06, 0.05])
    lon = np.array([0.05, 0.06, 0.05, 0.15])
    pos, sat, hours = activity_grid(
        t,
        lat,
        lon,
        np.array([1, 0, -1, 1], np.int8),
        np.array([0, 4]),
        0.0,
        0.0,
        0.1,
        1,
        2,
        0,
        1,
        3_600_000,
    )
    assert pos[0, 0].tolist() == [3, 1]
    assert sat[0, 0].tolist() == [1, 1]
    # 0.5 h + 0.5 h + the gap capped at 1 h; the last report has no successor
    assert hours[0, 0].tolist() == [2.0, 0.0]


def test_cell_index_edges() -> None:
    idx = cell_index(
        np.array([0.0, 0.0999, 0.1, -0.0001, np.nan]),
        np.array([0.0, 0.0, 0.0, 0.0, 0.0]),
        np.zeros(5, np.int64),
        0.0,
        0.0,
        0.1,
        2,
        1,
        0,
        1,
    )
    assert idx.tolist() == [0, 0, 1, -1, -1]


def test_weighted_counts() -> None:
    out = weighted_counts(
        np.array([0, DAY, DAY], np.int64),
        np.array([0.5, 0.5, 0.5]),
        np.array([0.5, 0.5, 0.5]),
        np.array([1.0, 2.0, 0.5]),
        0.0,
        0.0,
        1.0,
        1,
        1,
        0,
        2,
    )
    assert out[:, 0, 0].tolist() == [1.0, 2.5]


def test_build_grids_dataset_and_file(tmp_path: Path) -> None:
    tracks, _ = build_tracks(positions_table(n_vessels=3, hours=30, gap_mmsi=224_000_001))
    events = events_for(224_000_001, (224_000_002, 224_000_003), 224_000_003)
    ds = build_grids(tracks, events)
    assert int(ds.positions.sum()) == tracks.n
    assert ds.sizes["time"] == 3  # 30 h starting 22:13 spans three UTC days
    assert set(ds.event_type.values.tolist()) == set(EVENT_TYPES)
    # events counted in their type's layer, dark detections included
    per_type = ds.event_count.sum(dim=("time", "lat", "lon")).to_series().to_dict()
    assert per_type["gap"] == 1 and per_type["encounter"] == 1 and per_type["dark_detection"] == 1
    # reception: every 10 min = 144 positions per 24 vessel-hours in fully covered cells
    q = ds.reception_per_vessel_day.values
    assert np.nanmax(q) >= 144.0 - 1e-6
    # one third of reports are satellite in the fixture
    assert abs(int(ds.sat_positions.sum()) - tracks.n / 3) <= 3
    a, b = tmp_path / "a.nc", tmp_path / "b.nc"
    write_grids(ds, a)
    write_grids(ds, b)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    with xr.open_dataset(a) as back:
        assert int(back.positions.sum()) == tracks.n
        assert float(back.vessel_hours.sum()) == pytest.approx(
            float(ds.vessel_hours.sum()), rel=1e-6
        )


def test_grid_coarsens_to_stay_bounded() -> None:
    tr = _random_tracks(5)
    ds = build_grids(tr, None, GridParams(cell_deg=0.001, max_cells=50_000))
    assert ds.sizes["lat"] * ds.sizes["lon"] * ds.sizes["time"] <= 50_000
    assert ds.attrs["cell_deg"] > 0.001
    assert int(ds.positions.sum()) == int(np.isfinite(tr.lat).sum())


def test_grid_params_checked() -> None:
    with pytest.raises(ConfigError):
        load_config({"grids": {"cell_size": 1}}).params("grids", GridParams)
    with pytest.raises(ConfigError):
        GridParams(cell_deg=0)
