"""Live alerts from the store that ``vessels watch --store`` writes (docs/store.md).

The watch store is opened read-only: ``watch`` is its only writer and owns every table in it.
A reader follows ``alerts.seq``; the SSE stream sends every row with a larger ``seq`` than the
last one it sent, as one ``alert`` event each (``id:`` is the seq, so a reconnecting browser
resumes where it was with ``Last-Event-ID``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from vessels.serve.store import connect

__all__ = ["AlertSource", "alert_dict"]


def alert_dict(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    for k in ("reasons", "evidence", "areas", "lists"):
        if k in d and isinstance(d[k], str):
            try:
                d[k] = json.loads(d[k])
            except ValueError:
                d[k] = None
    d["badges"] = (["watchlist"] if d.get("lists") else []) + (["area"] if d.get("areas") else [])
    d["start"], d["end"] = d.pop("start_ms", None), d.pop("end_ms", None)
    d["event_id"] = d.get("alert_id")
    return d


class AlertSource:
    """Read-only view of a watch store; a missing or not-yet-created file reads as empty."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _con(self) -> sqlite3.Connection | None:
        if not self.path.is_file():
            return None
        try:
            con = connect(self.path, readonly=True)
            con.execute("SELECT 1 FROM alerts LIMIT 1")
        except Exception:
            return None
        return con

    def since(self, seq: int, limit: int = 500) -> list[dict[str, Any]]:
        con = self._con()
        if con is None:
            return []
        try:
            rows = con.execute(
                "SELECT * FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            ).fetchall()
        finally:
            con.close()
        return [alert_dict(r) for r in rows]

    def latest(self, limit: int = 500) -> list[dict[str, Any]]:
        """The latest version of each alert, newest first."""
        con = self._con()
        if con is None:
            return []
        try:
            rows = con.execute(
                "SELECT a.* FROM alert_latest l JOIN alerts a ON a.seq = l.seq "
                "ORDER BY l.emitted_at_ms DESC LIMIT ?",
                (limit,),
            ).fetchall()
        finally:
            con.close()
        return [alert_dict(r) for r in rows]

    def get(self, alert_id: str) -> dict[str, Any] | None:
        con = self._con()
        if con is None:
            return None
        try:
            r = con.execute(
                "SELECT a.* FROM alert_latest l JOIN alerts a ON a.seq = l.seq "
                "WHERE l.alert_id = ?",
                (alert_id,),
            ).fetchone()
        finally:
            con.close()
        return None if r is None else alert_dict(r)

    def last_seq(self) -> int:
        con = self._con()
        if con is None:
            return 0
        try:
            return int(con.execute("SELECT coalesce(max(seq), 0) FROM alerts").fetchone()[0])
        finally:
            con.close()
