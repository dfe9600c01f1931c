"""``vessels evaluate`` on hand-made event lists whose right answer is known."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from vessels.cli import main
from vessels.evaluate.events import TruthEvent, evaluate, evaluate_files, load_truth
from vessels.eventio import write_events
from vessels.events import Event, events_to_table

H = 3_600_000
T0 = 1_709_251_200_000  # 2024-03-01T00:00:00Z


def ev(
    type_: str,
    mmsi: int | None,
    a_h: float,
    b_h: float,
    other: int | None = None,
    score: float = 0.9,
    det: str | None = None,
) -> Event:
    return Event(
        type_,
        mmsi,
        T0 + int(a_h * H),
        T0 + int(b_h * H),
        None,
        None,
        score,
        other_mmsi=other,
        evidence={"detection_id": det} if det else {},
    )


def tr(
    type_: str,
    mmsi: int | None,
    a_h: float,
    b_h: float,
    other: int | None = None,
    det: str | None = None,
) -> TruthEvent:
    return TruthEvent(type_, mmsi, other, T0 + int(a_h * H), T0 + int(b_h * H), det)


def test_overlap_rule_half_of_the_shorter() -> None:
    truth = [tr("gap", 1, 0, 10)]
    assert evaluate([ev("gap", 1, 5, 30)], truth).scores["gap"].tp == 1  # 5 h of the 10 h truth
    assert evaluate([ev("gap", 1, 5.5, 30)], truth).scores["gap"].tp == 0  # 4.5 h < half
    assert evaluate([ev("gap", 1, 2, 4)], truth).scores["gap"].tp == 1  # inside: all of it
    assert evaluate([ev("gap", 1, 2, 4)], truth, min_overlap=0.9).scores["gap"].tp == 1
    assert evaluate([ev("gap", 1, 8, 12)], truth, min_overlap=0.6).scores["gap"].tp == 0
    assert evaluate([ev("gap", 2, 0, 10)], truth).scores["gap"].tp == 0  # other vessel


def test_pairs_match_as_sets_and_types_must_agree() -> None:
    truth = [tr("encounter", 10, 0, 4, other=20)]
    s = evaluate([ev("encounter", 20, 1, 3, other=10)], truth).scores["encounter"]
    assert (s.tp, s.fp, s.fn) == (1, 0, 0)
    s = evaluate([ev("encounter", 10, 1, 3, other=30)], truth).scores["encounter"]
    assert (s.tp, s.fp, s.fn) == (0, 1, 1)
    out = evaluate([ev("loitering", 10, 0, 4)], truth)
    assert out.scores["encounter"].fn == 1 and out.scores["loitering"].fp == 1


def test_one_to_one_greedy_by_overlap() -> None:
    truth = [tr("loitering", 1, 0, 10), tr("loitering", 1, 12, 20)]
    dets = [ev("loitering", 1, 1, 9), ev("loitering", 1, 12, 19), ev("loitering", 1, 2, 8)]
    s = evaluate(dets, truth).scores["loitering"]
    # 1-9 (8 h) beats 2-8 (6 h) for the first truth; the duplicate is a false positive
    assert (s.tp, s.fp, s.fn) == (2, 1, 0)
    assert s.precision == pytest.approx(2 / 3) and s.recall == 1.0
    assert s.f1 == pytest.approx(0.8)
    assert [(e.start_ms - T0) / H for e in s.unmatched_detected] == [2.0]
    # greedy, as the contract says: one long detection takes the truth it overlaps most
    s = evaluate([ev("loitering", 1, 0, 20), ev("loitering", 1, 1, 9)], truth).scores["loitering"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)


def test_min_score_drops_weak_detections() -> None:
    truth = [tr("gap", 1, 0, 10)]
    out = evaluate([ev("gap", 1, 0, 10, score=0.4), ev("gap", 2, 0, 10, score=0.3)], truth)
    s = out.scores["gap"]
    assert (s.tp, s.fp, s.fn) == (0, 0, 1) and out.ignored_low_score == 2
    assert math.isnan(s.precision) and s.recall == 0.0
    s = evaluate([ev("gap", 1, 0, 10, score=0.4)], truth, min_score=0.3).scores["gap"]
    assert s.tp == 1


def test_dark_detections_match_by_detection_id() -> None:
    truth = [
        tr("dark_detection", None, 5, 5, det="S1-A-001"),
        tr("dark_detection", None, 5, 5, det="S1-A-002"),
    ]
    dets = [
        ev("dark_detection", None, 5, 5, det="S1-A-002"),
        ev("dark_detection", None, 5, 5, det="S1-A-009"),
        ev("dark_detection", None, 5, 5),
    ]
    s = evaluate(dets, truth).scores["dark_detection"]
    assert (s.tp, s.fp, s.fn) == (1, 2, 1)
    assert [t.detection_id for t in s.unmatched_truth] == ["S1-A-001"]


def test_instants_inside_intervals() -> None:
    truth = [tr("dark_rendezvous", 7, 0, 4)]
    assert evaluate([ev("dark_rendezvous", 7, 2, 2)], truth).scores["dark_rendezvous"].tp == 1
    assert evaluate([ev("dark_rendezvous", 7, 5, 5)], truth).scores["dark_rendezvous"].tp == 0


def _truth_file(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "seed": 0,
                "params": {},
                "events": events,
                "sar": {"detections": [], "missed": []},
            }
        )
    )
    return path


def test_cli_table_files_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = _truth_file(
        tmp_path / "truth.json",
        [
            {
                "type": "gap",
                "mmsi": 1,
                "other_mmsi": None,
                "start": "2024-03-01T00:00:00Z",
                "end": "2024-03-01T14:00:00Z",
                "params": {},
            },
            {
                "type": "identity",
                "mmsi": 5,
                "other_mmsi": None,
                "start": "2024-03-01T00:00:00Z",
                "end": "2024-03-02T00:00:00Z",
                "params": {},
            },
        ],
    )
    dets = tmp_path / "events.jsonl"
    write_events(events_to_table([ev("gap", 1, 1, 13), ev("gap", 3, 1, 13)]), dets)
    assert main(["evaluate", str(dets), str(truth), "--show-unmatched"]) == 0
    out = capsys.readouterr().out
    gap_line = next(line for line in out.splitlines() if line.startswith("gap"))
    assert gap_line.split()[1:6] == ["1", "2", "1", "1", "0"]
    assert "0.50" in gap_line and "missed  identity" in out and "false   gap" in out
    assert main(["evaluate", str(dets), str(truth), "--json", "--types", "gap"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "gap": {
            "tp": 1,
            "fp": 1,
            "fn": 0,
            "precision": 0.5,
            "recall": 1.0,
            "f1": pytest.approx(0.6667, abs=1e-4),
        }
    }
    assert evaluate_files(dets, truth).scores["identity"].fn == 1
    # unreadable inputs: a clear error and a non-zero exit
    assert main(["evaluate", str(tmp_path / "missing.jsonl"), str(truth)]) != 0
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["evaluate", str(dets), str(bad)]) != 0
    assert "truth" in capsys.readouterr().err
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("hello\n")
    assert main(["evaluate", str(garbage), str(truth)]) != 0


def test_a_perfect_detector_scores_one_on_a_simulated_truth(tmp_path: Path) -> None:
    from vessels.sim import SimConfig, simulate
    from vessels.sim.writers import write_scenario

    write_scenario(simulate(SimConfig(seed=2, days=2, vessels=20)), tmp_path)
    truth = load_truth(tmp_path / "truth.json")
    assert {t.type for t in truth} >= {"gap", "loitering", "encounter", "dark_detection"}
    dets = [
        Event(
            t.type,
            t.mmsi,
            t.start_ms,
            t.end_ms,
            None,
            None,
            1.0,
            other_mmsi=t.other_mmsi,
            evidence={"detection_id": t.detection_id} if t.detection_id else {},
        )
        for t in truth
    ]
    for s in evaluate(dets, truth).scores.values():
        assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
