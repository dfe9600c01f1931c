"""Benchmarks of `vessels investigate`: ranking quality, scale, and how fast the report opens.

    .venv/bin/python -m benchmarks.bench_investigate            # everything
    .venv/bin/python -m benchmarks.bench_investigate ranking --seeds 8
    .venv/bin/python -m benchmarks.bench_investigate scale --positions 10000000 --vessels 20000
    .venv/bin/python -m benchmarks.bench_investigate report --vessels 1000 --points 1000000

- ranking: simulator scenarios (seeds 1..N), full pipeline from the NMEA file; prints per seed
  whether every vessel with a suspicious truth event ranks above every other vessel, the pair
  AUC, and the share of seeds separated.
- scale: the simulator's scale mode (``vessels.sim.bulk``; a vectorised stand-in when that is
  missing) writes positions.parquet; `vessels investigate` runs on it in a child process; prints
  wall time and peak memory (ru_maxrss of the child) against the issue's budget (3 min, 6 GB),
  and movingpandas' trajectory building + gap splitting on a 200k-position slice as a peer.
- report: a report of N vessels and M raw track points opened in headless Debian chromium;
  prints file size, time to interactive and the time of one pan/zoom frame.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._common import report_page
from vessels.schema import POSITIONS_SCHEMA

ROOT = Path(__file__).resolve().parents[1]


# --- ranking -------------------------------------------------------------------------------


def bench_ranking(seeds: int, days: float, vessels: int) -> float:
    import csv

    from vessels.pipeline.investigate import investigate
    from vessels.pipeline.ranking import ranking_check, suspect_vessels
    from vessels.sim import SimConfig, simulate
    from vessels.sim.writers import write_scenario

    ok = 0
    aucs = []
    for seed in range(1, seeds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            sc = simulate(SimConfig(seed=seed, days=days, vessels=vessels))
            write_scenario(sc, tmp, "nmea")
            t0 = time.perf_counter()
            res = investigate(
                [Path(tmp) / "traffic.nmea"],
                Path(tmp) / "out",
                sar=[Path(tmp) / "sar_detections.csv"],
                quiet=True,
            )
            dt = time.perf_counter() - t0
            with open(Path(tmp) / "out" / "vessels.csv", encoding="utf-8") as fh:
                scores = {int(r["mmsi"]): float(r["risk_score"]) for r in csv.DictReader(fh)}
            chk = ranking_check(scores, suspect_vessels(sc.truth))
            ok += chk.separated
            aucs.append(chk.pair_auc)
            notes = "; ".join(res.summary.get("notes", []))
            print(
                f"  seed {seed}: {chk.line()}; {res.summary['counts']['events']} events, "
                f"{dt:.1f} s" + (f" [{notes}]" if notes else "")
            )
    share = ok / seeds
    print(
        f"ranking: suspects above all others in {ok}/{seeds} seeds ({share:.0%}); "
        f"mean pair AUC {np.mean(aucs):.3f}"
    )
    return share


# --- scale ---------------------------------------------------------------------------------


def _standin_positions(path: Path, n: int, n_vessels: int, seed: int = 0) -> None:
    """Vectorised random-walk traffic in POSITIONS_SCHEMA (used when vessels.sim.bulk is absent)."""
    rng = np.random.default_rng(seed)
    per = np.full(n_vessels, n // n_vessels)
    per[: n - per.sum()] += 1
    vid = np.repeat(np.arange(n_vessels), per)
    k = np.arange(n) - np.repeat(np.cumsum(per) - per, per)
    t0 = 1_709_251_200_000  # 2024-03-01
    interval = rng.integers(60, 600, n_vessels)[vid]
    t = t0 + k * interval * 1000 + rng.integers(0, 30_000, n)
    lat0 = rng.uniform(-50, -35, n_vessels)[vid]
    lon0 = rng.uniform(-65, -50, n_vessels)[vid]
    hdg = rng.uniform(0, 2 * np.pi, n_vessels)[vid]
    step = 0.002 * interval / 180
    lat = lat0 + np.cos(hdg) * step * k + rng.normal(0, 1e-4, n)
    lon = lon0 + np.sin(hdg) * step * k + rng.normal(0, 1e-4, n)
    mmsi = (200_000_000 + rng.choice(500_000_000, n_vessels, replace=False)).astype(np.uint32)[vid]
    # a few vessels go silent for a day: real work for the gap detector
    silent = (vid % 50 == 0) & (k > 100) & (k < 100 + 86_400 // interval)
    keep = ~silent
    cols = {
        "mmsi": mmsi[keep],
        "t": t[keep],
        "lat": lat[keep],
        "lon": lon[keep],
        "sog": np.full(keep.sum(), 10.0, np.float32),
        "cog": np.full(keep.sum(), 90.0, np.float32),
        "heading": np.full(keep.sum(), -1, np.int16),
        "nav_status": np.zeros(keep.sum(), np.int8),
        "msg_type": np.ones(keep.sum(), np.uint8),
        "is_sat": (rng.random(keep.sum()) < 0.3),
        "ais_second": np.full(keep.sum(), -1, np.int8),
    }
    arrays = []
    for f in POSITIONS_SCHEMA:
        if f.name == "receiver":
            arrays.append(pa.DictionaryArray.from_arrays(np.zeros(keep.sum(), np.int32), ["sim"]))
        else:
            arrays.append(pa.array(cols[f.name], type=f.type))
    pq.write_table(pa.Table.from_arrays(arrays, schema=POSITIONS_SCHEMA), path)


def _make_scale_input(folder: Path, positions: int, vessels: int) -> tuple[Path, str]:
    try:
        from vessels.sim.bulk import ScaleConfig, simulate_scale
    except ImportError:
        p = folder / "positions.parquet"
        _standin_positions(p, positions, vessels)
        return p, "stand-in random walks (vessels.sim.bulk missing)"
    simulate_scale(ScaleConfig(seed=1, positions=positions, vessels=vessels), folder)
    return folder / "positions.parquet", "vessels.sim.bulk"


def bench_scale(positions: int, vessels: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        src, how = _make_scale_input(folder, positions, vessels)
        n = pq.ParquetFile(src).metadata.num_rows
        print(
            f"scale input: {n:,} positions of {vessels:,} vessels from {how} in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        code = (
            "import resource, sys, time, json\n"
            "from vessels.cli import main\n"
            "t=time.perf_counter()\n"
            f"rc=main(['investigate', {str(src)!r}, '--out', {str(folder / 'out')!r}, '--quiet'])\n"
            "print(json.dumps({'rc': rc, 'wall_s': time.perf_counter()-t}), file=sys.stderr)\n"
        )
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - t0
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        print(proc.stdout.strip()[-2000:])
        if proc.returncode != 0:
            print(proc.stderr[-3000:])
        summary = (
            json.loads((folder / "out" / "summary.json").read_text())
            if (folder / "out" / "summary.json").is_file()
            else {}
        )
        stages = summary.get("stage_seconds", {})
        print(
            f"scale: investigate on {n:,} positions: {wall:.1f} s wall (budget 180 s, "
            f"{wall / 180:.2f} of it), peak RSS {peak_gb:.2f} GB (budget 6 GB, {peak_gb / 6:.2f})"
        )
        if stages:
            print("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        _peer_movingpandas(src)
        return wall, peak_gb


def _peer_movingpandas(src: Path, n: int = 200_000) -> None:
    """movingpandas: building trajectories and splitting at 2 h gaps on a slice, per position."""
    try:
        import geopandas as gpd
        import movingpandas as mpd
        import pandas as pd
    except ImportError:
        print("  peer: movingpandas not installed")
        return
    tb = pq.read_table(src, columns=["mmsi", "t", "lat", "lon"]).slice(0, n)
    df = tb.to_pandas()
    df["t"] = pd.to_datetime(df["t"]).dt.tz_localize(None)
    t0 = time.perf_counter()
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)
    tc = mpd.TrajectoryCollection(gdf, "mmsi", t="t")
    mpd.ObservationGapSplitter(tc).split(gap=pd.Timedelta(hours=2))
    dt = time.perf_counter() - t0
    print(
        f"  peer: movingpandas TrajectoryCollection + ObservationGapSplitter on {n:,} positions: "
        f"{dt:.1f} s ({dt / n * 1e6:.1f} us/position; x{10_000_000 / n:.0f} for 10M = "
        f"{dt * 10_000_000 / n:.0f} s, tracks only, no detectors)"
    )


# --- report --------------------------------------------------------------------------------


def _report_inputs(n_vessels: int, points: int) -> tuple[list[Any], pa.Table, Any]:
    from dashboards.report import ReportVessel
    from vessels.events import Event, events_to_table
    from vessels.tracks import Tracks

    rng = np.random.default_rng(3)
    per = points // n_vessels
    n = per * n_vessels
    vid = np.repeat(np.arange(n_vessels), per)
    k = np.tile(np.arange(per), n_vessels)
    lat = rng.uniform(-50, -38, n_vessels)[vid] + np.cumsum(rng.normal(0, 0.003, n))
    lon = rng.uniform(-64, -52, n_vessels)[vid] + np.cumsum(rng.normal(0, 0.003, n))
    t = 1_709_251_200_000 + k * 180_000 + (k > per // 2) * 6 * 3_600_000  # one 6 h gap each
    mmsi = (300_000_000 + np.arange(n_vessels)).astype(np.uint32)
    tracks = Tracks(
        mmsi=mmsi[vid],
        seg=vid.astype(np.int64),
        t=t.astype(np.int64),
        lat=lat,
        lon=lon,
        sog=np.zeros(n, np.float32),
        cog=np.zeros(n, np.float32),
        receiver=np.zeros(n, np.int32),
        is_sat=np.zeros(n, np.int8),
        seg_start=np.arange(0, n + 1, per, dtype=np.int64),
        seg_mmsi=mmsi,
    )
    evs = []
    for v in range(n_vessels):
        i = v * per + per // 2
        evs.append(
            Event(
                "gap",
                int(mmsi[v]),
                int(t[i]),
                int(t[i + 1]),
                float(lat[i]),
                float(lon[i]),
                0.8,
                ["silent for 6 h"],
                {"points_before": 10},
            )
        )
        j = v * per + per // 4
        evs.append(
            Event(
                "loitering",
                int(mmsi[v]),
                int(t[j]),
                int(t[j + 20]),
                float(lat[j]),
                float(lon[j]),
                0.6,
                ["slow for 1 h"],
                {"mean_speed_kn": 1.0},
            )
        )
    vessels = [
        ReportVessel(
            int(mmsi[v]),
            float(rng.uniform(0.3, 1.0)),
            name=f"VESSEL {v}",
            counts={"gap": 1, "loitering": 1},
            reasons=[("1 AIS gap", 0.5)],
        )
        for v in range(n_vessels)
    ]
    return vessels, events_to_table(evs), tracks


def bench_report(n_vessels: int, points: int) -> float:
    from dashboards.report import write_report

    vessels, events, tracks = _report_inputs(n_vessels, points)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        t0 = time.perf_counter()
        write_report(path, vessels, events, tracks, {"title": "bench"})
        build = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        with report_page(path) as (page, ready):
            frame_ms = page.evaluate(
                """() => new Promise(res => { const c = document.getElementById('map');
                const t = performance.now();
                c.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: 300, clientY: 300,
                  bubbles: true, cancelable: true}));
                requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now() - t))); })"""
            )
            t0 = time.perf_counter()
            page.click("#vessel-table tbody tr >> nth=0")
            select_ms = (time.perf_counter() - t0) * 1000
    print(
        f"report: {n_vessels:,} vessels, {points:,} raw points -> {size_mb:.1f} MB built in "
        f"{build:.1f} s; interactive in {ready:.2f} s (budget 3 s), one zoom frame {frame_ms:.0f} ms "
        f"(budget 250 ms), select a vessel {select_ms:.0f} ms"
    )
    return ready


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench_investigate")
    ap.add_argument("part", nargs="?", default="all", choices=("all", "ranking", "scale", "report"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--days", type=float, default=3.0)
    ap.add_argument("--sim-vessels", type=int, default=60)
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--vessels", type=int, default=None)
    ap.add_argument("--points", type=int, default=1_000_000)
    a = ap.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if a.part in ("all", "ranking"):
        bench_ranking(a.seeds, a.days, a.sim_vessels)
    if a.part in ("all", "report"):
        bench_report(a.vessels or 1000, a.points)
    if a.part in ("all", "scale"):
        bench_scale(a.positions, a.vessels or 20_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
