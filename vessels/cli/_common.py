"""Small helpers shared by the subcommands: progress bars and input path checks."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from vessels.errors import InputError

T = TypeVar("T")

__all__ = ["check_inputs", "progress"]


def check_inputs(paths: Sequence[str]) -> list[Path]:
    """Every input must exist and be readable: the error names the path."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError("no such file or directory", p)
        if path.is_file():
            try:
                with open(path, "rb") as fh:
                    fh.read(1)
            except OSError as exc:
                raise InputError(f"cannot be read ({exc.strerror})", p) from exc
        out.append(path)
    return out


def progress(
    it: Iterable[T], desc: str, quiet: bool = False, total: int | None = None
) -> Iterable[T]:
    """A progress bar on a terminal; the bare iterable otherwise (scripts, CI, pipes)."""
    if quiet or not sys.stderr.isatty():
        return it
    from tqdm import tqdm

    return tqdm(it, desc=desc, total=total, unit_scale=True, leave=False)
