"""Reviews with optimistic locking and an append-only audit log.

A review is keyed on ``(kind, key)``: kind ``event`` with the stable ``event_id`` (so it
survives re-runs and retractions) or kind ``vessel`` with the MMSI. Every accepted change is one
transaction that writes the new review row and its audit row together: after a kill -9 either
both are on disk or neither (SQLite WAL, ``synchronous=FULL``).

Optimistic locking: a client sends the ``version`` it last saw (0 for "never reviewed"); if the
stored version differs, nothing is written and :class:`StaleVersion` carries the stored review,
so the client can show the other person's change.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from vessels.serve.store import REVIEW_STATUSES
from vessels.textsafe import csv_cell

__all__ = [
    "MAX_NOTE_CHARS",
    "Review",
    "StaleVersion",
    "audit",
    "export_reviews_csv",
    "export_reviews_geojson",
    "get_review",
    "put_review",
]

MAX_NOTE_CHARS = 4000
MAX_REVIEWER_CHARS = 80


@dataclass(frozen=True)
class Review:
    kind: str
    key: str
    status: str
    note: str
    reviewer: str
    version: int
    updated_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "note": self.note,
            "reviewer": self.reviewer,
            "version": self.version,
            "updated_at": self.updated_at,
        }


NO_REVIEW = {"status": "new", "note": "", "reviewer": "", "version": 0, "updated_at": None}


class StaleVersion(Exception):
    """The review changed since the client read it; ``current`` is what is stored now."""

    def __init__(self, current: Review) -> None:
        super().__init__(
            f"changed by {current.reviewer or 'someone'} at {current.updated_at} "
            f"(now {current.status}, version {current.version})"
        )
        self.current = current


class ReviewInputError(ValueError):
    """A review request with a bad field (the API answers 400 with the message)."""


def _row(r: sqlite3.Row | None) -> Review | None:
    if r is None:
        return None
    return Review(
        r["kind"], r["key"], r["status"], r["note"], r["reviewer"], r["version"], r["updated_at"]
    )


def get_review(con: sqlite3.Connection, kind: str, key: str) -> Review | None:
    return _row(
        con.execute(
            "SELECT * FROM serve_reviews WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
    )


def validate(body: Any) -> tuple[str, str, str, int]:
    """(status, note, reviewer, version) from a request body, or :class:`ReviewInputError`."""
    if not isinstance(body, dict):
        raise ReviewInputError("the body must be a JSON object {status, note, reviewer, version}")
    unknown = sorted(set(body) - {"status", "note", "reviewer", "version"})
    if unknown:
        raise ReviewInputError(f"unknown field(s): {', '.join(unknown)}")
    status = body.get("status")
    if status not in REVIEW_STATUSES:
        raise ReviewInputError(f"status must be one of {', '.join(REVIEW_STATUSES)}")
    note = body.get("note", "")
    reviewer = body.get("reviewer", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        raise ReviewInputError(f"note must be text of at most {MAX_NOTE_CHARS} characters")
    if not isinstance(reviewer, str) or not reviewer.strip() or len(reviewer) > MAX_REVIEWER_CHARS:
        raise ReviewInputError(f"reviewer must be a name of 1 to {MAX_REVIEWER_CHARS} characters")
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ReviewInputError("version must be the integer version last read (0 if none)")
    return status, note, reviewer.strip(), version


def put_review(
    con: sqlite3.Connection,
    kind: str,
    key: str,
    status: str,
    note: str,
    reviewer: str,
    version: int,
) -> Review:
    """Store a review if ``version`` is the stored one (0: none yet); raise
    :class:`StaleVersion` otherwise. Review row and audit row commit together."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    # BEGIN IMMEDIATE: take the write lock before reading the version, so two servers (or
    # threads) cannot both pass the check
    con.execute("BEGIN IMMEDIATE")
    try:
        cur = get_review(con, kind, key)
        stored = cur.version if cur else 0
        if stored != version:
            assert cur is not None
            raise StaleVersion(cur)
        new = Review(kind, key, status, note, reviewer, stored + 1, now)
        con.execute(
            "INSERT INTO serve_reviews (kind, key, status, note, reviewer, version, updated_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (kind, key) DO UPDATE SET status = excluded.status, "
            "note = excluded.note, reviewer = excluded.reviewer, version = excluded.version, "
            "updated_at = excluded.updated_at",
            (kind, key, status, note, reviewer, new.version, now),
        )
        con.execute(
            "INSERT INTO serve_audit (at, kind, key, version, status, prev_status, note, reviewer) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (now, kind, key, new.version, status, cur.status if cur else None, note, reviewer),
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return new


def audit(
    con: sqlite3.Connection, kind: str | None = None, key: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Audit rows, newest first, optionally of one event or vessel."""
    sql = "SELECT * FROM serve_audit"
    args: list[Any] = []
    if key is not None:
        sql += " WHERE kind = ? AND key = ?"
        args += [kind, key]
    sql += " ORDER BY audit_id DESC LIMIT ?"
    args.append(limit)
    return [dict(r) for r in con.execute(sql, args)]


_EXPORT_SQL = """
SELECT r.kind, r.key, r.status, r.note, r.reviewer, r.version, r.updated_at,
       e.type, e.mmsi, e.other_mmsi, e.start_ms, e.end_ms, e.lat, e.lon, e.score, e.reasons,
       e.detected, v.name
FROM serve_reviews r
LEFT JOIN serve_events e ON r.kind = 'event' AND e.event_id = r.key
LEFT JOIN serve_vessels v ON v.mmsi = CASE WHEN r.kind = 'vessel' THEN CAST(r.key AS INTEGER)
                                           ELSE e.mmsi END
WHERE r.status != 'new'
ORDER BY r.updated_at, r.kind, r.key
"""


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def _export_rows(con: sqlite3.Connection) -> list[dict[str, Any]]:
    out = []
    for r in con.execute(_EXPORT_SQL):
        d = dict(r)
        d["reasons"] = json.loads(d["reasons"]) if d["reasons"] else []
        if d["kind"] == "vessel":
            d["mmsi"] = int(d["key"])
        d["detected"] = "" if d["kind"] == "vessel" else ("yes" if d["detected"] else "no longer")
        out.append(d)
    return out


EXPORT_COLUMNS = (
    "kind", "key", "status", "reviewer", "updated_at", "version", "note", "type", "mmsi", "name",
    "other_mmsi", "start", "end", "lat", "lon", "score", "detected", "reasons",
)  # fmt: skip


def export_reviews_csv(con: sqlite3.Connection) -> str:
    """Every reviewed case (status other than new) as CSV, AIS text formula-guarded."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    for d in _export_rows(con):
        d["start"], d["end"] = _iso(d["start_ms"]), _iso(d["end_ms"])
        d["reasons"] = " | ".join(d["reasons"])
        w.writerow([csv_cell("" if d.get(c) is None else d[c]) for c in EXPORT_COLUMNS])
    return buf.getvalue()


def export_reviews_geojson(con: sqlite3.Connection) -> dict[str, Any]:
    """Reviewed events with a position as GeoJSON points (vessel reviews without geometry)."""
    feats = []
    for d in _export_rows(con):
        geom = None
        if d["lat"] is not None and d["lon"] is not None:
            geom = {"type": "Point", "coordinates": [d["lon"], d["lat"]]}
        props = {c: d.get(c) for c in EXPORT_COLUMNS if c not in ("lat", "lon", "start", "end")}
        props["start"], props["end"] = _iso(d["start_ms"]), _iso(d["end_ms"])
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}
