"""The first-run warming child of `vessels investigate` (vessels/pipeline/warm.py): when it starts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kernels._jit import module_key
from vessels.pipeline import warm


def test_a_child_starts_only_when_the_pipeline_kernels_are_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(warm.WARM_ENV, "0")
    assert warm.start() is None  # switched off (as in every other test)
    monkeypatch.setenv(warm.WARM_ENV, "1")
    # Every module compiled already (an index file in each module's folder): no child.
    for module in warm.PIPELINE_KERNELS:
        folder = tmp_path / f"{module}-{module_key(module)}"
        folder.mkdir()
        (folder / "k.nbi").write_bytes(b"")
    assert warm.start() is None
    # One module without compiled code (a first run, or that kernel edited): a child starts.
    os.remove(tmp_path / f"kernels.match-{module_key('kernels.match')}" / "k.nbi")
    child = warm.start()
    assert child is not None
    child.kill()
    warm.wait(child)
    assert child.returncode is not None
