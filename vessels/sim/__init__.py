"""A maritime scenario simulator with ground truth (issue 3).

``simulate(SimConfig(...)) -> Scenario`` builds everything in memory: true tracks, what coastal
and satellite receivers got (``positions`` / ``static`` tables in the canonical schemas), SAR
scenes and detections, and the truth (``Scenario.truth``, the ``truth.json`` document).
``write_scenario`` writes it out; ``simulate_scale`` writes tens of millions of positions.
"""

from __future__ import annotations

from vessels.sim.config import REGIONS, SimConfig
from vessels.sim.core import Scenario, simulate
from vessels.sim.scale import ScaleConfig, simulate_scale
from vessels.sim.writers import write_scenario

__all__ = [
    "REGIONS",
    "ScaleConfig",
    "Scenario",
    "SimConfig",
    "simulate",
    "simulate_scale",
    "write_scenario",
]
