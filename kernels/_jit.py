"""The one Numba decorator every kernel uses.

``cache=True`` so a CLI run does not pay compile time twice; ``nogil=True`` so dask threads can
run kernels side by side. No ``fastmath`` nnan/ninf: AIS data has NaN (speed, course unavailable).

Numba keys its on-disk cache only on the file that defines a function, so a kernel that inlines
or calls helpers from another module would run stale machine code after that module changed.
The cache therefore lives in a folder named by a hash of every kernel source file and the Numba
version: any change to any kernel starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba as nb


def _cache_dir() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha1(nb.__version__.encode())
    for src in sorted(here.glob("*.py")):
        h.update(src.name.encode())
        h.update(src.read_bytes())
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "vessels", "numba"
    )
    return os.path.join(base, h.hexdigest()[:16])


def _use_private_cache() -> None:
    path = _cache_dir()
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return  # read-only home: Numba falls back to __pycache__ beside the sources
    nb.config.CACHE_DIR = path  # type: ignore[attr-defined]


_use_private_cache()

njit = nb.njit(cache=True, nogil=True)
njit_parallel = nb.njit(cache=True, nogil=True, parallel=True)
njit_inline = nb.njit(cache=True, nogil=True, inline="always")

__all__ = ["njit", "njit_inline", "njit_parallel"]
