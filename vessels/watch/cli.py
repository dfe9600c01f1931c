"""`vessels watch`: live alerts from AIS feeds (TCP, UDP, files, stdin)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from vessels.errors import ConfigError

EXAMPLE = """examples:
  vessels watch tcp://127.0.0.1:10110 --alerts alerts.jsonl --areas data_samples/areas.geojson
  vessels watch udp://0.0.0.0:10110 tcp://sat.example:5631#sat --store alerts.db --state state/
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "watch",
        help="live alerts from AIS feeds: dark vessels, encounters, areas, watchlists",
        description="Read live AIS NMEA feeds and alert as events open, grow, end or turn out "
        "wrong. SOURCE: tcp://HOST:PORT (connect; reconnects forever), tcp-listen://HOST:PORT, "
        "udp://HOST:PORT, a file (with --follow: tailed), or - (stdin). Add #sat to a satellite "
        "feed (longer allowed lateness).",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--alerts", metavar="FILE.jsonl", help="append alerts as JSON lines")
    p.add_argument("--stdout", action="store_true", help="print alerts as JSON lines")
    p.add_argument("--webhook", metavar="URL", help="POST each alert as JSON to this URL")
    p.add_argument("--dead-letter", metavar="FILE.jsonl", help="webhook alerts never delivered")
    p.add_argument("--store", metavar="FILE.db", help="SQLite alert store (docs/store.md)")
    p.add_argument("--state", metavar="DIR", help="checkpoint folder: resume here after a restart")
    p.add_argument("--watchlist", metavar="CSV", help="vessels to watch: mmsi/imo/name, list")
    p.add_argument("--areas", metavar="GEOJSON", help="named polygons: entry/exit alerts")
    p.add_argument("--types", help="detector types (default all): gap,loitering,encounter,identity")
    p.add_argument("--config", help="TOML parameter file ([watch] and detector tables)")
    p.add_argument("--carriers", help="CSV of carrier (reefer) vessels")
    p.add_argument("--anchorages", help="CSV of anchorages (latitude, longitude, label)")
    p.add_argument("--metrics", metavar="FILE", help="write the status as JSON here too")
    p.add_argument("--follow", action="store_true", help="tail file sources (through rotation)")
    p.add_argument(
        "--exit-when-idle",
        type=float,
        metavar="S",
        help="treat S seconds without data from any source as the end of the streams: close "
        "every event (as batch detect does) and exit",
    )
    p.add_argument("--quiet", action="store_true", help="no status line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vessels.watch.app import WatchApp, WatchOptions
    from vessels.watch.setup import make_dispatcher, make_engine
    from vessels.watch.sources import parse_source

    specs = [parse_source(s, follow=args.follow) for s in args.sources]
    if len({s.text for s in specs}) != len(specs):
        raise ConfigError("a source is given twice")
    if not (args.alerts or args.stdout or args.webhook or args.store):
        args.stdout = True
    types = [t for t in args.types.split(",") if t.strip()] if args.types else None
    engine = make_engine(
        specs,
        config=args.config,
        types=types,
        carriers=args.carriers,
        anchorages=args.anchorages,
        areas=args.areas,
        watchlist=args.watchlist,
    )
    state = Path(args.state) if args.state else None
    if state is not None:
        state.mkdir(parents=True, exist_ok=True)
    dispatcher = make_dispatcher(
        engine.p,
        alerts=args.alerts,
        stdout=args.stdout,
        store=args.store,
        webhook=args.webhook,
        dead_letter=args.dead_letter,
        state_dir=state,
    )
    fp = [str(args.types), str(args.config), str(args.areas), str(args.watchlist)]
    opts = WatchOptions(
        specs,
        state_dir=state,
        metrics=Path(args.metrics) if args.metrics else None,
        exit_when_idle_s=args.exit_when_idle,
        quiet=args.quiet,
        fingerprint_parts=fp,
    )
    app = WatchApp(engine, dispatcher, opts)
    return asyncio.run(app.run())
