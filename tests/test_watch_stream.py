"""`vessels watch` over real localhost sockets against a hostile feeder: random chunk sizes,
connections dropped mid-line, garbage bytes, a satellite source delivering hours late. After
the full replay the final alerts equal the batch `vessels detect` events on the same file."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from ingest.live import LineFramer
from tests.watch_fixtures import AREAS, SCENARIO, _env, batch_events, final_events
from vessels.watch.replay import line_time_ms

__all__ = ["batch_events"]  # the fixture, imported


def test_framer_keeps_partial_lines_and_drops_over_long_ones() -> None:
    fr = LineFramer(max_line_bytes=200)
    assert fr.feed(b"abc") == b""
    assert fr.feed(b"def\nxy") == b"abcdef\n"
    assert fr.feed(b"z" * 300) == b""  # over-long: dropped up to its newline
    assert fr.feed(b"zz\nok\n") == b"ok\n"
    assert fr.feed(b"q" * 250 + b"\nfine\n") == b"fine\n"
    assert fr.over_long == 2
    assert fr.feed(b"tail") == b"" and fr.flush() == b"tail\n"


def test_line_times_from_tag_blocks_and_trailing_epochs() -> None:
    assert line_time_ms(b"\\s:X,c:1709251225*35\\!AIVDM,1,1,,B,B:MI,0*2C\n") == 1709251225000
    assert line_time_ms(b"!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C,1709251226\n") == (
        1709251226000
    )
    assert line_time_ms(b"!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C\n") is None


class _Feeder(threading.Thread):
    """Serves ``lines`` to whoever connects, in random chunk sizes, with garbage lines mixed
    in; drops the connection in the middle of a line every ``drop_every`` lines and, on the
    next connection, resumes at the start of the line it cut (a feed that resends it)."""

    def __init__(self, lines: list[bytes], seed: int, drop_every: int) -> None:
        super().__init__(daemon=True)
        self.lines = lines
        self.rng = random.Random(seed)
        self.drop_every = drop_every
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.port = self.srv.getsockname()[1]
        self.drops = 0
        self.gate = threading.Event()  # the satellite feeder waits for the terrestrial one
        self.paced_by: _Feeder | None = None
        self.sent_t = 0  # message time of the last line sent
        self.lag_ms = 0

    def run(self) -> None:
        i = 0
        while i < len(self.lines):
            conn, _ = self.srv.accept()
            with conn:
                since_drop = 0
                while i < len(self.lines):
                    if self.paced_by is not None:  # stay lag_ms of message time behind it
                        t = line_time_ms(self.lines[i]) or 0
                        while self.paced_by.is_alive() and t > self.paced_by.sent_t - self.lag_ms:
                            self.paced_by.gate.wait(0.01)
                    n = self.rng.randint(1, 40)
                    block = b"".join(self.lines[i : i + n])
                    if self.rng.random() < 0.05:
                        block = bytes(self.rng.randrange(256) for _ in range(30)) + b"\n" + block
                    since_drop += n
                    try:
                        if since_drop >= self.drop_every:
                            cut = self.lines[i]
                            conn.sendall(block[: len(block) - len(b"".join(self.lines[i : i + n]))])
                            conn.sendall(cut[: len(cut) // 2])
                            self.drops += 1
                            break  # resume at line i on the next connection
                        conn.sendall(block)
                    except OSError:
                        break
                    t_last = line_time_ms(self.lines[min(i + n, len(self.lines)) - 1])
                    self.sent_t = t_last or self.sent_t
                    self.gate.set()
                    i += n
        self.sent_t = 2**62
        self.srv.close()


def test_hostile_feeds_end_with_the_batch_events(
    tmp_path: Path, batch_events: set[tuple[object, ...]]
) -> None:
    lines = SCENARIO.read_bytes().splitlines(keepends=True)
    sat = [ln for ln in lines if b"SAT-AIS" in ln[:40]]
    terr = [ln for ln in lines if b"SAT-AIS" not in ln[:40]]
    assert len(sat) > 500 and len(terr) > 10_000
    # the satellite feed also repeats some terrestrial lines: copies merged once
    single = [ln for ln in terr if b"!AIVDM,1,1," in ln and b"\\" in ln[:2]]
    dup = single[::50]
    sat_feed = sorted(sat + dup, key=lambda ln: line_time_ms(ln) or 0)
    f_terr = _Feeder(terr, seed=1, drop_every=1500)
    f_sat = _Feeder(sat_feed, seed=2, drop_every=10**9)
    f_sat.paced_by, f_sat.lag_ms = f_terr, 3 * 3_600_000  # three hours late
    f_terr.start()
    f_sat.start()
    alerts_path = tmp_path / "alerts.jsonl"
    metrics = tmp_path / "metrics.json"
    proc = subprocess.run(
        [sys.executable, "-m", "vessels", "watch", f"tcp://127.0.0.1:{f_terr.port}",
         f"tcp://127.0.0.1:{f_sat.port}#sat", "--alerts", str(alerts_path),
         "--areas", str(AREAS), "--exit-when-idle", "4", "--metrics", str(metrics)],
        env=_env(), timeout=600, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f_terr.drops >= 5
    alerts = [json.loads(x) for x in alerts_path.read_text().splitlines()]
    assert final_events(alerts) == batch_events
    finals = Counter(a["alert_id"] for a in alerts if a["state"] == "final")
    assert max(finals.values()) == 1
    # an open gap alert precedes its final (raised while the vessel was still silent)
    order = {(a["alert_id"], a["state"]): i for i, a in enumerate(alerts)}
    gaps = {a["alert_id"] for a in alerts if a["type"] == "gap" and a["state"] == "final"}
    early = [g for g in gaps if (g, "open") in order and order[(g, "open")] < order[(g, "final")]]
    assert early
    for a in alerts:  # versions grow by one per alert
        assert a["version"] >= 1
    assert {a["type"] for a in alerts} >= {"area_entry", "area_exit", "gap", "loitering"}
    m = json.loads(metrics.read_text())
    src = m["sources"][f"tcp://127.0.0.1:{f_terr.port}"]
    assert src["connects"] >= 6 and src["partial_lines_dropped"] >= 5
    assert src["rejects"].get("garbage_line", 0) + src["rejects"].get("malformed_sentence", 0) > 0
    n_dup = sum(r["duplicates"] for r in m["sources"].values())
    assert n_dup >= 0.8 * len(dup)
