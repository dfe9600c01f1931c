"""Multi-receiver merge: duplicates kept once, receiver clock offsets found and handled."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from ingest.merge import MergeParams, merge_positions
from vessels.errors import ConfigError, SchemaError
from vessels.schema import POSITIONS_SCHEMA

T0 = 1_700_000_000_000  # a whole minute


def _table(rows: list[dict]) -> pa.Table:
    cols = {f.name: [r[f.name] for r in rows] for f in POSITIONS_SCHEMA}
    return pa.table(
        {f.name: pa.array(cols[f.name], pa.int64()).cast(f.type) if f.name == "t"
         else pa.array(cols[f.name]).cast(f.type) for f in POSITIONS_SCHEMA},
        schema=POSITIONS_SCHEMA,
    )  # fmt: skip


def _messages(rng: np.random.Generator, n_vessels: int = 10, n_msgs: int = 120) -> list[dict]:
    out = []
    for v in range(n_vessels):
        for k in range(n_msgs):
            t = T0 + k * 60_000 + int(rng.integers(0, 59)) * 1000
            out.append(
                {"mmsi": 200_000_000 + v, "t": t, "lat": float(rng.uniform(-1, 1)),
                 "lon": float(rng.uniform(-1, 1)), "sog": float(rng.uniform(0, 10)),
                 "cog": float(rng.uniform(0, 360)), "heading": -1, "nav_status": 0,
                 "msg_type": 1, "receiver": "", "is_sat": False, "ais_second": (t // 1000) % 60}
            )  # fmt: skip
    return out


def _heard(msgs: list[dict], rng: np.random.Generator, name: str, p: float, off_ms: int = 0):
    return [dict(m, receiver=name, t=m["t"] + off_ms) for m in msgs if rng.random() < p]


def test_one_message_two_receivers_appears_once() -> None:
    m = _messages(np.random.default_rng(0), 1, 1)[0]
    a = _table([dict(m, receiver="STATION-A")])
    b = _table([dict(m, receiver="SAT-B", t=m["t"] + 2000, is_sat=True)])
    res = merge_positions([a, b])
    assert res.positions.num_rows == 1
    assert res.positions.column("t").cast(pa.int64())[0].as_py() == m["t"]  # earliest copy
    assert res.heard_by.to_pylist() == [["SAT-B", "STATION-A"]]
    assert res.stats["duplicates"] == 1 and res.stats["multi_heard"] == 1
    assert res.positions.schema == POSITIONS_SCHEMA


def test_distinct_reports_are_not_merged() -> None:
    m = _messages(np.random.default_rng(1), 1, 1)[0]
    moved = dict(m, lat=m["lat"] + 0.001, receiver="B")
    later = dict(m, t=m["t"] + 3_600_000, receiver="B")  # same fields an hour later: a new report
    res = merge_positions(_table([dict(m, receiver="A"), moved, later]))
    assert res.positions.num_rows == 3


def test_shifted_clock_is_found_and_corrected() -> None:
    rng = np.random.default_rng(2)
    msgs = _messages(rng)
    tables = [
        _table(_heard(msgs, rng, "A", 0.7)),
        _table(_heard(msgs, rng, "B", 0.7)),
        _table(_heard(msgs, rng, "SLOW", 0.5, off_ms=90_000)),
    ]
    res = merge_positions(tables)
    assert set(res.clock.column("receiver").to_pylist()) == {"SLOW"}
    assert sum(res.clock.column("rows").to_pylist()) == tables[2].num_rows  # every hour found
    assert np.allclose(res.clock.column("offset_s").to_numpy(), 90.0)
    assert set(res.clock.column("action").to_pylist()) == {"corrected"}
    # after correction every copy of a message collapses onto one row at the true time
    heard_at_all = {(m["mmsi"], m["t"]) for t in tables for m in t.to_pylist()}
    assert res.positions.num_rows <= len(msgs)
    true_times = {(m["mmsi"], m["t"]) for m in msgs}
    got = set(zip(res.positions.column("mmsi").to_pylist(),
                  res.positions.column("t").cast(pa.int64()).to_pylist(), strict=True))  # fmt: skip
    assert got <= true_times and len(heard_at_all) > len(got)
    assert "SLOW" in res.summary()


def test_two_receivers_tie_broken_by_ais_second_and_drop_action() -> None:
    rng = np.random.default_rng(3)
    msgs = _messages(rng, 5, 60)
    tables = [
        _table(_heard(msgs, rng, "GOOD", 0.8)),
        _table(_heard(msgs, rng, "BAD", 0.8, -45_000)),
    ]
    res = merge_positions(tables, MergeParams(clock_action="drop"))
    assert set(res.clock.column("receiver").to_pylist()) == {"BAD"}
    assert res.clock.column("offset_s").to_numpy() == pytest.approx(-45.0)
    assert set(res.positions.column("receiver").to_pylist()) == {"GOOD"}
    assert res.stats["clock_rows_dropped"] == tables[1].num_rows


def test_lone_receiver_offset_found_by_ais_second() -> None:
    rng = np.random.default_rng(4)
    msgs = _messages(rng, 5, 60)
    good = _table(_heard(msgs[:150], rng, "GOOD", 1.0))
    lone = _table(_heard(msgs[150:], rng, "LONE", 1.0, 20_000))  # shares no message
    res = merge_positions([good, lone])
    assert set(res.clock.column("receiver").to_pylist()) == {"LONE"}
    assert set(res.clock.column("method").to_pylist()) == {"ais_second"}
    assert res.clock.column("offset_s").to_numpy() == pytest.approx(20.0)


def test_no_false_offsets_and_late_rows_counted() -> None:
    rng = np.random.default_rng(5)
    msgs = _messages(rng)
    a = _table(_heard(msgs, rng, "A", 0.8))
    b = _table(_heard(msgs, rng, "B", 0.8)[::-1])  # delivered in reverse order
    res = merge_positions([a, b], MergeParams(clock_action="keep"))
    assert res.clock.num_rows == 0
    assert res.stats["late_rows"] > 0
    t = res.positions.column("t").cast(pa.int64()).to_numpy()
    assert (np.diff(t) >= 0).all()  # placed by receive time


def test_bad_input() -> None:
    with pytest.raises(SchemaError):
        merge_positions(pa.table({"mmsi": [1]}))
    with pytest.raises(ConfigError):
        MergeParams(clock_action="ignore")
    assert merge_positions([]).positions.num_rows == 0


def test_lone_receiver_offset_beyond_a_minute_resolved_by_tracks() -> None:
    rng = np.random.default_rng(6)
    rows = []
    for v in range(6):
        lat, lon, cog = rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(0, 360)
        for k in range(180):  # 10 kn for three hours, a report a minute
            t = T0 + k * 60_000 + int(rng.integers(0, 59)) * 1000
            d = 10 * 1852 / 3600 * (t - T0) / 1000 / 111_195.0
            rows.append(
                {"mmsi": 300_000_000 + v, "t": t, "lat": lat + d * np.cos(np.radians(cog)),
                 "lon": lon + d * np.sin(np.radians(cog)), "sog": 10.0, "cog": cog,
                 "heading": -1, "nav_status": 0, "msg_type": 1, "receiver": "",
                 "is_sat": False, "ais_second": (t // 1000) % 60}
            )  # fmt: skip
    good = [dict(m, receiver="GOOD") for i, m in enumerate(rows) if i % 2 == 0]
    lone = [dict(m, receiver="LONE", t=m["t"] + 90_000) for i, m in enumerate(rows) if i % 2]
    res = merge_positions([_table(good), _table(lone)])
    clock = res.clock.to_pylist()
    assert {c["receiver"] for c in clock} == {"LONE"}
    assert {c["method"] for c in clock} == {"ais_second+tracks"}
    assert {c["offset_s"] for c in clock} == {90.0}
    assert res.stats["clock_rows_corrected"] == len(lone) and res.positions.num_rows == len(rows)
