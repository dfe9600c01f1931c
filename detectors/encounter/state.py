"""What the stream encounter detector carries for each vessel from one chunk to the next.

Per vessel id (see ``EncounterStream._vid``): its last raw report (time, position, SOG, COG), its
last resampled slot (time, position), and the times of its reports less than one resampling step
older than the last one (a slot after the last report still counts them: satellite AIS comes in
bursts, so a chunk edge inside a burst must not drop the burst's earlier reports).

Columns are NumPy arrays indexed by vessel id, updated for a whole chunk at once; the recent
report times of all vessels are one flat table sorted by (vessel, time). With Python lists and a
loop over the chunk's vessels (20,000 vessels x 11 chunks on the 10 M-position scale scenario),
the encounter-only detect took 14.7 s CPU against 12.7 s now (best of four runs each).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kernels.resample import NO_SLOT

__all__ = ["VesselState"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_INT_COLUMNS = ("raw_t", "rs_t")  # NO_SLOT when unknown
_FLOAT_COLUMNS = ("raw_lat", "raw_lon", "raw_sog", "raw_cog", "rs_lat", "rs_lon")


class VesselState:
    """Columns indexed by vessel id (grown as ids are handed out) plus the recent report
    times as flat ``recent_v`` / ``recent_t`` arrays sorted by (vessel, time)."""

    def __init__(self) -> None:
        self.raw_t = np.zeros(0, np.int64)
        self.rs_t = np.zeros(0, np.int64)
        self.raw_lat = np.zeros(0)
        self.raw_lon = np.zeros(0)
        self.raw_sog = np.zeros(0)
        self.raw_cog = np.zeros(0)
        self.rs_lat = np.zeros(0)
        self.rs_lon = np.zeros(0)
        self.recent_v = np.zeros(0, np.int64)
        self.recent_t = np.zeros(0, np.int64)

    def ensure(self, n: int) -> None:
        """Room for vessel ids ``< n``; new ids start unknown (no report, no slot)."""
        cap = self.raw_t.size
        if n <= cap:
            return
        new_cap = max(n, 2 * cap, 1024)
        for name in _INT_COLUMNS + _FLOAT_COLUMNS:
            old = getattr(self, name)
            grown = np.full(new_cap, NO_SLOT if name in _INT_COLUMNS else 0.0, old.dtype)
            grown[:cap] = old
            setattr(self, name, grown)

    def reset(self, v: int) -> None:
        """Vessel id ``v`` handed to a new vessel: nothing known of it."""
        self.raw_t[v] = self.rs_t[v] = NO_SLOT
        for name in _FLOAT_COLUMNS:
            getattr(self, name)[v] = 0.0
        self.forget(np.array([v], np.int64))

    def forget(self, vids: I64) -> None:
        """Drop the recent report times of ``vids`` (evicted vessels)."""
        if self.recent_v.size and vids.size:
            keep = ~np.isin(self.recent_v, vids)
            self.recent_v, self.recent_t = self.recent_v[keep], self.recent_t[keep]

    def count_recent(self, v: I64, after: I64, until: I64) -> F64:
        """For each query ``k``: recent report times of vessel ``v[k]`` in
        ``(after[k], until[k]]``."""
        out = np.zeros(v.size)
        if v.size == 0 or self.recent_v.size == 0:
            return out
        # One sorted key over (vessel, time): vessel ids times a span wider than all times.
        t0 = min(int(self.recent_t.min()), int(after.min()))
        span = max(int(self.recent_t.max()), int(until.max())) - t0 + 1
        if (int(max(self.recent_v.max(), v.max())) + 1) * span >= 2**62:  # never in practice
            for k in range(v.size):
                old = self.recent_t[self.recent_v == v[k]]
                out[k] = np.count_nonzero((old > after[k]) & (old <= until[k]))
            return out
        key = self.recent_v * span + (self.recent_t - t0)
        hi = np.searchsorted(key, v * span + (until - t0), side="right")
        lo = np.searchsorted(key, v * span + (after - t0), side="right")
        out[:] = hi - lo
        return out

    def advance(
        self,
        vids: I64,
        starts: I64,
        t: I64,
        columns: tuple[F64, F64, F64, F64],
        step_ms: int,
    ) -> None:
        """After a chunk: each vessel ``vids[k]`` had the reports ``starts[k]:starts[k + 1]``
        of ``t`` (its carried last report first when it had one) with (lat, lon, sog, cog)
        ``columns``. Its last report becomes the carried one; its recent times become its
        reports within ``step_ms`` before that last one, reaching back into the times kept
        from earlier chunks when even the chunk's first report is that recent."""
        n_seg = vids.size
        if n_seg == 0:
            return
        last = starts[1:] - 1
        tl = t[last]
        sizes = np.diff(starts)
        seg_of = np.repeat(np.arange(n_seg), sizes)
        tl_pos = tl[seg_of]
        win = (t > tl_pos - step_ms) & (t < tl_pos)
        # Kept times of vessels not in this chunk stay. Of a vessel in it, those still within
        # the step before its new last report stay too: only possible when even its carried
        # report is (all kept times are older than that report).
        k_of_vid = np.full(self.raw_t.size, -1, np.int64)
        k_of_vid[vids] = np.arange(n_seg)
        k_old = k_of_vid[self.recent_v]
        inside = k_old >= 0
        kk = np.where(inside, k_old, 0)
        keep = ~inside | ((self.recent_t > tl[kk] - step_ms) & (self.recent_t < tl[kk]))
        rv = np.concatenate([self.recent_v[keep], vids[seg_of[win]]])
        rt = np.concatenate([self.recent_t[keep], t[win]])
        order = np.lexsort((rt, rv))
        self.recent_v, self.recent_t = rv[order], rt[order]
        lat, lon, sog, cog = columns
        self.raw_t[vids] = tl
        self.raw_lat[vids] = lat[last]
        self.raw_lon[vids] = lon[last]
        self.raw_sog[vids] = sog[last]
        self.raw_cog[vids] = cog[last]

    def set_slots(self, vids: I64, offs: I64, rt: I64, rla: F64, rlo: F64) -> None:
        """Each vessel's last resampled slot of this chunk (``offs[k]:offs[k + 1]`` of the
        resampled rows), where it got any."""
        got = offs[1:] > offs[:-1]
        j = offs[1:][got] - 1
        self.rs_t[vids[got]] = rt[j]
        self.rs_lat[vids[got]] = rla[j]
        self.rs_lon[vids[got]] = rlo[j]
