"""Live byte sources of ``vessels watch``: what a watch centre plugs in.

``tcp://HOST:PORT`` connects to a feed and, when it drops, reconnects with doubling back-off
(up to ``reconnect_max_s``), forever; ``tcp-listen://HOST:PORT`` accepts feeders that push;
``udp://HOST:PORT`` listens for datagrams (AIS-catcher, rtl-ais); a file path is read (with
``follow``: tailed through rotation and truncation); ``-`` reads standard input. A ``#sat``
suffix marks a satellite feed (longer allowed lateness).

Each reader cuts its bytes into whole lines (:class:`ingest.live.LineFramer`, one per
connection: a line cut by a dropped connection is discarded and counted, never glued to the
next connection's bytes) and queues them with their arrival time. A source whose queue holds
more than ``max_pending_bytes`` pauses reading (TCP pushes back on the feeder; UDP datagrams
arriving meanwhile are dropped by the kernel).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.live import LineFramer
from vessels.errors import ConfigError

__all__ = ["Feed", "SourceSpec", "parse_source", "run_source"]

MAX_PENDING_BYTES = 8 * 1024 * 1024
#: Bytes of one source an engine step takes at most (bounds the step, hence the latency).
STEP_BYTES = 2 * 1024 * 1024
READ_BYTES = 256 * 1024


@dataclass(frozen=True)
class SourceSpec:
    text: str
    kind: str  # tcp | tcp-listen | udp | file | stdin
    host: str = ""
    port: int = 0
    path: str = ""
    sat: bool = False
    follow: bool = False


def parse_source(text: str, *, follow: bool = False) -> SourceSpec:
    raw = text
    sat = False
    if text.endswith("#sat"):
        sat, text = True, text[: -len("#sat")]
    if text == "-":
        return SourceSpec(raw, "stdin", sat=sat)
    for kind in ("tcp-listen", "tcp", "udp"):
        prefix = f"{kind}://"
        if text.startswith(prefix):
            hostport = text[len(prefix) :]
            host, sep, port = hostport.rpartition(":")
            if not sep or not port.isdigit() or not 0 < int(port) < 65536:
                raise ConfigError(f"source {raw!r}: want {kind}://HOST:PORT")
            return SourceSpec(
                raw, kind, host=host.strip("[]") or "0.0.0.0", port=int(port), sat=sat
            )
    if "://" in text:
        raise ConfigError(
            f"source {raw!r}: unknown scheme; use tcp://, tcp-listen://, udp://, a file or -"
        )
    p = Path(text)
    if not follow and not p.is_file():
        raise ConfigError(f"source {raw!r}: no such file")
    return SourceSpec(raw, "file", path=text, sat=sat, follow=follow)


@dataclass
class Feed:
    """What a source's readers hand to the engine: whole lines with their arrival time."""

    spec: SourceSpec
    max_line_bytes: int = 4096
    items: list[tuple[bytes, int, int]] = field(default_factory=list)  # lines, arrival ms, offset
    pending_bytes: int = 0
    finished: bool = False
    connected: int = 0  # open connections (tcp, tcp-listen)
    connects: int = 0
    drops: int = 0
    partial_dropped: int = 0  # partial lines lost with a dropped connection
    over_long: int = 0
    bytes_in: int = 0
    offset: int = 0  # files: bytes of whole lines read so far
    error: str = ""  # last connection error, for the status line
    room: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, lines: bytes, offset: int = 0) -> None:
        if lines:
            self.items.append((lines, int(time.time() * 1000), offset))
            self.pending_bytes += len(lines)
            if self.pending_bytes > MAX_PENDING_BYTES:
                self.room.clear()

    def take(self, max_bytes: int = STEP_BYTES) -> list[tuple[bytes, int, int]]:
        """Queued items, oldest first, up to about ``max_bytes``."""
        n = size = 0
        while n < len(self.items) and (size < max_bytes or n == 0):
            size += len(self.items[n][0])
            n += 1
        out, self.items = self.items[:n], self.items[n:]
        self.pending_bytes -= size
        if self.pending_bytes <= MAX_PENDING_BYTES:
            self.room.set()
        return out

    async def wait_room(self) -> None:
        if self.pending_bytes > MAX_PENDING_BYTES:
            await self.room.wait()

    def framer(self) -> LineFramer:
        return LineFramer(self.max_line_bytes)

    def closed(self, fr: LineFramer) -> None:
        """A connection ended: count what its framer dropped."""
        self.over_long += fr.over_long
        if fr.carry:
            self.partial_dropped += 1


async def _pump(feed: Feed, reader: asyncio.StreamReader) -> None:
    fr = feed.framer()
    try:
        while True:
            await feed.wait_room()
            chunk = await reader.read(READ_BYTES)
            if not chunk:
                break
            feed.bytes_in += len(chunk)
            feed.put(fr.feed(chunk))
    finally:
        feed.closed(fr)


async def _tcp_client(feed: Feed, reconnect_max_s: float) -> None:
    spec = feed.spec
    wait = 0.2
    while True:
        try:
            reader, writer = await asyncio.open_connection(spec.host, spec.port)
        except OSError as exc:
            feed.error = f"connect failed: {exc.strerror or exc}"
        else:
            feed.connects += 1
            feed.connected = 1
            feed.error = ""
            wait = 0.2
            try:
                await _pump(feed, reader)
                feed.error = "feed closed the connection"
            except (OSError, asyncio.IncompleteReadError) as exc:
                feed.error = f"connection lost: {exc}"
            finally:
                feed.connected = 0
                feed.drops += 1
                writer.close()
        await asyncio.sleep(wait * (0.5 + random.random()))
        wait = min(wait * 2, reconnect_max_s)


async def _tcp_listen(feed: Feed) -> None:
    spec = feed.spec

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        feed.connects += 1
        feed.connected += 1
        try:
            await _pump(feed, reader)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            feed.connected -= 1
            feed.drops += 1
            writer.close()

    try:
        server = await asyncio.start_server(handle, spec.host, spec.port)
    except OSError as exc:
        raise ConfigError(f"source {spec.text!r}: cannot listen ({exc.strerror or exc})") from exc
    async with server:
        await server.serve_forever()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.fr = feed.framer()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.feed.bytes_in += len(data)
        if self.feed.pending_bytes > MAX_PENDING_BYTES:
            self.feed.drops += 1
            return
        if not data.endswith(b"\n"):
            data += b"\n"
        self.feed.put(self.fr.feed(data))


async def _udp(feed: Feed) -> None:
    spec = feed.spec
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Udp(feed), local_addr=(spec.host, spec.port)
        )
    except OSError as exc:
        raise ConfigError(f"source {spec.text!r}: cannot listen ({exc.strerror or exc})") from exc
    try:
        await asyncio.Future()  # until cancelled
    finally:
        transport.close()


async def _file(feed: Feed, start_offset: int) -> None:
    """Read a file from ``start_offset``; with follow, tail it through rotation (a new file
    under the name: read what the old one still had, then the new one from its start) and
    truncation (start again from 0)."""
    spec = feed.spec
    path = Path(spec.path)
    offset = start_offset
    while True:
        try:
            fh = open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            if not spec.follow:
                raise ConfigError(f"source {spec.text!r}: cannot read ({exc.strerror})") from exc
            feed.error = f"cannot open: {exc.strerror}"
            await asyncio.sleep(0.5)
            continue
        feed.error = ""
        with fh:
            ino = os.fstat(fh.fileno()).st_ino
            if offset > os.fstat(fh.fileno()).st_size:
                offset = 0  # truncated while we were away
            fh.seek(offset)
            fr = feed.framer()
            while True:
                await feed.wait_room()
                chunk = fh.read(READ_BYTES)
                if chunk:
                    feed.bytes_in += len(chunk)
                    lines = fr.feed(chunk)
                    offset += len(chunk)
                    feed.put(lines, offset - len(fr.carry))
                    await asyncio.sleep(0)
                    continue
                if not spec.follow:
                    tail = fr.flush()
                    feed.put(tail, offset)
                    feed.over_long += fr.over_long
                    feed.finished = True
                    return
                await asyncio.sleep(0.2)
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # between a rename and the new file: keep the old one open
                if st.st_ino != ino:
                    rest = fh.read()
                    if rest:
                        feed.put(fr.feed(rest))
                    feed.closed(fr)
                    offset = 0
                    break
                if st.st_size < offset:  # truncated in place
                    feed.closed(fr)
                    offset = 0
                    fh.seek(0)
                    fr = feed.framer()


async def _stdin(feed: Feed) -> None:
    loop = asyncio.get_running_loop()
    fr = feed.framer()
    stream = sys.stdin.buffer
    while True:
        await feed.wait_room()
        chunk = await loop.run_in_executor(None, stream.read1, READ_BYTES)  # type: ignore[union-attr,attr-defined]
        if not chunk:
            break
        feed.bytes_in += len(chunk)
        feed.put(fr.feed(chunk))
    feed.put(fr.flush())
    feed.over_long += fr.over_long
    feed.finished = True


async def run_source(feed: Feed, *, reconnect_max_s: float = 30.0, start_offset: int = 0) -> None:
    kind = feed.spec.kind
    if kind == "tcp":
        await _tcp_client(feed, reconnect_max_s)
    elif kind == "tcp-listen":
        await _tcp_listen(feed)
    elif kind == "udp":
        await _udp(feed)
    elif kind == "file":
        await _file(feed, start_offset)
    else:
        await _stdin(feed)
