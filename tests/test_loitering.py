from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import run_detectors_full
from kernels.runs import run_stats, slow_steps, true_runs
from tests import naive_detect as nv
from tests.naive_detect import T0, H, positions_table, static_table, track
from vessels.pipeline.scoring import ScoringParams

#: the score from which an event counts (scoring, `vessels evaluate --min-score`)
COUNTS = ScoringParams().min_event_score

LAT, LON = -45.0, -55.0
CARRIER, FISHER, CARGO = 636000001, 412000001, 538000001


def _carriers(tmp_path: Path) -> str:
    p = tmp_path / "carriers.csv"
    p.write_text(f"mmsi,name\n{CARRIER},REEFER ONE\n")
    return str(p)


def _loiter_then_go(mmsi: int, lat: float, lon: float, slow_h: float = 8.0) -> pa.Table:
    """Transit 2 h at 12 kn, drift ``slow_h`` at 0.5 kn, transit 2 h again; 10-min reports."""
    t1, la1, lo1 = track(lat, lon, 2, 10, 12.0)
    t2, la2, lo2 = track(la1[-1], lo1[-1], slow_h, 10, 0.5)
    t3, la3, lo3 = track(la2[-1], lo2[-1], 2, 10, 12.0)
    t = np.r_[t1, t2[1:] + t1[-1], t3[1:] + t1[-1] + t2[-1]]
    sog = np.r_[np.full(t1.size, 12.0), np.full(t2.size - 1, 0.5), np.full(t3.size - 1, 12.0)]
    sog[t1.size - 1] = 0.5
    return positions_table(
        mmsi, T0 + t, np.r_[la1, la2[1:], la3[1:]], np.r_[lo1, lo2[1:], lo3[1:]], sog
    )


def _run(
    tb: pa.Table, carriers: str | None, static: pa.Table | None = None, **kw: object
) -> list[dict]:  # type: ignore[type-arg]
    res = run_detectors_full(
        tb, static, types=["loitering"], carriers=carriers, config={"loitering": kw} if kw else None
    )
    return [{**r, "evidence": json.loads(r["evidence"])} for r in res.table.to_pylist()]


def test_lone_carrier_loitering_is_a_possible_dark_rendezvous(tmp_path: Path) -> None:
    (e,) = _run(_loiter_then_go(CARRIER, LAT, LON), _carriers(tmp_path))
    ev = e["evidence"]
    assert e["mmsi"] == CARRIER and e["score"] >= 0.8
    assert 8.0 <= e["duration_h"] <= 8.4
    assert ev["is_carrier"] and ev["visible_partner"] is False
    assert ev["hours_with_vessel_within_1km"] == 0
    assert 0.4 < ev["average_speed_kn"] < 0.6
    assert ev["distance_from_shore_km"] > 37
    assert any("dark rendezvous" in r for r in e["reasons"])


def test_carrier_with_a_visible_partner_scores_lower_but_is_reported(tmp_path: Path) -> None:
    carrier = _loiter_then_go(CARRIER, LAT, LON)
    t = carrier["t"].cast(pa.int64()).to_numpy()
    partner = positions_table(
        FISHER,
        t,
        carrier["lat"].to_numpy() + 0.002,
        carrier["lon"].to_numpy(),
        carrier["sog"].to_numpy(),
    )
    events = _run(pa.concat_tables([carrier, partner]), _carriers(tmp_path))
    by = {e["mmsi"]: e for e in events}
    assert by[CARRIER]["evidence"]["visible_partner"] is True
    assert by[CARRIER]["evidence"]["hours_with_vessel_within_1km"] >= 7
    assert 0.6 <= by[CARRIER]["score"] < 0.8
    assert by[FISHER]["score"] < COUNTS  # a non-carrier loitering is context, not a verdict


def test_fishing_vessel_scores_lowest_and_carriers_only_mode(tmp_path: Path) -> None:
    static = static_table([{"mmsi": FISHER, "ship_type": 30}, {"mmsi": CARGO, "ship_type": 70}])
    # (6 h: from 8 h far from shore and lanes a vessel that is not fishing scores >= 0.5)
    tb = pa.concat_tables(
        [_loiter_then_go(FISHER, LAT, LON), _loiter_then_go(CARGO, LAT + 1, LON, slow_h=6.0)]
    )
    by = {e["mmsi"]: e for e in _run(tb, None, static)}
    assert by[FISHER]["score"] < by[CARGO]["score"] < COUNTS
    assert _run(tb, None, static, carriers_only=True) == []


def test_near_shore_short_and_gear_are_not_loitering(tmp_path: Path) -> None:
    t, la, lo = track(-43.5, -64.9, 8, 10, 0.5)  # about 9 nm off Patagonia
    near = positions_table(CARRIER, T0 + t, la, lo, 0.5)
    short = _loiter_then_go(CARRIER + 1, LAT, LON, slow_h=3.0)
    buoy = _loiter_then_go(991234567, LAT + 1, LON)
    assert _run(pa.concat_tables([near, short, buoy]), _carriers(tmp_path)) == []


def test_run_bridges_satellite_holes_but_not_long_gaps(tmp_path: Path) -> None:
    t = np.array([0, 3, 6, 9, 12, 25, 27]) * H  # holes of 3 h bridge, 13 h (a gap) does not
    lat = LAT + np.arange(t.size) * 0.001
    e = _run(positions_table(CARRIER, T0 + t, lat, LON), _carriers(tmp_path))
    assert [round(x["duration_h"]) for x in e] == [12]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 80))
def test_run_kernels_match_reference(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    cuts = np.unique(np.r_[0, rng.integers(1, n + 1, 2), n]).astype(np.int64)
    t = np.zeros(n, np.int64)
    for s in range(cuts.size - 1):
        a, b = cuts[s], cuts[s + 1]
        t[a:b] = np.cumsum(rng.choice([0, 60_000, H, 7 * H], b - a))
    lat = LAT + np.cumsum(rng.choice([0.0, 0.0001, 0.01, 0.2], n))
    lon = np.where(rng.random(n) < 0.3, 179.9999, -179.9999)
    sog = rng.choice([np.nan, 0.3, 1.9, 2.0, 9.0], n).astype(np.float32)
    got = slow_steps(t, lat, lon, sog, cuts, 2.0, 50.0, 6 * H)
    want = nv.slow_steps(t, lat, lon, sog, cuts, 2.0, 50.0, 6 * H)
    assert got.tolist() == want.tolist()
    for min_ms in (0, 2 * H):
        f1, l1 = true_runs(got, cuts, t, min_ms)
        f2, l2 = nv.true_runs(want, cuts, t, min_ms)
        assert f1.tolist() == f2.tolist() and l1.tolist() == l2.tolist()
    if f1.size:
        dist, mlat, mlon = run_stats(t, lat, lon, f1, l1)
        for k in range(f1.size):
            a, b = f1[k], l1[k]
            ref = sum(nv.haversine_m(lat[i], lon[i], lat[i + 1], lon[i + 1]) for i in range(a, b))
            assert abs(dist[k] - ref) < 1e-6
            assert abs(mlat[k] - lat[a : b + 1].mean()) < 1e-9
            assert abs(abs(mlon[k]) - 179.9999) < 1e-3  # the mean straddles the antimeridian


def test_real_suez_queue_is_no_loitering(shared_data: Path) -> None:
    """256 ships queueing off Suez while the Ever Given blocked the canal (March 2021): slow
    for days, but within a few nm of shore, so not loitering; scored low once the shore rule
    is lifted, as none is a carrier."""
    import pandas as pd

    df = pd.read_csv(
        shared_data / "movingpandas_evergiven_suez" / "boat-positions.csv", encoding="utf-8-sig"
    )
    t = pd.to_datetime(df.ais_pos_timestamp, format="%d/%m/%Y %H:%M").to_numpy()
    tb = positions_table(
        df.ID.to_numpy() + 200_000_000,
        t.astype("datetime64[ms]").astype(np.int64),
        df.latitude.to_numpy(),
        df.longitude.to_numpy(),
        is_sat=False,
        receiver="terrestrial",
    )
    assert _run(tb, None) == []
    relaxed = _run(tb, None, min_shore_nm=0.0)
    assert len(relaxed) > 100  # the queue is there: slow for hours
    assert max(e["score"] for e in relaxed) < COUNTS
    assert np.median([e["evidence"]["distance_from_shore_km"] for e in relaxed]) < 10


def test_non_fishing_vessel_slow_8h_off_lane_scores_at_least_half() -> None:
    """Issue 13: a reefer broadcasting "cargo" (70), slow 8 h far offshore and 15 km off the
    nearest MARNET lane, is suspicious; 6 h is not enough, nor 8 h on a lane (2 km off one)."""
    static = static_table([{"mmsi": CARGO, "ship_type": 70}, {"mmsi": CARGO + 1, "ship_type": 70}])
    # starts: 2 h at 12 kn east first, so the slow part lies about 0.57 degrees further east
    off_lane, on_lane = (-45.0, -55.0), (-44.0, -55.68)
    tb = pa.concat_tables(
        [_loiter_then_go(CARGO, *off_lane, slow_h=8.5), _loiter_then_go(CARGO + 1, *on_lane)]
    )
    by = {e["mmsi"]: e for e in _run(tb, None, static)}
    e = by[CARGO]
    assert e["score"] >= 0.5 and e["evidence"]["long_slow_off_lane"] is True
    assert e["evidence"]["distance_from_lane_km"] > 5
    assert any("Miller et al. 2018 used 8 h" in r for r in e["reasons"])
    assert by[CARGO + 1]["score"] < 0.5 and by[CARGO + 1]["evidence"]["distance_from_lane_km"] < 5
    (short,) = _run(_loiter_then_go(CARGO, *off_lane, slow_h=6.0), None, static)
    assert short["score"] < 0.5 and short["evidence"]["long_slow_off_lane"] is False
