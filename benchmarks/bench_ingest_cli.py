"""The whole ``vessels ingest`` command against pyais, in one run, and its peak memory.

A user runs the command, not the decoder: this times ``python -m vessels ingest FILE -o
out.parquet`` from start to exit (imports, cache loads, reading, decoding, Parquet writing) in
a child process, with its wall and CPU seconds and peak resident memory (the child's
``ru_maxrss``). The file holds ``N`` tag-block position lines (real lines of the AISdb sample
in ``../shared/data``, repeated) and is written to the temp folder, never into the project.
pyais decodes the first 200,000 lines of the same file in this process (it is ~100x slower);
its rate is taken from its CPU time, so a busy machine slows both sides alike only in the
CPU ratio, which is printed beside the wall one.

``--big-gb G`` also ingests a file of about G GB (the same lines) and prints the peak memory
of the command: streaming keeps it near a few decoded chunks whatever the size.

Run: ``.venv/bin/python -m benchmarks.bench_ingest_cli [--lines N] [--big-gb G]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TAG_FILE = SHARED / "aisdb_nmea_tagblock_20211101/test_data_20211101.nm4"
PYAIS_LINES = 200_000


def tag_position_lines() -> list[bytes]:
    """The AISdb sample's single-sentence position reports (types 1-3, 18, 19, 27), each with
    its tag block (receive time ``c:``)."""
    from pyais import decode

    out = []
    for line in TAG_FILE.read_bytes().splitlines():
        i = line.find(b"!")
        if i < 0 or line[i + 7 : i + 11] != b"1,1," or b"*" not in line[i:]:
            continue
        try:
            msg = decode(line[i : line.index(b"*", i) + 3])
        except Exception:
            continue
        if msg.msg_type in (1, 2, 3, 18, 19, 27) and msg.mmsi:
            out.append(line.strip())
    return out


def build(path: Path, n_lines: int) -> None:
    """``n_lines`` lines (the real ones, repeated) written to ``path`` unless already there."""
    if path.is_file():
        with open(path, "rb") as fh:
            if sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 24), b"")) == n_lines:
                return
    lines = tag_position_lines()
    block = b"\n".join(lines) + b"\n"
    reps, rest = divmod(n_lines, len(lines))
    with open(path, "wb") as fh:
        for _ in range(reps):
            fh.write(block)
        if rest:
            fh.write(b"\n".join(lines[:rest]) + b"\n")


def run_command(path: Path, out: Path) -> tuple[float, float, float, str]:
    """``vessels ingest`` in a child: wall s, CPU s (user + system), peak GB, its output."""
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "vessels", "ingest", str(path), "-o", str(out)]
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource use
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read()
    if proc.returncode:
        raise RuntimeError(f"vessels ingest failed ({proc.returncode}):\n{text}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024**2, text


def pyais_rate(path: Path) -> float:
    """Messages per CPU second of pyais on the first lines of the file."""
    from pyais.stream import IterMessages

    with open(path, "rb") as fh:
        lines = [fh.readline() for _ in range(PYAIS_LINES)]
    n = 0
    c = time.thread_time()
    for msg in IterMessages(lines):
        try:
            msg.decode()
            n += 1
        except Exception:
            pass
    return n / (time.thread_time() - c)


def _positions(summary: str) -> int:
    for line in summary.splitlines():
        if line.startswith("accepted: "):
            return int(line.split()[1].replace(",", ""))
    raise RuntimeError(f"no 'accepted:' line in the command's output:\n{summary}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--big-gb", type=float, default=0.0, help="also a file of about this size")
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "vessels-bench-ingest"))
    a = ap.parse_args(argv)
    d = Path(a.dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"tag-{a.lines}.nmea"
    build(path, a.lines)
    size = path.stat().st_size
    print(f"file: {a.lines:,} tag-block position lines, {size / 1e6:.0f} MB ({path})")
    out = d / "positions.parquet"
    run_command(path, out)  # the page cache and Numba's cache warm, as for a second run
    best = min((run_command(path, out) for _ in range(2)), key=lambda r: r[0])
    wall, cpu, peak, summary = best
    n = _positions(summary)
    rate_p = pyais_rate(path)
    print(
        f"vessels ingest (whole command, best of 2): {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"peak {peak:.2f} GB; {n:,} positions -> {n / wall / 1e6:.2f} M positions/s wall, "
        f"{n / cpu / 1e6:.2f} M per CPU second"
    )
    print(f"pyais (IterMessages + decode, first {PYAIS_LINES:,} lines): {rate_p / 1e3:.1f} k msg/s")
    print(
        f"ratio whole command / pyais: {n / wall / rate_p:.1f}x by wall time, "
        f"{n / cpu / rate_p:.1f}x by CPU time (target >= 30x, >= 3.8 M positions/s)"
    )
    if a.big_gb > 0:
        big = d / f"tag-{a.big_gb:g}GB.nmea"
        build(big, int(a.big_gb * 1e9 * a.lines / size))
        wall, cpu, peak, summary = run_command(big, out)
        print(
            f"big input: {big.stat().st_size / 1e9:.2f} GB, {_positions(summary):,} positions: "
            f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak memory {peak:.2f} GB (target < 1 GB)"
        )
    out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
