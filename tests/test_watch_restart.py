"""`kill -9` at random moments and restart with the same --state: no final alert lost, none
under a new id; a repeat of an id and version already sent is marked ``replayed``."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.watch_fixtures import SCENARIO, _env, batch_events, final_events

__all__ = ["batch_events"]  # the fixture, imported


def _writer(src: bytes, dest: Path, seed: int, done: threading.Event) -> None:
    """Append ``src`` to ``dest`` in random pieces (cutting lines), over a few seconds."""
    rng = random.Random(seed)
    i = 0
    with open(dest, "ab") as fh:
        while i < len(src):
            n = rng.randint(2_000, 12_000)
            fh.write(src[i : i + n])
            fh.flush()
            i += n
            time.sleep(0.02)
    done.set()


def test_kill_9_and_restart_lose_nothing(
    tmp_path: Path, batch_events: set[tuple[object, ...]]
) -> None:
    feed = tmp_path / "feed.nmea"
    feed.write_bytes(b"")
    state = tmp_path / "state"
    alerts = tmp_path / "alerts.jsonl"
    cfg = tmp_path / "watch.toml"
    cfg.write_text("[watch]\ncheckpoint_interval_s = 0.3\n")
    cmd = [sys.executable, "-m", "vessels", "watch", str(feed), "--follow", "--state", str(state),
           "--alerts", str(alerts), "--config", str(cfg), "--exit-when-idle", "3", "--quiet"]  # fmt: skip
    done = threading.Event()
    rng = random.Random(7)
    started = False
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(cmd, env=_env())
        if not started:
            threading.Thread(
                target=_writer, args=(SCENARIO.read_bytes(), feed, 3, done), daemon=True
            ).start()
            started = True
        time.sleep(3.0 + rng.random() * 2.0)  # start-up, then a random moment of the stream
        if proc.poll() is None and not done.is_set():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            continue
        assert proc.wait(timeout=300) == 0
        break
    else:
        proc = subprocess.Popen(cmd, env=_env())
        assert proc.wait(timeout=300) == 0
    assert kills >= 1
    rows = [json.loads(x) for x in alerts.read_text().splitlines()]
    seen: dict[tuple[str, int], int] = {}
    for a in rows:
        key = (a["alert_id"], a["version"])
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            assert a["replayed"], a
    finals: dict[str, int] = {}
    for a in rows:
        if a["state"] == "final" and not a["replayed"]:
            finals[a["alert_id"]] = finals.get(a["alert_id"], 0) + 1
    assert max(finals.values()) == 1
    assert final_events(rows) == batch_events
