"""`vessels evaluate EVENTS TRUTH`: precision, recall and F1 per event type against truth.json."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vessels.errors import ConfigError
from vessels.schema import EVENT_TYPES


def register(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="score detected events against a simulator truth.json")
    p.add_argument("events", help="detected events (.jsonl .csv .parquet .geojson .kml)")
    p.add_argument("truth", help="truth.json written by 'vessels simulate'")
    p.add_argument(
        "--min-score",
        type=float,
        default=0.5,
        help="events scored below this are not counted (default 0.5)",
    )
    p.add_argument(
        "--min-overlap",
        type=float,
        default=0.5,
        help="share of the shorter interval that must overlap (default 0.5)",
    )
    p.add_argument("--types", nargs="+", choices=EVENT_TYPES, help="only these event types")
    p.add_argument("--show-unmatched", action="store_true", help="list missed and false events")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vessels.evaluate.events import evaluate_files

    # written "not (a <= x <= b)" so that NaN is rejected too
    if not 0.0 <= args.min_score <= 1.0:
        raise ConfigError(f"--min-score must be between 0 and 1, got {args.min_score}")
    if not 0.0 < args.min_overlap <= 1.0:
        raise ConfigError(
            f"--min-overlap must be above 0 and at most 1 (a share of the shorter interval), "
            f"got {args.min_overlap}"
        )
    ev = evaluate_files(
        args.events,
        args.truth,
        min_score=args.min_score,
        min_overlap=args.min_overlap,
        types=tuple(args.types) if args.types else None,
    )
    if args.json:
        print(json.dumps(ev.as_dict(), indent=1, sort_keys=True))
    else:
        print(ev.table(show_unmatched=args.show_unmatched))
    return 0
