from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
ARTIFACTS = ROOT / "tests" / "artifacts"
# No "compiling the Numba kernels" line: what the tests read on stderr must not depend on whether
# the kernel cache was warm (tests/test_kernel_cache.py checks the line itself).
os.environ["VESSELS_COMPILE_NOTICE"] = "0"
# No warming child on a cold cache (vessels/pipeline/warm.py): a test's run stays one process.
os.environ["VESSELS_WARM"] = "0"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real third-party data beside the project (../shared/data). CI has it too."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} is missing: the tests need ../shared/data beside the project")
    return SHARED_DATA


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
