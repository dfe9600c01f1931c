"""Where alerts go: a JSON lines file, standard output, the SQLite store, a webhook.

The local sinks (file, stdout, store) are written synchronously, flushed per alert, before a
checkpoint can record the alert as sent. The webhook has its own thread and a bounded queue: a
slow or failing receiver never stalls ingest. It posts alerts one by one in order, retrying
the head of the queue with doubling back-off; an alert still refused after the last try, or
one that finds the queue full, goes to the dead-letter file (JSON lines) and is counted.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from vessels.atomic import atomic_write
from vessels.errors import OutputError
from vessels.watch.alert import Alert
from vessels.watch.store import AlertStore

__all__ = ["Dispatcher", "JsonlSink", "Sink", "StdoutSink", "StoreSink", "WebhookSink"]


class Sink(Protocol):
    name: str

    def write(self, alerts: Sequence[Alert]) -> None: ...

    def close(self) -> None: ...


class JsonlSink:
    """Append one JSON object per line, flushed after each alert."""

    def __init__(self, path: str | Path) -> None:
        self.name = "jsonl"
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise OutputError(f"cannot append alerts here ({exc.strerror})", str(path)) from exc

    def write(self, alerts: Sequence[Alert]) -> None:
        for a in alerts:
            self.fh.write(a.to_json() + "\n")
            self.fh.flush()

    def sync(self) -> None:
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


class StdoutSink:
    def __init__(self) -> None:
        self.name = "stdout"

    def write(self, alerts: Sequence[Alert]) -> None:
        for a in alerts:
            sys.stdout.write(a.to_json() + "\n")
        sys.stdout.flush()

    def close(self) -> None:
        pass


class StoreSink:
    def __init__(self, path: str | Path) -> None:
        self.name = "store"
        self.store = AlertStore(path)

    def write(self, alerts: Sequence[Alert]) -> None:
        if alerts:
            self.store.write(alerts)

    def close(self) -> None:
        self.store.close()


class WebhookSink:
    """POST each alert as JSON to ``url``, in order, from a thread of its own."""

    def __init__(
        self,
        url: str,
        dead_letter: str | Path,
        *,
        max_queue: int = 10_000,
        retries: int = 6,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise OutputError("the webhook must be an http:// or https:// URL", url)
        self.name = "webhook"
        self.url = url
        self.dead_path = Path(dead_letter)
        self.q: queue.Queue[Alert | None] = queue.Queue(maxsize=max_queue)
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.counts = {"sent": 0, "retries": 0, "delayed": 0, "dead_lettered": 0, "dropped": 0}
        self._lock = threading.Lock()
        self._inflight: Alert | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="webhook", daemon=True)
        self.thread.start()

    def write(self, alerts: Sequence[Alert]) -> None:
        for a in alerts:
            try:
                self.q.put_nowait(a)
            except queue.Full:
                self.counts["dropped"] += 1
                self._dead(a, "queue full (receiver too slow)")

    def pending(self) -> list[Alert]:
        """Alerts not delivered yet, in order (for a checkpoint)."""
        with self._lock:
            head = [self._inflight] if self._inflight is not None else []
            return head + [a for a in list(self.q.queue) if a is not None]

    @property
    def depth(self) -> int:
        return self.q.qsize()

    def _dead(self, a: Alert, why: str) -> None:
        rec = a.to_dict()
        rec["dead_letter_reason"] = why
        with self._lock, open(self.dead_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
        self.counts["dead_lettered"] += 1

    def _post(self, a: Alert) -> None:
        body = a.to_json().encode()
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "webhook-id": f"{a.alert_id}.{a.version}",
                "webhook-timestamp": str(a.emitted_at_ms // 1000),
                "User-Agent": "vessels-watch",
            },
        )
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
            if resp.status >= 300:
                raise urllib.error.HTTPError(self.url, resp.status, "not 2xx", resp.headers, None)

    def _run(self) -> None:
        while True:
            a = self.q.get()
            if a is None:
                return
            with self._lock:
                self._inflight = a
            wait = self.backoff_s
            last = ""
            for attempt in range(self.retries + 1):
                try:
                    self._post(a)
                    self.counts["sent"] += 1
                    self.counts["delayed"] += attempt > 0
                    break
                except (OSError, urllib.error.URLError, ValueError) as exc:
                    last = f"{type(exc).__name__}: {exc}"
                    if attempt == self.retries or self._stop.is_set():
                        self._dead(a, f"undelivered after {attempt + 1} tries ({last})")
                        break
                    self.counts["retries"] += 1
                    time.sleep(wait)
                    wait = min(wait * 2, 60.0)
            with self._lock:
                self._inflight = None

    def drain(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the queue to empty; True when it did."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.q.empty() and self._inflight is None:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self._stop.set()
        self.q.put(None)
        self.thread.join(timeout=self.timeout_s + 1)


class Dispatcher:
    """Sends each alert to every sink, marking re-sends after a restart ``replayed``.

    ``sent_log`` (in the state folder) lists every (alert_id, version) sent since the last
    checkpoint; a restart loads it, so an alert re-derived from data read again is marked.
    """

    def __init__(self, sinks: list[Any], sent_log: str | Path | None = None) -> None:
        self.sinks = sinks
        self.sent_log = Path(sent_log) if sent_log else None
        self.sent: set[tuple[str, int]] = set()
        self.counts: dict[str, int] = {"alerts": 0, "replayed": 0}
        self._log = None
        if self.sent_log is not None:
            if self.sent_log.exists():
                for line in self.sent_log.read_text(encoding="utf-8").splitlines():
                    aid, _, ver = line.partition(" ")
                    if ver.isdigit():
                        self.sent.add((aid, int(ver)))
            self._log = open(self.sent_log, "a", encoding="utf-8")  # noqa: SIM115

    def emit(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        for a in alerts:
            if (a.alert_id, a.version) in self.sent:
                a.replayed = True
                self.counts["replayed"] += 1
        # logged before they are sent: a kill between the two then marks a re-send replayed
        # (at worst one that never reached a sink), never leaves a repeat unmarked
        if self._log is not None:
            for a in alerts:
                self._log.write(f"{a.alert_id} {a.version}\n")
                self.sent.add((a.alert_id, a.version))
            self._log.flush()
        for s in self.sinks:
            s.write(alerts)
        self.counts["alerts"] += len(alerts)

    def checkpointed(self, covered: Callable[[str, int], bool]) -> None:
        """A checkpoint was just written: keep in the log only the sends it does not cover
        (``covered(alert_id, version)``: the saved state already holds that version, so a
        restart cannot send it again). Those it does not cover (data read again after a restart
        that has not re-derived them yet) stay, to be marked when they come."""
        if self._log is not None and self.sent_log is not None:
            for s in self.sinks:
                if isinstance(s, JsonlSink):
                    s.sync()
            self.sent = {k for k in self.sent if not covered(*k)}
            self._log.close()
            with atomic_write(self.sent_log) as fh:
                fh.writelines(f"{aid} {ver}\n" for aid, ver in sorted(self.sent))
            self._log = open(self.sent_log, "a", encoding="utf-8")  # noqa: SIM115

    def webhook(self) -> WebhookSink | None:
        return next((s for s in self.sinks if isinstance(s, WebhookSink)), None)

    def close(self) -> None:
        for s in self.sinks:
            s.close()
        if self._log is not None:
            self._log.close()
