"""Helpers shared by the benchmarks: peak memory and cached simulated scale data."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


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


@contextmanager
def report_page(path: Path, width: int = 1400, height: int = 1000) -> Iterator[tuple[Any, float]]:
    """A report opened in headless Debian chromium: (playwright page, seconds until the page
    says it is ready)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = b.new_page(viewport={"width": width, "height": height})
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=120_000)
            yield page, time.perf_counter() - t0
        finally:
            b.close()
