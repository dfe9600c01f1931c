"""The ``vessels`` command: a thin layer over library calls.

Each subcommand lives in its own module in this package with ``register(subparsers)`` that adds
its parser and sets ``func`` to a ``run(args) -> int``. Only this layer turns errors into exit
codes; no traceback reaches a user unless ``VESSELS_DEBUG=1`` is set.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from vessels import __version__
from vessels.errors import VesselsError

__all__ = ["main"]

# Order is the order shown by ``vessels --help``.
COMMANDS = (
    "investigate",
    "ingest",
    "detect",
    "fuse",
    "simulate",
    "evaluate",
    "serve",
    "watch",
    "replay",
)
# Commands whose glue lives with their application package (a sibling of vessels.cli in the top
# layer, see the import contracts in pyproject.toml); the others are vessels.cli.<name>.
COMMAND_MODULES = {
    "serve": "vessels.serve.cli",
    "watch": "vessels.watch.cli",
    "replay": "vessels.watch.replay_cli",
}

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERNAL = 70


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vessels",
        description="Maritime vessel anomaly detection: dark periods, encounters, loitering, "
        "identity tricks and dark vessels from AIS and satellite detections.",
    )
    parser.add_argument("--version", action="version", version=f"vessels {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(COMMAND_MODULES.get(name, f"vessels.cli.{name}"))
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        rc: int = args.func(args)
        return rc
    except VesselsError as exc:
        print(f"vessels {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(
            f"vessels {args.command}: interrupted; no output was left half-written", file=sys.stderr
        )
        return 130
    except BrokenPipeError:
        return 0
    except ImportError as exc:  # a part of vessels (or a dependency) is missing or broken
        if os.environ.get("VESSELS_DEBUG") == "1":
            raise
        print(
            f"vessels {args.command}: error: a part of this installation cannot be imported "
            f"({type(exc).__name__}: {exc}); nothing was run. Reinstall vessels "
            "(pip install -e .) or rerun with VESSELS_DEBUG=1 for the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    except Exception as exc:  # the last line of defence: never a traceback for a user
        if os.environ.get("VESSELS_DEBUG") == "1":
            raise
        print(
            f"vessels {args.command}: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in vessels; rerun with VESSELS_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
