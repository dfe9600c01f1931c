"""`vessels replay`: serve recorded NMEA over TCP for demos, tests and training."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from vessels.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "replay",
        help="serve recorded NMEA over TCP at X times the recorded pace",
        description="Serve NMEA files over TCP, paced by their tag-block or trailing times "
        "(--speed 600: ten hours a minute; 0: as fast as the client reads).",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--loop", action="store_true", help="start over when the files end")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vessels.watch.replay import serve_replay

    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be in 1..65535, got {args.port}")
    if args.speed < 0:
        raise ConfigError("--speed must be >= 0 (0: as fast as possible)")
    asyncio.run(serve_replay(args.files, args.port, args.host, args.speed, args.loop, args.quiet))
    return 0
