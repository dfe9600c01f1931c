"""Benchmark: detection quality (precision, recall, F1) on many varied simulated scenarios.

Simulates seeds x regions x fleet sizes x durations (default 3 x 2 x 2 x 2 = 24 scenarios),
runs the full single-process detection on each (``detectors.run_detectors_full``: gap,
loitering, encounter, identity) and the fusion (``vessels.fusion.fuse.fuse_tables``:
dark_detection, dark_rendezvous), scores each against the scenario's truth with
:mod:`vessels.evaluate.events` (the ``vessels evaluate`` rule, min score 0.5) and prints one line per
scenario and type, then the pooled figures. ``--show-unmatched`` lists every miss and false
alarm (to find root causes); ``--scale`` adds the scale-mode scenario (open South Pacific).

Run: .venv/bin/python -m benchmarks.bench_quality [--seeds 3] [--quick] [--show-unmatched]
     [--behaviours unregistered_carriers,two_transponders,...] (issue 13's scenario options;
     figures on the simulator are conformance to its definitions, not accuracy at sea)
"""

from __future__ import annotations

import argparse
import itertools
import math
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from detectors import run_detectors_full
from ingest.sar import read_detections
from vessels.evaluate.events import Evaluation, TypeScore, evaluate, load_truth, truth_from_doc
from vessels.fusion.fuse import fuse_tables
from vessels.sim import ScaleConfig, SimConfig, simulate, simulate_scale, write_scenario

CORE = ("gap", "encounter", "loitering", "identity")
FUSED = ("dark_detection", "dark_rendezvous")


def _fmt(x: float) -> str:
    return "  -  " if math.isnan(x) else f"{x:5.3f}"


def _line(label: str, s: TypeScore) -> str:
    return (
        f"{label:<34s} {s.type:<16s} {s.tp + s.fn:>5d} {s.tp:>5d} {s.fp:>4d} {s.fn:>4d} "
        f"{_fmt(s.precision)} {_fmt(s.recall)} {_fmt(s.f1)}"
    )


def _add(pool: dict[str, TypeScore], ev: Evaluation) -> None:
    for t, s in ev.scores.items():
        p = pool.setdefault(t, TypeScore(t))
        p.tp += s.tp
        p.fp += s.fp
        p.fn += s.fn


def _scenario(
    cfg: SimConfig, work: Path, fusion: bool, show: bool
) -> tuple[Evaluation, float, float]:
    sc = simulate(cfg)
    out = work / f"s{cfg.seed}-{cfg.region}-{cfg.vessels}-{cfg.days:g}"
    write_scenario(sc, out, fmt="parquet")
    truth = truth_from_doc(sc.truth)
    t = time.perf_counter()
    res = run_detectors_full(sc.positions, sc.static, carriers=out / "carriers.csv")
    t_det = time.perf_counter() - t
    events = list(res.events)
    t_fuse = math.nan
    types = CORE
    if fusion:
        sar = read_detections([out / "sar_detections.csv", out / "sar_scenes.geojson"])
        t = time.perf_counter()
        fo = fuse_tables(sc.positions, sc.static, sar, carriers=out / "carriers.csv")
        t_fuse = time.perf_counter() - t
        events += [e for e in fo.events if e.type in FUSED]
        types = CORE + FUSED
    ev = evaluate(events, truth, types=types)
    if show:
        text = ev.table(show_unmatched=True).splitlines()
        for ln in text:
            if ln.startswith(("missed", "false")):
                print(f"    {out.name}: {ln}")
    return ev, t_det, t_fuse


def _scale(work: Path, seed: int, show: bool) -> Evaluation:
    out = work / f"scale-{seed}"
    simulate_scale(ScaleConfig(seed=seed, positions=400_000, vessels=2000, days=3.0), out)
    pos = pq.read_table(out / "positions.parquet")
    static = pq.read_table(out / "static.parquet")
    res = run_detectors_full(pos, static, carriers=out / "carriers.csv")
    ev = evaluate(res.events, load_truth(out / "truth.json"), types=CORE)
    if show:
        for ln in ev.table(show_unmatched=True).splitlines():
            if ln.startswith(("missed", "false")):
                print(f"    {out.name}: {ln}")
    return ev


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="seeds per region/size/days")
    ap.add_argument("--first-seed", type=int, default=101)
    ap.add_argument("--quick", action="store_true", help="one seed, small fleets (12 scenarios)")
    ap.add_argument("--no-fusion", action="store_true", help="skip fuse_tables (dark_* types)")
    ap.add_argument("--scale", action="store_true", help="also score scale-mode scenarios")
    ap.add_argument("--show-unmatched", action="store_true")
    ap.add_argument(
        "--behaviours",
        default="",
        help="comma-separated simulator behaviours (issue 13), e.g. all of "
        "unregistered_carriers,two_transponders,class_ab_pair,clone_while_dark,joint_silence",
    )
    ap.add_argument("--regions", default="argentina,west_africa")
    args = ap.parse_args()
    seeds = range(args.first_seed, args.first_seed + (1 if args.quick else args.seeds))
    regions = tuple(r for r in args.regions.split(",") if r)
    behaviours = tuple(b for b in args.behaviours.split(",") if b)
    sizes = (40, 80) if not args.quick else (30, 50)
    days = (2.0, 4.0) if not args.quick else (2.0, 3.0, 4.0)
    grid = list(itertools.product(seeds, regions, sizes, days))
    print(f"{len(grid)} scenarios (seeds x regions x vessels x days), min score 0.5")
    print(
        f"{'scenario':<34s} {'type':<16s} {'truth':>5s} {'tp':>5s} {'fp':>4s} {'fn':>4s} "
        f"{'prec':>5s} {'rec':>5s} {'f1':>5s}"
    )
    pool: dict[str, TypeScore] = {}
    t_det = t_fuse = 0.0
    with tempfile.TemporaryDirectory(prefix="vessels-quality-") as tmp:
        work = Path(tmp)
        for seed, region, n, d in grid:
            cfg = SimConfig(seed=seed, days=d, vessels=n, region=region, behaviours=behaviours)
            ev, td, tf = _scenario(cfg, work, not args.no_fusion, args.show_unmatched)
            t_det += td
            t_fuse += 0.0 if math.isnan(tf) else tf
            label = f"seed {seed} {region} {n}v {d:g}d"
            for s in ev.scores.values():
                print(_line(label, s))
            _add(pool, ev)
        if args.scale:
            for seed in seeds:
                ev = _scale(work, seed, args.show_unmatched)
                for s in ev.scores.values():
                    print(_line(f"scale seed {seed} 2000v 3d", s))
                _add(pool, ev)
    print()
    print(f"pooled over {len(grid)} scenarios" + (" + scale" if args.scale else ""))
    for t in CORE + FUSED:
        if t in pool:
            print(_line("POOLED", pool[t]))
    low = [t for t in CORE if t in pool and min(pool[t].precision, pool[t].recall) < 0.95]
    print(f"core types below 0.95: {', '.join(low) if low else 'none'}")
    print(f"time: detect {t_det:.1f} s, fusion {t_fuse:.1f} s (sum over scenarios)")


if __name__ == "__main__":
    main()
