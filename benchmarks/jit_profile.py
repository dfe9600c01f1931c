"""Where the time goes inside Numba kernels, with Linux ``perf`` (which cannot name JIT code).

Numba's machine code lives in anonymous executable memory, so ``perf report`` shows it as
``[unknown]``. This tool runs a benchmark module under ``perf record``, copies every anonymous
executable mapping out of the process when it exits, and attributes each sample of that
process to a shared library, to Numba's code, or to reference counting (samples inside
``NRT_incref``/``NRT_decref`` or on their inlined ``lock``-prefixed atomic updates, which a
kernel pays on every call or inlined helper taking arrays that Numba could not prune). The
hottest instructions in Numba's code are printed with their disassembly (``objdump``).

    .venv/bin/python -m benchmarks.jit_profile benchmarks.bench_ingest 1000000

This is how the decoder's reference counting was found: 39 % of its samples were in those two
functions before the decoder's loops were compiled without it (``kernels._jit.njit_borrowed``);
in ``benchmarks.bench_detect`` (2 M positions) they take under 1 %, so the other kernels keep it.
Needs ``perf`` (linux-perf) and ``objdump`` (binutils); the software ``cpu-clock`` event works
in virtual machines without hardware counters.
"""

from __future__ import annotations

import atexit
import bisect
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

JIT_CODE = "numba jit code (all kernels)"
#: Machine code of NRT_incref (test %rdi,%rdi; je; lock incq (%rdi); ret) and NRT_decref (test;
#: je; lock decq (%rdi); je; ret): a sample inside either is reference counting, whether the
#: count was updated atomically or the pointer was null.
NRT_BODIES = (bytes.fromhex("4885ff7404f048ff07c3"), bytes.fromhex("4885ff7406f048ff0f7401c3"))
REFCOUNT = "numba reference counting (NRT_incref/decref, called or inlined)"


def _dump_jit_code(out: Path) -> None:
    """Copy the process's anonymous executable mappings (Numba's code) and its map to ``out``."""
    maps = Path("/proc/self/maps").read_text()
    (out / "maps").write_text(maps)
    (out / "pid").write_text(str(os.getpid()))
    for line in maps.splitlines():
        f = line.split()
        if "x" in f[1] and len(f) == 5:
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            (out / f"jit_{lo:x}.bin").write_bytes(ctypes.string_at(lo, hi - lo))


def _regions(out: Path) -> list[tuple[int, int, str]]:
    """Executable mappings: (start, end, library name or JIT_CODE)."""
    regions = []
    for line in (out / "maps").read_text().splitlines():
        f = line.split()
        if "x" in f[1]:
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            regions.append((lo, hi, Path(f[5]).name if len(f) > 5 else JIT_CODE))
    return regions


def _disassemble(dump: Path, lo: int) -> dict[int, str]:
    """Address -> instruction text of a dumped code region."""
    cmd = ["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={lo:#x}", str(dump)]
    asm = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    text_at = {}
    for line in asm.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)", line)
        if m:
            text_at[int(m.group(1), 16)] = m.group(2)
    return text_at


def report(perf_data: Path, out: Path, top: int = 25) -> None:
    samples = subprocess.run(
        ["perf", "script", "-i", str(perf_data), "-F", "pid,ip"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    pid = (out / "pid").read_text()
    # Only the benchmark's own process: its children (simulators, workers) map code elsewhere.
    ips = [int(f[1], 16) for f in (ln.split() for ln in samples) if len(f) == 2 and f[0] == pid]
    regions = _regions(out)
    by_region: collections.Counter[str] = collections.Counter()
    jit: collections.Counter[tuple[int, int]] = collections.Counter()  # (region, ip)
    for ip in ips:
        for lo, hi, name in regions:
            if lo <= ip < hi:
                if name == JIT_CODE:
                    jit[(lo, ip)] += 1
                else:
                    by_region[name] += 1
                break
        else:
            by_region["operating system" if ip >= 1 << 63 else "unmapped at exit"] += 1
    # A sample in NRT_incref/NRT_decref, or on a lock-prefixed instruction or just after one
    # (sampling skid), is a reference-count update, called or inlined.
    hot = []
    for lo in sorted({lo for lo, _ in jit}):
        dump = out / f"jit_{lo:x}.bin"
        text_at = _disassemble(dump, lo) if dump.exists() else {}
        code = dump.read_bytes() if dump.exists() else b""
        nrt = [
            (lo + m.start(), lo + m.end())
            for body in NRT_BODIES
            for m in re.finditer(re.escape(body), code)
        ]
        addrs = sorted(text_at)
        for (r, ip), n in jit.items():
            if r != lo:
                continue
            k = bisect.bisect_right(addrs, ip) - 1
            here = text_at.get(ip, "?")
            before = text_at[addrs[k - 1]] if k >= 1 and addrs[k] == ip else ""
            in_nrt = any(a <= ip < b for a, b in nrt)
            if in_nrt or here.startswith("lock") or before.startswith("lock"):
                by_region[REFCOUNT] += n
            else:
                by_region[JIT_CODE] += n
                hot.append((n, lo, ip, here))
    total = sum(by_region.values())
    print(f"{total:,} samples of process {pid}")
    for name, n in by_region.most_common(12):
        print(f"{100 * n / total:6.1f} %  {name}")
    print("\nhottest instructions in Numba code (region + offset, share of all samples):")
    for n, lo, ip, text in sorted(hot, reverse=True)[:top]:
        print(f"  {lo:x}+{ip - lo:<6x} {100 * n / total:5.2f} %  {text}")


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
