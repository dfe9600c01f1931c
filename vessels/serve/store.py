"""The serve store: one SQLite file (WAL) with the loaded investigations and the human tables.

Tables this module owns all start with ``serve_`` so that the store can be the same file that
``vessels watch --store`` writes (its tables are its own, see docs/store.md):

- ``serve_sources``: the investigation folders loaded (path, when, their summary counts);
- ``serve_vessels``, ``serve_events``, ``serve_identity``: their vessel table, events and static
  data history, refreshed on every start; an event that a re-run no longer finds is kept with
  ``detected = 0`` when someone reviewed it ("no longer detected"), else dropped;
- ``serve_reviews``: the current review of each event and vessel with its ``version``;
- ``serve_audit``: every review change ever made, append-only (triggers refuse UPDATE and DELETE).

Positions are not copied here: they stay in each investigation's ``tracks.parquet`` and are read
by row group (:mod:`vessels.serve.tracks`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from vessels.errors import InputError

__all__ = ["REVIEW_STATUSES", "Source", "connect", "init_schema", "load_investigations"]

REVIEW_STATUSES = ("new", "reviewing", "confirmed", "dismissed", "escalated")

# rebuilt on every load (so a store made before a column was added keeps working)
_IDENTITY_DDL = (
    "CREATE TABLE IF NOT EXISTS serve_identity (mmsi INTEGER NOT NULL, t INTEGER NOT NULL, "
    "name TEXT, callsign TEXT, imo INTEGER, ship_type TEXT, destination TEXT, "
    "length_m INTEGER, beam_m INTEGER)",
    "CREATE INDEX IF NOT EXISTS serve_identity_mmsi ON serve_identity (mmsi, t)",
    "CREATE INDEX IF NOT EXISTS serve_identity_imo ON serve_identity (imo)",
    "CREATE TABLE IF NOT EXISTS serve_port_visits (mmsi INTEGER NOT NULL, port TEXT, "
    "port_code TEXT, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, duration_h REAL, "
    "confidence INTEGER)",
    "CREATE INDEX IF NOT EXISTS serve_port_visits_mmsi ON serve_port_visits (mmsi, start_ms)",
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS serve_sources (
    source_id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    loaded_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    has_tracks INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS serve_vessels (
    mmsi INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL,
    name TEXT, callsign TEXT, imo INTEGER, flag TEXT, ship_type TEXT,
    risk_score REAL NOT NULL,
    counts TEXT NOT NULL,
    positions INTEGER NOT NULL,
    first_seen INTEGER, last_seen INTEGER,
    top_reasons TEXT NOT NULL,
    same_imo TEXT NOT NULL,
    search TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS serve_vessels_score ON serve_vessels (risk_score DESC);
CREATE TABLE IF NOT EXISTS serve_events (
    event_id TEXT PRIMARY KEY,
    source_id INTEGER,
    type TEXT NOT NULL,
    mmsi INTEGER, other_mmsi INTEGER,
    start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    duration_h REAL NOT NULL,
    lat REAL, lon REAL,
    score REAL NOT NULL,
    reasons TEXT NOT NULL,
    evidence TEXT NOT NULL,
    detected INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS serve_events_mmsi ON serve_events (mmsi);
CREATE INDEX IF NOT EXISTS serve_events_other ON serve_events (other_mmsi);
CREATE INDEX IF NOT EXISTS serve_events_time ON serve_events (start_ms);
CREATE TABLE IF NOT EXISTS serve_reviews (
    kind TEXT NOT NULL CHECK (kind IN ('event', 'vessel')),
    key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN {REVIEW_STATUSES!r}),
    note TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS serve_audit (
    audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    prev_status TEXT,
    note TEXT NOT NULL,
    reviewer TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS serve_audit_key ON serve_audit (kind, key);
CREATE TRIGGER IF NOT EXISTS serve_audit_no_update BEFORE UPDATE ON serve_audit
BEGIN SELECT RAISE(ABORT, 'serve_audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS serve_audit_no_delete BEFORE DELETE ON serve_audit
BEGIN SELECT RAISE(ABORT, 'serve_audit is append-only'); END;
"""


@dataclass(frozen=True)
class Source:
    """One loaded investigation folder."""

    source_id: int
    path: Path
    has_tracks: bool


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode with full durability (a kill -9 loses no committed review)."""
    path = Path(path)
    try:
        if readonly:
            con = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=10
            )
        else:
            con = sqlite3.connect(path, check_same_thread=False, timeout=10)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
    except sqlite3.Error as exc:
        raise InputError(f"cannot open the store ({exc})", str(path)) from exc
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA foreign_keys=ON")
    return con


def init_schema(con: sqlite3.Connection) -> None:
    con.executescript(_SCHEMA)
    with con:
        for ddl in _IDENTITY_DDL:
            con.execute(ddl)


def _ms(v: Any) -> int | None:
    if v is None:
        return None
    return int(v.timestamp() * 1000)


def _read(folder: Path, name: str, required: bool = True) -> Any:
    path = folder / name
    if not path.is_file():
        if required:
            raise InputError(
                f"is not a `vessels investigate` output folder (no {name}); "
                "run `vessels investigate ... --out DIR` first",
                str(folder),
            )
        return None
    try:
        return pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise InputError(f"cannot read {name} ({exc})", str(folder)) from exc


def _vessel_rows(table: Any, source_id: int) -> list[tuple[Any, ...]]:
    from vessels.schema import EVENT_TYPES

    out = []
    for r in table.to_pylist():
        counts = {t: int(r.get(f"n_{t}") or 0) for t in EVENT_TYPES}
        search = " ".join(
            str(x) for x in (r["mmsi"], r["name"], r["callsign"], r["imo"], r.get("id")) if x
        ).lower()
        out.append(
            (
                int(r["mmsi"]),
                source_id,
                r["name"],
                r["callsign"],
                r["imo"],
                r["flag"],
                r["ship_type"],
                float(r["risk_score"]),
                json.dumps(counts),
                int(r["positions"] or 0),
                _ms(r["first_seen"]),
                _ms(r["last_seen"]),
                r["top_reasons"] or "",
                r.get("same_imo_mmsis") or "",
                search,
            )
        )
    return out


def _event_rows(table: Any, source_id: int) -> list[tuple[Any, ...]]:
    out = []
    for r in table.to_pylist():
        out.append(
            (
                r["event_id"],
                source_id,
                r["type"],
                r["mmsi"],
                r["other_mmsi"],
                _ms(r["start"]),
                _ms(r["end"]),
                float(r["duration_h"]),
                r["lat"],
                r["lon"],
                float(r["score"]),
                json.dumps(list(r["reasons"])),
                r["evidence"] or "{}",
            )
        )
    return out


def load_investigations(con: sqlite3.Connection, folders: list[Path]) -> list[Source]:
    """Refresh the store's vessels, events and identity tables from ``folders`` (in one
    transaction). Reviews are never touched; a reviewed event that is no longer in any folder
    stays with ``detected = 0``. A vessel in several folders keeps its highest-risk row."""
    tables = []
    for folder in folders:
        folder = folder.resolve()
        if not folder.is_dir():
            raise InputError("is not a folder", str(folder))
        vessels = _read(folder, "vessels.parquet")
        events = _read(folder, "events.parquet")
        identity = _read(folder, "identity.parquet", required=False)
        visits = _read(folder, "port_visits.parquet", required=False)
        summary_path = folder / "summary.json"
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = {}
        tables.append((folder, vessels, events, identity, visits, summary))
    sources = []
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with con:
        con.execute("DELETE FROM serve_vessels")
        con.execute("DROP TABLE IF EXISTS serve_identity")
        con.execute("DROP TABLE IF EXISTS serve_port_visits")
        for ddl in _IDENTITY_DDL:
            con.execute(ddl)
        con.execute("UPDATE serve_events SET detected = 0")
        for folder, vessels, events, identity, visits, summary in tables:
            has_tracks = (folder / "tracks.parquet").is_file()
            con.execute(
                "INSERT INTO serve_sources (path, loaded_at, summary, has_tracks) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET loaded_at = excluded.loaded_at, "
                "summary = excluded.summary, has_tracks = excluded.has_tracks",
                (str(folder), now, json.dumps(summary.get("counts", {})), int(has_tracks)),
            )
            sid = int(
                con.execute(
                    "SELECT source_id FROM serve_sources WHERE path = ?", (str(folder),)
                ).fetchone()[0]
            )
            sources.append(Source(sid, folder, has_tracks))
            con.executemany(
                "INSERT INTO serve_vessels VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (mmsi) DO UPDATE SET source_id = excluded.source_id, "
                "name = excluded.name, callsign = excluded.callsign, imo = excluded.imo, "
                "flag = excluded.flag, ship_type = excluded.ship_type, "
                "risk_score = excluded.risk_score, counts = excluded.counts, "
                "positions = excluded.positions, first_seen = excluded.first_seen, "
                "last_seen = excluded.last_seen, top_reasons = excluded.top_reasons, "
                "same_imo = excluded.same_imo, search = excluded.search "
                "WHERE excluded.risk_score > serve_vessels.risk_score",
                _vessel_rows(vessels, sid),
            )
            con.executemany(
                "INSERT INTO serve_events (event_id, source_id, type, mmsi, other_mmsi, start_ms, "
                "end_ms, duration_h, lat, lon, score, reasons, evidence, detected) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1) ON CONFLICT (event_id) DO UPDATE SET "
                "source_id = excluded.source_id, type = excluded.type, mmsi = excluded.mmsi, "
                "other_mmsi = excluded.other_mmsi, start_ms = excluded.start_ms, "
                "end_ms = excluded.end_ms, duration_h = excluded.duration_h, lat = excluded.lat, "
                "lon = excluded.lon, score = excluded.score, reasons = excluded.reasons, "
                "evidence = excluded.evidence, detected = 1",
                _event_rows(events, sid),
            )
            if identity is not None:
                con.executemany(
                    "INSERT INTO serve_identity VALUES (?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            int(r["mmsi"]),
                            _ms(r["t"]),
                            r["name"],
                            r["callsign"],
                            r["imo"],
                            r["ship_type"],
                            r["destination"],
                            r.get("length_m"),  # absent in outputs from before 2026-12-05
                            r.get("beam_m"),
                        )
                        for r in identity.to_pylist()
                    ],
                )
            if visits is not None:
                con.executemany(
                    "INSERT INTO serve_port_visits VALUES (?,?,?,?,?,?,?)",
                    [
                        (int(r["mmsi"]), r.get("port"), r.get("port_code"), _ms(r["start"]),
                         _ms(r["end"]), r.get("duration_h"), r.get("confidence"))
                        for r in visits.to_pylist()
                    ],
                )  # fmt: skip
        # former names and callsigns are found by search too: one column, one scan
        con.execute(
            "UPDATE serve_vessels SET search = search || ' ' || coalesce((SELECT "
            "group_concat(lower(coalesce(i.name, '') || ' ' || coalesce(i.callsign, '')), ' ') "
            "FROM serve_identity i WHERE i.mmsi = serve_vessels.mmsi), '') "
            "WHERE mmsi IN (SELECT mmsi FROM serve_identity)"
        )
        # a vanished event nobody reviewed is only stale cache; a reviewed one is kept
        con.execute(
            "DELETE FROM serve_events WHERE detected = 0 AND event_id NOT IN "
            "(SELECT key FROM serve_reviews WHERE kind = 'event')"
        )
    return sources
