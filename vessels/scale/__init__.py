"""Scale-out on dask.distributed: the single-process detectors on a cluster, same events.

``detect_distributed(positions_source, static, client=Client(...))`` is the distributed form of
:func:`detectors.run_detectors`; see :mod:`vessels.scale.run` for how the work is split.
"""

from __future__ import annotations

from vessels.scale.run import (
    CROSS_VESSEL,
    PER_VESSEL,
    DistributedResult,
    ScaleParams,
    detect_distributed,
    detect_distributed_full,
)

__all__ = [
    "CROSS_VESSEL",
    "PER_VESSEL",
    "DistributedResult",
    "ScaleParams",
    "detect_distributed",
    "detect_distributed_full",
]
