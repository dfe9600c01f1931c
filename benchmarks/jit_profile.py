"""Where the time goes inside Numba kernels, with Linux ``perf`` (which cannot name JIT code).

Numba's machine code lives in anonymous executable memory, so ``perf report`` shows it as
``[unknown]``. This tool runs a benchmark module under ``perf record``, copies every anonymous
executable mapping out of the process when it exits, and then attributes each sample to a
shared library, to a JIT code region, or to Numba's reference-count helpers (the small page
with ``lock incq``/``lock decq``: atomic increments and decrements of an array's reference
count, which a kernel pays on every call or inlined helper that Numba could not prune). The
hottest instructions of the busiest JIT region are printed with their disassembly
(``objdump``).

    .venv/bin/python -m benchmarks.jit_profile benchmarks.bench_ingest 1000000

This is how the decoder's reference counting was found: 39 % of its samples were in that page
before the decoder's loops were compiled without it (``kernels._jit.njit_borrowed``).
Needs ``perf`` (linux-perf) and ``objdump`` (binutils); the software ``cpu-clock`` event works
in virtual machines without hardware counters.
"""

from __future__ import annotations

import atexit
import collections
import ctypes
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LOCK_INCQ_RDI = bytes.fromhex("f048ff07")  # lock incq (%rdi): NRT_incref's atomic add
LOCK_DECQ_RDI = bytes.fromhex("f048ff0f")  # lock decq (%rdi): NRT_decref's atomic sub


def _dump_jit_code(out: Path) -> None:
    """Copy the process's anonymous executable mappings (Numba's code) and its map to ``out``."""
    maps = Path("/proc/self/maps").read_text()
    (out / "maps").write_text(maps)
    for line in maps.splitlines():
        f = line.split()
        if f[1] == "r-xp" and len(f) == 5:
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            (out / f"jit_{lo:x}.bin").write_bytes(ctypes.string_at(lo, hi - lo))


def _regions(out: Path) -> list[tuple[int, int, str]]:
    regions = []
    for line in (out / "maps").read_text().splitlines():
        f = line.split()
        if "x" not in f[1]:
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        if len(f) > 5:
            name = Path(f[5]).name
        else:
            code = (out / f"jit_{lo:x}.bin").read_bytes()
            small = hi - lo <= 16384
            refc = small and LOCK_INCQ_RDI in code and LOCK_DECQ_RDI in code
            name = "numba refcount (NRT_incref/decref)" if refc else f"jit code @{lo:x}"
        regions.append((lo, hi, name))
    return regions


def report(perf_data: Path, out: Path, top: int = 25) -> None:
    ips = subprocess.run(
        ["perf", "script", "-i", str(perf_data), "-F", "ip"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    regions = _regions(out)
    by_region: collections.Counter[str] = collections.Counter()
    by_ip: collections.Counter[tuple[int, int]] = collections.Counter()
    for text in ips:
        ip = int(text, 16)
        for lo, hi, name in regions:
            if lo <= ip < hi:
                by_region[name] += 1
                if name.startswith("jit code"):
                    by_ip[(lo, ip)] += 1
                break
        else:
            by_region["kernel or unmapped"] += 1
    total = sum(by_region.values())
    print(f"{total:,} samples")
    for name, n in by_region.most_common(12):
        print(f"{100 * n / total:6.1f} %  {name}")
    if not by_ip:
        return
    per_region: collections.Counter[int] = collections.Counter()
    for (lo, _), n in by_ip.items():
        per_region[lo] += n
    lo = per_region.most_common(1)[0][0]
    objdump = ["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={lo:#x}"]
    asm = subprocess.run(
        [*objdump, str(out / f"jit_{lo:x}.bin")], capture_output=True, text=True, check=True
    ).stdout
    text_at = {}
    for line in asm.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)", line)
        if m:
            text_at[int(m.group(1), 16)] = m.group(2)
    print(f"\nhottest instructions of jit code @{lo:x} (offset, share of all samples):")
    hot = [(ip, n) for (r, ip), n in by_ip.items() if r == lo]
    for ip, n in sorted(hot, key=lambda x: -x[1])[:top]:
        print(f"  +{ip - lo:6x}  {100 * n / total:5.2f} %  {text_at.get(ip, '?')}")


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    if os.environ.get("VESSELS_JIT_DUMP"):  # inside perf: run the module, dump code at exit
        out = Path(os.environ["VESSELS_JIT_DUMP"])
        atexit.register(_dump_jit_code, out)
        sys.argv = argv
        runpy.run_module(argv[0], run_name="__main__")
        return
    for tool in ("perf", "objdump"):
        if shutil.which(tool) is None:
            sys.exit(f"jit_profile: `{tool}` is not installed")
    with tempfile.TemporaryDirectory(prefix="vessels-perf-") as tmp:
        out = Path(tmp)
        cmd = [
            "perf",
            "record",
            "-q",
            "-e",
            "cpu-clock",
            "-F",
            "5000",
            "-o",
            str(out / "perf.data"),
        ]
        cmd += [sys.executable, "-m", "benchmarks.jit_profile", *argv]
        subprocess.run(cmd, check=True, env={**os.environ, "VESSELS_JIT_DUMP": tmp})
        report(out / "perf.data", out)


if __name__ == "__main__":
    main(sys.argv[1:])
