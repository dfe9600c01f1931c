"""Simulator seeds of the quality tests, chosen outside the range anyone tuned on.

The detectors' and the fusion's parameters were tuned, and their failures chased, on seeds 1-30
(the unit and quality tests until 2026-12-05, `benchmarks/bench_fusion_seeds --seeds 1-20`), on
the committed sample (seed 7) and on `benchmarks/bench_quality`'s default seeds 101-103. The
quality tests use seeds from 301 on, fixed before they were first run: a result there is what a
user's data would get, not what tuning made of it.
"""

from __future__ import annotations

TUNED = (range(1, 31), range(101, 104))

#: gap and loitering (tests/test_gap_sim.py)
GAP_SCENES = ((301, "argentina"), (302, "argentina"), (303, "west_africa"))
#: encounters and identity (tests/test_encounter_sim.py)
ENCOUNTER_SCENES = (
    ("argentina", 304),
    ("argentina", 305),
    ("argentina", 306),
    ("west_africa", 307),
)
#: SAR fusion (tests/test_fusion_seeds.py)
FUSION_SCENES = ((311, "argentina"), (312, "argentina"), (313, "west_africa"))


def held_out(seed: int) -> bool:
    return not any(seed in r for r in TUNED)
