"""Small helpers of the encounter detector: gear rules, registry access, report counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from detectors.base import DetectContext
    from vessels.registry import Registry

__all__ = ["is_gear", "registry_of", "reports_per_slot"]


def registry_of(ctx: DetectContext | None) -> Registry | None:
    return ctx.registry if ctx is not None else None


def is_gear(mmsi: int, registry: Registry | None) -> bool:
    """Gear buoy or navigation aid (GFW / Skylight rules: :meth:`Registry.is_gear`); with no
    registry (no names known) by the MMSI pattern 99xxxxxxx alone."""
    if registry is not None:
        return registry.is_gear(mmsi)
    return 990_000_000 <= mmsi <= 999_999_999


def reports_per_slot(
    starts: npt.NDArray[np.int64],
    t: npt.NDArray[np.int64],
    rseg: npt.NDArray[np.int64],
    rt: npt.NDArray[np.int64],
    step: int,
) -> npt.NDArray[np.float64]:
    """Number of reports of each resampled point's segment in (slot - step, slot]."""
    if rt.size == 0:
        return np.zeros(0)
    seg_of_row = np.repeat(np.arange(starts.size - 1), np.diff(starts))
    t0 = min(int(t.min()), int(rt.min())) - step
    span = max(int(t.max()), int(rt.max())) - t0 + 1
    key = seg_of_row * span + (t - t0)  # sorted: rows are by (segment, time)
    hi = np.searchsorted(key, rseg * span + (rt - t0), side="right")
    lo = np.searchsorted(key, rseg * span + (rt - step - t0), side="right")
    return (hi - lo).astype(np.float64)
