"""Every verdict's text is generated from its evidence (issue 12): on the simulated demo
scenario (every event type, meetings, gaps seen by imagery) and on hand-made evidence."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.explain_checks import (
    assert_gap_claims_backed,
    assert_text_from_evidence,
    assert_vessel_reasons_from_events,
)
from vessels.explain import EXPLAINERS, reasons_from_evidence
from vessels.pipeline.investigate import InvestigateResult, investigate
from vessels.schema import EVENT_TYPES

SCENARIO = Path(__file__).resolve().parents[1] / "data_samples" / "scenario"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> InvestigateResult:
    out = tmp_path_factory.mktemp("explain") / "out"
    return investigate(
        [SCENARIO / "traffic.nmea"],
        out,
        sar=[SCENARIO / "sar_detections.csv", SCENARIO / "sar_scenes.geojson"],
    )


def test_every_type_has_one_sentence_maker() -> None:
    assert set(EXPLAINERS) == set(EVENT_TYPES)


def test_simulated_texts_come_from_their_evidence(demo: InvestigateResult) -> None:
    events = pq.read_table(demo.out_dir / "events.parquet")
    types = set(events.column("type").to_pylist())
    # the demo scenario holds every event type, so every sentence maker is exercised
    assert types == set(EVENT_TYPES), types
    assert assert_text_from_evidence(events, "demo scenario") == events.num_rows
    assert assert_vessel_reasons_from_events(events, where="demo scenario") > 0
    assert assert_gap_claims_backed(events, "demo scenario") > 0


def test_no_claim_the_evidence_cannot_show() -> None:
    # a gap in a hole of the data: no sentence may say reception was good or that others
    # were heard, and the text must say AIS cannot tell
    ev = {
        "duration_h": 90.4,
        "distance_nm": 12.0,
        "implied_speed_kn": 0.13,
        "distance_from_shore_km_off": 300.0,
        "positions_before_12h": 30,
        "cell_positions_per_vessel_day": 250.0,
        "cell_vessel_hours_during_gap": 0,
        "nearby_vessel_hours_during_gap": 0,
        "data_hole_h": 88,
        "coverage": "data_hole",
        "meets_gap_rule": True,
        "heard_span_h": None,
        "silence_expected_h": 90.4,
        "vessel": {"mmsi": 503000001, "name": "TANKER"},
        "rule": {
            "min_gap_h": 12.0,
            "min_shore_nm": 50.0,
            "min_cell_positions_per_vessel_day": 10.0,
            "min_positions_before": 14,
            "before_window_h": 12.0,
        },
    }
    text = " ".join(reasons_from_evidence("gap", ev))
    assert "heard in the same cell" not in text and "good" not in text
    assert "hole in the data" in text and "scored low" in text
    ev2 = {**ev, "coverage": None, "data_hole_h": 0, "cell_vessel_hours_during_gap": 40}
    ev2 |= {"nearby_vessel_hours_during_gap": 60, "heard_span_h": 80.0}
    text2 = " ".join(reasons_from_evidence("gap", ev2))
    assert "40 vessel-hours" in text2 and "meets the dark-period rule" in text2


def test_unknown_type_or_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="no explanation"):
        reasons_from_evidence("teleport", {})
    with pytest.raises(ValueError, match="no explanation"):
        reasons_from_evidence("identity", {"kind": "new_trick"})
