"""`vessels simulate`: write a scenario with ground truth (or a large Parquet file for benchmarks)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from vessels.errors import ConfigError, InputError
from vessels.sim.params import REGIONS, SimConfig

DEFAULT_VESSELS = 60
# what a scenario folder holds (every --format and --scale): a folder of only these names, or
# one with truth.json, is a previous scenario that a new run replaces as a whole
SCENARIO_FILES = (
    "traffic.nmea",
    "traffic.csv",
    "positions.parquet",
    "static.parquet",
    "truth.json",
    "sar_detections.csv",
    "sar_scenes.geojson",
    "carriers.csv",
)


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
        help=f"number of AIS vessels (default {DEFAULT_VESSELS}; with --scale, one per 500 "
        "positions)",
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
    p.add_argument(
        "--behaviours",
        default="",
        metavar="LIST",
        help="comma-separated behaviours that fool plain rules (issue 13): unregistered_carriers, "
        "two_transponders, class_ab_pair, clone_while_dark, joint_silence",
    )
    p.add_argument("--quiet", action="store_true", help="no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vessels.pipeline.outputs import staging_dir

    t = time.perf_counter()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder, and this is a file", args.out)
    # "is None", not "or": --vessels 0 is a mistake to report, not a request for the default
    if args.vessels is not None and args.vessels < 1:
        raise ConfigError(f"--vessels must be 1 or more, got {args.vessels}")
    # every file is written into a sibling folder renamed into place at the end: a killed run
    # leaves the previous scenario (or none), never a part of one
    if args.scale:
        from vessels.sim.bulk import ScaleConfig, simulate_scale

        scale_cfg = ScaleConfig(
            seed=args.seed,
            positions=args.positions,
            vessels=args.vessels if args.vessels is not None else max(10, args.positions // 500),
        )
        with staging_dir(out, SCENARIO_FILES, "truth.json") as tmp:
            res = simulate_scale(scale_cfg, tmp)
        if not args.quiet:
            print(
                f"wrote {res.positions:,} positions of {res.vessels:,} vessels and "
                f"{res.events} truth events to {args.out} in {time.perf_counter() - t:.1f} s"
            )
        return 0
    from vessels.sim.core import simulate
    from vessels.sim.writers import write_scenario

    vessels = args.vessels if args.vessels is not None else DEFAULT_VESSELS
    cfg = SimConfig(
        seed=args.seed,
        days=args.days,
        vessels=vessels,
        region=args.region,
        behaviours=tuple(b.strip() for b in args.behaviours.split(",") if b.strip()),
    )
    sc = simulate(cfg)
    with staging_dir(out, SCENARIO_FILES, "truth.json") as tmp:
        names = [p.name for p in write_scenario(sc, tmp, args.format)]
    paths = [out / n for n in names]
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
