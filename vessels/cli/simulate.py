"""`vessels simulate`: write a scenario with ground truth (or a large Parquet file for benchmarks)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from vessels.errors import InputError
from vessels.sim.config import REGIONS, SimConfig


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate", help="write simulated AIS traffic, SAR detections and truth.json"
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    p.add_argument("--days", type=float, default=3.0, help="length in days (at least 1)")
    p.add_argument(
        "--vessels",
        type=int,
        default=None,
        help="number of AIS vessels (default 60; with --scale, one per 500 positions)",
    )
    p.add_argument("--region", choices=sorted(REGIONS), default="argentina", help="sea area")
    p.add_argument(
        "--format",
        choices=("nmea", "csv", "parquet"),
        default="nmea",
        help="traffic format: tag-blocked NMEA, MarineCadastre CSV or canonical Parquet",
    )
    p.add_argument(
        "--scale",
        action="store_true",
        help="benchmark mode: write positions.parquet directly, vectorised",
    )
    p.add_argument("--positions", type=int, default=10_000_000, help="positions in --scale mode")
    p.add_argument("--quiet", action="store_true", help="no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    t = time.perf_counter()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder, and this is a file", args.out)
    if args.scale:
        from vessels.sim.scale import ScaleConfig, simulate_scale

        res = simulate_scale(
            ScaleConfig(
                seed=args.seed,
                positions=args.positions,
                vessels=args.vessels or max(10, args.positions // 500),
            ),
            args.out,
        )
        if not args.quiet:
            print(
                f"wrote {res.positions:,} positions of {res.vessels:,} vessels and "
                f"{res.events} truth events to {args.out} in {time.perf_counter() - t:.1f} s"
            )
        return 0
    from vessels.sim.core import simulate
    from vessels.sim.writers import write_scenario

    cfg = SimConfig(seed=args.seed, days=args.days, vessels=args.vessels or 60, region=args.region)
    sc = simulate(cfg)
    paths = write_scenario(sc, args.out, args.format)
    if not args.quiet:
        counts: dict[str, int] = {}
        for e in sc.truth["events"]:
            counts[e["type"]] = counts.get(e["type"], 0) + 1
        print(
            f"{sc.positions.num_rows:,} positions, {sc.static.num_rows:,} static reports, "
            f"{len(sc.sar.detections)} SAR detections in {len(sc.sar.scenes)} scenes; truth: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
            file=sys.stdout,
        )
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0
