"""First run: the detection and fusion kernels compile in a child process while ``investigate``
reads its inputs.

On an empty kernel cache, a first ``vessels investigate`` would compile the NMEA decoder, then
decode, then compile every detection and fusion kernel, one after the other on one core. Here a
child process runs the same pipeline on a tiny simulated scenario (Parquet, so it needs no NMEA
decoder) at the same time: it compiles those kernels into the shared cache while this process
compiles the decoder and reads the inputs, and this process waits for it before its own
pipeline, which then loads them. A kernel the tiny scenario does not reach simply compiles later,
as before; a child that fails costs only its time.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

from kernels._jit import NOTICE_ENV, compiling_elsewhere, module_cache_has_code

#: Kernel modules the pipeline after ingest uses: when any of them has no compiled code in the
#: cache (a first run, or an edited kernel), the child is worth starting.
PIPELINE_KERNELS = (
    "kernels.resample",
    "kernels.neighbors",
    "kernels.match",
    "kernels.match_reception",
    "kernels.runs",
    "kernels.segment",
    "kernels.merge",
    "kernels.cellhour",
)


#: Set to 0 for no warming child (the tests do: their runs must not depend on a cold cache).
WARM_ENV = "VESSELS_WARM"


def start() -> subprocess.Popen[bytes] | None:
    """The warming child, started when the cache lacks the pipeline's kernels; else None."""
    if os.environ.get(WARM_ENV, "1") == "0":
        return None  # switched off, or this is the child
    if all(module_cache_has_code(m) for m in PIPELINE_KERNELS):
        return None
    env = {**os.environ, NOTICE_ENV: "0", WARM_ENV: "0"}
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "vessels.pipeline.warm_child"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    except OSError:
        return None  # no child: everything compiles here, as before


def busy(child: subprocess.Popen[bytes] | None) -> contextlib.AbstractContextManager[None]:
    """While the child runs it takes a core: the decoder compiles its parts in this process
    rather than in one more (on two cores a third compiling process only adds memory)."""
    return compiling_elsewhere(1 if child is not None else 0)


def wait(child: subprocess.Popen[bytes] | None) -> None:
    """Wait for the warming child (its compiled kernels are then in the cache); stop it instead
    when this process is failing (the inputs could not be read)."""
    if child is None:
        return
    if sys.exc_info()[0] is not None:
        child.kill()
    child.wait()
