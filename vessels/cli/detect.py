"""`vessels detect`: positions in, events out (gap, loitering, encounter, identity)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from vessels.cli._common import check_inputs
from vessels.errors import ConfigError

#: Above about this many input positions ``detect`` runs out of core (single-process peak
#: memory is ~0.4 kB per position: 4.2 GB for 10 million; out of core it stays near 1 GB).
OUT_OF_CORE_ROWS = 4_000_000


def register(sub: Any) -> None:
    p = sub.add_parser(
        "detect",
        help="find dark periods, loitering, encounters and identity conflicts in AIS positions",
        description="Read AIS inputs (anything 'vessels ingest' reads), build tracks, run the "
        "detectors and write one event per row with score, reasons and evidence.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="NMEA, CSV or Parquet inputs")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="events file: .jsonl .csv .parquet .geoparquet .geojson .kml",
    )
    p.add_argument("--config", help="TOML parameter file: one [table] per detector")
    p.add_argument(
        "--types", help="comma-separated detector types (default: all): gap,loitering,..."
    )
    p.add_argument("--carriers", help="CSV of carrier (reefer) vessels with an mmsi/imo column")
    p.add_argument("--anchorages", help="CSV of anchorages (latitude, longitude, label)")
    p.add_argument(
        "--columns",
        metavar="MAP",
        help="CSV column mapping for unknown layouts, e.g. mmsi=ID,t=time,lat=y,lon=x",
    )
    p.add_argument("--min-score", type=float, default=0.0, help="write only events scoring >= this")
    p.add_argument("--quiet", action="store_true", help="no progress and no summary")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--in-memory",
        action="store_true",
        help="hold everything in this process, whatever the input size (fastest when it fits)",
    )
    mode.add_argument(
        "--out-of-core",
        action="store_true",
        help="split the input by vessel onto disk and detect partition by partition: memory "
        f"follows the partition size, not the input (automatic above {OUT_OF_CORE_ROWS:,} "
        "positions); same events",
    )
    p.add_argument(
        "--spill-dir",
        metavar="DIR",
        help="where --out-of-core keeps its partitions (default: the system's temp folder); "
        "with --scheduler/--workers the workers keep theirs there too (a folder they all see)",
    )
    from vessels.cli.detect_dask import add_arguments as add_scale_arguments

    add_scale_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from detectors import run_detectors_full
    from ingest import read_inputs
    from vessels.eventio import EVENT_FORMATS, with_ids, write_events
    from vessels.events import events_to_table

    out = Path(args.output)
    if out.suffix.lower() not in EVENT_FORMATS:
        raise ConfigError(
            f"-o {args.output}: unknown output format; use one of {', '.join(EVENT_FORMATS)}"
        )
    if not 0.0 <= args.min_score <= 1.0:
        raise ConfigError(f"--min-score must be in [0, 1], got {args.min_score}")
    from vessels.config import load_config

    # a wrong parameter file fails in a second, before the inputs are read
    config = load_config(args.config)
    paths = check_inputs(args.inputs)
    for extra in (args.carriers, args.anchorages):
        if extra:
            check_inputs([extra])
    types = [t for t in args.types.split(",") if t.strip()] if args.types else None
    from vessels.cli.detect_dask import detect_command, wants_cluster

    if wants_cluster(args):  # the same detectors on a dask cluster: same events
        found, summary = detect_command(args, paths, types)
        events = [e for e in found if e.score >= args.min_score]
        write_events(events_to_table(events), out)
        if not args.quiet:
            print(f"vessels detect: {summary}; {len(events)} events; wrote {out}", file=sys.stderr)
        return 0
    t0 = time.perf_counter()
    files = _files(paths)
    big = not args.in_memory and estimated_rows(files) > OUT_OF_CORE_ROWS
    if args.out_of_core or args.spill_dir or big:
        return _out_of_core(args, files, types, config, out, t0)
    data = read_inputs([str(p) for p in paths], columns=args.columns, quiet=args.quiet)
    res = run_detectors_full(
        data.positions,
        data.static,
        types=types,
        config=config,
        carriers=args.carriers,
        anchorages=args.anchorages,
    )
    events = [e for e in res.events if e.score >= args.min_score]
    ids = {int(m): str(i) for i, m in (getattr(data.stats, "id_map", None) or {}).items()}
    write_events(with_ids(events_to_table(events), ids), out)
    if not args.quiet:
        counts = {t: 0 for t in res.types}
        strong = {t: 0 for t in res.types}
        for e in events:
            counts[e.type] = counts.get(e.type, 0) + 1
            strong[e.type] = strong.get(e.type, 0) + (e.score >= 0.5)
        removed = ", ".join(f"{k} {v}" for k, v in res.removed.items() if v) or "none"
        per = ", ".join(f"{t} {counts[t]} ({strong[t]} >= 0.5)" for t in counts)
        print(
            f"vessels detect: {data.positions.num_rows} positions -> {res.tracks.n} in "
            f"{res.tracks.n_seg} tracks of {len(set(res.tracks.seg_mmsi.tolist()))} MMSIs "
            f"(removed: {removed}); {len(events)} events: {per}; "
            f"wrote {out} in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    return 0


def _files(paths: list[Path]) -> list[Path]:
    """Folders by their files (sorted), as ``vessels ingest`` reads them."""
    out: list[Path] = []
    for p in paths:
        out += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    return out


def estimated_rows(files: list[Path]) -> int:
    """Positions in the inputs: exact for Parquet (its metadata), about one per 60 bytes of
    anything else (NMEA and CSV lines)."""
    import pyarrow.parquet as pq

    n = 0
    for f in files:
        if f.suffix.lower() in (".parquet", ".pq"):
            try:
                n += pq.ParquetFile(f).metadata.num_rows
                continue
            except (OSError, ValueError):
                pass  # not readable as Parquet: the reader says why
        n += f.stat().st_size // 60
    return n


def _out_of_core(
    args: argparse.Namespace, files: list[Path], types: list[str] | None, config: Any, out: Path,
    t0: float,
) -> int:  # fmt: skip
    from vessels.eventio import write_events
    from vessels.events import events_to_table
    from vessels.scale import detect_out_of_core

    res = detect_out_of_core(
        [str(f) for f in files],
        None,
        types=types,
        config=config,
        carriers=args.carriers,
        anchorages=args.anchorages,
        columns=args.columns,
        spill_root=args.spill_dir,
    )
    events = [e for e in res.events if e.score >= args.min_score]
    write_events(events_to_table(events), out)
    if not args.quiet:
        removed = ", ".join(f"{k} {v}" for k, v in res.removed.items() if v) or "none"
        counts = {t: 0 for t in res.types}
        for e in events:
            counts[e.type] = counts.get(e.type, 0) + 1
        per = ", ".join(f"{t} {c}" for t, c in counts.items())
        print(
            f"vessels detect (out of core: {res.n_partitions} vessel partitions on disk, "
            f"{res.n_windows} time windows x {res.n_bands} bands for encounters): "
            f"{res.n_rows} positions in {res.n_segments} tracks of {res.n_mmsi} MMSIs "
            f"(removed: {removed}); {len(events)} events: {per}; "
            f"wrote {out} in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    return 0
