from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from vessels.errors import InputError, SchemaError
from vessels.eventio import read_events, write_events
from vessels.events import Event, events_to_table, make_event_id, table_to_events

EVIL = "<IMG SRC=X ONERROR=ALERT(1)>"


def _events() -> list[Event]:
    return [
        Event(
            "gap",
            123456789,
            1_600_000_000_000,
            1_600_050_000_000,
            10.5,
            -20.25,
            0.8,
            ["went dark 13.9 h"],
            {"name": EVIL, "points_before": 14},
        ),
        Event(
            "encounter",
            987654321,
            1_600_000_000_000,
            1_600_010_000_000,
            -1.0,
            170.0,
            0.5,
            ['=HYPERLINK("X") met a carrier'],
            {"median_distance_m": 120.5},
            other_mmsi=111222333,
        ),
    ]


def test_event_id_is_stable_and_ignores_end() -> None:
    a = make_event_id("gap", 1, None, 1000)
    assert a == make_event_id("gap", 1, None, 1000)
    assert a != make_event_id("gap", 1, None, 1001)
    assert make_event_id("encounter", 1, 2, 5) == make_event_id("encounter", 2, 1, 5)


def test_table_rejects_bad_score_and_type() -> None:
    with pytest.raises(SchemaError):
        events_to_table([Event("gap", 1, 0, 1, 0, 0, 1.5)])
    with pytest.raises(SchemaError):
        events_to_table([Event("nonsense", 1, 0, 1, 0, 0, 0.5)])


@pytest.mark.parametrize("ext", [".jsonl", ".csv", ".parquet", ".geojson"])
def test_round_trip(tmp_path: Path, ext: str) -> None:
    table = events_to_table(_events())
    path = write_events(table, tmp_path / f"events{ext}")
    back = read_events(path)
    assert back.column("event_id").to_pylist() == table.column("event_id").to_pylist()
    assert back.column("mmsi").to_pylist() == table.column("mmsi").to_pylist()
    assert back.column("start").to_pylist() == table.column("start").to_pylist()
    ev = [json.loads(x) for x in back.column("evidence").to_pylist()]
    by_type = dict(zip(back.column("type").to_pylist(), ev, strict=True))
    assert by_type["gap"]["points_before"] == 14
    assert by_type["gap"]["name"] == EVIL  # data kept as is; escaping happens per format
    assert [e.event_id for e in table_to_events(back)] == table.column("event_id").to_pylist()


def test_outputs_escape_attacker_text(tmp_path: Path) -> None:
    table = events_to_table(_events())
    kml = write_events(table, tmp_path / "e.kml").read_text()
    assert EVIL not in kml and "&lt;IMG" in kml
    csv_text = write_events(table, tmp_path / "e.csv").read_text()
    assert ",=HYPERLINK" not in csv_text and "'=HYPERLINK" in csv_text


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown events format"):
        write_events(events_to_table([]), tmp_path / "e.txt")
    with pytest.raises(InputError, match="no such file"):
        read_events(tmp_path / "missing.jsonl")
    (tmp_path / "bad.jsonl").write_text("{not json")
    with pytest.raises(InputError, match=r"bad\.jsonl"):
        read_events(tmp_path / "bad.jsonl")


def test_empty_table_round_trip(tmp_path: Path) -> None:
    t = events_to_table([])
    assert isinstance(t, pa.Table) and t.num_rows == 0
    assert read_events(write_events(t, tmp_path / "e.parquet")).num_rows == 0
