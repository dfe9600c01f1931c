"""Encounters at sea (rendezvous, possible transshipment), after GFW pipe-encounters.

Definition (docs/references.md, "Encounter"; Miller et al. 2018; GFW pipe-encounters): two
vessels within 500 m of each other for at least 2 h, median speed below 2 kn, at least 10 km
from any port or anchorage, on tracks resampled to 10 min and interpolated only across gaps
shorter than 1 h; encounters of the same pair less than 4 h apart are merged. Gear buoys
(MMSI 99xxxxxxx, names with '%', 'BUOY', 'NET') are left out, as GFW and Skylight do.

Where the published method is weak this one does better (each step is a parameter; the GFW
behaviour is ``max_slow_gap_h=0, max_slack_m=0, min_reports=0, use_reported_sog=False``):

- Offshore, AIS is mostly satellite, with revisit holes of hours, so GFW's 1-hour interpolation
  rule breaks nearly every encounter (on the project's simulated scenes it finds none). Holes
  up to ``max_slow_gap_h`` are bridged when the vessel was seen slow on both sides, or slow on
  one side and fast on the other (it arrived or left at its reported speed and drifted on its
  reported course meanwhile: :mod:`kernels.resample`).
- A reconstructed position is uncertain: far from any report the 500 m test allows
  ``drift_slack_kn`` per hour of distance to the nearest report (at most ``max_slack_m``).
- Each vessel must have been heard at least ``min_reports`` times while close (pitfall 4 of
  docs/references.md: an interpolation is not an observation).
- The median speed counts only slots near a real report and takes the larger of implied speed
  and reported SOG, for *both* vessels (the mean of their medians, as GFW's merge of the two
  one-sided encounters gives): pair trawlers at 3-5 kn whose zig-zags look slow across a hole
  are not a meeting, nor is a slow vessel shadowing a fast one.
- A carrier meeting a fishing vessel far from shore scores highest (the transshipment pattern
  of Miller et al. 2018); two fishing vessels together score low (pair fishing, gear work).

Streaming: :class:`EncounterStream` consumes time-ordered chunks of tracks and emits each
encounter when it can no longer grow; :func:`detect` is one chunk plus the end of the stream.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt

from detectors.base import DetectContext, Detector
from detectors.encounter.describe import describe
from detectors.encounter.pair_runs import JointSilence, PairCandidate, PairRuns
from detectors.encounter.params import EncounterParams
from detectors.encounter.state import VesselState
from detectors.encounter.support import is_gear, registry_of, reports_per_slot
from detectors.encounter.twins import twin_event
from kernels.neighbors import close_pairs
from kernels.resample import NO_SLOT, resample_tracks
from vessels.events import Event
from vessels.tracks import Tracks

__all__ = ["EncounterParams", "EncounterStream", "detect", "is_gear"]

_H = 3_600_000


class EncounterStream:
    """Incremental encounter detector: ``update(chunk)`` ... ``flush()``.

    Chunks are :class:`Tracks` in time order (every position of a chunk at or after those of
    the previous one). A vessel is keyed by (MMSI, rank of its segment within the MMSI in the
    chunk); its last report and last resampled slot carry over so the grid continues exactly.
    """

    def __init__(
        self, ctx: DetectContext | None = None, params: EncounterParams = EncounterParams()
    ) -> None:
        self.ctx = ctx
        self.p = params
        self.runs = PairRuns(
            params.step_ms,
            int(params.min_duration_h * _H),
            int(params.merge_gap_h * _H),
            JointSilence(
                int(params.max_joint_silence_h * _H),
                int(params.joint_silence_tolerance_h * _H),
                params.joint_silence_drift_kn,
            ),
        )
        self.twins = PairRuns(params.step_ms, 0, int(params.twin_merge_gap_h * _H))
        self.twin_apart: dict[tuple[int, int], list[int]] = {}  # slots seen apart, per pair
        self.ids: dict[tuple[int, int], int] = {}
        self.key_of: list[tuple[int, int]] = []  # vessel id -> its key in ids
        self.free: list[int] = []  # ids of evicted vessels, to reuse
        self.mmsi: list[int] = []
        self.gear: list[bool] = []
        # per vessel id: last raw report, last resampled slot, recent report times
        self.state = VesselState()
        # resampled points of slots that other vessels may still fill
        # vid, t, lat, lon, speed, reports in (t - step, t], position slack (m)
        self.buf = np.zeros((0, 7))
        self.positions_seen = 0

    # -- vessel bookkeeping ------------------------------------------------------------------
    def _vid(self, mmsi: int, rank: int) -> int:
        key = (mmsi, rank)
        v = self.ids.get(key)
        if v is not None:
            return v
        gear = self.p.exclude_gear and is_gear(mmsi, registry_of(self.ctx))
        if self.free:  # reuse the id of an evicted vessel: the state stays as big as the fleet
            v = self.free.pop()
            self.key_of[v], self.mmsi[v], self.gear[v] = key, mmsi, gear
            self.state.reset(v)
        else:
            v = len(self.mmsi)
            self.key_of.append(key)
            self.mmsi.append(mmsi)
            self.gear.append(gear)
            self.state.ensure(v + 1)
        self.ids[key] = v
        return v

    @property
    def horizon_ms(self) -> int:
        """Silence after which a vessel's state can no longer matter: no interval that long is
        interpolated, and any encounter of it has closed and passed the merge gap."""
        p = self.p
        gap_h = max(p.max_interp_gap_h, p.max_slow_gap_h)
        return int((gap_h + p.merge_gap_h) * _H) + 2 * p.step_ms

    @property
    def n_vessels(self) -> int:
        """Vessels whose state is held now."""
        return len(self.ids)

    def _evict(self, watermark: int) -> None:
        """Forget vessels silent for longer than :attr:`horizon_ms` (none of their rows or
        pair runs is still open), so a stream's state stays bounded by the live fleet."""
        raw_t = self.state.raw_t[: len(self.mmsi)]
        old = np.flatnonzero((raw_t != NO_SLOT) & (raw_t < watermark - self.horizon_ms))
        if old.size == 0:
            return
        keys = itertools.chain(
            self.runs.open, self.runs.pending, self.twins.open, self.twins.pending
        )
        busy = {v for key in keys for v in key}
        gone = [v for v in old.tolist() if v not in busy]
        for v in gone:
            del self.ids[self.key_of[v]]
            self.free.append(v)
        gone_a = np.array(gone, np.int64)
        self.state.raw_t[gone_a] = NO_SLOT
        self.state.forget(gone_a)

    def update(self, tracks: Tracks) -> list[Event]:
        """Consume one time-ordered chunk; return the encounters that closed."""
        if tracks.n == 0:
            return []
        self.positions_seen += tracks.n
        n_seg = tracks.n_seg
        seg_mmsi = tracks.seg_mmsi.astype(np.int64)
        first = np.r_[True, seg_mmsi[1:] != seg_mmsi[:-1]]
        grp = np.cumsum(first) - 1
        rank = np.arange(n_seg) - np.flatnonzero(first)[grp]
        vids = np.array([self._vid(int(m), int(r)) for m, r in zip(seg_mmsi, rank, strict=True)])
        st = self.state
        raw_t = st.raw_t[vids]
        has = raw_t != NO_SLOT
        # Prepend each vessel's carried last report so the interval across chunks interpolates.
        sizes = np.diff(tracks.seg_start) + has
        starts = np.r_[0, np.cumsum(sizes)]
        n = int(starts[-1])
        t = np.empty(n, np.int64)
        lat = np.empty(n)
        lon = np.empty(n)
        pos = np.repeat(starts[:-1] + has, np.diff(tracks.seg_start)) + (
            np.arange(tracks.n) - np.repeat(tracks.seg_start[:-1], np.diff(tracks.seg_start))
        )
        t[pos] = tracks.t
        lat[pos] = tracks.lat
        lon[pos] = tracks.lon
        c = starts[:-1][has]
        t[c] = raw_t[has]
        lat[c] = st.raw_lat[vids][has]
        lon[c] = st.raw_lon[vids][has]
        sog = np.empty(n)
        sog[pos] = tracks.sog
        sog[c] = st.raw_sog[vids][has]
        cog = np.empty(n)
        cog[pos] = tracks.cog
        cog[c] = st.raw_cog[vids][has]
        rs_t = st.rs_t[vids]
        offs, rseg, rt, rla, rlo, rsp, src = resample_tracks(
            t,
            lat,
            lon,
            starts,
            self.p.step_ms,
            int(self.p.max_interp_gap_h * _H),
            slow_gap_ms=int(self.p.max_slow_gap_h * _H),
            slow_kn=self.p.slow_gap_max_kn,
            sog=sog,
            cog=cog,
            t_from=rs_t,
            prev_t=rs_t,
            prev_lat=st.rs_lat[vids],
            prev_lon=st.rs_lon[vids],
            parallel=self.p.parallel,
        )
        nrep = reports_per_slot(starts, t, rseg, rt, self.p.step_ms)
        nrep += self._carried_reports(vids, has, t[starts[:-1]], rseg, rt)
        st.advance(vids, starts, t, (lat, lon, sog, cog), self.p.step_ms)
        st.set_slots(vids, np.asarray(offs, np.int64), rt, rla, rlo)
        rsp, age = self._with_reported_speed(rsp, rt, src, starts[rseg + 1] - 1, t, sog)
        slack = np.minimum(self.p.max_slack_m, age / _H * self.p.drift_slack_kn * 1852.0)
        rv = vids[rseg]
        keep = ~np.array(self.gear, dtype=bool)[rv] if rv.size else np.zeros(0, bool)
        new = np.c_[rv[keep], rt[keep], rla[keep], rlo[keep], rsp[keep], nrep[keep], slack[keep]]
        self.buf = np.concatenate([self.buf, new]) if self.buf.size else new
        # Slot g is complete once no vessel can still interpolate it: its next report would be
        # at or after this chunk's last time, and interpolation spans at most max_interp_gap.
        wm = int(tracks.t.max())
        done = wm - int(max(self.p.max_interp_gap_h, self.p.max_slow_gap_h) * _H)
        out = self._advance(done)
        self._evict(wm)
        return out

    def _carried_reports(
        self,
        vids: npt.NDArray[np.int64],
        has: npt.NDArray[np.bool_],
        first_t: npt.NDArray[np.int64],
        rseg: npt.NDArray[np.int64],
        rt: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]:
        """Reports of earlier chunks (other than the carried last one, already counted) in
        each slot's window (slot - step, slot]."""
        extra = np.zeros(rt.size)
        if rt.size == 0:
            return extra
        step = self.p.step_ms
        # only the first slots of a vessel can reach back before its carried report
        ks = np.flatnonzero(has[rseg] & (rt - step < first_t[rseg]))
        extra[ks] = self.state.count_recent(vids[rseg[ks]], rt[ks] - step, rt[ks])
        return extra

    def _with_reported_speed(
        self,
        speed: npt.NDArray[np.float64],
        slot: npt.NDArray[np.int64],
        src: npt.NDArray[np.int64],
        seg_last: npt.NDArray[np.int64],
        t: npt.NDArray[np.int64],
        sog: npt.NDArray[np.float64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Speed that votes in the median: only slots near a real report have one.

        A slot within ``sog_max_age_min`` of a report takes the larger of its implied speed and
        that report's SOG; slots deep inside a bridged hole are NaN (no vote). Implied speed
        across a satellite hole understates a vessel that worked back and forth, and a few
        slow reports while hauling must not make pair trawlers (3-5 kn) look like a meeting.
        """
        if speed.size == 0:
            return speed, np.zeros(0, np.int64)
        nxt = np.minimum(src + 1, seg_last)
        d_i = np.abs(slot - t[src])
        d_n = np.abs(t[nxt] - slot)
        pick = np.where(d_n < d_i, nxt, src)
        age = np.minimum(d_i, d_n)  # ms to the nearest real report
        near = age <= self.p.sog_max_age_min * 60_000
        rep = sog[pick] if self.p.use_reported_sog else np.full(speed.size, np.nan)
        return np.where(near, np.fmax(speed, rep), np.nan), age

    def flush(self) -> list[Event]:
        """End of stream: every slot is complete and every open encounter closes."""
        out = self._advance(None)
        return out + self._events(self.runs.flush()) + self._twin_events(self.twins.flush())

    # -- slots -> pairs -> runs -> events --------------------------------------------------
    def _advance(self, done: int | None) -> list[Event]:
        buf = self.buf
        if done is None:
            ready = np.ones(buf.shape[0], bool)
            done_ms = int(buf[:, 1].max()) if buf.size else 0
        else:
            ready = buf[:, 1] <= done
            done_ms = done - done % self.p.step_ms
        cur = buf[ready]
        self.buf = buf[~ready]
        vid = cur[:, 0].astype(np.int64)
        slot = cur[:, 1].astype(np.int64)
        i, j, d = close_pairs(
            slot,
            cur[:, 2],
            cur[:, 3],
            vid,
            self.p.max_distance_m + 2 * self.p.max_slack_m,
            parallel=self.p.parallel,
            slot_step=self.p.step_ms,
        )
        mm = np.array(self.mmsi, dtype=np.int64)
        same = mm[vid[i]] == mm[vid[j]]  # one MMSI's segments: an identity issue, not a meeting
        # far from any report a position is a reconstruction: allow for its drift error
        ok = ~same & (d <= self.p.max_distance_m + cur[i, 6] + cur[j, 6])
        i, j, d = i[ok], j[ok], d[ok]
        la = 0.5 * (cur[i, 2] + cur[j, 2])
        dl = (cur[j, 3] - cur[i, 3] + 540.0) % 360.0 - 180.0
        lo = (cur[i, 3] + 0.5 * dl + 540.0) % 360.0 - 180.0
        cols = np.c_[d, cur[i, 4], cur[j, 4], la, lo, cur[i, 5], cur[j, 5]]
        heard = cur[:, 5] > 0  # a real report in the slot: the vessel was not silent
        cands = self.runs.feed(vid[i], vid[j], slot[i], cols, done_ms, (vid[heard], slot[heard]))
        p = self.p
        seen = (
            (cur[i, 6] <= p.twin_max_slack_m)
            & (cur[j, 6] <= p.twin_max_slack_m)
            & ((cur[i, 5] > 0) | (cur[j, 5] > 0))
        )
        tight = seen & (d <= p.twin_max_distance_m)
        self._note_apart(vid[i], vid[j], slot[i], seen & (d > p.twin_apart_m), tight)
        twins = self.twins.feed(vid[i][tight], vid[j][tight], slot[i][tight], cols[tight], done_ms)
        return self._events(cands) + self._twin_events(twins)

    def _note_apart(
        self,
        a: npt.NDArray[np.int64],
        b: npt.NDArray[np.int64],
        slot: npt.NDArray[np.int64],
        apart: npt.NDArray[np.bool_],
        tight: npt.NDArray[np.bool_],
    ) -> None:
        """Slots in which a pair that may be one vessel on two transponders was seen farther
        apart than the twin distance (within the search radius): kept only for pairs with a
        twin run open or pending, or tight in these slots."""
        watched = set(self.twins.open) | set(self.twins.pending)
        watched |= set(zip(a[tight].tolist(), b[tight].tolist(), strict=True))
        for x, y, t in zip(a[apart].tolist(), b[apart].tolist(), slot[apart].tolist(), strict=True):
            if (x, y) in watched:
                self.twin_apart.setdefault((x, y), []).append(t)

    def _twin_events(self, cands: list[PairCandidate]) -> list[Event]:
        if self.p.twin_min_moving_h <= 0:
            return []
        out = []
        for c in cands:
            slots, v = c.values()
            apart = self.twin_apart.pop((c.a, c.b), [])
            n_apart = sum(c.start_ms <= t <= c.end_ms for t in apart)
            if apart and apart[-1] > c.end_ms:  # a later run of the pair may still use these
                self.twin_apart[(c.a, c.b)] = [t for t in apart if t > c.end_ms]
            if n_apart > (1.0 - self.p.twin_share) * (n_apart + slots.size):
                continue  # often seen apart: two vessels that were close at times
            ma, mb = self.mmsi[c.a], self.mmsi[c.b]
            if ma > mb:
                ma, mb = mb, ma
                v = v[:, [0, 2, 1, 3, 4, 6, 5]]
            e = twin_event(
                ma,
                mb,
                c.start_ms,
                c.end_ms,
                slots,
                v,
                self.p.step_ms,
                registry_of(self.ctx),
                self.p,
            )
            if e is not None:
                out.append(e)
        return out

    def _events(self, cands: list[PairCandidate]) -> list[Event]:
        if not cands:
            return []
        stats = []
        for c in cands:
            slots, v = c.values()
            med_sp = _pair_median_speed(v[:, 1], v[:, 2])
            la = float(np.mean(v[:, 3]))
            lo0 = float(v[0, 4])
            lo = float(
                (lo0 + np.mean((v[:, 4] - lo0 + 540.0) % 360.0 - 180.0) + 540.0) % 360.0 - 180.0
            )
            stats.append((c, slots, v, med_sp, la, lo))
        lat = np.array([s[4] for s in stats])
        lon = np.array([s[5] for s in stats])
        port_km, port_name = self._port_distance(lat, lon)
        shore_km = self._shore_distance(lat, lon)
        out: list[Event] = []
        for k, (c, slots, v, med_sp, la, lo) in enumerate(stats):
            if not med_sp < self.p.max_median_speed_kn:
                continue
            if min(v[:, 5].sum(), v[:, 6].sum()) < self.p.min_reports:
                continue  # an interpolation, not an observation
            if not float(np.median(v[:, 0])) <= self.p.max_distance_m:
                continue  # the slack for reconstructed positions must not move the median
            if port_km[k] < self.p.min_port_distance_km:
                continue
            out.append(
                self._event(c, slots, v, med_sp, la, lo, port_km[k], port_name[k], shore_km[k])
            )
        return out

    def _port_distance(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], list[str]]:
        idx = self.ctx.ports if self.ctx is not None else None
        if idx is None:
            from vessels.geo import port_index

            idx = port_index()
        dist, near = idx.nearest(lat, lon)
        names = [idx.name[int(x)] if x >= 0 else "" for x in near]
        return np.asarray(dist, dtype=np.float64), names

    def _shore_distance(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        fn = self.ctx.shore_km if self.ctx is not None else None
        if fn is None:
            from vessels.geo import distance_to_shore_km

            fn = distance_to_shore_km
        return np.asarray(fn(lat, lon), dtype=np.float64)

    def _event(
        self,
        c: PairCandidate,
        slots: npt.NDArray[np.int64],
        v: npt.NDArray[np.float64],
        med_sp: float,
        la: float,
        lo: float,
        port_km: float,
        port_name: str,
        shore_km: float,
    ) -> Event:
        ma, mb = self.mmsi[c.a], self.mmsi[c.b]
        if ma > mb:  # stream ids follow first appearance; the batch order is by MMSI
            ma, mb = mb, ma
            v = v[:, [0, 2, 1, 3, 4, 6, 5]]
        return describe(
            ma,
            mb,
            c,
            slots,
            v,
            med_sp,
            la,
            lo,
            port_km,
            port_name,
            shore_km,
            registry_of(self.ctx),
            self.p,
        )


def _pair_median_speed(sa: npt.NDArray[np.float64], sb: npt.NDArray[np.float64]) -> float:
    """The encounter's median speed (kn): the mean of the two vessels' median speeds.

    GFW pipe-encounters takes each vessel's median implied speed over the run and merges the
    two one-sided encounters with the median of those medians (for two values, their mean).
    Pooling both vessels' slots into one median instead flips on which vessel was heard more
    often when a slow carrier meets a fishing vessel at 2-2.5 kn. Slots without a vote (NaN)
    are left out; a vessel without any defers to the other.
    """
    meds = [float(np.median(x[np.isfinite(x)])) for x in (sa, sb) if np.isfinite(x).any()]
    return float(np.mean(meds)) if meds else math.nan


def detect(
    tracks: Tracks,
    ctx: DetectContext | None = None,
    params: EncounterParams = EncounterParams(),
) -> list[Event]:
    """Every encounter in ``tracks`` (batch: one chunk, then the end of the stream)."""
    s = EncounterStream(ctx, params)
    return s.update(tracks) + s.flush()


DETECTOR = Detector("encounter", EncounterParams, detect, stream=EncounterStream)
