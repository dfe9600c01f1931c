"""The same detection on a dask cluster of separately started processes, with a task-stream
breakdown, against the single-process run.

Starts ``dask scheduler`` and ``W`` ``dask worker`` processes (one thread each, a memory
limit each, Numba on one thread) as a real deployment would on several machines (here all on
this one, as a stand-in), runs ``vessels detect --scheduler ADDRESS`` on the simulator's scale
scenario (made once with ``vessels simulate --scale`` and cached in the temp folder), and
prints:

- wall time and peak memory of the single-process ``vessels detect`` and of the cluster run
  (client, scheduler and each worker), and whether the events are identical;
- the task stream of the cluster run: seconds of work per task kind (read and split, tracks,
  counts, per-vessel detectors, time windows, ...), transfer time, and the share of the
  workers' wall time they were busy.

Run: ``.venv/bin/python -m benchmarks.bench_cluster [--positions N] [--vessels V] [--workers W]
[--memory-limit 2GB]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks._common import scale_data


def _run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident GB of a command (its own process)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.read() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024**2


def _events(path: Path) -> list[str]:
    return sorted(path.read_text().splitlines())


@contextlib.contextmanager
def cluster(workers: int, memory_limit: str, folder: Path) -> Iterator[str]:
    """A scheduler and ``workers`` worker processes started as separate commands; yields the
    scheduler's address and stops them all afterwards."""
    dask = str(Path(sys.executable).with_name("dask"))
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    sched_file = folder / "scheduler.json"
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--port", "0", "--dashboard-address", ":0",
             "--scheduler-file", str(sched_file)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        for _ in range(200):
            if sched_file.is_file() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for k in range(workers):
            procs.append(
                subprocess.Popen(
                    [dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                     "--memory-limit", memory_limit, "--name", f"w{k}",
                     "--local-directory", str(folder / f"w{k}"), "--dashboard-address", ":0"],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def _peak_gb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _breakdown(stream: list[dict[str, Any]], n_workers: int, wall: float) -> str:
    from dask.utils import key_split

    work: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    transfer = 0.0
    for task in stream:
        name = key_split(task["key"])  # the task's function: "detect_window-<uuid>" -> ...
        for s in task["startstops"]:
            d = s["stop"] - s["start"]
            if s["action"] == "compute":
                work[name] += d
                count[name] += 1
            elif s["action"] == "transfer":
                transfer += d
    busy = sum(work.values())
    lines = [
        f"    {name:<28s} {sec:8.2f} s in {count[name]:5d} tasks"
        for name, sec in sorted(work.items(), key=lambda kv: -kv[1])
    ]
    lines.append(
        f"    transfers {transfer:.2f} s; workers busy {busy:.1f} of {n_workers * wall:.1f} "
        f"worker-seconds ({100 * busy / max(n_workers * wall, 1e-9):.0f} %)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--positions", type=int, default=3_000_000)
    ap.add_argument("--vessels", type=int, default=6_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GB")
    a = ap.parse_args(argv)
    from distributed import Client

    from vessels.scale import detect_distributed_full

    d = scale_data(a.positions, a.vessels)
    pos = d / "positions.parquet"
    print(f"bench_cluster: {a.positions:,} positions of {a.vessels:,} vessels ({d})")
    with tempfile.TemporaryDirectory(prefix="vessels-cluster-") as tmp_s:
        tmp = Path(tmp_s)
        base = [sys.executable, "-m", "vessels", "detect", str(pos), "--carriers",
                str(d / "carriers.csv"), "--quiet"]  # fmt: skip
        single_out = tmp / "single.jsonl"
        wall_s, peak_s = _run([*base, "-o", str(single_out)])
        print(f"  single process (vessels detect): {wall_s:.1f} s wall, peak {peak_s:.2f} GB")
        with cluster(a.workers, a.memory_limit, tmp) as address:
            dist_out = tmp / "cluster.jsonl"
            wall_c, peak_c = _run([*base, "-o", str(dist_out), "--scheduler", address])
            same = _events(dist_out) == _events(single_out)
            with Client(address) as client:
                mem = client.run(lambda: __import__("resource").getrusage(0).ru_maxrss / 1024**2)
                sched = client.run_on_scheduler(
                    lambda: __import__("resource").getrusage(0).ru_maxrss / 1024**2
                )
                t = time.perf_counter()
                from distributed import get_task_stream

                with get_task_stream(client) as ts:
                    detect_distributed_full(
                        str(pos), None, client=client, carriers=d / "carriers.csv"
                    )
                wall_t = time.perf_counter() - t
        peaks = " ".join(f"{v:.2f}" for v in mem.values())
        print(
            f"  cluster ({a.workers} separately started workers, --memory-limit "
            f"{a.memory_limit} each; vessels detect --scheduler): {wall_c:.1f} s wall, client "
            f"peak {peak_c:.2f} GB, scheduler {sched:.2f} GB, workers {peaks} GB"
        )
        print(f"  identical events: {same} ({len(_events(single_out))} events)")
        print(f"  ratio single/cluster: {wall_s / wall_c:.2f}x")
        print(
            f"  task stream of a second cluster run ({wall_t:.1f} s, this client {_peak_gb():.2f} GB):"
        )
        print(_breakdown(ts.data, a.workers, wall_t))


if __name__ == "__main__":
    main()
