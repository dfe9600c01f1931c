"""Benchmark: ``detect`` single-process vs ``detect_distributed`` on a dask LocalCluster.

Prints, in one run on the same data (the simulator's scale scenario, default 3 million
positions of 6,000 vessels, made once with ``vessels simulate --scale`` and cached):
- the single-process ``run_detectors_full`` (in a child process, so its peak memory is its
  own): wall time and peak RSS;
- ``detect_distributed_full`` on ``LocalCluster(n_workers=W, threads_per_worker=1,
  processes=True)`` reading the Parquet file on the workers by row groups: wall time of a
  second run (and of the first, which also pays for each worker's first calls), the time of
  each phase, peak RSS of each worker and of the client;
- the ratio of the two times and whether the events are identical (ids, scores, evidence).

On a 2-core machine little speed-up is expected: the point is that the distributed run gives
the same events while no single process holds all the data.

Run: .venv/bin/python -m benchmarks.bench_distributed [--positions N] [--vessels V] [--workers W]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import resource
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from benchmarks._common import peak_gb, scale_data

H = 3_600_000


def _warm(d: Path) -> None:
    """Load every kernel from Numba's cache on a small slice (run time, not compile time)."""
    from detectors import run_detectors_full

    small = pq.read_table(d / "positions.parquet").slice(0, 20_000)
    run_detectors_full(small, None, carriers=d / "carriers.csv")


def _keys(events: list[Any]) -> list[tuple[str, float, str]]:
    return sorted(
        (e.event_id, round(e.score, 9), json.dumps(e.evidence, sort_keys=True, default=str))
        for e in events
    )


def _single(d: str) -> tuple[float, float, dict[str, int], list[tuple[str, float, str]]]:
    """Child process: read, detect; wall seconds (after warm-up), peak GB, counts, keys."""
    from detectors import run_detectors_full

    p = Path(d)
    _warm(p)
    t = time.perf_counter()
    pos = pq.read_table(p / "positions.parquet")
    static = pq.read_table(p / "static.parquet")
    res = run_detectors_full(pos, static, carriers=p / "carriers.csv")
    dt = time.perf_counter() - t
    return dt, peak_gb(), res.counts(), _keys(res.events)


def _worker_peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--positions", type=int, default=3_000_000)
    ap.add_argument("--vessels", type=int, default=6_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--rows-per-task", type=int, default=1_000_000, help="ScaleParams.rows_per_partition"
    )
    a, _ = ap.parse_known_args(argv)
    from distributed import Client, LocalCluster

    from vessels.scale import ScaleParams, detect_distributed_full

    d = scale_data(a.positions, a.vessels)
    n = pq.ParquetFile(d / "positions.parquet").metadata.num_rows
    print(f"bench_distributed: {n:,} positions of {a.vessels:,} vessels ({d})")

    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        t_single, mem_single, counts, keys_single = ex.submit(_single, str(d)).result()
    print(f"  single process   {t_single:7.2f} s   peak {mem_single:5.2f} GB   events {counts}")

    with (
        LocalCluster(
            n_workers=a.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            worker_dashboard_address=":0",
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm, d)
        static = pq.read_table(d / "static.parquet")
        times = []
        for _ in range(2):  # the first run also pays for each worker's first calls
            t = time.perf_counter()
            res = detect_distributed_full(
                str(d / "positions.parquet"),
                static,
                client=client,
                carriers=d / "carriers.csv",
                scale=ScaleParams(rows_per_partition=a.rows_per_task),
            )
            times.append(time.perf_counter() - t)
        t_dist = times[-1]
        peaks = client.run(_worker_peak_gb)
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in res.timings_s.items())
    worker_mem = " ".join(f"{v:.2f}" for v in peaks.values())
    print(
        f"  distributed ({a.workers} workers) {t_dist:7.2f} s (first run {times[0]:.2f} s)   "
        f"worker peaks {worker_mem} GB   "
        f"client peak {peak_gb():.2f} GB"
    )
    print(
        f"    {res.n_partitions} MMSI partitions, {res.n_windows} encounter windows x "
        f"{res.n_bands} bands ({res.window_reruns} rerun further); {phases}"
    )
    same = _keys(res.events) == keys_single
    print(
        f"  ratio single/distributed {t_single / t_dist:5.2f}x   "
        f"largest process {max(peaks.values()):.2f} GB vs {mem_single:.2f} GB single   "
        f"identical events: {same} ({len(res.events)})"
    )


if __name__ == "__main__":
    main()
