"""Shared by the watch tests: the scenario, the batch events of `vessels detect` on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "data_samples" / "scenario" / "traffic.nmea"
AREAS = ROOT / "data_samples" / "areas.geojson"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def final_events(alerts: list[dict[str, object]]) -> set[tuple[object, ...]]:
    """Detector events whose latest version is final (not retracted later)."""
    latest = {a["alert_id"]: a for a in alerts}
    return {
        (a["alert_id"], a["type"], a["mmsi"], a["other_mmsi"], a["start"], a["end"])
        for a in latest.values()
        if a["state"] == "final" and a["kind"] == "event"
    }


@pytest.fixture(scope="session")
def batch_events(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[object, ...]]:
    out = tmp_path_factory.mktemp("batch") / "events.jsonl"
    subprocess.run(
        [sys.executable, "-m", "vessels", "detect", str(SCENARIO), "-o", str(out), "--quiet"],
        check=True, env=_env(), timeout=600,
    )  # fmt: skip
    return {
        (e["event_id"], e["type"], e["mmsi"], e["other_mmsi"], e["start"], e["end"])
        for e in map(json.loads, out.read_text().splitlines())
    }
