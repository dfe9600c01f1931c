"""Reads of the serve store for the API: vessels, events, one vessel's profile. SQL by
parameters only; filters OR within a field, AND across fields."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from vessels.serve.reviews import NO_REVIEW

__all__ = [
    "RawJSON",
    "dumps",
    "event_detail",
    "event_fields",
    "events",
    "vessel_detail",
    "vessels",
]


def _review_of(r: sqlite3.Row) -> dict[str, Any]:
    if r["r_version"] is None:
        return dict(NO_REVIEW)
    return {
        "status": r["r_status"],
        "note": r["r_note"],
        "reviewer": r["r_reviewer"],
        "version": r["r_version"],
        "updated_at": r["r_updated_at"],
    }


_VESSEL_SELECT = """
SELECT v.*, r.status AS r_status, r.note AS r_note, r.reviewer AS r_reviewer,
       r.version AS r_version, r.updated_at AS r_updated_at
FROM serve_vessels v
LEFT JOIN serve_reviews r ON r.kind = 'vessel' AND r.key = CAST(v.mmsi AS TEXT)
"""


def _vessel(r: sqlite3.Row) -> dict[str, Any]:
    return {
        "mmsi": r["mmsi"],
        "name": r["name"],
        "callsign": r["callsign"],
        "imo": r["imo"],
        "flag": r["flag"],
        "ship_type": r["ship_type"],
        "risk_score": r["risk_score"],
        "counts": json.loads(r["counts"]),
        "positions": r["positions"],
        "first_seen": r["first_seen"],
        "last_seen": r["last_seen"],
        "top_reasons": r["top_reasons"],
        "same_imo_mmsis": r["same_imo"],
        "review": _review_of(r),
    }


def vessels(
    con: sqlite3.Connection,
    *,
    q: str | None = None,
    min_score: float | None = None,
    flags: list[str] | None = None,
    statuses: list[str] | None = None,
    ship_type: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> dict[str, Any]:
    where: list[str] = []
    args: list[Any] = []
    if q:
        # every word must appear in MMSI, IMO, name, callsign, original id or a former name or
        # callsign (all in the search column, see vessels.serve.store)
        for word in q.lower().split()[:8]:
            where.append("v.search LIKE ? ESCAPE '\\'")
            pat = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args.append(pat)
    if min_score is not None:
        where.append("v.risk_score >= ?")
        args.append(min_score)
    if flags:
        # a flag is "CODE Country name": match the code or the name
        where.append("(" + " OR ".join(["v.flag LIKE ? ESCAPE '\\'"] * len(flags)) + ")")
        args += [f.replace("%", "\\%") + "%" for f in flags]
    if ship_type:
        where.append("v.ship_type LIKE ?")
        args.append(ship_type.replace("%", "") + "%")
    if statuses:
        where.append(f"coalesce(r.status, 'new') IN ({','.join('?' * len(statuses))})")
        args += statuses
    sql = _VESSEL_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    return {
        "offset": offset,
        **_page(con, sql, args, "risk_score DESC, mmsi", limit, offset, _vessel, "vessels"),
    }


_EVENT_COLUMNS = (
    "e.event_id, e.source_id, e.type, e.mmsi, e.other_mmsi, e.start_ms, e.end_ms, e.duration_h, "
    "e.lat, e.lon, e.score, e.reasons, e.detected"
)
# lists sort and count without the evidence (kilobytes a row); a page fetches it afterwards
_EVENT_LIST = f"""
SELECT {_EVENT_COLUMNS}, r.status AS r_status, r.note AS r_note, r.reviewer AS r_reviewer,
       r.version AS r_version, r.updated_at AS r_updated_at
FROM serve_events e
LEFT JOIN serve_reviews r ON r.kind = 'event' AND r.key = e.event_id
"""
_EVENT_SELECT = """
SELECT e.*, r.status AS r_status, r.note AS r_note, r.reviewer AS r_reviewer,
       r.version AS r_version, r.updated_at AS r_updated_at
FROM serve_events e
LEFT JOIN serve_reviews r ON r.kind = 'event' AND r.key = e.event_id
"""


def event_fields(r: sqlite3.Row) -> dict[str, Any]:
    """An event row of ``serve_events`` in the API's shape (times in ms, evidence parsed)."""
    return {
        "event_id": r["event_id"],
        "type": r["type"],
        "mmsi": r["mmsi"],
        "other_mmsi": r["other_mmsi"],
        "start": r["start_ms"],
        "end": r["end_ms"],
        "duration_h": r["duration_h"],
        "lat": r["lat"],
        "lon": r["lon"],
        "score": r["score"],
        "reasons": json.loads(r["reasons"]),
        "evidence": json.loads(r["evidence"]),
    }


def _event(r: sqlite3.Row) -> dict[str, Any]:
    return {**event_fields(r), "detected": bool(r["detected"]), "review": _review_of(r)}


def events(
    con: sqlite3.Connection,
    *,
    types: list[str] | None = None,
    min_score: float | None = None,
    start: int | None = None,
    end: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    statuses: list[str] | None = None,
    mmsi: int | None = None,
    limit: int = 500,
    offset: int = 0,
    evidence: str = "parsed",
) -> dict[str, Any]:
    """``evidence``: "parsed" (dicts), "raw" (the stored JSON text, for :func:`dumps`) or
    "none" (left out)."""
    where: list[str] = []
    args: list[Any] = []
    if types:
        where.append(f"e.type IN ({','.join('?' * len(types))})")
        args += types
    if min_score is not None:
        where.append("e.score >= ?")
        args.append(min_score)
    if start is not None:
        where.append("e.end_ms >= ?")
        args.append(start)
    if end is not None:
        where.append("e.start_ms <= ?")
        args.append(end)
    if bbox is not None:
        lo0, la0, lo1, la1 = bbox
        where.append("e.lat BETWEEN ? AND ?")
        args += [la0, la1]
        if lo0 <= lo1:
            where.append("e.lon BETWEEN ? AND ?")
            args += [lo0, lo1]
        else:  # across the antimeridian
            where.append("(e.lon >= ? OR e.lon <= ?)")
            args += [lo0, lo1]
    if statuses:
        where.append(f"coalesce(r.status, 'new') IN ({','.join('?' * len(statuses))})")
        args += statuses
    if mmsi is not None:
        where.append("(e.mmsi = ? OR e.other_mmsi = ?)")
        args += [mmsi, mmsi]
    sql = _EVENT_LIST + (" WHERE " + " AND ".join(where) if where else "")
    order = "score DESC, start_ms, event_id"
    page = _page(con, sql, args, order, limit, offset, _event_bare, "events")
    if evidence != "none" and page["events"]:
        ids = [e["event_id"] for e in page["events"]]
        found = dict(
            con.execute(
                f"SELECT event_id, evidence FROM serve_events WHERE event_id IN "
                f"({','.join('?' * len(ids))})",
                ids,
            ).fetchall()
        )
        for e in page["events"]:
            text = found.get(e["event_id"], "{}")
            e["evidence"] = RawJSON(text) if evidence == "raw" else json.loads(text)
    return {"offset": offset, **page}


def _page(
    con: sqlite3.Connection,
    sql: str,
    args: list[Any],
    order: str,
    limit: int,
    offset: int,
    row: Any,
    key: str,
) -> dict[str, Any]:
    """One page of ``sql`` and the total count, in one scan (a window count over the matches;
    a page past the end counts them separately)."""
    rows = con.execute(
        f"SELECT *, count(*) OVER () AS n_total FROM ({sql}) ORDER BY {order} LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    if rows:
        total = rows[0]["n_total"]
    else:
        total = con.execute(f"SELECT count(*) FROM ({sql})", args).fetchone()[0]
    return {"total": total, key: [row(r) for r in rows]}


def _event_bare(r: sqlite3.Row) -> dict[str, Any]:
    """An event without its evidence (for lists that do not show it)."""
    return {
        "event_id": r["event_id"],
        "type": r["type"],
        "mmsi": r["mmsi"],
        "other_mmsi": r["other_mmsi"],
        "start": r["start_ms"],
        "end": r["end_ms"],
        "duration_h": r["duration_h"],
        "lat": r["lat"],
        "lon": r["lon"],
        "score": r["score"],
        "reasons": json.loads(r["reasons"]),
        "detected": bool(r["detected"]),
        "review": _review_of(r),
    }


class RawJSON(str):
    """JSON text written into an answer as it is (the evidence investigate stored)."""


def dumps(page: dict[str, Any]) -> bytes:
    """A page of :func:`events` as JSON, each :class:`RawJSON` evidence spliced in unparsed (a
    parse and a re-encode of the evidence were most of a 500-event page's time)."""
    items = []
    for e in page["events"]:
        raw = e.get("evidence")
        if isinstance(raw, RawJSON):
            rest = {k: v for k, v in e.items() if k != "evidence"}
            text = json.dumps(rest, separators=(",", ":"), allow_nan=False)
            items.append(text[:-1] + ',"evidence":' + str(raw) + "}")
        else:
            items.append(json.dumps(e, separators=(",", ":"), allow_nan=False))
    head = {k: v for k, v in page.items() if k != "events"}
    text = json.dumps(head, separators=(",", ":"))[:-1] + ',"events":[' + ",".join(items) + "]}"
    return text.encode("utf-8")


def event_detail(con: sqlite3.Connection, event_id: str) -> dict[str, Any] | None:
    r = con.execute(_EVENT_SELECT + " WHERE e.event_id = ?", (event_id,)).fetchone()
    return None if r is None else _event(r)


def vessel_detail(con: sqlite3.Connection, mmsi: int) -> dict[str, Any] | None:
    r = con.execute(_VESSEL_SELECT + " WHERE v.mmsi = ?", (mmsi,)).fetchone()
    if r is None:
        return None
    out = _vessel(r)
    out["history"] = [
        dict(h)
        for h in con.execute(
            "SELECT t, name, callsign, imo, ship_type, destination, length_m, beam_m "
            "FROM serve_identity "
            "WHERE mmsi = ? ORDER BY t",
            (mmsi,),
        )
    ]
    imos = sorted(
        {h["imo"] for h in out["history"] if h["imo"]} | ({r["imo"]} if r["imo"] else set())
    )
    same: list[dict[str, Any]] = []
    if imos:
        for o in con.execute(
            f"SELECT i.mmsi, min(i.t) AS first_seen, max(i.t) AS last_seen, v.name, v.flag "
            f"FROM serve_identity i LEFT JOIN serve_vessels v ON v.mmsi = i.mmsi "
            f"WHERE i.imo IN ({','.join('?' * len(imos))}) AND i.mmsi != ? GROUP BY i.mmsi",
            [*imos, mmsi],
        ):
            same.append(dict(o))
    out["same_imo"] = same
    out["port_calls"] = [
        dict(p)
        for p in con.execute(
            "SELECT port, port_code, start_ms AS start, end_ms AS end, duration_h, confidence "
            "FROM serve_port_visits WHERE mmsi = ? ORDER BY start_ms",
            (mmsi,),
        )
    ]
    evs = con.execute(
        _EVENT_SELECT + " WHERE e.mmsi = ? OR e.other_mmsi = ? ORDER BY e.start_ms",
        (mmsi, mmsi),
    )
    out["events"] = [_event(e) for e in evs]
    return out
