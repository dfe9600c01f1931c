"""An import error is an import error: a broken part of vessels stops a run with a clear
message, never a run that quietly leaves a detector out (issue 11)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import detectors
from vessels.config import TABLES

ROOT = Path(__file__).resolve().parents[1]

# Runs `vessels detect` in a fresh interpreter in which importing one kernel module fails.
_BROKEN_KERNEL = textwrap.dedent(
    """
    import sys

    class BreakOneModule:
        def find_spec(self, name, path=None, target=None):
            if name == "kernels.neighbors":
                raise ImportError("kernels.neighbors is broken (simulated)")
            return None

    sys.meta_path.insert(0, BreakOneModule())
    from vessels.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_broken_kernel_import_makes_detect_fail_loudly(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    sample = ROOT / "data_samples" / "scenario" / "traffic.nmea"
    r = subprocess.run(
        [sys.executable, "-c", _BROKEN_KERNEL, "detect", str(sample), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert r.returncode != 0
    assert "kernels.neighbors is broken" in r.stderr
    assert "cannot be imported" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()  # no events file that looks complete


def test_every_detector_is_registered_and_has_a_config_table() -> None:
    assert list(detectors.DETECTORS) == ["gap", "loitering", "encounter", "identity"]
    for name, det in detectors.DETECTORS.items():
        module, _, cls = TABLES[name].partition(":")
        assert det.params.__name__ == cls and det.params.__module__ == module
