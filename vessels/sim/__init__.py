"""A maritime scenario simulator with ground truth (issue 3).

``simulate(SimConfig(...)) -> Scenario`` builds everything in memory: true tracks, what coastal
and satellite receivers got (``positions`` / ``static`` tables in the canonical schemas), SAR
scenes and detections, and the truth (``Scenario.truth``, the ``truth.json`` document).
``write_scenario`` writes it out; ``simulate_scale`` writes tens of millions of positions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vessels.lazy import lazy_attributes

if TYPE_CHECKING:  # for type checkers; at run time each name is imported on first use
    from vessels.sim.bulk import ScaleConfig, simulate_scale
    from vessels.sim.core import Scenario, simulate
    from vessels.sim.params import REGIONS, SimConfig
    from vessels.sim.writers import write_scenario

__getattr__ = lazy_attributes(
    __name__,
    {
        "REGIONS": "vessels.sim.params",
        "SimConfig": "vessels.sim.params",
        "Scenario": "vessels.sim.core",
        "simulate": "vessels.sim.core",
        "ScaleConfig": "vessels.sim.bulk",
        "simulate_scale": "vessels.sim.bulk",
        "write_scenario": "vessels.sim.writers",
    },
)


__all__ = [
    "REGIONS",
    "ScaleConfig",
    "Scenario",
    "SimConfig",
    "simulate",
    "simulate_scale",
    "write_scenario",
]
