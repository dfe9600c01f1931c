"""Detection quality on the project's simulated scenarios (hard negatives included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import run_detectors_full
from tests.seeds import GAP_SCENES
from vessels.evaluate.events import evaluate, truth_from_doc
from vessels.sim import SimConfig, simulate

TYPES = ("gap", "loitering")


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[int]]:
    """tp, fp, fn per type over a few seeded scenarios, plus the low-score gap count."""
    tot = {t: [0, 0, 0] for t in TYPES}
    tot["low_gaps"] = [0]
    for seed, region in GAP_SCENES:
        sc = simulate(SimConfig(seed=seed, days=3, vessels=60, region=region))
        carriers = Path(tmp_path_factory.mktemp("c")) / "carriers.csv"
        mm = [v.mmsi for v in sc.vessels if v.kind == "carrier" and v.mmsi]
        carriers.write_text("mmsi\n" + "\n".join(map(str, mm)) + "\n")
        res = run_detectors_full(sc.positions, sc.static, types=TYPES, carriers=carriers)
        ev = evaluate(res.events, truth_from_doc(sc.truth), types=TYPES)
        for t in TYPES:
            s = ev.scores[t]
            tot[t][0] += s.tp
            tot[t][1] += s.fp
            tot[t][2] += s.fn
        tot["low_gaps"][0] += sum(e.type == "gap" and e.score < 0.5 for e in res.events)
    return tot


@pytest.mark.parametrize("typ", TYPES)
def test_precision_and_recall_on_simulated_scenarios(
    scored: dict[str, list[int]], typ: str
) -> None:
    tp, fp, fn = scored[typ]
    assert tp >= 10  # the scenarios hold enough events for the numbers to mean something
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.95


def test_coverage_holes_and_short_gaps_were_seen_and_scored_low(
    scored: dict[str, list[int]],
) -> None:
    # the poor-reception box and gear buoys produce long silences that must not count
    assert scored["low_gaps"][0] >= 5


def test_quality_scenes_are_held_out_from_tuning() -> None:
    from tests.seeds import ENCOUNTER_SCENES, FUSION_SCENES, held_out

    seeds = [s for s, _ in GAP_SCENES] + [s for _, s in ENCOUNTER_SCENES]
    seeds += [s for s, _ in FUSION_SCENES]
    assert all(held_out(s) for s in seeds)
