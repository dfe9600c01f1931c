"""The warming child of ``vessels.pipeline.warm``: a one-day scenario of a dozen vessels through
``investigate``, so that the detection and fusion kernels land in the cache."""

from __future__ import annotations

import tempfile
from pathlib import Path

from vessels.pipeline.investigate import investigate
from vessels.sim.core import simulate
from vessels.sim.params import SimConfig
from vessels.sim.writers import write_scenario


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vessels-warm-") as tmp:
        scenario = Path(tmp) / "scenario"
        scenario.mkdir()
        write_scenario(simulate(SimConfig(seed=3, days=1.0, vessels=12)), scenario, "parquet")
        sar = [scenario / "sar_detections.csv", scenario / "sar_scenes.geojson"]
        investigate([scenario / "positions.parquet"], Path(tmp) / "out", sar=sar)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
