"""`vessels watch` listening: UDP datagrams (AIS-catcher, rtl-ais) and feeders pushing over TCP,
plus stdin; every line counted by source."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.watch_fixtures import SCENARIO, _env


def _port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_udp_and_tcp_listen_sources(tmp_path: Path) -> None:
    lines = SCENARIO.read_bytes().splitlines(keepends=True)[:3000]
    pu, pt = _port(socket.SOCK_DGRAM), _port(socket.SOCK_STREAM)
    metrics = tmp_path / "m.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vessels", "watch", f"udp://127.0.0.1:{pu}",
         f"tcp-listen://127.0.0.1:{pt}", "--alerts", str(tmp_path / "a.jsonl"),
         "--metrics", str(metrics), "--exit-when-idle", "3", "--quiet"], env=_env(),
    )  # fmt: skip
    for _ in range(600):  # until it listens
        try:
            conn = socket.create_connection(("127.0.0.1", pt))
            break
        except OSError:
            time.sleep(0.1)
    with conn:
        conn.sendall(b"".join(lines[:1500]) + b"\x00\xff garbage\n" + b"!AIVDM,1,1,,A,13u?")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for ln in lines[1500:]:
        udp.sendto(ln.rstrip(b"\r\n"), ("127.0.0.1", pu))  # datagrams without newlines
        time.sleep(0.0005)
    udp.close()
    assert proc.wait(timeout=300) == 0
    st = json.loads(metrics.read_text())["sources"]
    tcp = st[f"tcp-listen://127.0.0.1:{pt}"]
    assert tcp["lines"] == 1501 and tcp["partial_lines_dropped"] == 1
    assert st[f"udp://127.0.0.1:{pu}"]["lines"] == 1500


def test_stdin_source(tmp_path: Path) -> None:
    data = b"".join(SCENARIO.read_bytes().splitlines(keepends=True)[:2000])
    out = subprocess.run(
        [sys.executable, "-m", "vessels", "watch", "-", "--stdout", "--quiet", "--metrics",
         str(tmp_path / "m.json"), "--store", str(tmp_path / "s.db")], input=data, env=_env(),
        capture_output=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    m = json.loads((tmp_path / "m.json").read_text())
    st = m["sources"]["-"]
    assert st["lines"] == 2000 and st["finished"]
    for line in out.stdout.decode().splitlines():
        assert json.loads(line)["state"] in ("open", "update", "final", "retracted")
    db = sqlite3.connect(f"file:{tmp_path / 's.db'}?mode=ro", uri=True)
    n_alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
    assert n_alerts == len(out.stdout.decode().splitlines())
    assert db.execute("SELECT count(*) FROM vessel_latest").fetchone()[0] == m["vessels"] > 10
