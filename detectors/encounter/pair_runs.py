"""Runs of consecutive close slots per vessel pair, merged when close in time (streaming-safe).

Fed the close-pair records of finished grid slots in time order (any number of calls), it
keeps one open run per pair and one pending (merged) encounter per pair, and returns the
encounters that can no longer grow. GFW pipe-encounters: a raw encounter is an unbroken run of
slots within the distance lasting at least the minimum time; raw encounters of the same pair
less than ``merge_gap`` apart are merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["PairCandidate", "PairRuns"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Per-slot columns kept for each run: distance (m), speed of a and b (kn), midpoint lat/lon,
#: reports of a and b received in the slot.
COLUMNS = ("dist_m", "speed_a_kn", "speed_b_kn", "lat", "lon", "reports_a", "reports_b")


@dataclass
class PairCandidate:
    """A (possibly merged) encounter candidate of vessels ``a`` < ``b`` (stream vessel ids)."""

    a: int
    b: int
    start_ms: int
    end_ms: int
    slots: list[I64] = field(default_factory=list)
    cols: list[F64] = field(default_factory=list)  # each (len(slots), len(COLUMNS))
    n_runs: int = 0

    def extend(self, slots: I64, cols: F64) -> None:
        self.slots.append(slots)
        self.cols.append(cols)
        self.end_ms = int(slots[-1])

    def values(self) -> tuple[I64, F64]:
        return np.concatenate(self.slots), np.concatenate(self.cols)


class PairRuns:
    """The run/merge state machine. Times in ms; ``step_ms`` is the grid step."""

    def __init__(self, step_ms: int, min_duration_ms: int, merge_gap_ms: int) -> None:
        self.step = step_ms
        self.min_duration = min_duration_ms
        self.merge_gap = merge_gap_ms
        self.open: dict[tuple[int, int], PairCandidate] = {}
        self.pending: dict[tuple[int, int], PairCandidate] = {}

    def feed(self, a: I64, b: I64, slot: I64, cols: F64, done_ms: int) -> list[PairCandidate]:
        """Add records (any order) of slots up to ``done_ms`` (every slot <= it is complete).

        Returns the candidates that are final: no later record can extend or merge into them.
        """
        order = np.lexsort((slot, b, a))
        a, b, slot, cols = a[order], b[order], slot[order], cols[order]
        out: list[PairCandidate] = []
        if slot.size:
            brk = np.flatnonzero(
                (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (slot[1:] - slot[:-1] != self.step)
            )
            starts = np.r_[0, brk + 1]
            ends = np.r_[brk + 1, slot.size]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                key = (int(a[s]), int(b[s]))
                run = self.open.get(key)
                if run is not None and int(slot[s]) == run.end_ms + self.step:
                    run.extend(slot[s:e], cols[s:e])
                    continue
                if run is not None:
                    out += self._close(key)
                new = PairCandidate(key[0], key[1], int(slot[s]), int(slot[s]))
                new.extend(slot[s:e], cols[s:e])
                self.open[key] = new
        # A run whose next slot is complete without the pair being close has ended.
        for key in [k for k, r in self.open.items() if r.end_ms + self.step <= done_ms]:
            out += self._close(key)
        # A pending encounter is final once no new run could start within the merge gap.
        for key in list(self.pending):
            p = self.pending[key]
            run = self.open.get(key)
            nxt = run.start_ms if run is not None else done_ms + self.step
            if nxt - p.end_ms >= self.merge_gap:
                out.append(self.pending.pop(key))
        return out

    def _close(self, key: tuple[int, int]) -> list[PairCandidate]:
        run = self.open.pop(key)
        if run.end_ms - run.start_ms < self.min_duration:
            return []
        run.n_runs = 1
        p = self.pending.get(key)
        if p is not None and run.start_ms - p.end_ms < self.merge_gap:
            p.slots += run.slots
            p.cols += run.cols
            p.end_ms = run.end_ms
            p.n_runs += 1
            return []
        self.pending[key] = run
        return [p] if p is not None else []

    def flush(self) -> list[PairCandidate]:
        """End of stream: close every open run and release every pending candidate."""
        out: list[PairCandidate] = []
        for key in list(self.open):
            out += self._close(key)
        out += list(self.pending.values())
        self.pending.clear()
        return out
