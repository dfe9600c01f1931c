"""Per-type precision/recall on scenarios made independently of vessels.sim.

    python -m benchmarks.bench_independent --seeds 1-6

Scenarios: tests/independent_scenarios.py (four seas, four input formats, truth labelled by the
published definitions from the true tracks). Events with score >= 0.5 count as flagged.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import vessels as vs
from tests import independent_scenarios as ind

TYPES = ("gap", "encounter", "loitering", "identity")


def _seeds(s: str) -> list[int]:
    a, _, b = s.partition("-")
    return list(range(int(a), int(b or a) + 1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-6")
    ap.add_argument("--show", action="store_true", help="list missed and false events")
    ap.add_argument("--no-carriers", action="store_true", help="without the carrier list")
    args = ap.parse_args()
    pooled = {t: ind.Score() for t in TYPES}
    for seed in _seeds(args.seeds):
        sc = ind.make(seed)
        with tempfile.TemporaryDirectory() as d:
            files = ind.write(sc, Path(d), seed)
            t = time.perf_counter()
            det = vs.detect(
                vs.read([str(f) for f in files]),
                carriers=None if args.no_carriers else Path(d) / "carriers.csv",
            )
            took = time.perf_counter() - t
        res = ind.score(det.events, sc.truth, TYPES)
        line = []
        for typ, s in res.items():
            p = pooled[typ]
            p.tp, p.fp, p.fn = p.tp + s.tp, p.fp + s.fp, p.fn + s.fn
            p.fragments += s.fragments
            line.append(f"{typ} {s.tp}/{s.fp}/{s.fn}")
            if args.show:
                for m in s.missed:
                    print(f"  seed {seed} missed {typ} {sorted(m.vessels)}")
                for f in s.false:
                    print(f"  seed {seed} false {typ} {sorted(f[0])} score {f[3]:.2f}")
        print(f"seed {seed}: tp/fp/fn " + ", ".join(line) + f" ({took:.1f} s)")
    print(f"{'type':<10} {'tp':>4} {'fp':>4} {'fn':>4} {'split':>5} {'precision':>9} {'recall':>6}")
    for typ, s in pooled.items():
        print(
            f"{typ:<10} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.fragments:>5} {s.precision:>9.2f} "
            f"{s.recall:>6.2f}"
        )


if __name__ == "__main__":
    main()
