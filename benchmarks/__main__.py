"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in turn (``python -m benchmarks``).

``python -m benchmarks ingest detect`` runs only the modules whose names contain those words.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failed = 0
    for name in names:
        print(f"== benchmarks.{name}", flush=True)
        t0 = time.perf_counter()
        saved, sys.argv = sys.argv, [f"benchmarks.{name}"]  # each parses its own (empty) options
        try:
            importlib.import_module(f"benchmarks.{name}").main()
        except (Exception, SystemExit):  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed += 1
        finally:
            sys.argv = saved
        print(f"== {name}: {time.perf_counter() - t0:.1f} s\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
