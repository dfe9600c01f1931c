"""`vessels fuse`."""

from __future__ import annotations

import argparse
from typing import Any

from vessels.errors import VesselsError


def register(sub: Any) -> None:
    p = sub.add_parser("fuse", help="(not built yet)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise VesselsError("'vessels fuse' is not built yet")
