"""`vessels investigate INPUT... [--sar DETECTIONS...] [--carriers LIST] [--config params.toml]
--out DIR [--quiet]`: flag suspect vessels and write a ranked list, events, grids and a report."""

from __future__ import annotations

import argparse
import shutil
from typing import Any

from vessels.cli._common import check_inputs
from vessels.errors import ConfigError

TOP_N = 10


def register(sub: Any) -> None:
    p = sub.add_parser(
        "investigate",
        help="flag suspect vessels: ranked list with reasons, events, grids and an HTML report",
        description="Read AIS positions (NMEA, CSV, Parquet) and optional SAR detections, detect "
        "gaps, encounters, loitering, identity tricks and dark vessels, score every vessel, and "
        "write vessels.csv/.parquet, events.csv/.geojson/.parquet/.kml, grids.nc, report.html "
        "and summary.json into --out (replaced as a whole only when the run completes).",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="AIS input files or folders")
    p.add_argument("--sar", nargs="+", default=[], metavar="DETECTIONS", help="SAR detections")
    p.add_argument(
        "--carriers",
        metavar="LIST",
        help="CSV of carrier (reefer) vessels; default: carriers.csv beside the first input",
    )
    p.add_argument(
        "--anchorages",
        metavar="CSV",
        help="ports or anchorages to add to the built-in list (latitude, longitude, optional "
        "label columns; .gz read directly), e.g. a World Port Index extract",
    )
    p.add_argument("--config", metavar="params.toml", help="parameters (TOML, one table per step)")
    p.add_argument(
        "--columns",
        metavar="MAP",
        help="CSV column mapping for unknown layouts, as for 'vessels ingest' (mmsi=ID,t=time,...)",
    )
    p.add_argument(
        "--sar-columns",
        metavar="MAP",
        help="SAR detection column mapping, as for 'vessels fuse' (e.g. lat=Y,lon=X,t=when)",
    )
    p.add_argument(
        "--time-format",
        metavar="FMT",
        help="how a CSV time column is written, as for 'vessels ingest' (e.g. '%%d/%%m/%%Y %%H:%%M')",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--top", type=int, default=TOP_N, help="flagged vessels to print (default 10)")
    p.add_argument("--quiet", action="store_true", help="no progress, only the final summary")
    p.set_defaults(func=run)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    from vessels.investigate import investigate

    if args.top < 0:
        raise ConfigError(f"--top must be 0 or more, got {args.top}")
    check_inputs([*args.inputs, *args.sar, *([args.anchorages] if args.anchorages else [])])
    res = investigate(
        args.inputs,
        args.out,
        sar=args.sar,
        carriers=args.carriers,
        anchorages=args.anchorages,
        config=args.config,
        quiet=args.quiet,
        columns=args.columns,
        time_format=args.time_format,
        sar_columns=args.sar_columns,
    )
    s = res.summary
    c = s["counts"]
    flagged = res.flagged()
    print(
        f"vessels investigate: {c['positions_used']:,} positions of {c['vessels']:,} vessels, "
        f"{c['events']:,} events, {len(flagged):,} flagged vessels -> {res.out_dir}"
    )
    for note in s.get("notes", []):
        print(f"  note: {note}")
    if not flagged:
        print("  no vessel flagged")
        return 0
    width = max(60, shutil.get_terminal_size((120, 20)).columns - 48)
    print(f"top {min(args.top, len(flagged))} flagged vessels:")
    for i, v in enumerate(flagged[: args.top], 1):
        # AIS text printed to a terminal: keep printable characters only (no escape sequences)
        name = "".join(ch for ch in (v.name or "-") if ch.isprintable())
        print(f"{i:3d}. {v.mmsi:>9}  {_short(name, 20):20}  risk {v.risk_score:.2f}")
        for text, share in v.reasons[:3]:
            clean = "".join(ch for ch in text if ch.isprintable())
            print(f"       +{share:.2f}  {_short(clean, width)}")
    print(f"open {res.out_dir / 'report.html'} in a browser for the map and the evidence")
    return 0
