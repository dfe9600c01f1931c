"""Two stationary ships near shore that are neither carriers nor fishing vessels: at anchor in a
roadstead the port list lacks, not a lead. On the Suez queue in ../shared/data (no
--anchorages) six such pairs were flagged at 0.59-0.60 as "encounters at sea", 2-12 km from
shore in the Gulf of Suez; the same meeting far offshore still counts."""

from __future__ import annotations

import json

import pyarrow as pa

from detectors import run_detectors_full
from tests.naive_detect import T0, positions_table, track


def _pair(lat: float, lon: float) -> dict[str, object]:
    t, la, lo = track(lat, lon, 8, 5, 0.0)
    a = positions_table(538000001, T0 + t, la, lo, sog=[0.0] * t.size)
    b = positions_table(636000002, T0 + t, la + 0.0004, lo, sog=[0.0] * t.size)  # 45 m
    res = run_detectors_full(pa.concat_tables([a, b]), None, types=["encounter"])
    (e,) = res.table.to_pylist()
    return {**e, "evidence": json.loads(e["evidence"])}


def test_stationary_pair_in_a_roadstead_is_not_a_lead() -> None:
    e = _pair(29.833, 32.583)  # Gulf of Suez, 2 km from shore, 11 km from Adabiya
    assert e["evidence"]["likely_roadstead"] is True
    assert e["score"] < 0.5
    assert any("roadstead" in r for r in e["reasons"])


def test_the_same_pair_far_offshore_is_an_encounter() -> None:
    e = _pair(-45.0, -55.0)  # Argentine high seas edge, about 500 km from shore
    assert e["evidence"]["likely_roadstead"] is False
    assert e["score"] >= 0.5
