"""Webhook sink against a real HTTP receiver on 127.0.0.1 that fails the first posts, then is
slow: every alert arrives, in order; writing never waits for the receiver; a full queue
dead-letters and counts. Areas and watchlists read from files."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from vessels.errors import InputError
from vessels.watch.alert import Alert
from vessels.watch.areas import Areas, Watchlist
from vessels.watch.sinks import WebhookSink


def _alert(i: int) -> Alert:
    return Alert(
        alert_id=f"a{i:03d}", version=1, state="final", type="area_entry", mmsi=100 + i,
        other_mmsi=None, start_ms=i, end_ms=i, lat=0.0, lon=0.0, score=None,
        reasons=["</script>"], evidence={}, trigger_time_ms=i, emitted_at_ms=i, kind="area",
    )  # fmt: skip


class _Receiver:
    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.posts = 0
        self.got: list[str] = []
        self.gate = threading.Event()
        rec = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                rec.gate.wait(30)
                rec.posts += 1
                if rec.posts <= rec.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    return
                threading.Event().wait(0.02)  # slow
                rec.got.append(json.loads(body)["alert_id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/hook"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.gate.set()
        self.srv.shutdown()


def test_webhook_retries_in_order_and_never_blocks(tmp_path: Path) -> None:
    rec = _Receiver(fail_first=3)
    sink = WebhookSink(rec.url, tmp_path / "dead.jsonl", retries=5, backoff_s=0.01)
    alerts = [_alert(i) for i in range(25)]
    sink.write(alerts)  # returns while the receiver still holds the first post
    assert sink.depth >= 24
    rec.gate.set()
    assert sink.drain(30.0)
    assert rec.got == [a.alert_id for a in alerts]
    assert sink.counts["sent"] == 25 and sink.counts["retries"] == 3
    assert sink.counts["delayed"] == 1 and sink.counts["dead_lettered"] == 0
    sink.close()
    rec.close()


def test_webhook_full_queue_and_dead_receiver_go_to_dead_letter(tmp_path: Path) -> None:
    dead = tmp_path / "dead.jsonl"
    rec = _Receiver(fail_first=10**6)
    sink = WebhookSink(rec.url, dead, max_queue=2, retries=1, backoff_s=0.01)
    sink.write([_alert(i) for i in range(10)])  # one in flight (held), two queued, rest dropped
    assert sink.counts["dropped"] >= 7
    rec.gate.set()
    assert sink.drain(30.0)
    lines = [json.loads(x) for x in dead.read_text().splitlines()]
    assert len(lines) == 10 and sink.counts["dead_lettered"] == 10
    assert {x["alert_id"] for x in lines} == {f"a{i:03d}" for i in range(10)}
    assert any("queue full" in x["dead_letter_reason"] for x in lines)
    assert any("undelivered after 2 tries" in x["dead_letter_reason"] for x in lines)
    sink.close()
    rec.close()


def test_areas_and_watchlist(tmp_path: Path) -> None:
    geo = tmp_path / "a.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Box"}, "geometry": {"type": "Polygon",
         "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon",
         "coordinates": [[[[10, 10], [11, 10], [11, 11], [10, 10]]]]}},
    ]}))  # fmt: skip
    areas = Areas.read(geo)
    assert areas.names == ["Box", "area 2"]
    i, a = areas.hits(np.array([1.0, 5.0, 10.2, 2.0]), np.array([1.0, 5.0, 10.5, 1.0]))
    assert sorted(zip(i.tolist(), a.tolist(), strict=True)) == [(0, 0), (2, 1), (3, 0)]
    bad = tmp_path / "b.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                   '"geometry": {"type": "Point", "coordinates": [0, 0]}}]}')  # fmt: skip
    with pytest.raises(InputError, match="Polygon"):
        Areas.read(bad)
    wl_path = tmp_path / "w.csv"
    wl_path.write_text(
        "mmsi,imo,name,list\n123456789,,,sanctions\n,9074729,,iuu\n,,Sea  Star,iuu\n"
    )
    wl = Watchlist.read(wl_path)
    assert wl.labels(123456789) == ["sanctions"] and wl.labels(5) == []
    import pyarrow as pa

    static = pa.table(
        {"mmsi": [5, 6, 7], "imo": [9074729, None, 1], "name": ["X", "SEA STAR", None]}
    )
    assert sorted(wl.learn(static)) == [(5, "iuu", "imo"), (6, "iuu", "name")]
    assert wl.labels(6) == ["iuu"] and wl.watched() == {123456789, 5, 6}
