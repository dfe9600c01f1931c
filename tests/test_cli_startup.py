"""Start-up cost of the command line: building the parser imports no heavy package.

Every subcommand registers its options at start-up, so an eager import anywhere would make
every command (``vessels --help`` included) pay for dask.distributed, the simulator, Numba and
the detectors. Checked in a fresh interpreter, where ``sys.modules`` tells what was imported.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import vessels.scale
import vessels.sim

HEAVY = ["distributed", "dask", "numba", "vessels.sim.core", "vessels.scale.detect", "detectors"]


def test_building_the_parser_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from vessels.cli import build_parser\n"
        "build_parser()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_import_vessels_imports_nothing_above_the_core() -> None:
    code = (
        "import sys\n"
        "import vessels\n"
        "print(','.join(m for m in ('ingest', 'detectors', 'vessels.pipeline') if m in sys.modules))\n"
        "print(vessels.read.__module__, vessels.detect.__module__, vessels.investigate.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.splitlines()
    assert first == ""  # the notebook names (vs.read, ...) are imported on first use only
    assert second == "vessels.api vessels.api vessels.api"


def test_lazy_package_names_resolve_and_unknown_names_fail() -> None:
    assert vessels.sim.simulate.__module__ == "vessels.sim.core"
    assert vessels.scale.ScaleParams.__module__ == "vessels.scale.params"
    assert vessels.scale.detect_distributed.__module__ == "vessels.scale.detect"
    from vessels.sim import REGIONS

    assert REGIONS
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = vessels.sim.nothing  # type: ignore[attr-defined]
