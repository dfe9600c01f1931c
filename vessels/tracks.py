"""Tracks: positions ordered by receive time per physical vessel, as plain arrays for kernels.

CONTRACT shared by every detector (do not change field names without updating all users):
``Tracks`` holds equal-length arrays sorted by (seg, t). ``seg`` numbers physical vessels: one
MMSI may be split into several segments when the implied speed between its reports is
impossible (two ships sharing an MMSI). ``seg_start[k]:seg_start[k+1]`` are the rows of
segment k, whose MMSI is ``seg_mmsi[k]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Tracks"]


@dataclass(frozen=True)
class Tracks:
    mmsi: npt.NDArray[np.uint32]
    seg: npt.NDArray[np.int64]  # segment index 0..n_seg-1, non-decreasing
    t: npt.NDArray[np.int64]  # receive time, ms since epoch UTC, non-decreasing within a segment
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    sog: npt.NDArray[np.float32]  # knots, NaN when unavailable
    cog: npt.NDArray[np.float32]  # degrees, NaN when unavailable
    receiver: npt.NDArray[np.int32]  # code into ``receivers``; -1 unknown
    is_sat: npt.NDArray[np.int8]  # 1 satellite, 0 terrestrial, -1 unknown
    seg_start: npt.NDArray[np.int64]  # length n_seg + 1
    seg_mmsi: npt.NDArray[np.uint32]  # length n_seg
    receivers: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.t.shape[0])

    @property
    def n_seg(self) -> int:
        return int(self.seg_mmsi.shape[0])
