"""`vessels ingest`: decode AIS inputs to canonical Parquet tables and print what happened."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from vessels.atomic import atomic_write
from vessels.cli._common import check_inputs
from vessels.errors import ConfigError, InputError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ingest",
        help="decode AIS NMEA / provider CSV / Parquet into canonical position and static tables",
        description="Decode AIS inputs (NMEA with tag blocks, $PGHP or logger timestamps; "
        "MarineCadastre, DMA, wide satellite-provider, NARI, self-describing (mmsi,timestamp,"
        "lat,lon,...) or mapped CSV; Parquet; plain or .gz/.xz/.bz2/.zip) and print a summary "
        "of what was read, kept and rejected, accounting for every line (docs/ingest.md).",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="input files or folders")
    p.add_argument("-o", "--output", required=True, help="positions Parquet file to write")
    p.add_argument("--static", help="static/voyage reports Parquet file to write")
    p.add_argument(
        "--time",
        metavar="ISO",
        help="receive time (UTC) for sentences that carry none, e.g. 2024-05-01T12:00:00Z",
    )
    p.add_argument(
        "--columns",
        metavar="MAP",
        help="CSV column mapping, e.g. mmsi=ID,t=time,lat=y,lon=x (for headers whose names "
        "do not say what they hold, or to settle an ambiguous one)",
    )
    p.add_argument(
        "--time-format",
        metavar="FMT",
        help="how a CSV time column is written: a strptime format such as '%%d/%%m/%%Y %%H:%%M', "
        "'epoch' or 'ISO8601' (default: detected)",
    )
    p.add_argument(
        "--id-map",
        metavar="CSV",
        help="write the pseudo-MMSI given to each non-MMSI vessel id (--columns id=COL) here",
    )
    p.add_argument(
        "--keep-bad-checksum",
        action="store_true",
        help="keep sentences whose NMEA checksum is wrong (counted; receiver '<name>|badcrc')",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=run)


def parse_time_ms(text: str) -> int:
    """ISO 8601 (naive means UTC) or epoch seconds/ms to ms since the epoch."""
    s = text.strip()
    try:
        if s.isdigit():
            v = int(s)
            return v if len(s) >= 13 else v * 1000
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(
            f"--time {text!r} is not an ISO 8601 time (e.g. 2024-05-01T12:00:00Z) "
            "or an epoch in seconds"
        ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000))


def _progress_factory(quiet: bool) -> Callable[[int | None, str], Callable[[int], None]] | None:
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def factory(total: int | None, name: str) -> Callable[[int], None]:
        bar = tqdm(total=total, desc=name[-40:], unit="B", unit_scale=True, leave=False)

        def tick(n: int) -> None:
            bar.update(n)
            if total is not None and bar.n >= total:
                bar.close()

        return tick

    return factory


def _write_id_map(path: str, id_map: dict[str, int]) -> None:
    """``id,mmsi`` rows, sorted by id; the ids are user text, so cells are made CSV-safe."""
    import csv

    from vessels.textsafe import csv_cell

    with atomic_write(path) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "mmsi"])
        for ident, mmsi in sorted(id_map.items()):
            w.writerow([csv_cell(ident), f"{mmsi:09d}"])


def run(args: argparse.Namespace) -> int:
    from ingest import write_inputs

    # the outputs are Parquet whatever their name: a .txt or .csv name would mislead the reader
    for option, value in (("-o", args.output), ("--static", args.static)):
        if value and not str(value).lower().endswith(".parquet"):
            raise ConfigError(
                f"{option} {value!r}: the output is Parquet; give a name ending in .parquet"
            )
    paths = check_inputs(args.inputs)
    fixed = parse_time_ms(args.time) if args.time else None
    if args.static and args.static == args.output:
        raise InputError("--static must name a different file than -o")
    # positions are written as they are decoded (bounded memory), static reports at the end
    result = write_inputs(
        paths,
        args.output,
        static_out=args.static,
        fixed_time_ms=fixed,
        columns=args.columns,
        keep_bad_checksum=args.keep_bad_checksum,
        progress=_progress_factory(args.quiet),
        time_format=args.time_format,
    )
    if args.id_map:
        _write_id_map(args.id_map, result.stats.id_map)
    if not args.quiet:
        print(result.summary())
        print(f"wrote {args.output}" + (f" and {args.static}" if args.static else ""))
    return 0
