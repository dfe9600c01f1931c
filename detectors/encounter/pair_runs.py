"""Runs of consecutive close slots per vessel pair, merged when close in time (streaming-safe).

Fed the close-pair records of finished grid slots in time order (any number of calls), it
keeps one open run per pair and one pending (merged) encounter per pair, and returns the
encounters that can no longer grow. GFW pipe-encounters: a raw encounter is an unbroken run of
slots within the distance lasting at least the minimum time; raw encounters of the same pair
less than ``merge_gap`` apart are merged.

Beyond GFW, a *joint silence* also merges: when both vessels fall silent as their run ends (no
report of either until the next run, give or take ``tolerance``) and they reappear still
together within ``max_silence`` and within ``drift_kn`` times the silence of where they went
quiet, the two runs are one encounter with the silence recorded (:class:`Silence`). GFW's
pipeline ends the encounter there and loses the part after it. Whether a vessel was heard is
known from the slots fed (``heard``), which arrive in time order, so any chunking gives the
same merges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kernels.geo import haversine_m

__all__ = ["JointSilence", "PairCandidate", "PairRuns", "Silence"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Per-slot columns kept for each run: distance (m), speed of a and b (kn), midpoint lat/lon,
#: reports of a and b received in the slot.
COLUMNS = ("dist_m", "speed_a_kn", "speed_b_kn", "lat", "lon", "reports_a", "reports_b")
_NONE = np.iinfo(np.int64).max  # "not heard yet"


@dataclass(frozen=True)
class JointSilence:
    """Merging across a joint silence: longest silence (ms), how much earlier than the next
    run a vessel may be heard again (ms), and the drift allowed meanwhile (kn). Off when
    ``max_ms`` is 0."""

    max_ms: int = 0
    tolerance_ms: int = 0
    drift_kn: float = 2.0


@dataclass(frozen=True)
class Silence:
    """A joint silence inside an encounter: last slot before, first slot after (ms), and how
    far the pair's midpoint moved across it (m)."""

    start_ms: int
    end_ms: int
    drift_m: float


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
    close_ms: int = 0  # time close, runs summed (silences left out)
    silences: list[Silence] = field(default_factory=list)
    # first slot after end_ms (+ the tolerance) at which a (b) was heard, _NONE while not
    heard_a: int = _NONE
    heard_b: int = _NONE

    def extend(self, slots: I64, cols: F64) -> None:
        self.slots.append(slots)
        self.cols.append(cols)
        self.end_ms = int(slots[-1])

    def values(self) -> tuple[I64, F64]:
        return np.concatenate(self.slots), np.concatenate(self.cols)

    def first_position(self) -> tuple[float, float]:
        return float(self.cols[0][0, 3]), float(self.cols[0][0, 4])

    def last_position(self) -> tuple[float, float]:
        return float(self.cols[-1][-1, 3]), float(self.cols[-1][-1, 4])


class PairRuns:
    """The run/merge state machine. Times in ms; ``step_ms`` is the grid step."""

    def __init__(
        self,
        step_ms: int,
        min_duration_ms: int,
        merge_gap_ms: int,
        silence: JointSilence = JointSilence(),
    ) -> None:
        self.step = step_ms
        self.min_duration = min_duration_ms
        self.merge_gap = merge_gap_ms
        self.silence = silence
        self.open: dict[tuple[int, int], PairCandidate] = {}
        self.pending: dict[tuple[int, int], PairCandidate] = {}
        # vessels heard in the slots of the current call, sorted by (vessel, slot)
        self._hv = np.zeros(0, np.int64)
        self._ht = np.zeros(0, np.int64)

    def feed(
        self,
        a: I64,
        b: I64,
        slot: I64,
        cols: F64,
        done_ms: int,
        heard: tuple[I64, I64] | None = None,
    ) -> list[PairCandidate]:
        """Add records (any order) of slots up to ``done_ms`` (every slot <= it is complete).

        ``heard``: (vessel, slot) of every vessel heard in those slots (any order), needed to
        merge across joint silences. Returns the candidates that are final: no later record
        can extend or merge into them.
        """
        if heard is not None and heard[0].size:
            o = np.lexsort((heard[1], heard[0]))
            self._hv, self._ht = heard[0][o], heard[1][o]
        else:
            self._hv, self._ht = np.zeros(0, np.int64), np.zeros(0, np.int64)
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
        for p in self.pending.values():
            quiet = p.end_ms + self.silence.tolerance_ms
            p.heard_a = self._first_heard(p.a, quiet, p.heard_a)
            p.heard_b = self._first_heard(p.b, quiet, p.heard_b)
        # A pending encounter is final once no new run could start within the merge gap,
        # nor after a joint silence.
        for key in list(self.pending):
            p = self.pending[key]
            run = self.open.get(key)
            nxt = run.start_ms if run is not None else done_ms + self.step
            if nxt - p.end_ms < self.merge_gap:
                continue
            if run is not None and self._joins(p, run):
                continue
            if run is None and self._may_still_join(p, done_ms):
                continue
            q = self.pending.pop(key)
            if self._long(q):
                out.append(q)
        return out

    # -- joint silences ----------------------------------------------------------------------
    def _first_heard(self, v: int, after: int, known: int) -> int:
        """First slot after ``after`` at which vessel ``v`` was heard: ``known`` (earlier
        calls) or the current call's."""
        if known != _NONE or self._hv.size == 0:
            return known
        lo = int(np.searchsorted(self._hv, v, side="left"))
        hi = int(np.searchsorted(self._hv, v, side="right"))
        k = lo + int(np.searchsorted(self._ht[lo:hi], after, side="right"))
        return int(self._ht[k]) if k < hi else _NONE

    def _joins(self, p: PairCandidate, run: PairCandidate) -> bool:
        """Does ``run`` continue ``p`` across a joint silence?"""
        js = self.silence
        gap = run.start_ms - p.end_ms
        if js.max_ms <= 0 or gap > js.max_ms:
            return False
        first = run.start_ms - js.tolerance_ms
        quiet = p.end_ms + js.tolerance_ms  # one may fall silent a little after the other
        for v, known in ((p.a, p.heard_a), (p.b, p.heard_b)):
            if self._first_heard(v, quiet, known) < first:
                return False  # heard during the silence: not silent together
        return _drift_m(p, run) <= max(js.drift_kn * 1852.0 * gap / 3_600_000.0, 1000.0)

    def _may_still_join(self, p: PairCandidate, done_ms: int) -> bool:
        js = self.silence
        if js.max_ms <= 0 or done_ms - p.end_ms >= js.max_ms:
            return False
        # a vessel heard again, with no run of the pair by then, ended the joint silence
        return all(h == _NONE or done_ms < h + js.tolerance_ms for h in (p.heard_a, p.heard_b))

    def _close(self, key: tuple[int, int]) -> list[PairCandidate]:
        run = self.open.pop(key)
        run.n_runs = 1
        run.close_ms = run.end_ms - run.start_ms
        short = run.close_ms < self.min_duration
        p = self.pending.get(key)
        gfw_merge = p is not None and run.start_ms - p.end_ms < self.merge_gap
        if gfw_merge and p is not None and not short and self._long(p):
            _append(p, run)  # GFW: raw encounters of a pair less than 4 h apart are one
            return []
        if p is not None and self._joins(p, run):
            # across a joint silence even runs shorter than the minimum count: satellite AIS
            # may hear a pair for less than 2 h on either side of a silence
            p.silences.append(Silence(p.end_ms, run.start_ms, _drift_m(p, run)))
            _append(p, run)
            return []
        if short and (self.silence.max_ms <= 0 or (p is not None and self._long(p))):
            return []  # not a raw encounter (GFW), nor the start of one across a silence
        self.pending[key] = run
        return [p] if p is not None and self._long(p) else []

    def _long(self, c: PairCandidate) -> bool:
        """Close long enough to be an encounter (GFW's minimum, silences left out)."""
        return c.close_ms >= self.min_duration

    def flush(self) -> list[PairCandidate]:
        """End of stream: close every open run and release every pending candidate."""
        self._hv, self._ht = np.zeros(0, np.int64), np.zeros(0, np.int64)
        out: list[PairCandidate] = []
        for key in list(self.open):
            out += self._close(key)
        out += [q for q in self.pending.values() if self._long(q)]
        self.pending.clear()
        return out


def _append(p: PairCandidate, run: PairCandidate) -> None:
    p.slots += run.slots
    p.cols += run.cols
    p.end_ms = run.end_ms
    p.n_runs += 1
    p.close_ms += run.close_ms
    p.heard_a = p.heard_b = _NONE


def _drift_m(p: PairCandidate, run: PairCandidate) -> float:
    la0, lo0 = p.last_position()
    la1, lo1 = run.first_position()
    d = float(haversine_m(la0, lo0, la1, lo1))
    return d if math.isfinite(d) else math.inf
