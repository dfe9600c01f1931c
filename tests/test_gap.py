from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import run_detectors_full
from detectors.gap import GapParams
from kernels.runs import find_gaps, window_counts
from tests import naive_detect as nv
from tests.naive_detect import T0, H, positions_table, track
from vessels.errors import ConfigError
from vessels.pipeline.scoring import ScoringParams

#: the score from which an event counts (scoring, `vessels evaluate --min-score`)
COUNTS = ScoringParams().min_event_score

# 45S 55W: Argentine high seas edge, about 500 km from shore
LAT, LON = -45.0, -55.0


def _fleet(
    dark_from_h: float,
    dark_to_h: float,
    step_min: float = 30.0,
    others: int = 3,
    other_step_min: float = 30.0,
) -> pa.Table:
    """Vessel 1 goes silent between the given hours; ``others`` vessels keep reporting nearby."""
    t, lat, lon = track(LAT, LON, 60, step_min, 3.0)
    keep = (t < dark_from_h * H) | (t > dark_to_h * H)
    tabs = [positions_table(412000001, T0 + t[keep], lat[keep], lon[keep])]
    for k in range(others):
        t2, la2, lo2 = track(LAT + 0.1 + 0.1 * k, LON + 0.1, 60, other_step_min, 2.0)
        tabs.append(positions_table(412000010 + k, T0 + t2, la2, lo2))
    return pa.concat_tables(tabs)


def _gaps(tb: pa.Table, **kw: object) -> list[dict[str, object]]:
    res = run_detectors_full(tb, None, types=["gap"], config={"gap": kw} if kw else None)
    return [{**r, "evidence": json.loads(r["evidence"])} for r in res.table.to_pylist()]


def test_vessel_silent_where_others_are_heard_scores_high() -> None:
    (g,) = _gaps(_fleet(20, 40))
    ev = g["evidence"]
    assert g["mmsi"] == 412000001 and g["score"] >= 0.6
    assert 20.0 <= g["duration_h"] <= 21.0
    assert ev["meets_welch_2022"] is True
    assert ev["cell_vessel_hours_during_gap"] >= 3 * 19  # three vessels heard each hour
    assert ev["sat_positions_before_12h"] == 25  # one every 30 min, 12 h window inclusive
    assert ev["distance_from_shore_km_off"] > 92.6
    assert 2.5 < ev["implied_speed_kn"] < 3.5
    assert any("coverage hole" in r for r in g["reasons"])


def test_coverage_hole_scores_low() -> None:
    # Nobody is heard for 20 h and reception before was sparse: a satellite revisit hole.
    tb = _fleet(20, 40, step_min=180, others=2, other_step_min=180)
    rows = tb.filter(
        pa.compute.or_(
            pa.compute.less(tb["t"], pa.scalar(T0 + 20 * H, pa.timestamp("ms", tz="UTC"))),
            pa.compute.greater(tb["t"], pa.scalar(T0 + 40 * H, pa.timestamp("ms", tz="UTC"))),
        )
    )
    gaps = _gaps(rows)
    assert len(gaps) == 3  # every vessel, all with low scores
    assert all(g["score"] < COUNTS for g in gaps)
    assert all(g["evidence"]["meets_welch_2022"] is False for g in gaps)
    assert all(g["evidence"]["cell_vessel_hours_during_gap"] == 0 for g in gaps)


def test_longer_gap_and_more_witnesses_score_higher() -> None:
    short = _gaps(_fleet(20, 34))[0]["score"]
    long = _gaps(_fleet(10, 58))[0]["score"]
    assert 0.6 <= short < long <= 1.0


def test_near_shore_and_short_gaps_only_in_naive_mode() -> None:
    # 43.5S 64.9W is about 10 nm off Patagonia
    t, lat, lon = track(-43.5, -64.9, 40, 10, 0.5, heading="N")
    keep = (t < 10 * H) | (t > 24 * H)
    near = positions_table(701000001, T0 + t[keep], lat[keep], lon[keep])
    t2, la2, lo2 = track(LAT, LON, 40, 10, 3.0)
    keep2 = (t2 < 10 * H) | (t2 > 18 * H)
    short = positions_table(412000002, T0 + t2[keep2], la2[keep2], lo2[keep2])
    tb = pa.concat_tables([near, short])
    assert _gaps(tb) == []
    naive = _gaps(tb, naive=True)
    assert sorted(g["mmsi"] for g in naive) == [412000002, 701000001]
    assert all(g["score"] < COUNTS for g in naive)
    assert any("shore" in " ".join(g["reasons"]) for g in naive)


def test_gap_params_are_checked() -> None:
    with pytest.raises(ConfigError):
        GapParams(min_gap_h=-1)
    with pytest.raises(ConfigError, match="unknown key"):
        _gaps(_fleet(20, 40), min_gap_hours=3)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 60))
def test_gap_kernels_match_reference(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    cuts = np.unique(np.r_[0, rng.integers(1, n + 1, 3), n]).astype(np.int64)
    t = np.zeros(n, np.int64)
    for s in range(cuts.size - 1):
        a, b = cuts[s], cuts[s + 1]
        t[a:b] = np.cumsum(rng.choice([60_000, 3 * H, 13 * H], b - a))
    got = find_gaps(t, cuts, 12 * H)
    assert got.tolist() == nv.find_gaps(t, cuts, 12 * H).tolist()
    is_sat = rng.integers(-1, 2, n).astype(np.int8)
    seg = np.repeat(np.arange(cuts.size - 1), np.diff(cuts))
    rows = np.arange(n, dtype=np.int64)
    for before in (True, False):
        a_all, a_sat, a_known = window_counts(t, is_sat, cuts, seg, rows, 6 * H, before)
        for r in range(n):
            lo, hi = cuts[seg[r]], cuts[seg[r] + 1]
            tt = t[lo:hi]
            m = (
                (tt >= t[r] - 6 * H) & (tt <= t[r])
                if before
                else (tt >= t[r]) & (tt <= t[r] + 6 * H)
            )
            assert a_all[r] == m.sum()
            assert a_sat[r] == (is_sat[lo:hi][m] == 1).sum()
            assert a_known[r] == (is_sat[lo:hi][m] >= 0).sum()


def test_fewer_than_14_own_positions_before_is_below_the_definition() -> None:
    # Welch et al. 2022: >= 14 positions in the 12 h before. Hourly reports give 13.
    (g,) = _gaps(_fleet(20, 40, step_min=60))
    assert g["evidence"]["positions_before_12h"] == 13
    assert g["score"] < COUNTS and g["evidence"]["meets_welch_2022"] is False
    assert any("13 own positions" in r for r in g["reasons"])
    (ok,) = _gaps(_fleet(20, 40, step_min=50))
    assert ok["evidence"]["positions_before_12h"] >= 14 and ok["score"] >= 0.6


def test_reception_holes_at_both_ends_count_half() -> None:
    # Vessel 1 is silent 20 h -> 36 h; nobody is heard in the first and last 3 h of that (a
    # satellite revisit hole at each end). It went silent somewhere in the first hole and came
    # back in the last: 10 h are certain, 13 h expected. The expected silence is the measure.
    t, lat, lon = track(LAT, LON, 60, 30, 3.0)
    keep = (t < 20 * H) | (t > 36 * H)
    tabs = [positions_table(412000001, T0 + t[keep], lat[keep], lon[keep])]
    for k in range(3):
        t2, la2, lo2 = track(LAT + 0.1 + 0.1 * k, LON + 0.1, 60, 30, 2.0)
        heard = ((t2 < 20 * H) | (t2 >= 23 * H)) & ((t2 < 33 * H) | (t2 > 36 * H))
        tabs.append(positions_table(412000010 + k, T0 + t2[heard], la2[heard], lo2[heard]))
    (g,) = _gaps(pa.concat_tables(tabs))
    ev = g["evidence"]
    assert ev["silence_shown_h"] == pytest.approx(10.0, abs=0.6)
    assert ev["silence_expected_h"] == pytest.approx(13.0, abs=0.6)
    assert g["score"] >= 0.6 and ev["meets_welch_2022"] is True
