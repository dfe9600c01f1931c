"""``vessels replay``: serve recorded NMEA over TCP at X times the recorded pace.

Line times come from the tag block ``c:`` (seconds or ms) or an epoch after the checksum, as
the decoder reads them; a line without a time goes with the one before. ``speed=0`` sends as
fast as the client reads (benchmarks). The replay starts when the first client connects; later
clients join the stream where it is (like a live feed). When the files end the clients are
disconnected and the server exits (``loop`` starts over instead).
"""

from __future__ import annotations

import asyncio
import gzip
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from vessels.errors import InputError

__all__ = ["line_time_ms", "serve_replay"]

_TAG_C = re.compile(rb"(?:^|[,\\])c:(\d{9,13})")
_TRAIL = re.compile(rb"\*[0-9A-Fa-f]{2}[,\s]+(\d{10}(?:\.\d+)?)\s*$")
BLOCK_BYTES = 256 * 1024


def line_time_ms(line: bytes) -> int | None:
    """The receive time a line carries (ms), None when it carries none."""
    if line.startswith(b"\\"):
        m = _TAG_C.search(line, 0, line.find(b"\\", 1) + 1 or len(line))
        if m:
            v = int(m.group(1))
            return v if v > 10**11 else v * 1000
    m = _TRAIL.search(line)
    if m:
        return int(float(m.group(1)) * 1000)
    return None


def _open(path: Path) -> Iterator[bytes]:
    try:
        fh = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
        with fh:
            while True:
                block = fh.read(BLOCK_BYTES)
                if not block:
                    return
                yield block
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", str(path)) from exc


class _Clients:
    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []
        self.joined = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        self.joined.set()

    async def send(self, data: bytes) -> None:
        for w in list(self.writers):
            try:
                w.write(data)
                await w.drain()
            except (ConnectionError, OSError):
                self.writers.remove(w)
                w.close()

    def close(self) -> None:
        for w in self.writers:
            w.close()
        self.writers.clear()


async def _paced(paths: list[Path], speed: float, clients: _Clients) -> int:
    sent = 0
    t0_data: int | None = None
    t0_wall = time.monotonic()
    for path in paths:
        carry = b""
        for block in _open(path):
            data = carry + block
            end = data.rfind(b"\n") + 1
            lines, carry = data[:end], data[end:]
            if speed <= 0:
                await clients.send(lines)
                sent += lines.count(b"\n")
                continue
            batch: list[bytes] = []
            for line in lines.splitlines(keepends=True):
                t = line_time_ms(line)
                if t is not None:
                    if t0_data is None:
                        t0_data = t
                    due = t0_wall + (t - t0_data) / 1000.0 / speed
                    wait = due - time.monotonic()
                    if wait > 0.005:
                        if batch:
                            await clients.send(b"".join(batch))
                            sent += len(batch)
                            batch = []
                        await asyncio.sleep(wait)
                batch.append(line)
            if batch:
                await clients.send(b"".join(batch))
                sent += len(batch)
        if carry:
            await clients.send(carry + b"\n")
            sent += 1
    return sent


async def serve_replay(
    paths: list[str],
    port: int,
    host: str = "127.0.0.1",
    speed: float = 1.0,
    loop: bool = False,
    quiet: bool = False,
) -> int:
    files = [Path(p) for p in paths]
    for f in files:
        if not f.is_file():
            raise InputError("no such file", str(f))
    clients = _Clients()
    try:
        server = await asyncio.start_server(clients.handle, host, port)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
    if not quiet:
        print(f"vessels replay: listening on {host}:{port}; waiting for a client", file=sys.stderr)
    async with server:
        while True:
            await clients.joined.wait()
            t0 = time.monotonic()
            n = await _paced(files, speed, clients)
            if not quiet:
                dt = time.monotonic() - t0
                print(f"vessels replay: sent {n} lines in {dt:.1f} s", file=sys.stderr)
            if not loop:
                clients.close()
                return n
