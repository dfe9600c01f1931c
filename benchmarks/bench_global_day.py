"""A global day in bounded memory: ``vessels detect`` in memory and out of core on the same files.

The simulator's scale scenario of N positions (``vessels simulate --scale``, made once and kept
in the temp folder) is split into F Parquet files by row groups (as a provider delivers a day in
hourly or regional files). Then, each in its own process, timed from start to exit:

- ``vessels detect FILES --in-memory`` (everything in one process, as before), unless
  ``--skip-in-memory``;
- ``vessels detect FILES --out-of-core`` (partitions by vessel hash spilled to disk, one
  partition or time window in memory at a time);

with wall time, CPU time and peak resident memory of each (the process's own ``ru_maxrss``;
each run is a single process, so this is the whole process tree), the events of both compared.

Run: ``.venv/bin/python -m benchmarks.bench_global_day [--positions N] [--vessels V]
[--files F] [--skip-in-memory]``; the issue's global day is ``--positions 100000000 --vessels
200000 --files 10`` (about 2.5 GB of Parquet in the temp folder).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks._common import scale_data


def split_files(src: Path, n_files: int) -> list[Path]:
    """``src`` cut into ``n_files`` Parquet files of whole row groups (cached beside it)."""
    out = src.parent / f"files-{n_files}"
    paths = [out / f"part-{k:02d}.parquet" for k in range(n_files)]
    if all(p.is_file() for p in paths):
        return paths
    out.mkdir(exist_ok=True)
    pf = pq.ParquetFile(src)
    groups = list(range(pf.metadata.num_row_groups))
    per = -(-len(groups) // n_files)
    for k, path in enumerate(paths):
        with pq.ParquetWriter(path, pf.schema_arrow, compression="zstd") as w:
            for g in groups[k * per : (k + 1) * per]:
                w.write_table(pf.read_row_group(g))
    return paths


def run(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s and peak GB of a child process, and what it printed on stderr."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        err.seek(0)
        text = err.read()
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{text}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024**2, text.strip()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--vessels", type=int, default=20_000)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--skip-in-memory", action="store_true")
    a = ap.parse_args(argv)
    d = scale_data(a.positions, a.vessels)
    files = split_files(d / "positions.parquet", a.files)
    print(
        f"bench_global_day: {a.positions:,} positions of {a.vessels:,} vessels in {a.files} files"
    )
    base = [sys.executable, "-m", "vessels", "detect", *map(str, files)]
    base += ["--carriers", str(d / "carriers.csv")]
    outs = {}
    modes = ["--out-of-core"] if a.skip_in_memory else ["--in-memory", "--out-of-core"]
    with tempfile.TemporaryDirectory(prefix="vessels-day-") as tmp:
        for mode in modes:
            out = Path(tmp) / f"events{mode}.jsonl"
            wall, cpu, peak, text = run([*base, mode, "-o", str(out)])
            outs[mode] = sorted(out.read_text().splitlines())
            print(
                f"  vessels detect {mode}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.2f} GB"
            )
            print(f"    {text.splitlines()[-1] if text else ''}")
        if len(outs) == 2:
            same = outs["--in-memory"] == outs["--out-of-core"]
            print(f"  identical events: {same} ({len(outs['--out-of-core'])} events)")


if __name__ == "__main__":
    main()
