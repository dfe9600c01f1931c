"""The ``vessels watch`` loop: sources read in asyncio, one engine thread, sinks, checkpoints.

The event loop only moves bytes (sockets, files) into each source's queue. Every
``step_interval_s`` one engine step runs in a worker thread: the queued lines are decoded, fed
to the engine, alerts go to the sinks, and, when due, the state is checkpointed and the status
printed. Steps run one at a time, so the engine is never touched by two threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import signal
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.live import LiveDecoder
from vessels.atomic import atomic_write
from vessels.watch.alert import Alert
from vessels.watch.checkpoint import load_state, save_state
from vessels.watch.engine import NO_TIME, Engine
from vessels.watch.sinks import Dispatcher, StoreSink
from vessels.watch.sources import Feed, SourceSpec, run_source

__all__ = ["WatchApp", "WatchOptions"]


@dataclass
class WatchOptions:
    sources: list[SourceSpec]
    state_dir: Path | None = None
    metrics: Path | None = None
    exit_when_idle_s: float | None = None  # end the stream once every source is this idle
    quiet: bool = False
    fingerprint_parts: list[str] = field(default_factory=list)


def _now_ms() -> int:
    return int(time.time() * 1000)


class WatchApp:
    def __init__(self, engine: Engine, dispatcher: Dispatcher, opts: WatchOptions) -> None:
        self.engine = engine
        self.dispatcher = dispatcher
        self.opts = opts
        self.p = engine.p
        self.feeds = [Feed(s, max_line_bytes=self.p.max_line_bytes) for s in opts.sources]
        self.decoders = [LiveDecoder() for _ in opts.sources]
        self.offsets = [0] * len(opts.sources)
        self.stopping = False
        self.last_checkpoint = 0
        self.last_status = 0
        self.last_counts = [0] * len(opts.sources)
        self.started = _now_ms()
        self.fingerprint = hashlib.sha1(
            json.dumps([s.text for s in opts.sources] + opts.fingerprint_parts).encode()
        ).hexdigest()
        self.checkpoints = 0
        self.checkpoint_bytes = 0
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="detectors")
        self.inflight: tuple[Any, Future[Any]] | None = None
        self.next_lane = 0
        self.last_round_wall = 0
        self._restore()

    # -- state ------------------------------------------------------------------------------
    def _restore(self) -> None:
        if self.opts.state_dir is None:
            return
        self.opts.state_dir.mkdir(parents=True, exist_ok=True)
        st = load_state(self.opts.state_dir, self.fingerprint)
        if st is None:
            return
        self.engine = st["engine"]
        self.decoders = st["decoders"]
        self.offsets = st["offsets"]
        for f, off in zip(self.feeds, self.offsets, strict=True):
            f.offset = off
        hook = self.dispatcher.webhook()
        if hook is not None:
            hook.write(st.get("webhook_pending", []))
        if not self.opts.quiet:
            e = self.engine
            print(
                f"vessels watch: resumed from {self.opts.state_dir} ({len(e.vessels)} vessels, "
                f"{e.book.n_open} open alerts, watermark {e.status()['watermark']})",
                file=sys.stderr,
            )

    def checkpoint(self) -> None:
        if self.opts.state_dir is None:
            return
        hook = self.dispatcher.webhook()
        state: dict[str, Any] = {
            "fingerprint": self.fingerprint,
            "engine": self.engine,
            "decoders": self.decoders,
            "offsets": list(self.offsets),
            "webhook_pending": hook.pending() if hook is not None else [],
        }
        self.checkpoint_bytes = save_state(self.opts.state_dir, state)
        book = self.engine.book

        def covered(alert_id: str, version: int) -> bool:
            e = book.entries.get(alert_id)
            return e is not None and e.alert.version >= version

        self.dispatcher.checkpointed(covered)
        self.checkpoints += 1

    # -- one step ---------------------------------------------------------------------------
    def step(self, final: bool = False) -> list[Alert]:
        """Decode what the sources read, feed the engine, send the alerts (worker thread)."""
        eng = self.engine
        out: list[Alert] = []
        for i, feed in enumerate(self.feeds):
            items = feed.take()
            if not items:
                continue
            now = _now_ms()
            data = b"".join(x[0] for x in items)
            arrival = min(x[1] for x in items)
            if feed.spec.kind == "file":
                self.offsets[i] = items[-1][2]
            pos, sta = self.decoders[i].decode(data, arrival)
            out += eng.ingest(i, pos, sta, arrival, now)
        for i, feed in enumerate(self.feeds):
            eng.sources[i].finished = feed.finished
        now = _now_ms()
        out += eng.tick(now, rounds=False)
        out += self._rounds(now, wait=final)
        if final:
            out += eng.finish(now)
        self.dispatcher.emit(out)
        if now - self.last_status >= self.p.status_interval_s * 1000 or final:
            self.status(now)
            for sink in self.dispatcher.sinks:
                if isinstance(sink, StoreSink):
                    sink.store.write_vessels(eng.take_moved(), now)
        if (
            self.opts.state_dir is not None
            and self.inflight is None  # never while a round changes the detectors' state
            and (now - self.last_checkpoint >= self.p.checkpoint_interval_s * 1000 or final)
        ):
            self.last_checkpoint = now
            self.checkpoint()
        return out

    def _rounds(self, now: int, wait: bool) -> list[Alert]:
        """Detector rounds run in a thread of their own, one at a time, so that a long round
        never holds up the alerts that need no history; the next round takes every row
        that became ready meanwhile."""
        eng = self.engine
        out: list[Alert] = []
        if self.inflight is not None and (wait or self.inflight[1].done()):
            lane, fut = self.inflight
            self.inflight = None
            out += eng.apply_round(lane, fut.result(), now)
        if (
            self.inflight is None
            and not wait
            and now - self.last_round_wall >= self.p.round_min_interval_s * 1000
        ):
            for k in range(len(eng.lanes)):
                lane = eng.lanes[(self.next_lane + k) % len(eng.lanes)]
                chunk = eng.due_chunk(lane)
                if chunk is not None:
                    self.inflight = (lane, self.pool.submit(eng.run_round, lane, chunk))
                    self.last_round_wall = now
                    self.next_lane = (self.next_lane + k + 1) % len(eng.lanes)
                    break
        return out

    def settle(self) -> None:
        """Wait for a detector round in flight and send its alerts (before a checkpoint)."""
        self.dispatcher.emit(self._rounds(_now_ms(), wait=True))

    def status(self, now: int) -> dict[str, Any]:
        eng = self.engine
        dt = max((now - self.last_status) / 1000.0, 1e-3) if self.last_status else 1.0
        for i, s in enumerate(eng.sources):
            s.rate = (s.messages - self.last_counts[i]) / dt
            self.last_counts[i] = s.messages
        self.last_status = now
        st = eng.status()
        heads = [s.head_ms for s in eng.sources if s.head_ms != NO_TIME]
        lag = (
            (max(heads) - eng.released_ms) / 1000.0
            if heads and eng.released_ms != NO_TIME
            else None
        )
        st["watermark_lag_s"] = lag
        for f, rec in zip(self.feeds, st["sources"].values(), strict=True):
            rec.update(
                {
                    "connected": f.connected,
                    "connects": f.connects,
                    "drops": f.drops,
                    "partial_lines_dropped": f.partial_dropped,
                    "over_long_lines": f.over_long,
                    "bytes": f.bytes_in,
                    "error": f.error or None,
                }
            )
        for dec, rec in zip(self.decoders, st["sources"].values(), strict=True):
            c = dec.counts()
            rec["lines"] = c.lines
            rec["rejects"] = c.rejects
        hook = self.dispatcher.webhook()
        st["sinks"] = {
            "alerts_sent": self.dispatcher.counts["alerts"],
            "replayed": self.dispatcher.counts["replayed"],
        }
        if hook is not None:
            st["sinks"]["webhook"] = {**hook.counts, "queued": hook.depth}
        st["checkpoints"] = self.checkpoints
        st["checkpoint_bytes"] = self.checkpoint_bytes
        st["uptime_s"] = round((now - self.started) / 1000.0, 1)
        st["time"] = now
        if not self.opts.quiet:
            rates = ", ".join(f"{n} {r['msg_per_s']:.0f}/s" for n, r in st["sources"].items())
            wh = st["sinks"].get("webhook")
            print(
                f"watch: {rates} | vessels {st['vessels']} | open alerts {st['open_alerts']} | "
                f"watermark {st['watermark'] or '-'} (lag {lag if lag is not None else '-'} s) | "
                f"late {st['late_rows']} | dup {sum(r['duplicates'] for r in st['sources'].values())}"
                f" | alerts {st['sinks']['alerts_sent']}"
                + (f" | webhook queued {wh['queued']} dead {wh['dead_lettered']}" if wh else ""),
                file=sys.stderr,
                flush=True,
            )
        if self.opts.metrics is not None:
            with atomic_write(self.opts.metrics) as fh:
                json.dump(st, fh, sort_keys=True, default=str)
        return st

    # -- the loop ---------------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        tasks = [
            asyncio.create_task(
                run_source(f, reconnect_max_s=self.p.reconnect_max_s, start_offset=off)
            )
            for f, off in zip(self.feeds, self.offsets, strict=True)
        ]
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        ended = False
        idle_since = _now_ms()
        try:
            while not stop.is_set():
                for t in tasks:  # a source that failed to start (port in use): stop with it
                    if t.done() and t.exception() is not None:
                        raise t.exception()  # type: ignore[misc]
                had = any(f.items for f in self.feeds)
                await loop.run_in_executor(None, self.step)
                if any(f.items for f in self.feeds):
                    continue  # behind: the next step at once
                now = _now_ms()
                if had:
                    idle_since = now
                all_done = all(f.finished and not f.items for f in self.feeds)
                idle = (
                    self.opts.exit_when_idle_s is not None
                    and now - idle_since >= self.opts.exit_when_idle_s * 1000
                )
                if all_done or idle:
                    ended = True
                    break
                await asyncio.sleep(self.p.step_interval_s)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if ended:  # the end of every stream: close every event, as batch does
            await loop.run_in_executor(None, lambda: self.step(final=True))
        else:
            await loop.run_in_executor(None, self.step)
            await loop.run_in_executor(None, self.settle)
            self.checkpoint()
        hook = self.dispatcher.webhook()
        if hook is not None:
            hook.drain(timeout_s=5.0)
            if self.opts.state_dir is not None:
                self.checkpoint()
        self.dispatcher.close()
        self.pool.shutdown()
        return 0
