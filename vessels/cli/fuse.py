"""`vessels fuse`: AIS from several receivers + satellite detections -> dark-vessel events."""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vessels.atomic import atomic_path, atomic_write
from vessels.cli._common import check_inputs
from vessels.errors import ConfigError
from vessels.textsafe import csv_cell


def register(sub: Any) -> None:
    p = sub.add_parser(
        "fuse",
        help="match SAR/optical vessel detections to AIS; find dark vessels and dark rendezvous",
        description="Merge AIS inputs across receivers (duplicates once, receiver clock offsets "
        "found), match satellite detections to the tracks scene by scene, and write "
        "dark_detection, dark_rendezvous and imagery-enriched gap events.",
    )
    p.add_argument("inputs", nargs="+", metavar="AIS_INPUT", help="NMEA, CSV or Parquet inputs")
    p.add_argument(
        "--sar",
        nargs="+",
        required=True,
        metavar="DETECTIONS",
        help="detection tables and scene footprints (CSV, GeoJSON)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="events: .jsonl .csv .parquet .geoparquet .geojson .kml",
    )
    p.add_argument("--matches", help="write every detection with its MMSI/score (.csv/.parquet)")
    p.add_argument("--missed", help="write AIS vessels expected in a footprint but not detected")
    p.add_argument("--clock", help="write flagged receiver-hours (clock offsets) (.csv/.parquet)")
    p.add_argument("--columns", help="AIS CSV column mapping, as for 'vessels ingest'")
    p.add_argument("--sar-columns", help="detection column mapping, e.g. lat=Y,lon=X,t=when")
    p.add_argument("--carriers", help="CSV of carrier (reefer) vessels with an mmsi/imo column")
    p.add_argument(
        "--config", help="TOML parameter file: detector tables, [fusion], [dark], [tracks]"
    )
    p.add_argument(
        "--assignment",
        choices=("optimal", "greedy"),
        help="one-to-one assignment: optimal (linear_sum_assignment) or greedy best-first (GFW); "
        "default: the [fusion] table's, else optimal",
    )
    p.add_argument(
        "--clock-action",
        choices=("correct", "drop", "keep"),
        default="correct",
        help="what to do with receiver-hours whose clock is off by > 30 s",
    )
    p.add_argument(
        "--all-events", action="store_true", help="also write every other detector's events"
    )
    p.add_argument("--truth", help="simulator truth.json: print matching precision and recall")
    p.add_argument("--quiet", action="store_true", help="no summary")
    p.set_defaults(func=run)


def write_table(table: pa.Table, path: Path) -> None:
    """A table as .csv (text cells neutralised for spreadsheets) or .parquet, atomically."""
    ext = path.suffix.lower()
    if ext == ".parquet":
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return
    if ext != ".csv":
        raise ConfigError(f"{path}: use .csv or .parquet")
    with atomic_write(path) as fh:
        w = csv.writer(fh)
        w.writerow(table.column_names)
        for row in table.to_pylist():
            w.writerow(
                [
                    "" if v is None else v.isoformat() if hasattr(v, "isoformat") else csv_cell(v)
                    for v in row.values()
                ]
            )


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ingest.merge import CLOCK_SCHEMA, MergeParams
    from vessels.evaluate.matches import match_accuracy
    from vessels.eventio import EVENT_FORMATS, write_events
    from vessels.events import events_to_table
    from vessels.fusion.fuse import fuse
    from vessels.fusion.matching import MatchParams

    out = Path(args.output)
    if out.suffix.lower() not in EVENT_FORMATS:
        raise ConfigError(
            f"-o {args.output}: unknown format; use one of {', '.join(EVENT_FORMATS)}"
        )
    for side in (args.matches, args.missed, args.clock):
        if side and Path(side).suffix.lower() not in (".csv", ".parquet"):
            raise ConfigError(f"{side}: use .csv or .parquet")
    from vessels.config import load_config

    # a wrong parameter file fails in a second, before the inputs are read
    config = load_config(args.config)
    match_params = config.params("fusion", MatchParams)
    if args.assignment:
        match_params = replace(match_params, assignment=args.assignment)
    ais = check_inputs(args.inputs)
    sar = check_inputs(args.sar)
    for extra in (args.carriers, args.truth):
        if extra:
            check_inputs([extra])
    t0 = time.perf_counter()
    res = fuse(
        ais,
        sar,
        columns=args.columns,
        sar_columns=args.sar_columns,
        quiet=args.quiet,
        carriers=args.carriers,
        config=config,
        merge_params=MergeParams(clock_action=args.clock_action),
        match_params=match_params,
        all_events=args.all_events,
    )
    write_events(events_to_table(res.events), out)
    if args.matches:
        write_table(res.match.matches, Path(args.matches))
    if args.missed:
        write_table(res.match.missed, Path(args.missed))
    if args.clock:
        clock = res.merge.clock if res.merge else CLOCK_SCHEMA.empty_table()
        write_table(clock, Path(args.clock))
    if not args.quiet:
        counts: dict[str, int] = {}
        for e in res.events:
            counts[e.type] = counts.get(e.type, 0) + 1
        per = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
        merge = res.merge.summary() if res.merge else "; ".join(res.notes)
        print(f"vessels fuse: AIS: {merge or 'one receiver: nothing to merge'}")
        print(f"vessels fuse: SAR: {res.sar.summary()}")
        print(f"vessels fuse: matching: {res.match.summary()}")
        print(
            f"vessels fuse: {len(res.events)} events ({per}) -> {out} "
            f"in {time.perf_counter() - t0:.1f} s"
        )
    if args.truth:
        print(f"vessels fuse: against truth: {match_accuracy(res.match, args.truth).summary()}")
    return 0
