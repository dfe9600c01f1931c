"""Fusion accuracy over many simulated scenarios: AIS matching and dark events per seed.

For every (seed, region) a default scenario is simulated (``vessels.sim.simulate``), fused
(:func:`vessels.fusepipe.fuse_tables`) and scored: detection-to-MMSI matching precision/recall
(:func:`vessels.fusion.match_accuracy`), ``dark_detection`` and ``dark_rendezvous`` by the
evaluation rule (:func:`vessels.evaluate.evaluate`, min score 0.5). Prints one row per scenario
and the pooled figures (targets: AIS >= 0.95, dark events >= 0.9).

    .venv/bin/python -m benchmarks.bench_fusion_seeds [--seeds 1-10] [--regions argentina,west_africa]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ingest.sar import read_detections
from vessels.evaluate import evaluate, truth_from_doc
from vessels.fusepipe import fuse_tables
from vessels.fusion import match_accuracy
from vessels.sim import simulate, write_scenario
from vessels.sim.config import SimConfig


def _seeds(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def score_scenario(seed: int, region: str) -> dict[str, float | int]:
    """Simulate, fuse and score one scenario; counts and precision/recall by kind."""
    sc = simulate(SimConfig(seed=seed, region=region))
    with tempfile.TemporaryDirectory() as tmp:
        write_scenario(sc, tmp, fmt="parquet")
        sar = read_detections([Path(tmp) / "sar_detections.csv", Path(tmp) / "sar_scenes.geojson"])
        out = fuse_tables(sc.positions, sc.static, sar, carriers=Path(tmp) / "carriers.csv")
    acc = match_accuracy(out.match, sc.truth)
    ev = evaluate(out.events, truth_from_doc(sc.truth), types=("dark_detection", "dark_rendezvous"))
    row: dict[str, float | int] = {
        "ais_tp": acc.counts["ais_correct"],
        "ais_pred": acc.counts["pred_ais"],
        "ais_true": acc.counts["truth_ais"],
    }
    for typ, key in (("dark_detection", "dd"), ("dark_rendezvous", "dr")):
        s = ev.scores[typ]
        row[f"{key}_tp"], row[f"{key}_fp"], row[f"{key}_fn"] = s.tp, s.fp, s.fn
    return row


def _pr(tp: float, fp: float, fn: float) -> str:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return f"{p:5.3f}/{r:5.3f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="bench_fusion_seeds")
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--regions", default="argentina,west_africa")
    args = ap.parse_args(argv or [])
    print(f"{'seed':>4} {'region':12} {'AIS P/R':>12} {'dark_det P/R':>13} {'dark_rdv P/R':>13}")
    tot: dict[str, float] = {}
    t0 = time.perf_counter()
    for region in args.regions.split(","):
        for seed in _seeds(args.seeds):
            r = score_scenario(seed, region)
            for k, v in r.items():
                tot[k] = tot.get(k, 0) + v
            ais = _pr(r["ais_tp"], r["ais_pred"] - r["ais_tp"], r["ais_true"] - r["ais_tp"])
            dd = _pr(r["dd_tp"], r["dd_fp"], r["dd_fn"])
            dr = _pr(r["dr_tp"], r["dr_fp"], r["dr_fn"])
            print(f"{seed:>4} {region:12} {ais:>12} {dd:>13} {dr:>13}", flush=True)
    ais = _pr(tot["ais_tp"], tot["ais_pred"] - tot["ais_tp"], tot["ais_true"] - tot["ais_tp"])
    print(
        f"{'all':>4} {'pooled':12} {ais:>12} {_pr(tot['dd_tp'], tot['dd_fp'], tot['dd_fn']):>13} "
        f"{_pr(tot['dr_tp'], tot['dr_fp'], tot['dr_fn']):>13}   ({time.perf_counter() - t0:.0f} s)"
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
