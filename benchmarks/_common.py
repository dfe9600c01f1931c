"""Helpers shared by the benchmarks: peak memory and cached simulated scale data."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_gb() -> float:
    """Peak resident memory of this process so far, GB (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def scale_data(n: int, vessels: int) -> Path:
    """A scale-mode scenario of ``n`` positions, simulated once and kept in the temp folder."""
    out = Path(tempfile.gettempdir()) / f"vessels-bench-{n}-{vessels}"
    if not (out / "truth.json").is_file():
        t = time.perf_counter()
        cmd = [sys.executable, "-m", "vessels", "simulate", "--scale"]
        cmd += ["--positions", str(n), "--vessels", str(vessels), "--out", str(out)]
        subprocess.run(cmd, check=True)
        print(f"generated {out} in {time.perf_counter() - t:.1f} s (not counted)")
    return out
