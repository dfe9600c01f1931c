"""What the data as a whole covers in time: each input's span and the holes when no input
delivered anything (issue 12, "coverage honesty").

A vessel unheard while nothing at all was heard says nothing about that vessel: the gap
detector measures how much of each gap lies in such a hole (:func:`hole_overlap_h`) and treats
a gap mostly inside one as a coverage gap; ``summary.json``, the CLI and the report list the
holes (:func:`data_holes`). Hours count from 1995-01-01 UTC, as the reception counts do
(:mod:`kernels.cellhour`), so both see the same hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kernels.cellhour import HOUR_MS, HOURS, T0_MS

__all__ = ["Holes", "data_holes", "heard_hours", "hole_overlap_h", "holes_report"]

I64 = npt.NDArray[np.int64]


def heard_hours(t_ms: npt.ArrayLike) -> I64:
    """Sorted distinct hours (since 1995-01-01) in which any position was heard."""
    t = np.asarray(t_ms, dtype=np.int64)
    h = np.clip((t - T0_MS) // HOUR_MS, 0, HOURS - 1)
    out: I64 = np.unique(h)
    return out


@dataclass(frozen=True)
class Holes:
    """Runs of whole hours in which nothing was heard, between the first and last hour heard:
    hole ``k`` covers hours ``start[k]`` to ``end[k] - 1``."""

    start: I64
    end: I64

    @property
    def hours(self) -> I64:
        out: I64 = self.end - self.start
        return out


def data_holes(heard: I64, min_h: float) -> Holes:
    """The holes of at least ``min_h`` whole hours between the sorted ``heard`` hours."""
    heard = np.asarray(heard, np.int64)
    if heard.size < 2:
        z = np.zeros(0, np.int64)
        return Holes(z, z)
    run = np.diff(heard) - 1
    k = np.flatnonzero(run >= max(1.0, float(min_h)))
    return Holes(heard[k] + 1, heard[k + 1])


def hole_overlap_h(holes: Holes, h0: I64, h1: I64) -> I64:
    """Whole hours of [h0, h1) (per element) inside any hole."""
    h0 = np.asarray(h0, np.int64)
    h1 = np.asarray(h1, np.int64)
    if holes.start.size == 0 or h0.size == 0:
        return np.zeros(h0.size, np.int64)
    lo = np.maximum(h0[:, None], holes.start[None, :])
    hi = np.minimum(h1[:, None], holes.end[None, :])
    out: I64 = np.maximum(hi - lo, 0).sum(axis=1)
    return out


def _iso(hour: int) -> str:
    ms = T0_MS + int(hour) * HOUR_MS
    return str(np.datetime_as_string(np.datetime64(ms, "ms"), unit="m")) + "Z"


def holes_report(
    t_ms: npt.ArrayLike, min_h: float, spans: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The coverage section of ``summary.json``: the data's first and last hour, each input's
    span (``spans``: dicts with ``input``, ``first_ms``, ``last_ms``, ``positions``) and the
    holes of ``min_h`` hours or more, longest first."""
    hh = heard_hours(t_ms)
    holes = data_holes(hh, min_h)
    order = np.argsort(-holes.hours, kind="stable")
    return {
        "first": _iso(int(hh[0])) if hh.size else None,
        "last": _iso(int(hh[-1]) + 1) if hh.size else None,
        "hours_heard": int(hh.size),
        "hours_spanned": int(hh[-1] - hh[0] + 1) if hh.size else 0,
        "hole_min_h": float(min_h),
        "inputs": [
            {
                **s,
                "first": _ms_iso(s.get("first_ms")),
                "last": _ms_iso(s.get("last_ms")),
            }
            for s in spans
        ],
        "holes": [
            {
                "start": _iso(int(holes.start[k])),
                "end": _iso(int(holes.end[k])),
                "hours": int(holes.hours[k]),
            }
            for k in order.tolist()
        ],
    }


def _ms_iso(ms: Any) -> str | None:
    if ms is None:
        return None
    return str(np.datetime_as_string(np.datetime64(int(ms), "ms"), unit="s")) + "Z"
