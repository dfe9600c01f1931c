"""`vessels serve` JSON API: every endpoint, with its 400/401/403/404/409/413 paths."""

from __future__ import annotations

import csv
import io
import itertools
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.investigate_fixtures import EVIL_CSV, EVIL_HTML
from tests.serve_fixtures import EVIL_SVG, GAP_MMSI, LOITER_MMSI, PAIR, make_investigation
from vessels.serve.app import ServeConfig, build_app
from vessels.serve.security import SecurityConfig

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def inv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_investigation(tmp_path_factory.mktemp("serve") / "inv")


def client(inv: Path, store: Path, **sec: Any) -> TestClient:
    cfg = ServeConfig(
        store=store,
        investigations=[inv],
        security=SecurityConfig(**sec) if sec else SecurityConfig(),
    )
    return TestClient(build_app(cfg), base_url=BASE)


@pytest.fixture
def api(inv: Path, tmp_path: Path) -> TestClient:
    c = client(inv, tmp_path / "store.db")
    assert c.get("/").status_code == 200  # the page load sets the vessels_csrf cookie
    return c


def put(c: TestClient, url: str, body: Any, **headers: str) -> Any:
    h = {"x-csrf-token": c.cookies.get("vessels_csrf") or "", "origin": BASE, **headers}
    return c.put(url, content=json.dumps(body), headers=h)


def gap_event(c: TestClient) -> dict[str, Any]:
    evs = c.get("/api/events", params={"type": "gap"}).json()["events"]
    assert len(evs) == 1
    return evs[0]


def test_vessels_search_and_filters(api: TestClient) -> None:
    all_v = api.get("/api/vessels").json()
    assert all_v["total"] == 6
    assert next(v["mmsi"] for v in all_v["vessels"]) == GAP_MMSI  # highest risk first
    # search by current name, a former name, MMSI, IMO (finds both MMSIs of one hull), callsign
    assert [v["mmsi"] for v in api.get("/api/vessels?q=onerror").json()["vessels"]] == [GAP_MMSI]
    assert [v["mmsi"] for v in api.get("/api/vessels?q=ocean one").json()["vessels"]] == [GAP_MMSI]
    assert api.get(f"/api/vessels?q={PAIR[1]}").json()["total"] == 1
    assert {v["mmsi"] for v in api.get("/api/vessels?q=9074729").json()["vessels"]} == {
        GAP_MMSI,
        LOITER_MMSI,
    }
    assert api.get("/api/vessels?q=100%25").json()["total"] == 0  # LIKE wildcards are literal
    flagged = api.get("/api/vessels?min_score=0.01").json()
    assert flagged["total"] == 4 and all(v["risk_score"] >= 0.01 for v in flagged["vessels"])
    assert api.get("/api/vessels?flag=ES").json()["total"] == 6
    assert api.get("/api/vessels?flag=FR").json()["total"] == 0
    assert api.get("/api/vessels?status=confirmed").json()["total"] == 0
    assert api.get("/api/vessels?status=new").json()["total"] == 6
    page = api.get("/api/vessels?limit=2&offset=2").json()
    assert len(page["vessels"]) == 2 and page["offset"] == 2


def test_vessel_profile(api: TestClient) -> None:
    v = api.get(f"/api/vessels/{GAP_MMSI}").json()
    assert v["name"] == EVIL_HTML
    assert [h["name"] for h in v["history"]] == ["OCEAN ONE", EVIL_HTML]
    assert v["history"][0]["length_m"] == 30  # bow 20 m + stern 10 m from the static report
    assert [o["mmsi"] for o in v["same_imo"]] == [LOITER_MMSI]
    assert [(e["type"], e["counting"]) for e in v["events"]] == [
        ("gap", True),
        ("loitering", False),  # below the threshold: context, not counted
    ]
    assert v["review"]["version"] == 0
    assert api.get("/api/vessels/999999999").status_code == 404
    loit = api.get(f"/api/vessels/{LOITER_MMSI}").json()
    assert loit["name"] == EVIL_SVG
    weak = [e for e in api.get("/api/events").json()["events"] if not e["counting"]]
    assert weak and all(e["score"] < 0.5 for e in weak)  # context only: not counted


def test_events_filters(api: TestClient) -> None:
    every = api.get("/api/events").json()
    assert every["total"] == 6
    gap = gap_event(api)
    assert api.get("/api/events?type=gap,encounter").json()["total"] == 2
    assert all(e["score"] >= 0.5 for e in api.get("/api/events?min_score=0.5").json()["events"])
    assert api.get("/api/events?min_score=0.5").json()["total"] < every["total"]
    # time window: events overlapping [start, end]; ISO and ms forms agree
    iso = api.get(
        "/api/events", params={"start": "2023-11-15T07:00:00Z", "end": "2023-11-15T08:00:00Z"}
    ).json()
    ms = api.get("/api/events", params={"start": "1700031600000", "end": "1700035200000"}).json()
    assert iso["total"] == ms["total"] and gap["event_id"] in {e["event_id"] for e in iso["events"]}
    # bbox in GeoJSON order
    assert api.get("/api/events?bbox=-7.1,4.2,-6.9,4.4").json()["total"] >= 1
    assert api.get("/api/events?bbox=100,0,110,10").json()["total"] == 0
    assert api.get(f"/api/events?mmsi={PAIR[0]}").json()["total"] == 1
    one = api.get(f"/api/events/{gap['event_id']}").json()
    assert one["evidence"] == gap["evidence"] and one["detected"] is True
    assert api.get("/api/events/nope").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/vessels?min_score=abc",
        "/api/vessels?min_score=2",
        "/api/vessels?status=done",
        "/api/vessels?limit=0",
        "/api/vessels?limit=x",
        "/api/vessels?q=" + "a" * 300,
        "/api/vessels/12x",
        "/api/vessels/1234567890",
        "/api/events?type=fishing",
        "/api/events?start=yesterday",
        "/api/events?start=2023-11-16&end=2023-11-15",
        "/api/events?bbox=1,2,3",
        "/api/events?bbox=0,50,10,40",
        "/api/events?min_score=nan",
        "/api/events?mmsi=abc",
        f"/api/vessels/{GAP_MMSI}/track?format=shp",
        f"/api/vessels/{GAP_MMSI}/track?zoom=99",
        f"/api/vessels/{GAP_MMSI}/track?start=x",
        "/api/audit?event_id=a&mmsi=1",
        "/api/reviews/export?format=xlsx",
        "/api/alerts/stream?since=abc",
    ],
)
def test_bad_parameters_get_400(api: TestClient, url: str) -> None:
    r = api.get(url)
    assert r.status_code == 400, (url, r.status_code, r.text)
    assert r.json()["error"]


def test_track_formats_never_join_silences(api: TestClient) -> None:
    tr = api.get(f"/api/vessels/{GAP_MMSI}/track").json()
    assert tr["raw_points"] == tr["points"] > 100
    # the 12-hour silence splits the track: two pieces, and no step inside a piece spans it
    assert len(tr["pieces"]) == 2
    for p in tr["pieces"]:
        assert max(b - a for a, b in itertools.pairwise(p["t"])) <= 2 * 3_600_000
    coarse = api.get(f"/api/vessels/{GAP_MMSI}/track?zoom=3").json()
    assert len(coarse["pieces"]) == 2 and coarse["points"] < tr["points"]
    part = api.get(
        f"/api/vessels/{GAP_MMSI}/track", params={"start": "2023-11-15T00:00:00Z"}
    ).json()
    assert all(t >= 1_700_006_400_000 for p in part["pieces"] for t in p["t"])
    gj = api.get(f"/api/vessels/{GAP_MMSI}/track?format=geojson")
    assert gj.headers["content-type"].startswith("application/geo+json")
    feats = gj.json()["features"]
    assert [f["geometry"]["type"] for f in feats] == ["LineString", "LineString"]
    assert feats[0]["properties"]["name"] == EVIL_HTML
    rows = list(
        csv.DictReader(io.StringIO(api.get(f"/api/vessels/{GAP_MMSI}/track?format=csv").text))
    )
    assert len(rows) == tr["points"] and {r["piece"] for r in rows} == {"0", "1"}
    kml = api.get(f"/api/vessels/{GAP_MMSI}/track?format=kml")
    root = ET.fromstring(kml.content)  # well-formed despite the hostile name
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert len(root.findall(".//k:LineString", ns)) == 2
    assert EVIL_HTML in (root.find("k:Document/k:name", ns).text or "")  # type: ignore[union-attr]
    assert "attachment" in kml.headers["content-disposition"]


def test_review_locking_audit_and_export(api: TestClient, tmp_path: Path) -> None:
    gap = gap_event(api)
    url = f"/api/events/{gap['event_id']}/review"
    r1 = put(api, url, {"status": "reviewing", "note": "checking", "reviewer": "ana", "version": 0})
    assert r1.status_code == 200 and r1.json()["version"] == 1
    r2 = put(api, url, {"status": "confirmed", "note": EVIL_CSV, "reviewer": "ana", "version": 1})
    assert r2.json()["version"] == 2
    stale = put(api, url, {"status": "dismissed", "note": "", "reviewer": "bo", "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["current"]["status"] == "confirmed" and body["current"]["reviewer"] == "ana"
    assert "ana" in body["error"]
    assert api.get(f"/api/events/{gap['event_id']}").json()["review"]["status"] == "confirmed"
    assert api.get("/api/events?status=confirmed").json()["total"] == 1
    # vessel review
    rv = put(api, f"/api/vessels/{GAP_MMSI}/review",
             {"status": "escalated", "note": "", "reviewer": "ana", "version": 0})  # fmt: skip
    assert rv.status_code == 200
    assert api.get("/api/vessels?status=escalated").json()["total"] == 1
    # bad bodies
    for bad in (
        {"status": "done", "note": "", "reviewer": "a", "version": 2},
        {"status": "confirmed", "note": "", "reviewer": "", "version": 2},
        {"status": "confirmed", "note": "", "reviewer": "a", "version": "2"},
        {"status": "confirmed", "note": "", "reviewer": "a", "version": 2, "extra": 1},
        [],
    ):
        assert put(api, url, bad).status_code == 400
    assert api.put(url, content=b"{", headers={"x-csrf-token": api.cookies["vessels_csrf"],
                                              "origin": BASE}).status_code == 400  # fmt: skip
    assert put(api, "/api/events/nope/review",
               {"status": "confirmed", "note": "", "reviewer": "a", "version": 0}).status_code == 404  # fmt: skip
    # audit: every change, newest first, and nothing can rewrite it
    aud = api.get("/api/audit", params={"event_id": gap["event_id"]}).json()["audit"]
    assert [(a["version"], a["status"], a["prev_status"]) for a in aud] == [
        (2, "confirmed", "reviewing"),
        (1, "reviewing", None),
    ]
    assert len(api.get(f"/api/audit?mmsi={GAP_MMSI}").json()["audit"]) == 1
    store = api.app.state.serve.cfg.store  # type: ignore[attr-defined]
    con = sqlite3.connect(store)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE serve_audit SET status = 'dismissed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM serve_audit")
    con.close()
    # export: CSV with the hostile note neutralised, GeoJSON with the event's point
    rows = list(csv.DictReader(io.StringIO(api.get("/api/reviews/export?format=csv").text)))
    assert {r["kind"] for r in rows} == {"event", "vessel"}
    ev_row = next(r for r in rows if r["kind"] == "event")
    assert ev_row["note"] == "'" + EVIL_CSV and ev_row["detected"] == "yes"
    gj = api.get("/api/reviews/export?format=geojson").json()
    pt = next(f for f in gj["features"] if f["properties"]["kind"] == "event")
    assert pt["geometry"]["coordinates"] == [gap["lon"], gap["lat"]]


def test_reviews_survive_a_rerun(inv: Path, tmp_path: Path) -> None:
    """An event a re-run no longer finds keeps its review, shown as no longer detected."""
    import pyarrow.parquet as pq

    store = tmp_path / "store.db"
    c = client(inv, store)
    c.get("/")
    gap = gap_event(c)
    put(c, f"/api/events/{gap['event_id']}/review",
        {"status": "confirmed", "note": "seen", "reviewer": "ana", "version": 0})  # fmt: skip
    enc = c.get("/api/events?type=encounter").json()["events"][0]
    # the re-run: same folder layout, the gap and the encounter gone
    rerun = tmp_path / "rerun"
    rerun.mkdir()
    for f in inv.iterdir():
        (rerun / f.name).write_bytes(f.read_bytes())
    ev = pq.read_table(rerun / "events.parquet").to_pandas()
    ev = ev[~ev["type"].isin(["gap", "encounter"])]
    import pyarrow as pa

    pq.write_table(pa.Table.from_pandas(ev, preserve_index=False), rerun / "events.parquet")
    c2 = client(rerun, store)
    again = c2.get(f"/api/events/{gap['event_id']}").json()
    assert again["detected"] is False and again["review"]["status"] == "confirmed"
    assert c2.get(f"/api/events/{enc['event_id']}").status_code == 404  # unreviewed: gone
    rows = list(csv.DictReader(io.StringIO(c2.get("/api/reviews/export").text)))
    assert rows[0]["detected"] == "no longer"


def test_csrf_origin_size_and_headers(api: TestClient) -> None:
    gap = gap_event(api)
    url = f"/api/events/{gap['event_id']}/review"
    body = {"status": "confirmed", "note": "", "reviewer": "a", "version": 0}
    assert put(api, url, body, **{"x-csrf-token": "forged"}).status_code == 403
    no_header = api.put(url, content=json.dumps(body), headers={"origin": BASE})
    assert no_header.status_code == 403
    assert put(api, url, body, origin="http://evil.example").status_code == 403
    r = api.put(url, content=json.dumps(body),
                headers={"x-csrf-token": api.cookies["vessels_csrf"]})  # fmt: skip
    assert r.status_code == 403  # no Origin at all
    big = {**body, "note": "x" * 100_000}
    assert put(api, url, big).status_code == 413
    assert api.get(f"/api/events/{gap['event_id']}").json()["review"]["version"] == 0
    # DNS rebinding: a foreign Host is refused
    assert api.get("/api/meta", headers={"host": "evil.example"}).status_code == 400
    page = api.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert api.get("/static/serve.js").status_code == 200
    assert api.get("/static/../store.db").status_code == 404
    assert api.get("/static/secret.py").status_code == 404


def test_token_for_other_binds(inv: Path, tmp_path: Path) -> None:
    sec = SecurityConfig.for_bind("0.0.0.0", 8000)
    assert sec.token  # any non-loopback bind gets a token
    c = TestClient(
        build_app(ServeConfig(store=tmp_path / "s.db", investigations=[inv], security=sec)),
        base_url=BASE,
        follow_redirects=False,
    )
    assert c.get("/api/meta").status_code == 401
    assert c.get("/").status_code == 401
    assert c.get("/?token=wrong").status_code == 401
    r = c.get(f"/?token={sec.token}&vessel=1")
    assert r.status_code == 303 and r.headers["location"] == "/?vessel=1"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert c.get("/api/meta").status_code == 200  # the cookie now carries the token
    assert SecurityConfig.for_bind("127.0.0.1", 8000).token is None


def test_alerts_from_the_watch_store(inv: Path, tmp_path: Path) -> None:
    from vessels.watch.alert import Alert
    from vessels.watch.store import AlertStore

    watch_db = tmp_path / "watch.db"
    ws = AlertStore(watch_db)

    def alert(version: int, state: str, lists: list[str]) -> Alert:
        return Alert(alert_id="live-1", version=version, state=state, type="gap",
                     mmsi=GAP_MMSI, other_mmsi=None, start_ms=1_700_000_000_000,
                     end_ms=1_700_003_600_000, lat=4.0, lon=-7.0, score=0.8,
                     reasons=[EVIL_HTML], evidence={"points_before": 3},
                     trigger_time_ms=1_700_003_600_000, emitted_at_ms=1_700_003_600_500,
                     lists=lists)  # fmt: skip

    ws.write([alert(1, "open", [])])
    cfg = ServeConfig(store=tmp_path / "s.db", investigations=[inv], watch_store=watch_db)
    c = TestClient(build_app(cfg), base_url=BASE)
    latest = c.get("/api/alerts").json()["alerts"]
    assert [a["alert_id"] for a in latest] == ["live-1"] and latest[0]["badges"] == []
    ws.write([alert(2, "update", ["sanctions"])])
    ws.close()
    with c.stream("GET", "/api/alerts/stream?since=0&once=1") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    datas = [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]
    assert [(d["version"], d["badges"]) for d in datas] == [(1, []), (2, ["watchlist"])]
    assert "id: 2" in text
    # a live alert can be opened and reviewed like an event
    assert c.get("/api/events/live-1").json()["review"]["version"] == 0
    c.get("/")
    assert put(c, "/api/events/live-1/review",
               {"status": "reviewing", "note": "", "reviewer": "w", "version": 0}).status_code == 200  # fmt: skip


def test_dossier_and_overview(api: TestClient) -> None:
    d = api.get(f"/api/vessels/{GAP_MMSI}/dossier")
    assert d.status_code == 200 and "attachment" in d.headers["content-disposition"]
    html = d.text
    assert EVIL_HTML not in html and "&lt;IMG SRC=X ONERROR=ALERT(1)&gt;" in html
    assert "<script" not in html.lower() and "@page" in html
    assert "points after" in html  # evidence as a table of plain names, not JSON
    ov = api.get("/api/overview").json()
    assert {v["mmsi"] for v in ov["vessels"]} == {GAP_MMSI, *PAIR, LOITER_MMSI}
    assert ov["tracks"]["n"] > 0 and ov["land"]["w"] > 0 and ov["density"]["counts"]
    # port labels for the map: UN/LOCODE ports near the data (off Cote d'Ivoire)
    lat0, lat1 = ov["land"]["lat_max"] - ov["land"]["h"] * ov["land"]["step"], ov["land"]["lat_max"]
    assert {"Abidjan", "San Pedro"} <= {p[2] for p in ov["ports"]}
    # the SAR scene's footprint, written by investigate as sar_scenes.geojson
    assert [(sc["id"], len(sc["rings"][0])) for sc in ov["scenes"]] == [("S1A_TEST_SCENE", 5)]
    assert all(lat0 <= p[0] <= lat1 for p in ov["ports"])


def test_port_calls_on_the_profile(inv: Path, tmp_path: Path) -> None:
    """Port visits that investigate wrote (port_visits.parquet) show on the profile and the
    dossier."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    copy = tmp_path / "inv"
    copy.mkdir()
    for f in inv.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    ts = pa.timestamp("ms", tz="UTC")
    pq.write_table(
        pa.table(
            {
                "mmsi": pa.array([GAP_MMSI], pa.uint32()),
                "port": ["Abidjan"],
                "port_code": ["CIABJ"],
                "start": pa.array([1_700_000_000_000], pa.int64()).cast(ts),
                "end": pa.array([1_700_036_000_000], pa.int64()).cast(ts),
                "duration_h": [10.0],
                "confidence": pa.array([3], pa.int8()),
            }
        ),
        copy / "port_visits.parquet",
    )
    c = client(copy, tmp_path / "s.db")
    calls = c.get(f"/api/vessels/{GAP_MMSI}").json()["port_calls"]
    assert calls == [
        {"port": "Abidjan", "port_code": "CIABJ", "start": 1_700_000_000_000,
         "end": 1_700_036_000_000, "duration_h": 10.0, "confidence": 3}
    ]  # fmt: skip
    assert "Abidjan (CIABJ)" in c.get(f"/api/vessels/{GAP_MMSI}/dossier").text
    assert c.get(f"/api/vessels/{PAIR[0]}").json()["port_calls"] == []


def test_two_overlapping_investigations(inv: Path, tmp_path: Path) -> None:
    """Two folders holding the same data: one vessel list, one set of events, each track once."""
    copy = tmp_path / "again"
    copy.mkdir()
    for f in inv.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    one = client(inv, tmp_path / "one.db")
    cfg = ServeConfig(store=tmp_path / "two.db", investigations=[inv, copy])
    two = TestClient(build_app(cfg), base_url=BASE)
    assert two.get("/api/vessels").json()["total"] == one.get("/api/vessels").json()["total"]
    assert two.get("/api/events").json()["total"] == one.get("/api/events").json()["total"]
    t1 = one.get(f"/api/vessels/{GAP_MMSI}/track").json()
    t2 = two.get(f"/api/vessels/{GAP_MMSI}/track").json()
    assert t2["raw_points"] == t1["raw_points"] and len(t2["pieces"]) == len(t1["pieces"]) == 2
    assert (
        two.get("/api/overview").json()["tracks"]["n"]
        == one.get("/api/overview").json()["tracks"]["n"]
    )
