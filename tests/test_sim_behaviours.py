"""Simulator scenario options of issue 13: each behaviour staged and labelled; none named
leaves the scenario as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from vessels.errors import ConfigError
from vessels.sim import SimConfig, simulate, write_scenario
from vessels.sim.params import BEHAVIOURS


def test_every_behaviour_is_staged_and_labelled(tmp_path: Path) -> None:
    sc = simulate(SimConfig(seed=5, days=3, vessels=40, behaviours=BEHAVIOURS))
    kinds = {e["params"].get("kind") for e in sc.truth["events"] if e["type"] == "identity"}
    assert {"two_transponders", "two_transmitters", "clone_while_dark"} <= kinds
    twin = next(e for e in sc.truth["events"] if e["params"].get("kind") == "two_transponders")
    assert twin["other_mmsi"] is not None and twin["params"]["median_distance_m"] < 60
    long_enc = [e for e in sc.events("encounter") if e["params"]["hours"] > 12]
    assert long_enc  # the joint silence is inside one encounter, not two
    assert list(sc.truth["params"]["config"]["behaviours"]) == list(BEHAVIOURS)
    write_scenario(sc, tmp_path, fmt="parquet")
    rows = (tmp_path / "carriers.csv").read_text().splitlines()
    assert rows == ["mmsi,imo,name,callsign,flag_mid,source"]  # no carrier is registered


def test_no_behaviour_is_the_old_scenario() -> None:
    a = simulate(SimConfig(seed=6, days=1, vessels=20))
    assert "behaviours" not in a.truth["params"]["config"]
    b = simulate(SimConfig(seed=6, days=1, vessels=20, behaviours=()))
    assert a.positions.equals(b.positions) and a.truth == b.truth


def test_unknown_behaviour_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown behaviour"):
        SimConfig(behaviours=("teleport",))
