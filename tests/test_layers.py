"""The import-linter layers name every part of vessels/, so that a new module cannot slip past
the contracts that `make lint` checks (docs/architecture.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layers() -> list[str]:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = [c for c in cfg["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    names: list[str] = []
    for layer in contract["layers"]:
        for part in layer.replace("|", ":").split(":"):
            names.append(part.strip().strip("()"))
    return names


def test_every_part_of_vessels_is_in_a_layer() -> None:
    named = set(_layers())
    parts = {
        f"vessels.{p.stem}" if p.is_file() else f"vessels.{p.name}"
        for p in (ROOT / "vessels").iterdir()
        if (p.suffix == ".py" and not p.stem.startswith("__"))
        or (p.is_dir() and (p / "__init__.py").is_file())
    }
    missing = sorted(parts - named)
    assert not missing, f"add {missing} to a layer in pyproject.toml [tool.importlinter]"
    assert {"ingest", "detectors", "kernels", "dashboards"} <= named
