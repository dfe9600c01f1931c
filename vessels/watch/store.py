"""The SQLite alert store that ``vessels watch --store`` writes and ``vessels serve`` reads.

Schema and reading rules: docs/store.md. One writer (this class, in one thread), many readers;
WAL journal so readers never block the writer. ``alerts`` is append-only (every version of
every alert, never updated in place); ``alert_latest`` holds the latest version per alert_id;
``vessel_latest`` the last position of each vessel. Review tables belong to ``serve``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from vessels.errors import OutputError
from vessels.watch.alert import Alert

__all__ = ["SCHEMA_VERSION", "AlertStore", "VesselRow"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id        TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('open', 'update', 'final', 'retracted')),
    kind            TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    mmsi            INTEGER,
    other_mmsi      INTEGER,
    start_ms        INTEGER NOT NULL,
    end_ms          INTEGER,
    lat             REAL,
    lon             REAL,
    score           REAL,
    reasons         TEXT    NOT NULL,
    evidence        TEXT    NOT NULL,
    areas           TEXT    NOT NULL,
    lists           TEXT    NOT NULL,
    retract_reason  TEXT,
    trigger_time_ms INTEGER NOT NULL,
    emitted_at_ms   INTEGER NOT NULL,
    UNIQUE (alert_id, version)
);
CREATE INDEX IF NOT EXISTS alerts_mmsi ON alerts (mmsi);
CREATE INDEX IF NOT EXISTS alerts_other ON alerts (other_mmsi);
CREATE TABLE IF NOT EXISTS alert_latest (
    alert_id      TEXT PRIMARY KEY,
    seq           INTEGER NOT NULL REFERENCES alerts (seq),
    version       INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    mmsi          INTEGER,
    other_mmsi    INTEGER,
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER,
    lat           REAL,
    lon           REAL,
    score         REAL,
    emitted_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS latest_state ON alert_latest (state, type);
CREATE INDEX IF NOT EXISTS latest_mmsi ON alert_latest (mmsi);
CREATE TABLE IF NOT EXISTS vessel_latest (
    mmsi          INTEGER PRIMARY KEY,
    t_ms          INTEGER NOT NULL,
    lat           REAL    NOT NULL,
    lon           REAL    NOT NULL,
    sog           REAL,
    cog           REAL,
    name          TEXT,
    updated_at_ms INTEGER NOT NULL
);
"""

#: (mmsi, t_ms, lat, lon, sog, cog, name)
VesselRow = tuple[int, int, float, float, float | None, float | None, str | None]


class AlertStore:
    """Writer of the store. Not thread-safe: use it from one thread (the store sink's)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # one writer, but its steps may run in different worker threads (one at a time)
            self.db = sqlite3.connect(
                str(self.path), isolation_level=None, timeout=30.0, check_same_thread=False
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.Error as exc:
            raise OutputError(f"cannot open the alert store ({exc})", str(path)) from exc
        if row is None:
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('writer', ?)",
                (str(SCHEMA_VERSION), "vessels watch"),
            )
        elif int(row[0]) != SCHEMA_VERSION:
            raise OutputError(
                f"alert store has schema version {row[0]}, this vessels writes {SCHEMA_VERSION}",
                str(path),
            )

    def write(self, alerts: Sequence[Alert]) -> int:
        """Append ``alerts`` in one transaction; returns how many were new (a replayed id and
        version already stored is skipped, never overwritten)."""
        new = 0
        cur = self.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            for a in alerts:
                cur.execute(
                    "INSERT OR IGNORE INTO alerts (alert_id, version, state, kind, type, mmsi, "
                    "other_mmsi, start_ms, end_ms, lat, lon, score, reasons, evidence, areas, "
                    "lists, retract_reason, trigger_time_ms, emitted_at_ms) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    _row(a),
                )
                if cur.rowcount != 1:
                    continue
                new += 1
                seq = cur.lastrowid
                cur.execute(
                    "INSERT INTO alert_latest (alert_id, seq, version, state, kind, type, mmsi, "
                    "other_mmsi, start_ms, end_ms, lat, lon, score, emitted_at_ms) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (alert_id) DO UPDATE SET seq=excluded.seq, "
                    "version=excluded.version, state=excluded.state, end_ms=excluded.end_ms, "
                    "lat=excluded.lat, lon=excluded.lon, score=excluded.score, "
                    "emitted_at_ms=excluded.emitted_at_ms "
                    "WHERE excluded.version > alert_latest.version",
                    (
                        a.alert_id,
                        seq,
                        a.version,
                        a.state,
                        a.kind,
                        a.type,
                        a.mmsi,
                        a.other_mmsi,
                        a.start_ms,
                        a.end_ms,
                        a.lat,
                        a.lon,
                        a.score,
                        a.emitted_at_ms,
                    ),
                )
            cur.execute("COMMIT")
        except sqlite3.Error as exc:
            cur.execute("ROLLBACK")
            raise OutputError(f"cannot write to the alert store ({exc})", str(self.path)) from exc
        return new

    def write_vessels(self, rows: Iterable[VesselRow], now_ms: int) -> None:
        """Upsert the latest position of each vessel (a later report never goes backwards)."""
        cur = self.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(
            "INSERT INTO vessel_latest (mmsi, t_ms, lat, lon, sog, cog, name, updated_at_ms) "
            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (mmsi) DO UPDATE SET t_ms=excluded.t_ms, "
            "lat=excluded.lat, lon=excluded.lon, sog=excluded.sog, cog=excluded.cog, "
            "name=coalesce(excluded.name, vessel_latest.name), "
            "updated_at_ms=excluded.updated_at_ms WHERE excluded.t_ms >= vessel_latest.t_ms",
            [(*r, now_ms) for r in rows],
        )
        cur.execute("COMMIT")

    def seen(self, alert_id: str, version: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM alerts WHERE alert_id=? AND version=?", (alert_id, version)
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self.db.close()


def _row(a: Alert) -> tuple[Any, ...]:
    return (
        a.alert_id,
        a.version,
        a.state,
        a.kind,
        a.type,
        a.mmsi,
        a.other_mmsi,
        a.start_ms,
        a.end_ms,
        a.lat,
        a.lon,
        a.score,
        json.dumps(a.reasons),
        json.dumps(a.to_dict()["evidence"], sort_keys=True),
        json.dumps(a.areas),
        json.dumps(a.lists),
        a.retract_reason,
        a.trigger_time_ms,
        a.emitted_at_ms,
    )
