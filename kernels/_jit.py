"""The one Numba decorator every kernel uses.

``cache=True`` so a CLI run does not pay compile time twice; ``nogil=True`` so dask threads can
run kernels side by side. No ``fastmath`` nnan/ninf: AIS data has NaN (speed, course unavailable).
"""

from __future__ import annotations

import numba as nb

njit = nb.njit(cache=True, nogil=True)
njit_parallel = nb.njit(cache=True, nogil=True, parallel=True)

__all__ = ["njit", "njit_parallel"]
