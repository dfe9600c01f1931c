"""The Starlette application: pages, static assets and the JSON API (docs/serve-api.md).

:func:`build_app` takes a :class:`ServeConfig`; the store is loaded before the app is returned
(:func:`open_store`), so a bad input fails at start with one error line, not at the first
request. Every handler answers a bad parameter with 400 and a message (:class:`BadRequest`).
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from vessels import __version__
from vessels.pipeline.outputs import METHOD_TEXT
from vessels.schema import EVENT_TYPES
from vessels.serve import params as P
from vessels.serve.alerts import AlertSource
from vessels.serve.dossier import dossier_html
from vessels.serve.overview import build_overview
from vessels.serve.queries import dumps, event_detail, events, vessel_detail, vessels
from vessels.serve.reviews import (
    ReviewInputError,
    StaleVersion,
    audit,
    export_reviews_csv,
    export_reviews_geojson,
    get_review,
    put_review,
    validate,
)
from vessels.serve.security import CSP, SecurityConfig, SecurityMiddleware
from vessels.serve.store import REVIEW_STATUSES, Source, connect, init_schema, load_investigations
from vessels.serve.tracks import TrackIndex, tolerance_for_zoom, track_text
from vessels.textsafe import html_text

__all__ = ["ServeConfig", "build_app", "open_store"]

STATIC = (
    "serve.css",
    "serve.js",
    "report.js",
    "report.css",
)
ALERT_TYPES = (*EVENT_TYPES, "area_entry", "area_exit", "watchlist")


@dataclass
class ServeConfig:
    store: Path
    investigations: list[Path] = field(default_factory=list)
    watch_store: Path | None = None
    security: SecurityConfig = field(default_factory=SecurityConfig)
    sse_poll_s: float = 1.0


class State:
    """What the handlers share: one SQLite connection per thread, the track index, caches."""

    def __init__(self, cfg: ServeConfig, sources: list[Source]) -> None:
        self.cfg = cfg
        self.sources = sources
        self._local = threading.local()
        paths = [s.path / "tracks.parquet" for s in sources if s.has_tracks]
        self.track_paths = paths
        self.tracks = TrackIndex(paths) if paths else None
        self.alerts = AlertSource(cfg.watch_store) if cfg.watch_store else None
        self._overview: bytes | None = None
        self._lock = threading.Lock()
        self.threshold = 0.5
        self.title = "vessels review"
        self.should_stop: Callable[[], bool] = lambda: False  # set by the CLI to the server's
        for s in sources:
            try:
                summ = json.loads((s.path / "summary.json").read_text(encoding="utf-8"))
                self.threshold = float(summ["parameters"]["scoring"]["min_event_score"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
        if sources:
            self.title = ", ".join(s.path.name for s in sources)

    def con(self) -> sqlite3.Connection:
        c = getattr(self._local, "con", None)
        if c is None:
            c = self._local.con = connect(self.cfg.store)
        return c

    def overview(self) -> bytes:
        with self._lock:
            if self._overview is None:
                meta = {
                    "title": self.title,
                    "counts": self.counts(),
                    "version": __version__,
                    "method": METHOD_TEXT,
                    "serve": True,
                    "threshold": self.threshold,
                }
                folders = [s.path for s in self.sources]
                data = build_overview(self.con(), self.track_paths, meta, folders=folders)
                self._overview = json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
            return self._overview

    def counts(self) -> dict[str, int]:
        c = self.con()
        n_v = c.execute("SELECT count(*) FROM serve_vessels").fetchone()[0]
        n_f = c.execute("SELECT count(*) FROM serve_vessels WHERE risk_score > 0").fetchone()[0]
        n_e = c.execute("SELECT count(*) FROM serve_events WHERE detected = 1").fetchone()[0]
        pos = c.execute("SELECT coalesce(sum(positions), 0) FROM serve_vessels").fetchone()[0]
        return {"vessels": n_v, "flagged": n_f, "events": n_e, "positions": pos}


def open_store(cfg: ServeConfig) -> list[Source]:
    con = connect(cfg.store)
    try:
        init_schema(con)
        return load_investigations(con, cfg.investigations) if cfg.investigations else []
    finally:
        con.close()


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"cache-control": "no-store"})


def _err(status: int, message: str, **extra: Any) -> JSONResponse:
    return _json({"error": message, **extra}, status)


def _mark(st: State, ev: dict[str, Any]) -> dict[str, Any]:
    ev["counting"] = ev["score"] >= st.threshold
    return ev


def _asset(name: str) -> bytes:
    return (resources.files("dashboards") / "static" / name).read_bytes()


def serve_page(title: str) -> bytes:
    """The dashboard page: the report's own markup (dashboards/static/report.html), with the
    styles and scripts as files from this server instead of inline, and no data block (report.js
    then loads /api/overview; serve.js adds search, filters, reviews and alerts)."""
    html = _asset("report.html").decode("utf-8")
    parts = {
        # the header carries the full policy; a <meta> policy may not hold frame-ancestors
        "CSP": html_text(CSP.replace(" frame-ancestors 'none';", "")),
        "TITLE": html_text(title),
        "STYLE": "",
        "DATA": "",
        "SCRIPT": "",
    }
    html = html.replace(
        "<style>{{STYLE}}</style>",
        '<link rel="stylesheet" href="static/report.css">'
        '<link rel="stylesheet" href="static/serve.css">',
    )
    html = re.sub(
        r'<script type="application/json" id="vessels-data">\{\{DATA\}\}</script>\n?', "", html
    )
    html = html.replace(
        "<script>{{SCRIPT}}</script>",
        '<script src="static/serve.js"></script><script src="static/report.js"></script>',
    )
    html = re.sub(r"\{\{([A-Z]+)\}\}", lambda m: parts[m.group(1)], html)
    return html.encode("utf-8")


_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8"}  # fmt: skip


def build_app(cfg: ServeConfig, sources: list[Source] | None = None) -> Starlette:
    if sources is None:
        sources = open_store(cfg)
    st = State(cfg, sources)

    page_html = serve_page(f"{st.title} · vessels serve")

    async def page(request: Request) -> Response:
        return Response(page_html, media_type=_TYPES[".html"],
                        headers={"cache-control": "no-store"})  # fmt: skip

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found", status_code=404)
        return Response(_asset(name), media_type=_TYPES[Path(name).suffix])

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)  # no icon; an answer, so no 404 on the console

    def meta(request: Request) -> Response:
        return _json(
            {
                "title": st.title,
                "version": __version__,
                "counts": st.counts(),
                "threshold": st.threshold,
                "statuses": list(REVIEW_STATUSES),
                "types": list(EVENT_TYPES),
                "sources": [str(s.path) for s in st.sources],
                "tracks": st.tracks is not None,
                "live": st.alerts is not None,
            }
        )

    def overview(request: Request) -> Response:
        return Response(st.overview(), media_type="application/json",
                        headers={"cache-control": "no-store"})  # fmt: skip

    def list_vessels(request: Request) -> Response:
        q = request.query_params
        return _json(
            vessels(
                st.con(),
                q=P.text(q, "q"),
                min_score=P.number(q, "min_score", 0.0, 1.0),
                flags=[f for f in (P.text(q, "flag") or "").split(",") if f] or None,
                statuses=P.choice(q, "status", REVIEW_STATUSES),
                ship_type=P.text(q, "ship_type"),
                limit=P.integer(q, "limit", 200, 1, 5000),
                offset=P.integer(q, "offset", 0),
            )
        )

    def _mmsi(request: Request) -> int:
        v = request.path_params["mmsi"]
        if not v.isdigit() or len(v) > 9:
            raise P.BadRequest(f"mmsi: expected up to 9 digits, got {v[:20]!r}")
        return int(v)

    def one_vessel(request: Request) -> Response:
        d = vessel_detail(st.con(), _mmsi(request))
        if d is None:
            return _err(404, "no such vessel in the loaded investigations")
        for e in d["events"]:
            _mark(st, e)
        return _json(d)

    def track(request: Request) -> Response:
        mmsi = _mmsi(request)
        q = request.query_params
        fmt = (P.choice(q, "format", ("json", "geojson", "csv", "kml")) or ["json"])[0]
        start, end = P.time_ms(q, "start"), P.time_ms(q, "end")
        if start is not None and end is not None and end < start:
            raise P.BadRequest("end is before start")
        zoom = P.number(q, "zoom", 0, 24)
        if st.tracks is None:
            return _err(404, "no tracks.parquet in the loaded investigations (re-run investigate)")
        tol = tolerance_for_zoom(zoom) if zoom is not None else 0.0
        tr = st.tracks.read(mmsi, start, end, tol)
        row = st.con().execute("SELECT name FROM serve_vessels WHERE mmsi = ?", (mmsi,)).fetchone()
        body, media = track_text(tr, fmt, row["name"] if row else None)
        headers = {"cache-control": "no-store"}
        if fmt != "json":
            headers["content-disposition"] = f'attachment; filename="track-{mmsi}.{fmt}"'
        return Response(body, media_type=media, headers=headers)

    def dossier(request: Request) -> Response:
        mmsi = _mmsi(request)
        d = vessel_detail(st.con(), mmsi)
        if d is None:
            return _err(404, "no such vessel in the loaded investigations")
        for e in d["events"]:
            _mark(st, e)
        tr = st.tracks.read(mmsi, None, None, tolerance_for_zoom(10)) if st.tracks else None
        html = dossier_html(d, tr, audit(st.con(), "vessel", str(mmsi)), st.title)
        return Response(html, media_type="text/html; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="dossier-{mmsi}.html"',
            "cache-control": "no-store"})  # fmt: skip

    def list_events(request: Request) -> Response:
        q = request.query_params
        start, end = P.time_ms(q, "start"), P.time_ms(q, "end")
        if start is not None and end is not None and end < start:
            raise P.BadRequest("end is before start")
        mm = P.text(q, "mmsi")
        if mm is not None and not mm.isdigit():
            raise P.BadRequest("mmsi: expected digits")
        out = events(
            st.con(),
            types=P.choice(q, "type", EVENT_TYPES),
            min_score=P.number(q, "min_score", 0.0, 1.0),
            start=start,
            end=end,
            bbox=P.bbox(q),
            statuses=P.choice(q, "status", REVIEW_STATUSES),
            mmsi=int(mm) if mm else None,
            limit=P.integer(q, "limit", 500, 1, 10000),
            offset=P.integer(q, "offset", 0),
            evidence="none" if q.get("evidence") == "0" else "raw",
        )
        if q.get("evidence") not in (None, "", "0", "1"):
            raise P.BadRequest("evidence: 1 (default) or 0")
        for e in out["events"]:
            _mark(st, e)
        return Response(dumps(out), media_type="application/json",
                        headers={"cache-control": "no-store"})  # fmt: skip

    def _event_id(request: Request) -> str:
        eid = request.path_params["event_id"]
        if not eid or len(eid) > 200:
            raise P.BadRequest("event_id: 1 to 200 characters")
        return str(eid)

    def one_event(request: Request) -> Response:
        eid = _event_id(request)
        d = event_detail(st.con(), eid)
        if d is None and st.alerts is not None:
            d = st.alerts.get(eid)
            if d is not None:
                r = get_review(st.con(), "event", eid)
                d["review"] = r.as_dict() if r else {"status": "new", "version": 0}
                d["detected"] = d.get("state") != "retracted"
        if d is None:
            return _err(404, "no such event")
        if "score" in d and d["score"] is not None:
            _mark(st, d)
        return _json(d)

    async def _review(request: Request, kind: str, key: str) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _err(400, "the body must be JSON {status, note, reviewer, version}")
        try:
            status, note, reviewer, version = validate(body)
        except ReviewInputError as exc:
            return _err(400, str(exc))
        if kind == "event":
            known = event_detail(st.con(), key) is not None or (
                st.alerts is not None and st.alerts.get(key) is not None
            )
        else:
            known = vessel_detail(st.con(), int(key)) is not None
        if not known and get_review(st.con(), kind, key) is None:
            return _err(404, f"no such {kind}")

        def write() -> Any:
            con = connect(cfg.store)  # its own connection: BEGIN IMMEDIATE per write
            try:
                return put_review(con, kind, key, status, note, reviewer, version)
            finally:
                con.close()

        try:
            new = await asyncio.to_thread(write)
        except StaleVersion as exc:
            return _err(
                409,
                f"someone else changed this review: {exc}",
                current=exc.current.as_dict(),
            )
        return _json(new.as_dict())

    async def review_event(request: Request) -> Response:
        return await _review(request, "event", _event_id(request))

    async def review_vessel(request: Request) -> Response:
        return await _review(request, "vessel", str(_mmsi(request)))

    def get_audit(request: Request) -> Response:
        q = request.query_params
        eid, mm = P.text(q, "event_id"), P.text(q, "mmsi")
        if eid and mm:
            raise P.BadRequest("give event_id or mmsi, not both")
        if mm is not None and not mm.isdigit():
            raise P.BadRequest("mmsi: expected digits")
        limit = P.integer(q, "limit", 1000, 1, 100000)
        if eid:
            rows = audit(st.con(), "event", eid, limit)
        elif mm:
            rows = audit(st.con(), "vessel", mm, limit)
        else:
            rows = audit(st.con(), limit=limit)
        return _json({"audit": rows})

    def export(request: Request) -> Response:
        fmt = (P.choice(request.query_params, "format", ("csv", "geojson")) or ["csv"])[0]
        if fmt == "csv":
            return Response(export_reviews_csv(st.con()), media_type="text/csv; charset=utf-8",
                            headers={"content-disposition": 'attachment; filename="reviews.csv"'})  # fmt: skip
        return JSONResponse(export_reviews_geojson(st.con()), media_type="application/geo+json",
                            headers={"content-disposition": 'attachment; filename="reviews.geojson"'})  # fmt: skip

    def list_alerts(request: Request) -> Response:
        limit = P.integer(request.query_params, "limit", 200, 1, 5000)
        return _json({"alerts": st.alerts.latest(limit) if st.alerts else []})

    async def alert_stream(request: Request) -> Response:
        src = st.alerts
        last = request.headers.get("last-event-id") or request.query_params.get("since")
        if last is not None and not last.isdigit():
            raise P.BadRequest("since / Last-Event-ID: expected the integer seq of an alert")
        once = request.query_params.get("once") == "1"  # for scripts: what is there, then end

        async def gen() -> AsyncIterator[bytes]:
            seq = int(last) if last is not None else (
                await asyncio.to_thread(src.last_seq) if src else 0)  # fmt: skip
            yield b"retry: 3000\n: connected\n\n"
            while True:
                rows = await asyncio.to_thread(src.since, seq) if src else []
                for a in rows:
                    seq = max(seq, int(a["seq"]))
                    data = json.dumps(a, separators=(",", ":"))
                    yield f"id: {a['seq']}\nevent: alert\ndata: {data}\n\n".encode()
                if once or st.should_stop() or await request.is_disconnected():
                    return
                if not rows:
                    yield b": keep-alive\n\n"
                    await asyncio.sleep(cfg.sse_poll_s)

        return StreamingResponse(gen(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store", "x-accel-buffering": "no"})  # fmt: skip

    async def bad_request(request: Request, exc: Exception) -> Response:
        return _err(400, str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        return _err(404, "not found")

    async def server_error(request: Request, exc: Exception) -> Response:
        return _err(500, f"internal error: {type(exc).__name__}")

    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/favicon.ico", favicon),
        Route("/api/meta", meta),
        Route("/api/overview", overview),
        Route("/api/vessels", list_vessels),
        Route("/api/vessels/{mmsi}", one_vessel),
        Route("/api/vessels/{mmsi}/track", track),
        Route("/api/vessels/{mmsi}/dossier", dossier),
        Route("/api/vessels/{mmsi}/review", review_vessel, methods=["PUT"]),
        Route("/api/events", list_events),
        Route("/api/events/{event_id}", one_event),
        Route("/api/events/{event_id}/review", review_event, methods=["PUT"]),
        Route("/api/audit", get_audit),
        Route("/api/reviews/export", export),
        Route("/api/alerts", list_alerts),
        Route("/api/alerts/stream", alert_stream),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={P.BadRequest: bad_request, 404: not_found, 500: server_error},
    )
    app.state.serve = st
    app.add_middleware(SecurityMiddleware, config=cfg.security)
    return app
