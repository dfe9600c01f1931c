"""What every detector gets (:class:`DetectContext`) and the chunked runner that makes any
detector work on a time-ordered stream.

A detector (``detectors/<type>.py`` or ``detectors/<type>/``) declares itself as a
:class:`Detector`, listed in ``detectors.DETECTORS``:

- a frozen ``<Type>Params`` dataclass and ``detect(tracks, ctx, params) -> list[Event]``;
- for streaming, EITHER a stateful form: ``stream(ctx, params)`` returning an
  :class:`EventStream` (``update(tracks) -> list[Event]`` fed the new rows of each chunk, and
  ``flush() -> list[Event]``);
- OR the re-run form used by gap and loitering: ``emit_delay_ms(params) -> int`` (an event is
  final once the stream has passed ``end + delay``) and ``keep_since_ms(tracks, ctx, params)``
  (per segment, the earliest time whose rows a later call may still need). The runner keeps
  those rows of each vessel, re-runs ``detect`` on kept + new rows, and emits each event exactly
  once, in the round in which it becomes final.

The context holds count indexes that only add up (reception per cell and day/hour, vessels near
each other per 0.01-degree cell and hour), so the runner merges them chunk by chunk and evicts
old buckets: a detector querying buckets that are complete sees the same numbers as in batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from detectors.reception import DAY_MS, HOUR_MS, CellHourCounts
from kernels.cellhour import T0_MS
from vessels.anchorages import AnchorageParams, anchorages_from_tracks, read_anchorages_csv
from vessels.events import Event
from vessels.geo import PortIndex, distance_to_shore_km, port_index
from vessels.registry import Registry, class_b_mmsis
from vessels.tracks import TrackParams, Tracks, build_tracks_indexed, take_rows

__all__ = [
    "ChunkedRunner",
    "ContextParams",
    "DetectContext",
    "Detector",
    "DetectorSpec",
    "EventStream",
    "build_context",
    "port_list",
    "run_bounded",
    "run_chunked",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class ContextParams:
    """Resolution of the count indexes and the anchorage rule.

    ``reception_cell_deg``: Welch et al. 2022 measure reception in 1-degree cells.
    ``proximity_cell_deg``: 0.01 deg (about 1.1 km) cells; a 3x3 block then covers every
    vessel within about 1 km, twice GFW's 500 m encounter distance.
    ``history_days``: how long a stream keeps count buckets and per-vessel rows.
    """

    reception_cell_deg: float = 1.0
    proximity_cell_deg: float = 0.01
    derive_anchorages: bool = True
    anchorage_min_vessels: int = 20
    anchorage_min_stay_h: float = 12.0
    history_days: float = 35.0


@dataclass
class DetectContext:
    """Everything a detector may consult besides the tracks. Mutable: a stream updates it."""

    registry: Registry
    ports: PortIndex  # ports (searoute UN/LOCODE) plus derived and user anchorages
    reception_day: CellHourCounts  # 1-degree cells, daily buckets
    reception_hour: CellHourCounts  # 1-degree cells, hourly buckets
    proximity: CellHourCounts  # 0.01-degree cells, hourly buckets
    watermark_ms: int = NEVER  # everything before this time has been seen (batch: all)
    n_anchorages: int = 0
    params: ContextParams = field(default_factory=ContextParams)
    # MMSIs seen sending class B messages (positions 18/19, static 19/24); the registry's are
    # added on creation, positions' by the runners (identity weighs invalid MMSIs less there)
    class_b: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.class_b |= self.registry.class_b

    def shore_km(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> F64:
        """Distance from shore in km (negative on land), GSHHG grid of landmetrics."""
        return distance_to_shore_km(lat, lon)

    def port_km(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[F64, I64]:
        """Distance in km to the nearest port or anchorage, and its index in ``ports``."""
        return self.ports.nearest(lat, lon)

    def add_counts(self, tracks: Tracks, rows: npt.NDArray[np.bool_] | None = None) -> None:
        """Add the counts of ``tracks`` (only ``rows`` when given) to the indexes."""
        p = self.params
        self.reception_day = self.reception_day.merged(
            CellHourCounts.from_tracks(tracks, p.reception_cell_deg, DAY_MS, rows)
        )
        self.reception_hour = self.reception_hour.merged(
            CellHourCounts.from_tracks(tracks, p.reception_cell_deg, HOUR_MS, rows)
        )
        self.proximity = self.proximity.merged(
            CellHourCounts.from_tracks(tracks, p.proximity_cell_deg, HOUR_MS, rows)
        )

    def evict(self, before_ms: int) -> None:
        self.reception_day = self.reception_day.evicted(before_ms)
        self.reception_hour = self.reception_hour.evicted(before_ms)
        self.proximity = self.proximity.evicted(before_ms)


def port_list(
    tracks: Tracks | None, anchorages: str | None, params: ContextParams
) -> tuple[PortIndex, int]:
    """The ports every step uses: searoute's UN/LOCODE ports, anchorages derived from ``tracks``
    (GFW's rule, when ``params`` asks for them) and the user's ``anchorages`` CSV; with the
    number of anchorages added."""
    ports = port_index()
    n = 0
    if tracks is not None and params.derive_anchorages:
        a = anchorages_from_tracks(
            tracks,
            AnchorageParams(
                min_vessels=params.anchorage_min_vessels, min_stay_h=params.anchorage_min_stay_h
            ),
        )
        if a.lat.size:
            ports = ports.extended(a.lat, a.lon, list(a.name))
            n += a.lat.size
    if anchorages is not None:
        u = read_anchorages_csv(anchorages)
        ports = ports.extended(u.lat, u.lon, [x or "anchorage" for x in u.name])
        n += u.lat.size
    return ports, n


def build_context(
    tracks: Tracks | None,
    registry: Registry,
    *,
    anchorages: str | None = None,
    params: ContextParams = ContextParams(),
    ports: PortIndex | None = None,
) -> DetectContext:
    """Context for batch detection over ``tracks`` (counts of all of them; anchorages derived
    from them unless ``ports`` is given). ``tracks=None`` gives an empty context for a stream."""
    n_anch = 0
    if ports is None:
        ports, n_anch = port_list(tracks, anchorages, params)
    ctx = DetectContext(
        registry=registry,
        ports=ports,
        reception_day=CellHourCounts.empty(params.reception_cell_deg, DAY_MS),
        reception_hour=CellHourCounts.empty(params.reception_cell_deg, HOUR_MS),
        proximity=CellHourCounts.empty(params.proximity_cell_deg, HOUR_MS),
        n_anchorages=n_anch,
        params=params,
    )
    if tracks is not None:
        ctx.add_counts(tracks)
    return ctx


# --- detector modules ------------------------------------------------------------------------


P = TypeVar("P")


class EventStream(Protocol):
    """The stateful stream form of a detector: fed time-ordered chunks, flushed at the end."""

    def update(self, tracks: Tracks) -> list[Event]: ...

    def flush(self) -> list[Event]: ...


@dataclass(frozen=True)
class Detector(Generic[P]):
    """One event type's detector: its parameter class, batch form and stream form (at most one
    of ``stream`` and ``emit_delay_ms`` + ``keep_since_ms``; see the module docstring)."""

    name: str
    params: type[P]
    detect: Callable[[Tracks, DetectContext, P], list[Event]]
    stream: Callable[[DetectContext, P], EventStream] | None = None
    emit_delay_ms: Callable[[P], int] | None = None
    keep_since_ms: Callable[[Tracks, DetectContext, P], I64] | None = None

    def __post_init__(self) -> None:
        if self.stream is not None and self.emit_delay_ms is not None:
            raise ValueError(f"detector {self.name}: give a stream form or a re-run form, not both")


@dataclass(frozen=True)
class DetectorSpec:
    """A detector bound to its parameters (an instance of ``detector.params``)."""

    detector: Detector[Any]
    params: Any

    def __post_init__(self) -> None:
        if not isinstance(self.params, self.detector.params):
            raise TypeError(
                f"{self.detector.name}: parameters must be {self.detector.params.__name__}, "
                f"got {type(self.params).__name__}"
            )

    @property
    def name(self) -> str:
        return self.detector.name

    def detect(self, tracks: Tracks, ctx: DetectContext) -> list[Event]:
        return self.detector.detect(tracks, ctx, self.params)

    def open_stream(self, ctx: DetectContext) -> EventStream | None:
        """The stateful stream of this detector, or None (re-run form)."""
        if self.detector.stream is None:
            return None
        return self.detector.stream(ctx, self.params)

    @property
    def has_stream(self) -> bool:
        return self.detector.stream is not None

    def emit_delay_ms(self) -> int:
        f = self.detector.emit_delay_ms
        return int(f(self.params)) if f is not None else 2 * DAY_MS

    def keep_since_ms(self, tracks: Tracks, ctx: DetectContext) -> I64:
        f = self.detector.keep_since_ms
        if f is not None:
            return np.asarray(f(tracks, ctx, self.params), dtype=np.int64)
        last = tracks.t[tracks.seg_start[1:] - 1] if tracks.n else np.zeros(0, np.int64)
        return np.asarray(last - 2 * DAY_MS, dtype=np.int64)


def run_bounded(
    spec: DetectorSpec,
    tracks: Tracks,
    ctx: DetectContext,
    slice_rows: int,
    edges: I64 | None = None,
) -> list[Event]:
    """``spec`` over ``tracks``, in time slices through its stream form when the input is big:
    bounded memory, and the same events by the streaming contract (on 10 million positions the
    encounter search drops from +2.3 GB to nothing measurable). ``edges``: the slices to use
    (a distributed run passes those of the whole data set), else the input's own when it holds
    more than ``slice_rows`` rows."""
    if not spec.has_stream:
        return spec.detect(tracks, ctx)
    if edges is None:
        if tracks.n <= slice_rows:
            return spec.detect(tracks, ctx)
        n_slices = -(-tracks.n // slice_rows)
        qs = np.linspace(0.0, 1.0, n_slices + 1)
        edges = np.unique(np.quantile(tracks.t, qs).astype(np.int64))
        edges[-1] = int(tracks.t.max()) + 1
    stream = spec.open_stream(ctx)
    assert stream is not None
    out: list[Event] = []
    for a, b in itertools.pairwise(edges.tolist()):
        rows = np.flatnonzero((tracks.t >= a) & (tracks.t < b))
        if rows.size:
            out += stream.update(take_rows(tracks, rows))
    out += stream.flush()
    return out


# --- the chunked runner ----------------------------------------------------------------------


def _concat(a: pa.Table | None, b: pa.Table) -> pa.Table:
    if a is None or a.num_rows == 0:
        return b
    if b.schema != a.schema:
        b = (
            b.select(a.column_names).cast(a.schema)
            if set(a.column_names) <= set(b.column_names)
            else b
        )
    return pa.concat_tables([a, b], promote_options="permissive")


def run_chunked(
    chunks: Iterable[pa.Table],
    specs: Sequence[DetectorSpec],
    registry: Registry,
    ports: PortIndex | None = None,
    *,
    track_params: TrackParams | None = None,
    params: ContextParams | None = None,
    removed: dict[str, int] | None = None,
) -> Iterator[list[Event]]:
    """Run detectors over time-ordered position chunks; yield the events that close per chunk.

    Every row of a chunk must be at or after every row of the previous chunk (receive time).
    ``removed`` (if given) accumulates the rows dropped by track building, by reason.
    The last item yielded holds the events still open at the end of the stream.
    """
    runner = ChunkedRunner(
        specs, registry, ports, track_params=track_params, params=params, removed=removed
    )
    for chunk in chunks:
        out = runner.push(chunk)
        if out is not None:
            yield out
    yield runner.finish()


class ChunkedRunner:
    """The chunked runner as an object a live service pushes chunks into (``vessels watch``)
    and can pickle between chunks; :func:`run_chunked` is a loop over it.

    After each :meth:`push`, :attr:`pending` holds the events the re-run detectors found that
    are not final yet (they may still grow, change or vanish as data arrives).
    """

    def __init__(
        self,
        specs: Sequence[DetectorSpec],
        registry: Registry,
        ports: PortIndex | None = None,
        *,
        track_params: TrackParams | None = None,
        params: ContextParams | None = None,
        removed: dict[str, int] | None = None,
    ) -> None:
        self.track_params = track_params or TrackParams()
        self.params = params or ContextParams()
        self.removed = removed
        self.ctx = build_context(None, registry, params=self.params, ports=ports or port_index())
        self.live: dict[str, EventStream] = {}
        for s in specs:
            stream = s.open_stream(self.ctx)
            if stream is not None:
                self.live[s.name] = stream
        self.rerun = [s for s in specs if s.name not in self.live]
        self.buffer: pa.Table | None = None
        self.prev_wm = np.iinfo(np.int64).min
        self.pending: list[Event] = []

    @property
    def buffered_rows(self) -> int:
        return 0 if self.buffer is None else self.buffer.num_rows

    def push(self, chunk: pa.Table) -> list[Event] | None:
        """Feed one chunk; the events that became final (None: nothing usable in it)."""
        if chunk.num_rows == 0:
            return None
        ctx, live, buffer = self.ctx, self.live, self.buffer
        history_ms = int(self.params.history_days * DAY_MS)
        ctx.class_b |= class_b_mmsis(chunk)
        n_old = 0 if buffer is None else buffer.num_rows
        combined = _concat(buffer, chunk)
        tracks, rem, src = build_tracks_indexed(combined, self.track_params)
        if self.removed is not None:
            for k, v in rem.items():
                self.removed[k] = self.removed.get(k, 0) + v
        new = src >= n_old
        if tracks.n == 0:
            self.buffer = combined.slice(0, 0)
            return None
        wm = int(tracks.t.max())
        ctx.add_counts(tracks, new)
        ctx.watermark_ms = wm
        out: list[Event] = []
        if live:
            # rows older than the last chunk (late data) only reach the re-run detectors: the
            # stateful forms take time-ordered input
            fresh = take_rows(tracks, np.flatnonzero(new & (tracks.t >= self.prev_wm)))
            for st in live.values():
                out += st.update(fresh)
        # From the start of the UTC day of each vessel's last report: the day's distinct-vessel
        # counts need to know which cells it was already counted in.
        last = tracks.t[tracks.seg_start[1:] - 1]
        keep_since = last - (last - T0_MS) % DAY_MS
        pending: list[Event] = []
        for spec in self.rerun:
            delay = spec.emit_delay_ms()
            for e in spec.detect(tracks, ctx):
                if self.prev_wm <= e.end_ms + delay < wm:
                    out.append(e)
                elif e.end_ms + delay >= wm:
                    pending.append(e)
            keep_since = np.minimum(keep_since, spec.keep_since_ms(tracks, ctx))
        keep_since = np.maximum(keep_since, wm - history_ms)
        keep_rows = tracks.t >= np.repeat(keep_since, np.diff(tracks.seg_start))
        self.buffer = combined.take(pa.array(np.sort(src[keep_rows])))
        ctx.evict(wm - history_ms)
        self.prev_wm = wm
        self.pending = pending
        return out

    def finish(self) -> list[Event]:
        """End of the stream: every event still open."""
        final: list[Event] = []
        for st in self.live.values():
            final += st.flush()
        buffer = self.buffer
        if buffer is not None and buffer.num_rows and self.rerun:
            tracks, _, _ = build_tracks_indexed(buffer, self.track_params)
            self.ctx.watermark_ms = NEVER
            for spec in self.rerun:
                delay = spec.emit_delay_ms()
                final += [
                    e for e in spec.detect(tracks, self.ctx) if e.end_ms + delay >= self.prev_wm
                ]
        self.pending = []
        return final
