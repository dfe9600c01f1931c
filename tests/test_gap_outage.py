"""A reception outage over one area (nobody near heard for hours, others elsewhere heard) is a
coverage gap, not a vessel gone dark. Found on the independent scenarios
(tests/independent_scenarios.py): every vessel of a sea unheard for 14-20 h gave 19 gaps
scored 0.50-0.93 whose text said "the silence is unlikely to be a coverage hole", because
vessels near them were heard in the hours before and after the outage inside each gap."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from detectors import run_detectors_full
from tests.naive_detect import T0, H, positions_table, track

LAT, LON = -45.0, -55.0  # Argentine high seas edge, about 500 km from shore


def _scene(outage: tuple[float, float] | None, other_step_min: float) -> pa.Table:
    """Vessel 1 silent 20 h -> 44 h; three vessels near it; three more 10 degrees away heard
    all along (so the data as a whole has no hole)."""
    t, lat, lon = track(LAT, LON, 60, 20, 3.0)
    keep = (t < 20 * H) | (t > 44 * H)
    tabs = [positions_table(412000001, T0 + t[keep], lat[keep], lon[keep])]
    for k in range(3):
        t2, la2, lo2 = track(LAT + 0.1 + 0.1 * k, LON + 0.1, 60, other_step_min, 2.0)
        heard = np.ones(t2.size, bool) if outage is None else (
            (t2 < outage[0] * H) | (t2 >= outage[1] * H)
        )  # fmt: skip
        tabs.append(positions_table(412000010 + k, T0 + t2[heard], la2[heard], lo2[heard]))
        t3, la3, lo3 = track(LAT + 0.1 * k, LON + 10.0, 60, 30, 2.0)
        tabs.append(positions_table(412000020 + k, T0 + t3, la3, lo3))
    return pa.concat_tables(tabs)


def _gap(tb: pa.Table) -> dict[str, object]:
    res = run_detectors_full(tb, None, types=["gap"])
    (g,) = [r for r in res.table.to_pylist() if r["mmsi"] == 412000001]
    return {**g, "evidence": json.loads(g["evidence"])}


def test_outage_over_the_area_is_a_coverage_gap() -> None:
    g = _gap(_scene((24.0, 42.0), 30))
    ev = g["evidence"]
    assert ev["nearby_vessel_hours_during_gap"] > 0  # heard before and after the outage
    assert ev["coverage"] == "mostly_unheard"
    assert 16 <= ev["nearby_unheard_h"] <= 18
    assert g["score"] <= 0.3
    assert any("reception outage" in r for r in g["reasons"])
    assert not any("unlikely to be a coverage hole" in r for r in g["reasons"])


def test_sparse_satellite_passes_are_no_outage() -> None:
    # others heard once every 100 min: many hours with nobody heard, but never 6 in a row
    g = _gap(_scene(None, 100))
    ev = g["evidence"]
    assert ev["coverage"] is None and ev["nearby_unheard_h"] == 0
    assert g["score"] >= 0.5


def test_cli_says_how_many_gaps_an_outage_explains() -> None:
    from vessels.cli.investigate import coverage_lines

    text = " ".join(coverage_lines({"coverage_gaps": {"mostly_unheard": 3}}))
    assert "3 AIS gap(s) lie mostly in stretches of hours when nobody near them was heard" in text
