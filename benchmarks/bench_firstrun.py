"""First run: `make demo`'s `vessels investigate` on an empty kernel cache, then again warm.

    .venv/bin/python -m benchmarks.bench_firstrun
    .venv/bin/python -m benchmarks.bench_firstrun --keep   # keep the cache folder

Each run is a child process with ``NUMBA_CACHE_DIR`` and ``XDG_CACHE_HOME`` in a fresh temporary
folder (the cold one) or that same folder again (the warm one). Prints wall seconds, CPU seconds
of the whole process tree (the children a run starts included, as the kernel compilers), the peak
resident memory of the process tree (sampled every 0.1 s from /proc) and when the run's first
line reached stderr, against issue 17's targets: 60 s wall and 1.5 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "data_samples" / "scenario"
TARGET_WALL_S = 60.0
TARGET_PEAK_GB = 1.5
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue  # exited meanwhile
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * _PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_once(cache: Path, out: Path) -> dict[str, float]:
    """One `vessels investigate` of the demo in a child process; its figures."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache / "numba"), "XDG_CACHE_HOME": str(cache)}
    cmd = [sys.executable, "-m", "vessels", "investigate", str(SCENARIO / "traffic.nmea")]
    cmd += ["--sar", str(SCENARIO / "sar_detections.csv"), str(SCENARIO / "sar_scenes.geojson")]
    cmd += ["--out", str(out)]
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    first_line = float("nan")
    lines: list[str] = []

    def read_stderr() -> None:
        nonlocal first_line
        assert proc.stderr is not None
        for line in proc.stderr:
            if not lines:
                first_line = time.perf_counter() - t0
            lines.append(line)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    while proc.poll() is None:
        peak = max(peak, _tree_rss_bytes(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    reader.join()
    after = os.times()
    if proc.returncode != 0:
        sys.stderr.write("".join(lines[-20:]))
        raise SystemExit(f"vessels investigate failed with exit code {proc.returncode}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    if lines:
        print(f"  first stderr line after {first_line:.1f} s: {lines[0].rstrip()}")
    return {"wall_s": wall, "cpu_s": cpu, "peak_gb": peak / 1024**3, "first_line_s": first_line}


def _show(name: str, r: dict[str, float]) -> None:
    print(
        f"{name}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU (process tree), "
        f"peak {r['peak_gb']:.2f} GB (process tree)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="keep the cache folder (printed)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vessels-firstrun-"))
    try:
        print(f"demo: {SCENARIO.relative_to(ROOT)}, {os.cpu_count()} CPUs, cache in {work}")
        cold = run_once(work / "cache", work / "out_cold")
        _show("cold cache", cold)
        warm = run_once(work / "cache", work / "out_warm")
        _show("warm cache", warm)
        print(
            f"cold/warm wall {cold['wall_s'] / warm['wall_s']:.1f}x; cold run vs target: "
            f"{cold['wall_s'] / TARGET_WALL_S:.2f}x of {TARGET_WALL_S:.0f} s wall, "
            f"{cold['peak_gb'] / TARGET_PEAK_GB:.2f}x of {TARGET_PEAK_GB} GB peak"
        )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
