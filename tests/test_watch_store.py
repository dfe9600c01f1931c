"""The SQLite alert store (docs/store.md): append-only versions, latest per id, readers while
it is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vessels.errors import OutputError
from vessels.watch.alert import Alert
from vessels.watch.store import AlertStore


def _alert(aid: str, version: int, state: str, end: int = 2000) -> Alert:
    return Alert(
        alert_id=aid,
        version=version,
        state=state,
        type="gap",
        mmsi=123456789,
        other_mmsi=None,
        start_ms=1000,
        end_ms=end,
        lat=-45.0,
        lon=-60.0,
        score=0.7,
        reasons=["<b>x</b>"],
        evidence={"name": "A'B"},
        trigger_time_ms=end,
        emitted_at_ms=5000,
    )


def test_versions_appended_latest_kept_and_replays_ignored(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    st = AlertStore(db)
    assert st.write([_alert("g1", 1, "open"), _alert("g1", 2, "update", 3000)]) == 2
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # a reader sees whole transactions while the writer goes on
    assert st.write([_alert("g1", 3, "final", 4000), _alert("g1", 2, "update", 9999)]) == 1
    rows = reader.execute("SELECT seq, version, state, end_ms FROM alerts ORDER BY seq").fetchall()
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (1, "open", 2000),
        (2, "update", 3000),
        (3, "final", 4000),
    ]
    assert rows[0][0] < rows[1][0] < rows[2][0]
    latest = reader.execute("SELECT version, state, end_ms, seq FROM alert_latest").fetchall()
    assert latest == [(3, "final", 4000, rows[2][0])]
    assert st.seen("g1", 2) and not st.seen("g1", 4)
    st.close()
    # reopening keeps everything and the schema version
    st2 = AlertStore(db)
    assert st2.write([_alert("g1", 3, "final")]) == 0
    st2.write_vessels([(1, 10, 1.0, 2.0, 3.0, None, "X"), (1, 5, 9.0, 9.0, None, None, None)], 7)
    assert reader.execute("SELECT t_ms, lat, name FROM vessel_latest").fetchall() == [
        (10, 1.0, "X")
    ]
    st2.close()


def test_foreign_schema_version_refused(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    AlertStore(db).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(OutputError, match="schema version 99"):
        AlertStore(db)
