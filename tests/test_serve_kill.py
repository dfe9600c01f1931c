"""kill -9 of a real `vessels serve` process during a burst of reviews: the store stays
consistent (integrity check), the audit complete (one row per version of every review), and
every review the server acknowledged is on disk."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.serve_fixtures import make_investigation

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: list[str], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vessels", "serve", *args, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server died")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/meta", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start")


def test_kill_during_review_burst(tmp_path: Path) -> None:
    inv = make_investigation(tmp_path / "inv")
    store = tmp_path / "reviews.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server([str(inv), "--store", str(store)], port)
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(base + "/").read()
        csrf = next(c.value for c in jar if c.name == "vessels_csrf")
        events = json.loads(opener.open(base + "/api/events").read())["events"]
        ids = [e["event_id"] for e in events]
        acked: dict[str, int] = {}  # event_id -> highest version the server acknowledged
        lock = threading.Lock()
        stop = threading.Event()

        def worker(eid: str, who: str) -> None:
            version = 0
            statuses = ["reviewing", "confirmed", "dismissed", "escalated"]
            while not stop.is_set():
                body = {
                    "status": statuses[version % 4],
                    "note": f"{who} {version}",
                    "reviewer": who,
                    "version": version,
                }
                req = urllib.request.Request(
                    f"{base}/api/events/{eid}/review",
                    data=json.dumps(body).encode(),
                    method="PUT",
                    headers={"x-csrf-token": csrf, "origin": base},
                )
                try:
                    got = json.loads(opener.open(req, timeout=5).read())
                    version = got["version"]
                    with lock:
                        acked[eid] = max(acked.get(eid, 0), version)
                except urllib.error.HTTPError as exc:
                    if exc.code != 409:
                        raise
                    version = json.loads(exc.read())["current"]["version"]
                except OSError:
                    return  # the server is gone

        threads = [
            threading.Thread(target=worker, args=(eid, f"r{k}"), daemon=True)
            for eid in ids
            for k in range(2)  # two reviewers per event: conflicts on purpose
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while sum(acked.values()) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert sum(acked.values()) >= 60, "the burst did not get going"
    con = sqlite3.connect(store)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reviews = {
        k: (v, s)
        for k, v, s in con.execute(
            "SELECT key, version, status FROM serve_reviews WHERE kind = 'event'"
        )
    }
    for eid, version in acked.items():
        assert reviews[eid][0] >= version  # nothing acknowledged was lost
    for eid, (version, status) in reviews.items():
        rows = con.execute(
            "SELECT version, status FROM serve_audit WHERE kind = 'event' AND key = ? "
            "ORDER BY audit_id",
            (eid,),
        ).fetchall()
        assert [r[0] for r in rows] == list(range(1, version + 1))  # one row per version
        assert rows[-1][1] == status
    con.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/folder"], "does not exist"),
        (["README.md"], "neither an investigation folder nor a store"),
        ([], "give an investigation folder"),
    ],
)
def test_cli_errors_are_one_line(args: list[str], message: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "vessels", "serve", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 1 and message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_ctrl_c_with_an_open_alert_stream(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) ends the server cleanly while a browser holds the SSE stream open: the
    stream ends, the process exits 0, no traceback."""
    inv = make_investigation(tmp_path / "inv")
    port = free_port()
    proc = start_server(
        [str(inv), str(tmp_path / "alerts.db"), "--store", str(tmp_path / "r.db")], port
    )
    stream = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/alerts/stream", timeout=60)
    assert stream.readline().startswith(b"retry:")
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=60)  # a hang guard, not a speed check
    rest = stream.read()  # the server ended the stream
    stream.close()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert rc == 0 and "Traceback" not in err and "ERROR" not in err, err
    assert b"event: alert" not in rest
