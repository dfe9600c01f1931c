"""The stream state of ``vessels watch``: rows in, alerts out. Synchronous and picklable.

Two paths share every decoded row:

- the **fast path** needs no history and answers at once: area entry/exit, watched vessels
  heard, identity conflicts (one MMSI at two places no vessel could join), and vessels gone
  silent (an ``open`` gap alert while the silence lasts, once it is longer than the gap
  threshold and the vessel's 1-degree cell is still being heard);
- the **detectors** (gap, loitering, encounter, identity) run on the same rows in message-time
  order through :class:`detectors.base.ChunkedRunner` (their stream forms and re-run forms, the
  code ``vessels detect`` uses), in rounds, once each source's watermark has passed them.
  Their final events become ``final`` alerts under the event's ``event_id``; events found but
  not final yet are ``open``/``update`` alerts; an open alert that later data invalidates is
  ``retracted`` with the reason.

Watermark: per source, the latest message time seen less its allowed lateness (longer for a
satellite source); rows wait until every active source's watermark has passed them. A row
older than what was already handed to the detectors is late: it is counted, used by the
re-run detectors (gap, loitering) and by the fast path, and retracts a final gap it falls into.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from detectors.base import ChunkedRunner, ContextParams, DetectorSpec
from detectors.encounter.twins import KIND as TWIN_KIND
from detectors.gap import GapParams
from detectors.gap import emit_delay_ms as gap_delay_ms
from detectors.reception import DAY_MS, HOUR_MS
from kernels.geo import haversine_array_m
from vessels.events import Event, make_event_id
from vessels.geo import PortIndex
from vessels.registry import Registry
from vessels.tracks import TrackParams
from vessels.watch.alert import Alert
from vessels.watch.areas import Areas, Watchlist
from vessels.watch.dedup import SourceDedup
from vessels.watch.lifecycle import AlertBook
from vessels.watch.params import WatchParams
from vessels.watch.registry_live import add_static

__all__ = ["Engine", "SourceInfo"]

NO_TIME = -(2**62)
KN_PER_MS = 1.0 / 0.514444  # knots per metre/second


@dataclass
class SourceInfo:
    name: str
    sat: bool = False
    head_ms: int = NO_TIME  # latest message time seen
    sat_head_ms: int = NO_TIME  # ... of rows heard by a satellite (receiver name or flag)
    last_wall_ms: int = 0  # wall clock of its last data
    finished: bool = False
    messages: int = 0
    rows: int = 0
    late: int = 0
    duplicates: int = 0
    rate: float = 0.0  # rows per second, smoothed


@dataclass
class _Lane:
    """Detectors run together in rounds of ``span_ms`` message time (or ``round_rows``)."""

    runner: ChunkedRunner
    span_ms: int
    max_rows: int | None  # a round also when this many rows wait (None: by span only)
    ready: list[pa.Table] = field(default_factory=list)
    ready_rows: int = 0
    last_round_ms: int = NO_TIME


@dataclass
class _Vessel:
    t: int
    lat: float
    lon: float
    sog: float
    cog: float


@dataclass
class Latency:
    """Arrival-to-alert latencies (ms) per alert type, a bounded sample."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    limit: int = 20_000

    def add(self, kind: str, ms: float) -> None:
        s = self.samples.setdefault(kind, [])
        if len(s) < self.limit:
            s.append(ms)
        else:  # keep a spread over the whole run
            s[int(ms * 7919) % self.limit] = ms

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for k, s in self.samples.items():
            a = np.asarray(s)
            out[k] = {
                "n": float(a.size),
                "p50_ms": round(float(np.percentile(a, 50)), 1),
                "p99_ms": round(float(np.percentile(a, 99)), 1),
            }
        return out


def _cell(lat: float, lon: float, deg: float) -> int:
    return int(math.floor((lat + 90.0) / deg)) * 100_000 + int(math.floor((lon + 180.0) / deg))


class Engine:
    """All state of a watch between two steps (pickled whole into a checkpoint)."""

    def __init__(
        self,
        params: WatchParams,
        specs: list[DetectorSpec],
        registry: Registry,
        ports: PortIndex | None,
        *,
        sources: list[SourceInfo],
        track_params: TrackParams | None = None,
        context_params: ContextParams | None = None,
        areas: Areas | None = None,
        watchlist: Watchlist | None = None,
    ) -> None:
        self.p = params
        self.context_params = context_params or ContextParams()
        self.removed: dict[str, int] = {}
        # identity's stream form gives the batch events only for long chunks (its shared-MMSI
        # check needs reports of both transmitters in one chunk): it runs in a lane of its own
        # with longer rounds; its immediate alerts come from the fast path.
        groups = [
            ([s for s in specs if s.name != "identity"], params.round_span_min, params.round_rows),
            ([s for s in specs if s.name == "identity"], params.identity_round_span_min, None),
        ]
        self.lanes = [
            _Lane(
                ChunkedRunner(
                    group,
                    registry,
                    ports,
                    track_params=track_params,
                    params=self.context_params,
                    removed=self.removed if i == 0 else None,
                ),
                int(span * 60_000),
                max_rows,
            )
            for i, (group, span, max_rows) in enumerate(groups)
            if group
        ]
        self.registry = registry
        self.delay_ms = {s.name: s.emit_delay_ms() for s in specs}
        gap = next((s.params for s in specs if s.name == "gap"), None)
        self.gap_params: GapParams | None = gap
        self.history_ms = int(self.context_params.history_days * DAY_MS)
        self.book = AlertBook(int(params.update_min_interval_h * HOUR_MS), self.history_ms)
        self.sources = sources
        self.dedup = SourceDedup(int(params.dup_window_s * 1000)) if len(sources) > 1 else None
        self.areas = areas
        self.watchlist = watchlist
        self.vessels: dict[int, _Vessel] = {}
        self.cell_heard: dict[int, int] = {}
        self.silence: dict[int, str] = {}  # mmsi -> open silence alert id
        self.in_areas: dict[int, frozenset[int]] = {}
        self.last_identity: dict[int, int] = {}
        self.sighted: set[int] = set()
        self.moved: set[int] = set()  # vessels with a new position since take_moved()
        self.twins: set[tuple[int, int]] = set()  # MMSI pairs of one vessel, two transponders
        self.waiting: list[pa.Table] = []  # rows the watermark has not passed yet
        self.released_ms = NO_TIME  # everything up to here was handed to the detectors
        self.last_round_wall = 0
        self.started_wall = 0
        self.last_silence_wall = 0
        self.late = 0
        self.rows_in = 0
        self.latency = Latency()
        self.round_s: list[float] = []  # seconds of the last detector rounds
        self.finished = False

    # -- rows in --------------------------------------------------------------------------
    def ingest(
        self, src: int, pos: pa.Table, static: pa.Table, arrival_ms: int, now_ms: int
    ) -> list[Alert]:
        """One batch of decoded rows of source ``src``; the fast-path alerts it raises."""
        out: list[Alert] = []
        info = self.sources[src]
        info.last_wall_ms = now_ms
        info.messages += pos.num_rows + static.num_rows
        if static.num_rows:
            add_static(self.registry, static)
            if self.watchlist is not None:
                for m, label, how in self.watchlist.learn(static):
                    out += self._watch_alert(m, label, f"matched by {how}", None, now_ms)
        if pos.num_rows == 0:
            return out
        if self.dedup is not None:
            before = pos.num_rows
            pos = self.dedup.filter(pos, src, self.released_ms)
            info.duplicates += before - pos.num_rows
            if pos.num_rows == 0:
                return out
        info.rows += pos.num_rows
        self.rows_in += pos.num_rows
        t = pos.column("t").cast(pa.int64()).to_numpy()
        info.head_ms = max(info.head_ms, int(t.max()))
        sat = pc.fill_null(pos.column("is_sat"), False).to_numpy(zero_copy_only=False)
        if sat.any():
            info.sat_head_ms = max(info.sat_head_ms, int(t[sat].max()))
        n_late = int((t <= self.released_ms).sum())
        if n_late:
            info.late += n_late
            self.late += n_late
            out += self._late_rows(pos, t, now_ms)
        out += self._fast_path(pos, t, arrival_ms, now_ms)
        self.waiting.append(pos)
        return out

    def _columns(
        self, pos: pa.Table
    ) -> tuple[
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ]:
        mm = pos.column("mmsi").to_numpy().astype(np.int64)
        lat = pc.fill_null(pos.column("lat"), np.nan).to_numpy().astype(np.float64)
        lon = pc.fill_null(pos.column("lon"), np.nan).to_numpy().astype(np.float64)
        sog = pc.fill_null(pos.column("sog"), np.nan).to_numpy().astype(np.float64)
        cog = pc.fill_null(pos.column("cog"), np.nan).to_numpy().astype(np.float64)
        return mm, lat, lon, sog, cog

    def _fast_path(
        self, pos: pa.Table, t: npt.NDArray[np.int64], arrival_ms: int, now_ms: int
    ) -> list[Alert]:
        out: list[Alert] = []
        mm, lat, lon, sog, cog = self._columns(pos)
        ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        order = np.lexsort((t, mm))
        order = order[ok[order]]
        if order.size == 0:
            return out
        mm, t, lat, lon, sog, cog = (
            mm[order],
            t[order],
            lat[order],
            lon[order],
            sog[order],
            cog[order],
        )
        # previous report of each row's vessel: the row before in this batch, or the state
        first = np.r_[True, mm[1:] != mm[:-1]]
        prev_t = np.r_[NO_TIME, t[:-1]]
        prev_lat = np.r_[np.nan, lat[:-1]]
        prev_lon = np.r_[np.nan, lon[:-1]]
        for k in np.flatnonzero(first).tolist():
            v = self.vessels.get(int(mm[k]))
            if v is None:
                prev_t[k], prev_lat[k], prev_lon[k] = NO_TIME, np.nan, np.nan
            else:
                prev_t[k], prev_lat[k], prev_lon[k] = v.t, v.lat, v.lon
        in_order = t >= prev_t  # rows older than the vessel's last report: no transitions
        out += self._identity(
            mm, t, lat, lon, prev_t, prev_lat, prev_lon, in_order, arrival_ms, now_ms
        )
        if self.areas is not None:
            out += self._area_transitions(mm, t, lat, lon, in_order, arrival_ms, now_ms)
        out += self._reappearances(mm, t, lat, lon, first, arrival_ms, now_ms)
        # state: each vessel's latest report, each cell's latest time heard
        last = np.r_[mm[1:] != mm[:-1], True]
        deg = self.p.region_cell_deg
        for k in np.flatnonzero(last).tolist():
            m = int(mm[k])
            v = self.vessels.get(m)
            if v is None or t[k] >= v.t:
                self.vessels[m] = _Vessel(
                    int(t[k]), float(lat[k]), float(lon[k]), float(sog[k]), float(cog[k])
                )
                self.moved.add(m)
            if self.watchlist is not None and m not in self.sighted and self.watchlist.labels(m):
                self.sighted.add(m)
                for label in self.watchlist.labels(m):
                    out += self._watch_alert(m, label, "heard", int(t[k]), now_ms, arrival_ms)
        cells = np.floor((lat + 90.0) / deg).astype(np.int64) * 100_000 + np.floor(
            (lon + 180.0) / deg
        ).astype(np.int64)
        uc, inv = np.unique(cells, return_inverse=True)
        tmax = np.full(uc.size, NO_TIME, np.int64)
        np.maximum.at(tmax, inv, t)
        for c, tm in zip(uc.tolist(), tmax.tolist(), strict=True):
            if tm > self.cell_heard.get(c, NO_TIME):
                self.cell_heard[c] = tm
        return out

    def _identity(
        self,
        mm: npt.NDArray[np.int64],
        t: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        prev_t: npt.NDArray[np.int64],
        prev_lat: npt.NDArray[np.float64],
        prev_lon: npt.NDArray[np.float64],
        in_order: npt.NDArray[np.bool_],
        arrival_ms: int,
        now_ms: int,
    ) -> list[Alert]:
        has = in_order & (prev_t != NO_TIME)
        if not has.any():
            return []
        d = np.full(t.size, 0.0)
        d[has] = haversine_array_m(prev_lat[has], prev_lon[has], lat[has], lon[has])
        dt_s = np.maximum((t - prev_t) / 1000.0, 1.0)
        kn = d / dt_s * KN_PER_MS
        hit = has & (d >= self.p.identity_min_jump_km * 1000.0) & (kn > self.p.identity_jump_kn)
        out: list[Alert] = []
        repeat = int(self.p.identity_repeat_h * HOUR_MS)
        for k in np.flatnonzero(hit).tolist():
            m = int(mm[k])
            if int(t[k]) - self.last_identity.get(m, NO_TIME) < repeat:
                continue
            self.last_identity[m] = int(t[k])
            reg = self.registry
            a = Alert(
                alert_id=make_event_id("identity_conflict", m, None, int(prev_t[k]), "live"),
                version=1,
                state="final",
                type="identity_conflict",
                mmsi=m,
                other_mmsi=None,
                start_ms=int(prev_t[k]),
                end_ms=int(t[k]),
                lat=float(lat[k]),
                lon=float(lon[k]),
                score=None,
                reasons=[
                    f"{reg.label(m)} reported {d[k] / 1000.0:.0f} km apart within "
                    f"{(t[k] - prev_t[k]) / 1000.0:.0f} s ({kn[k]:.0f} kn implied): two "
                    "transmitters share this MMSI, or one position is spoofed"
                ],
                evidence={
                    "distance_km": round(float(d[k]) / 1000.0, 3),
                    "implied_speed_kn": round(float(kn[k]), 1),
                    "from": [float(prev_lat[k]), float(prev_lon[k])],
                    "to": [float(lat[k]), float(lon[k])],
                    "vessel": reg.info(m),
                },
                trigger_time_ms=int(t[k]),
                emitted_at_ms=now_ms,
                kind="live",
                areas=self._areas_at(float(lat[k]), float(lon[k])),
                lists=self._lists(m),
            )
            self.book.one_shot(a, out)
            self.latency.add("identity_conflict", now_ms - arrival_ms)
        return out

    def _area_transitions(
        self,
        mm: npt.NDArray[np.int64],
        t: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        in_order: npt.NDArray[np.bool_],
        arrival_ms: int,
        now_ms: int,
    ) -> list[Alert]:
        assert self.areas is not None
        ii, aa = self.areas.hits(lat, lon)
        inside: dict[int, set[int]] = {}
        for i, a in zip(ii.tolist(), aa.tolist(), strict=True):
            inside.setdefault(i, set()).add(a)
        if not inside and not self.in_areas:
            return []
        # per row a code of its set of areas (0: none); a row is looked at only where the code
        # differs from its vessel's previous row (or, for the first, from the state)
        sets = {k: frozenset(v) for k, v in inside.items()}
        code = np.zeros(mm.size, np.int64)
        if sets:
            code[np.fromiter(sets, np.int64)] = [hash(v) | 1 for v in sets.values()]
        prev = np.r_[0, code[:-1]]
        first = np.r_[True, mm[1:] != mm[:-1]]
        prev[first] = 0
        if self.in_areas:
            keys = np.fromiter(self.in_areas, np.int64, len(self.in_areas))
            codes = np.array([hash(v) | 1 for v in self.in_areas.values()], np.int64)
            order = np.argsort(keys)
            keys, codes = keys[order], codes[order]
            fk = np.flatnonzero(first)
            pos = np.minimum(np.searchsorted(keys, mm[fk]), keys.size - 1)
            hit = keys[pos] == mm[fk]
            prev[fk[hit]] = codes[pos[hit]]
        # out-of-order rows neither move a vessel nor count as its previous row
        rows = np.flatnonzero((code != prev) & in_order)
        if rows.size and not in_order.all():
            rows = np.flatnonzero(in_order)  # rare: the plain walk
        out: list[Alert] = []
        names = self.areas.names
        for k in rows.tolist():
            m = int(mm[k])
            now_in = frozenset(inside.get(k, ()))
            was = self.in_areas.get(m, frozenset())
            if now_in == was:
                continue
            for a, kind in [(a, "area_entry") for a in sorted(now_in - was)] + [
                (a, "area_exit") for a in sorted(was - now_in)
            ]:
                reg = self.registry
                verb = "entered" if kind == "area_entry" else "left"
                alert = Alert(
                    alert_id=make_event_id(kind, m, None, int(t[k]), names[a]),
                    version=1,
                    state="final",
                    type=kind,
                    mmsi=m,
                    other_mmsi=None,
                    start_ms=int(t[k]),
                    end_ms=int(t[k]),
                    lat=float(lat[k]),
                    lon=float(lon[k]),
                    score=None,
                    reasons=[f"{reg.label(m)} {verb} {names[a]}"],
                    evidence={"area": names[a], "vessel": reg.info(m)},
                    trigger_time_ms=int(t[k]),
                    emitted_at_ms=now_ms,
                    kind="area",
                    areas=[names[a]],
                    lists=self._lists(m),
                )
                self.book.one_shot(alert, out)
                self.latency.add(kind, now_ms - arrival_ms)
            if now_in:
                self.in_areas[m] = now_in
            else:
                self.in_areas.pop(m, None)
        return out

    def _reappearances(
        self,
        mm: npt.NDArray[np.int64],
        t: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        first: npt.NDArray[np.bool_],
        arrival_ms: int,
        now_ms: int,
    ) -> list[Alert]:
        """A vessel with an open silence alert is heard: the silence ended (or, for a report
        inside it delivered late, was shorter than announced)."""
        if not self.silence:
            return []
        out: list[Alert] = []
        min_gap = self._min_gap_ms()
        for k in np.flatnonzero(first & np.isin(mm, np.fromiter(self.silence, np.int64))).tolist():
            m = int(mm[k])
            aid = self.silence[m]
            entry = self.book.entries.get(aid)
            if entry is None or not self.book.is_live(aid):
                del self.silence[m]
                continue
            start = entry.alert.start_ms
            sel = (mm == m) & (t > start)
            if not sel.any():
                continue
            t_back = int(t[sel].min())
            del self.silence[m]
            if t_back - start < min_gap:
                self.book.retract(
                    aid,
                    f"heard at {_iso(t_back)}, {(t_back - start) / HOUR_MS:.1f} h after its last "
                    f"report: the silence was shorter than the {min_gap / HOUR_MS:g} h threshold "
                    "(a report delivered late)",
                    t_back,
                    now_ms,
                    out,
                )
                continue
            ev = self._silence_event(m, start, t_back, entry.alert.lat, entry.alert.lon)
            ev.reasons = [
                f"{self.registry.label(m)} heard again at {_iso(t_back)} after "
                f"{(t_back - start) / HOUR_MS:.1f} h of silence; the gap detector gives the "
                "final verdict once the day it ended has passed"
            ]
            expect = t_back + gap_delay_ms(self.gap_params or GapParams()) + 2 * HOUR_MS
            self.book.raise_or_update(
                ev,
                "silence",
                t_back,
                now_ms,
                out,
                areas=entry.alert.areas,
                lists=entry.alert.lists,
                expect_by_ms=expect,
                force=True,
            )
            for label in self._lists(m):
                out += self._watch_alert(
                    m,
                    label,
                    f"heard again after {(t_back - start) / HOUR_MS:.1f} h of silence",
                    t_back,
                    now_ms,
                    arrival_ms,
                )
        return out

    def _late_rows(self, pos: pa.Table, t: npt.NDArray[np.int64], now_ms: int) -> list[Alert]:
        """Late rows inside a gap that was already final: that gap did not happen as stated."""
        out: list[Alert] = []
        late = np.flatnonzero(t <= self.released_ms)
        mm = pos.column("mmsi").to_numpy().astype(np.int64)[late]
        lt = t[late]
        finals: dict[int, list[Alert]] = {}
        for e in self.book.entries.values():
            a = e.alert
            if a.type == "gap" and a.kind == "event" and a.state == "final" and a.mmsi is not None:
                finals.setdefault(a.mmsi, []).append(a)
        if not finals:
            return out
        for m, tt in zip(mm.tolist(), lt.tolist(), strict=True):
            for a in finals.get(m, []):
                if a.end_ms is not None and a.start_ms < tt < a.end_ms:
                    self.book.retract(
                        a.alert_id,
                        f"a report at {_iso(tt)} delivered late falls inside this gap",
                        tt,
                        now_ms,
                        out,
                    )
        return out

    # -- time passes ------------------------------------------------------------------------
    def watermark(self, now_ms: int) -> int:
        """Message time up to which every active source has delivered (allowing lateness)."""
        marks = []
        heads = []
        if not self.started_wall:
            self.started_wall = now_ms
        for s in self.sources:
            if s.head_ms == NO_TIME:
                if not s.finished and now_ms - self.started_wall < self.p.idle_source_s * 1000:
                    return self.released_ms  # a source that has sent nothing yet holds back
                continue
            heads.append(s.head_ms)
            idle = now_ms - s.last_wall_ms > self.p.idle_source_s * 1000
            if s.finished or idle:
                continue
            lateness = self.p.satellite_lateness_s if s.sat else self.p.lateness_s
            marks.append(s.head_ms - int(lateness * 1000))
            if s.sat_head_ms != NO_TIME:  # satellite rows within a mixed feed come late too
                marks.append(s.sat_head_ms - int(self.p.satellite_lateness_s * 1000))
        if marks:
            return min(marks)
        return max(heads) if heads else NO_TIME

    def tick(self, now_ms: int, *, rounds: bool = True) -> list[Alert]:
        """Release rows the watermark passed; silence checks; with ``rounds``, the detector
        rounds that are due, here (a service runs them beside, see :meth:`due_chunk`)."""
        out: list[Alert] = []
        wm = self.watermark(now_ms)
        if wm > self.released_ms or self.waiting:
            self._release(wm)
        if rounds:
            for lane in self.lanes:
                chunk = self.due_chunk(lane)
                if chunk is not None:
                    out += self.apply_round(lane, self.run_round(lane, chunk), now_ms)
        if now_ms - self.last_silence_wall >= self.p.silence_check_s * 1000:
            self.last_silence_wall = now_ms
            out += self._silences(now_ms)
        return out

    def due_chunk(self, lane: _Lane, force: bool = False) -> pa.Table | None:
        """The rows of ``lane``'s next round when it is due (taken out of the lane)."""
        if not lane.ready_rows:
            return None
        due = (
            force
            or self.released_ms - lane.last_round_ms >= lane.span_ms
            or (lane.max_rows is not None and lane.ready_rows >= lane.max_rows)
        )
        if not due:
            return None
        chunk = pa.concat_tables(lane.ready, promote_options="permissive")
        lane.ready, lane.ready_rows = [], 0
        lane.last_round_ms = self.released_ms
        return chunk

    def run_round(self, lane: _Lane, chunk: pa.Table) -> tuple[list[Event] | None, list[Event]]:
        """The detectors over one chunk: finals and pending events. Touches only the lane's
        runner, so it may run in another thread than :meth:`ingest`."""
        t0 = time.perf_counter()
        finals = lane.runner.push(chunk)
        self.round_s = [*self.round_s[-19:], round(time.perf_counter() - t0, 3)]
        return finals, list(lane.runner.pending)

    def apply_round(
        self, lane: _Lane, result: tuple[list[Event] | None, list[Event]], now_ms: int
    ) -> list[Alert]:
        """Alerts from a round's finals and pending events (in the ingest thread)."""
        finals, pending = result
        out: list[Alert] = []
        if finals is None:
            return out
        trig = int(lane.runner.prev_wm)
        self._apply(lane, finals, pending, trig, now_ms, out)
        self.book.forget_before(trig)
        return out

    def _release(self, wm: int) -> None:
        keep: list[pa.Table] = []
        for tb in self.waiting:
            t = tb.column("t").cast(pa.int64()).to_numpy()
            sel = t <= wm
            if sel.all():
                passed = tb
            elif sel.any():
                passed = tb.filter(pa.array(sel))
                keep.append(tb.filter(pa.array(~sel)))
            else:
                keep.append(tb)
                continue
            for lane in self.lanes:
                lane.ready.append(passed)
                lane.ready_rows += passed.num_rows
        self.waiting = keep
        heads = [s.head_ms for s in self.sources]
        self.released_ms = max(self.released_ms, min(wm, max(heads)))

    def _apply(
        self,
        lane: _Lane,
        finals: list[Event],
        pending: list[Event],
        trig: int,
        now_ms: int,
        out: list[Alert],
    ) -> None:
        done = set()
        finals = self._without_twins(finals, trig, now_ms, out)
        for e in finals:
            self.book.finalise(
                e,
                trig,
                now_ms,
                out,
                areas=self._areas_at(e.lat, e.lon),
                lists=self._lists(e.mmsi, e.other_mmsi),
            )
            done.add(e.event_id)
        seen = set()
        for e in pending:
            seen.add(e.event_id)
            expect = e.end_ms + self.delay_ms.get(e.type, 2 * DAY_MS) + 2 * HOUR_MS
            self.book.raise_or_update(
                e,
                "pending",
                trig,
                now_ms,
                out,
                areas=self._areas_at(e.lat, e.lon),
                lists=self._lists(e.mmsi, e.other_mmsi),
                expect_by_ms=expect,
            )
        for st in lane.runner.live.values():
            opened = getattr(st, "open", None)
            if isinstance(opened, dict):
                for e in opened.values():
                    if isinstance(e, Event):
                        seen.add(e.event_id)
                        self.book.raise_or_update(
                            e,
                            "stream",
                            trig,
                            now_ms,
                            out,
                            areas=self._areas_at(e.lat, e.lon),
                            lists=self._lists(e.mmsi, e.other_mmsi),
                        )
        for aid in self.book.open_ids("pending") if lane.runner.rerun else []:
            if aid not in seen and aid not in done:
                self.book.retract(
                    aid, "later data: no longer meets the detector's definition", trig, now_ms, out
                )
        for aid in self.book.open_ids():
            entry = self.book.entries[aid]
            if entry.expect_by_ms is not None and trig > entry.expect_by_ms and aid not in seen:
                self.book.retract(aid, self._why_gone(entry.alert), trig, now_ms, out)

    def _why_gone(self, a: Alert) -> str:
        """Why an open alert got no final: another alert of the same vessel and type that
        overlaps it took its place (the detector dates it differently, e.g. from a report the
        track cleaning dropped), or none did."""
        for e in self.book.entries.values():
            b = e.alert
            if (
                b.alert_id != a.alert_id
                and b.type == a.type
                and b.mmsi == a.mmsi
                and b.state == "final"
                and b.start_ms <= (a.end_ms or a.start_ms)
                and (b.end_ms or b.start_ms) >= a.start_ms
            ):
                return f"superseded by final alert {b.alert_id} (from {_iso(b.start_ms)})"
        return (
            "the detector found no such event once the data was complete (late or further "
            "data changed it)"
        )

    def _without_twins(
        self, finals: list[Event], trig: int, now_ms: int, out: list[Alert]
    ) -> list[Event]:
        """As batch (``drop_twin_encounters``): no encounter between two MMSIs that a
        ``two_transponders`` identity event shows to be one vessel; one already sent is
        retracted when that event comes."""
        for e in finals:
            if e.type == "identity" and e.evidence.get("kind") == TWIN_KIND and e.other_mmsi:
                assert e.mmsi is not None
                pair = (min(e.mmsi, e.other_mmsi), max(e.mmsi, e.other_mmsi))
                if pair in self.twins:
                    continue
                self.twins.add(pair)
                for entry in list(self.book.entries.values()):
                    a = entry.alert
                    if (
                        a.type == "encounter"
                        and a.mmsi is not None
                        and a.other_mmsi is not None
                        and (min(a.mmsi, a.other_mmsi), max(a.mmsi, a.other_mmsi)) == pair
                    ):
                        self.book.retract(
                            a.alert_id,
                            f"MMSIs {pair[0]} and {pair[1]} are one vessel on two "
                            f"transponders (identity event {e.event_id})",
                            trig,
                            now_ms,
                            out,
                        )
        return [
            e
            for e in finals
            if not (
                e.type == "encounter"
                and e.mmsi is not None
                and e.other_mmsi is not None
                and (min(e.mmsi, e.other_mmsi), max(e.mmsi, e.other_mmsi)) in self.twins
            )
        ]

    def _min_gap_ms(self) -> int:
        gp = self.gap_params or GapParams()
        return int(gp.report_min_gap_h * HOUR_MS)

    def _silence_event(
        self, m: int, start: int, end: int, lat: float | None, lon: float | None
    ) -> Event:
        return Event(
            type="gap",
            mmsi=m,
            start_ms=start,
            end_ms=end,
            lat=lat,
            lon=lon,
            score=float("nan"),
            evidence={"open": True},
        )

    def _silences(self, now_ms: int) -> list[Alert]:
        """Open (and grow) gap alerts for vessels silent longer than the gap threshold whose
        cell is still being heard; forget vessels silent past the history window."""
        out: list[Alert] = []
        if self.gap_params is None or not self.vessels:
            return out
        clock = self.released_ms
        if clock == NO_TIME:
            return out
        min_gap = self._min_gap_ms()
        region = int(self.p.region_heard_h * HOUR_MS)
        reg = self.registry
        deg = self.p.region_cell_deg
        gone = []
        for m, v in self.vessels.items():
            silent = clock - v.t
            if silent > self.history_ms:
                gone.append(m)
                continue
            if silent <= min_gap:
                continue
            aid = self.silence.get(m)
            if aid is None:
                if (
                    reg.is_gear(m)
                    or self.cell_heard.get(_cell(v.lat, v.lon, deg), NO_TIME) < clock - region
                ):
                    continue
                aid = make_event_id("gap", m, None, v.t)
                if self.book.state_of(aid) is not None:
                    continue
                self.silence[m] = aid
            ev = self._silence_event(m, v.t, clock, v.lat, v.lon)
            ev.reasons = [
                f"{reg.label(m)} silent for {silent / HOUR_MS:.1f} h since {_iso(v.t)} while "
                f"others are heard in its 1-degree cell (gap threshold {min_gap / HOUR_MS:g} h)"
            ]
            self.book.raise_or_update(
                ev,
                "silence",
                clock,
                now_ms,
                out,
                areas=self._areas_at(v.lat, v.lon),
                lists=self._lists(m),
            )
        for m in gone:
            del self.vessels[m]
            self.in_areas.pop(m, None)
            self.last_identity.pop(m, None)
            aid = self.silence.pop(m, None)
            if aid is not None:
                self.book.retract(
                    aid,
                    "not heard again within the history window; its state was dropped",
                    clock,
                    now_ms,
                    out,
                )
        return out

    # -- end of the stream ------------------------------------------------------------------
    def finish(self, now_ms: int) -> list[Alert]:
        """Every finite source ended: release all rows, close every event (as batch does)."""
        out: list[Alert] = []
        for s in self.sources:
            s.finished = True
        self._release(2**62)
        for lane in self.lanes:
            chunk = self.due_chunk(lane, force=True)
            if chunk is not None:
                out += self.apply_round(lane, self.run_round(lane, chunk), now_ms)
        out += self._silences(now_ms)
        for lane in self.lanes:
            finals = lane.runner.finish()
            self._apply(lane, finals, [], int(lane.runner.prev_wm), now_ms, out)
        for aid in self.book.open_ids():
            if self.book.entries[aid].origin != "silence" or aid not in self.silence.values():
                self.book.retract(
                    aid,
                    "the stream ended and the detector did not confirm it",
                    int(self.lanes[0].runner.prev_wm),
                    now_ms,
                    out,
                )
        self.finished = True
        return out

    # -- helpers ----------------------------------------------------------------------------
    def _areas_at(self, lat: float | None, lon: float | None) -> list[str]:
        return [] if self.areas is None else self.areas.names_at(lat, lon)

    def _lists(self, *mmsis: int | None) -> list[str]:
        if self.watchlist is None:
            return []
        out: set[str] = set()
        for m in mmsis:
            out |= set(self.watchlist.labels(m))
        return sorted(out)

    def _watch_alert(
        self,
        m: int,
        label: str,
        what: str,
        t: int | None,
        now_ms: int,
        arrival_ms: int | None = None,
    ) -> list[Alert]:
        v = self.vessels.get(m)
        t_ms = t if t is not None else (v.t if v is not None else now_ms)
        reg = self.registry
        a = Alert(
            alert_id=make_event_id("watchlist", m, None, t_ms, f"{label}|{what}"),
            version=1,
            state="final",
            type="watchlist",
            mmsi=m,
            other_mmsi=None,
            start_ms=t_ms,
            end_ms=t_ms,
            lat=None if v is None else v.lat,
            lon=None if v is None else v.lon,
            score=None,
            reasons=[f"{reg.label(m)} on watchlist {label!r}: {what}"],
            evidence={"list": label, "what": what, "vessel": reg.info(m)},
            trigger_time_ms=t_ms,
            emitted_at_ms=now_ms,
            kind="watchlist",
            areas=[] if v is None else self._areas_at(v.lat, v.lon),
            lists=[label],
        )
        out: list[Alert] = []
        self.book.one_shot(a, out)
        if out and arrival_ms is not None:
            self.latency.add("watchlist", now_ms - arrival_ms)
        return out

    def take_moved(
        self,
    ) -> list[tuple[int, int, float, float, float | None, float | None, str | None]]:
        """Latest position of each vessel that moved since the last call (for the store)."""

        def num(x: float) -> float | None:
            return None if math.isnan(x) else x

        out = []
        for m in self.moved:
            v = self.vessels.get(m)
            if v is not None:
                out.append((m, v.t, v.lat, v.lon, num(v.sog), num(v.cog), self.registry.name(m)))
        self.moved = set()
        return out

    def status(self) -> dict[str, Any]:
        return {
            "sources": {
                s.name: {
                    "messages": s.messages,
                    "rows": s.rows,
                    "msg_per_s": round(s.rate, 1),
                    "late": s.late,
                    "duplicates": s.duplicates,
                    "head": _iso(s.head_ms) if s.head_ms != NO_TIME else None,
                    "finished": s.finished,
                }
                for s in self.sources
            },
            "vessels": len(self.vessels),
            "open_alerts": self.book.n_open,
            "alerts": dict(self.book.counts),
            "watermark": _iso(self.released_ms) if self.released_ms != NO_TIME else None,
            "waiting_rows": sum(tb.num_rows for tb in self.waiting),
            "buffered_rows": sum(lane.runner.buffered_rows for lane in self.lanes),
            "late_rows": self.late,
            "removed": dict(self.removed),
            "latency": self.latency.summary(),
            "round_s": list(self.round_s),
        }


def _iso(ms: int) -> str:
    from vessels.watch.alert import iso_ms

    return iso_ms(ms) or ""
