"""Benchmark: tracks + gap + loitering (+ the full detect) on the simulator's scale scenario.

Prints, in one run on the same data:
- the time of each stage on N simulated positions (default 10 million of 20,000 vessels, made
  once with ``vessels simulate --scale`` in a subprocess and cached), the whole ``run_detectors``
  (every available detector) and the peak memory of this process;
- the per-vessel scans (gap and loitering kernels) in positions per second on one core;
- our loitering detector against movingpandas' TrajectoryStopDetector on the same tracks
  (a subset of vessels: movingpandas is slow), as a ratio;
- precision and recall against the scale scenario's truth.

Run: .venv/bin/python -m benchmarks.bench_detect [--positions N] [--vessels V] [--mp-vessels K]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq

from benchmarks._common import peak_gb, scale_data
from detectors import load_spec, run_detectors_full
from detectors.base import build_context
from kernels.runs import find_gaps, slow_steps, true_runs, window_counts
from vessels.evaluate.events import evaluate, load_truth
from vessels.registry import build_registry
from vessels.tracks import build_tracks, take_rows

H = 3_600_000


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(label: str, fn, *a, **kw):  # type: ignore[no-untyped-def]
    # CPU seconds beside wall seconds: on a shared machine the wall clock also counts waiting
    t, c = time.perf_counter(), _cpu()
    r = fn(*a, **kw)
    dt, dc = time.perf_counter() - t, _cpu() - c
    print(f"  {label:<34s} {dt:7.2f} s wall {dc:7.2f} s cpu")
    return r, dt


_FULL = """
import resource, sys, time
import pyarrow.parquet as pq
from detectors import run_detectors_full
from vessels.eventio import write_events
d = sys.argv[1]
t = time.perf_counter()
pos = pq.read_table(d + "/positions.parquet")
static = pq.read_table(d + "/static.parquet")
res = run_detectors_full(pos, static, carriers=d + "/carriers.csv")
write_events(res.table, d + "/events.parquet")
r = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024**2, res.counts())
"""


def _movingpandas_vs_ours(tracks, ctx, k: int) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    import geopandas as gpd
    import movingpandas as mpd
    import pandas as pd

    rows = np.arange(tracks.seg_start[0], tracks.seg_start[min(k, tracks.n_seg)])
    sub = take_rows(tracks, rows)
    spec = load_spec("loitering")
    spec.detect(sub, ctx)  # compiled already; warm the shore grid
    t = time.perf_counter()
    ours = spec.detect(sub, ctx)
    t_ours = time.perf_counter() - t
    df = pd.DataFrame(
        {"id": sub.seg, "t": pd.to_datetime(sub.t, unit="ms"), "lat": sub.lat, "lon": sub.lon}
    )
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
    t = time.perf_counter()
    tc = mpd.TrajectoryCollection(gdf, "id", t="t")
    # 2 kn for 4 h is at most 14.8 km of drift: the comparable stop rule
    stops = mpd.TrajectoryStopDetector(tc).get_stop_time_ranges(
        min_duration=timedelta(hours=4), max_diameter=14_816
    )
    t_mp = time.perf_counter() - t
    print(
        f"loitering vs movingpandas TrajectoryStopDetector on {sub.n:,} positions of "
        f"{sub.n_seg} vessels: ours {t_ours * 1000:.1f} ms ({len(ours)} events), movingpandas "
        f"{t_mp:.2f} s ({len(stops)} stops): ours is {t_mp / max(t_ours, 1e-9):,.0f}x faster"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--vessels", type=int, default=20_000)
    ap.add_argument("--mp-vessels", type=int, default=100, help="vessels for the movingpandas run")
    a = ap.parse_args(argv)
    d = scale_data(a.positions, a.vessels)
    print(f"bench_detect: {a.positions:,} positions of {a.vessels:,} vessels ({d})")
    # compile every kernel on a small slice first so the figures are run time, not compile time
    small = pq.read_table(d / "positions.parquet").slice(0, 20_000)
    run_detectors_full(small, None, carriers=d / "carriers.csv")

    total = 0.0
    pos, dt = _timed("read positions.parquet", pq.read_table, d / "positions.parquet")
    static = pq.read_table(d / "static.parquet")
    (tracks, _), dt = _timed("build_tracks (sort, dedup, segment)", build_tracks, pos)
    total += dt
    reg = build_registry(static, d / "carriers.csv")
    ctx, dt = _timed("context (reception, anchorages)", build_context, tracks, reg)
    total += dt
    for name in ("gap", "loitering"):
        ev, dt = _timed(f"{name} detector", load_spec(name).detect, tracks, ctx)
        total += dt
        print(f"    -> {len(ev):,} events, {tracks.n / dt / 1e6:.1f} M positions/s end to end")
    print(f"  {'tracks + context + gap + loitering':<34s} {total:7.2f} s  peak {peak_gb():.2f} GB")

    # the per-vessel scans alone, one core
    args = (tracks.t, tracks.lat, tracks.lon, tracks.sog, tracks.seg_start, 2.0, 50.0, 12 * H)
    t = time.perf_counter()
    slow = slow_steps(*args)
    true_runs(slow, tracks.seg_start, tracks.t, 4 * H)
    t_loit = time.perf_counter() - t
    t = time.perf_counter()
    rows = find_gaps(tracks.t, tracks.seg_start, 12 * H)
    window_counts(tracks.t, tracks.is_sat, tracks.seg_start, tracks.seg, rows, 12 * H, True)
    t_gap = time.perf_counter() - t
    print(
        f"per-vessel scans, one core: loitering {tracks.n / t_loit / 1e6:.0f} M positions/s, "
        f"gap {tracks.n / t_gap / 1e6:.0f} M positions/s (target > 20)"
    )

    del ctx
    # The whole detect (read Parquet, every detector, write events) in a fresh process, so its
    # peak memory is its own.
    subprocess.run([sys.executable, "-c", _FULL, str(d)], check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-c", _FULL, str(d)], check=True, capture_output=True, text=True
    ).stdout.split(maxsplit=3)
    wall, cpu, peak = float(out[0]), float(out[1]), float(out[2])
    print(
        f"full detect (read + all detectors + write): {wall:.1f} s wall, {cpu:.1f} s cpu on "
        f"{os.cpu_count()} cores (target < 60 s), peak memory {peak:.2f} GB (target < 4), "
        f"events {out[3].strip()}"
    )
    from vessels.eventio import read_events

    res_table = read_events(d / "events.parquet")
    ev = evaluate(res_table, load_truth(d / "truth.json"))
    for typ, s in ev.scores.items():
        print(
            f"  {typ:<10s} precision {s.precision:.3f} recall {s.recall:.3f} "
            f"(tp {s.tp}, fp {s.fp}, fn {s.fn})"
        )
    _movingpandas_vs_ours(tracks, build_context(tracks, reg), a.mp_vessels)


if __name__ == "__main__":
    main()
