"""Scale-out on dask.distributed: the single-process detectors on a cluster, same events.

``detect_distributed(positions_source, static, client=Client(...))`` is the distributed form of
:func:`detectors.run_detectors`; see :mod:`vessels.scale.detect` for how the work is split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vessels.lazy import lazy_attributes

if TYPE_CHECKING:  # for type checkers; at run time each name is imported on first use
    from vessels.scale.detect import (
        CROSS_VESSEL,
        PER_VESSEL,
        DistributedResult,
        detect_distributed,
        detect_distributed_full,
        detect_out_of_core,
    )
    from vessels.scale.params import ScaleParams

__getattr__ = lazy_attributes(
    __name__,
    {
        "CROSS_VESSEL": "vessels.scale.detect",
        "PER_VESSEL": "vessels.scale.detect",
        "DistributedResult": "vessels.scale.detect",
        "ScaleParams": "vessels.scale.params",
        "detect_distributed": "vessels.scale.detect",
        "detect_distributed_full": "vessels.scale.detect",
        "detect_out_of_core": "vessels.scale.detect",
    },
)


__all__ = [
    "CROSS_VESSEL",
    "PER_VESSEL",
    "DistributedResult",
    "ScaleParams",
    "detect_distributed",
    "detect_distributed_full",
    "detect_out_of_core",
]
