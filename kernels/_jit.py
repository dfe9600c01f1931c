"""The one Numba decorator every kernel uses.

``cache=True`` so a CLI run does not pay compile time twice; ``nogil=True`` so dask threads can
run kernels side by side. No ``fastmath`` nnan/ninf: AIS data has NaN (speed, course unavailable).

Numba keys its on-disk cache only on the file that defines a function, so a kernel that inlines
or calls helpers from another module would run stale machine code after that module changed.
The cache therefore lives in a folder named by a hash of every kernel source file and the Numba
version: any change to any kernel starts a fresh cache, and the folders of other versions are
removed once unused for ``STALE_CACHE_DAYS``.

``njit_borrowed`` compiles without Numba's reference counting (NRT): for kernels that only
borrow the arrays their caller passes in and allocate nothing. Numba otherwise brackets every
use of an array inside inlined helpers with an atomic increment and decrement of its reference
count that its pruning pass cannot always remove (in the NMEA decoder's per-line loop: about
ten pairs per line, 39 % of its time by a perf profile). An allocation in such a kernel fails
to compile, so the decorator cannot silently leak or free an array too early.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

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


#: A cache folder of other kernel sources (an older version) unused this long is removed.
STALE_CACHE_DAYS = 30
_HASH_NAME = re.compile(r"[0-9a-f]{16}")


def prune_stale_caches(path: str, now: float | None = None) -> list[str]:
    """Mark the cache at ``path`` as used and remove its sibling caches (folders named by
    another hash, so left by other kernel versions) unused for ``STALE_CACHE_DAYS``; without
    this each upgrade would leave its compiled kernels behind. Returns the removed folders."""
    now = time.time() if now is None else now
    removed = []
    try:
        os.utime(path, (now, now))
        parent = os.path.dirname(path)
        for name in os.listdir(parent):
            old = os.path.join(parent, name)
            if old == path or not _HASH_NAME.fullmatch(name) or not os.path.isdir(old):
                continue
            if now - os.path.getmtime(old) > STALE_CACHE_DAYS * 86400:
                shutil.rmtree(old, ignore_errors=True)
                removed.append(old)
    except OSError:
        pass  # a cache is an optimisation: never fail an import over it
    return removed


def _use_private_cache() -> None:
    path = _cache_dir()
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return  # read-only home: Numba falls back to __pycache__ beside the sources
    prune_stale_caches(path)
    nb.config.CACHE_DIR = path  # type: ignore[attr-defined]


_use_private_cache()

njit = nb.njit(cache=True, nogil=True)
njit_parallel = nb.njit(cache=True, nogil=True, parallel=True)
njit_inline = nb.njit(cache=True, nogil=True, inline="always")


def _no_refcount_option() -> dict[str, Any]:
    """Numba's private (long-standing: 0.4x to 0.6x) option that compiles without reference
    counting; empty, so kernels still compile (only slower), should a Numba drop it."""
    try:
        from numba.core.cpu import CPUTargetOptions

        return {"_nrt": False} if hasattr(CPUTargetOptions, "_nrt") else {}
    except ImportError:
        return {}


NO_REFCOUNT: dict[str, Any] = _no_refcount_option()
#: No reference counting: only for kernels that allocate nothing (see above).
njit_borrowed = nb.njit(cache=True, nogil=True, **NO_REFCOUNT)

__all__ = ["NO_REFCOUNT", "njit", "njit_borrowed", "njit_inline", "njit_parallel"]
