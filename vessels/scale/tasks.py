"""Functions that run inside dask tasks: build a partition's tracks, its share of the global
context, per-vessel detection, and time-window slices for the cross-vessel detectors.

All of them call the project's single-process functions (``build_tracks``, the detector
modules' ``detect`` / stream forms, ``CellHourCounts``, ``anchorages_from_tracks``); nothing
here re-implements a detector. No kernel called here runs with ``parallel=True`` (Numba's
workqueue layer aborts when two threads of one process enter a parallel region).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from detectors.base import ContextParams, DetectContext, DetectorSpec
from detectors.reception import DAY_MS, HOUR_MS, CellHourCounts
from vessels.anchorages import AnchorageParams, anchorages_from_tracks
from vessels.events import Event
from vessels.geo import PortIndex
from vessels.registry import Registry
from vessels.scale.partition import concat_tables
from vessels.scale.quantiles import minute_counts, times_in_minutes
from vessels.tracks import TrackParams, Tracks, build_tracks, take_rows

__all__ = [
    "Counts",
    "Part",
    "PartSummary",
    "Piece",
    "build_part",
    "detect_part",
    "detect_window",
    "make_context",
    "merge_counts",
    "part_counts",
    "part_summary",
    "run_bounded",
    "window_piece",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: (reception per day, reception per hour, proximity per hour): the additive indexes of
#: :class:`detectors.base.DetectContext`.
Counts = tuple[CellHourCounts, CellHourCounts, CellHourCounts]


@dataclass
class Part:
    """One MMSI partition's tracks, held on a worker for the whole run."""

    tracks: Tracks
    removed: dict[str, int]


@dataclass(frozen=True)
class PartSummary:
    """What the client needs of a partition (small): sizes, segments and anchorage votes."""

    n_rows: int
    t_min: int
    t_max: int
    seg_mmsi: npt.NDArray[np.uint32]
    removed: dict[str, int]
    anch_lat: F64
    anch_lon: F64
    anch_names: tuple[str, ...]
    anch_vessels: I64
    lon_hist: I64  # rows per 1-degree longitude bin from -180 (balances the encounter bands)
    minute_keys: I64  # distinct minutes of the rows' times (for exact global time quantiles)
    minute_counts: I64


def build_part(track_params: TrackParams, *pieces: pa.Table) -> Part:
    """Tracks of one partition from its pieces (one per read task)."""
    tracks, removed = build_tracks(concat_tables(pieces), track_params)
    return Part(tracks, removed)


def part_summary(part: Part, cparams: ContextParams) -> PartSummary:
    """Sizes, segment MMSIs and the partition's anchorage votes.

    Anchorages (GFW pipe-anchorages) are cells where at least N distinct MMSIs stayed: an MMSI
    lives in one partition only, so per-cell counts of distinct MMSIs simply add up across
    partitions. Each partition reports every cell with at least one vessel.
    """
    tr = part.tracks
    minutes = minute_counts(tr)
    z = np.zeros(0)
    a_names: tuple[str, ...] = ()
    a_lat, a_lon, a_ves = z, z, np.zeros(0, np.int64)
    if cparams.derive_anchorages and tr.n:
        a = anchorages_from_tracks(
            tr, AnchorageParams(min_vessels=1, min_stay_h=cparams.anchorage_min_stay_h)
        )
        a_lat, a_lon, a_names, a_ves = a.lat, a.lon, a.name, a.vessels
    return PartSummary(
        n_rows=tr.n,
        t_min=int(tr.t.min()) if tr.n else 0,
        t_max=int(tr.t.max()) if tr.n else 0,
        seg_mmsi=tr.seg_mmsi.copy(),
        removed=dict(part.removed),
        anch_lat=a_lat,
        anch_lon=a_lon,
        anch_names=tuple(a_names),
        anch_vessels=np.asarray(a_ves, np.int64),
        lon_hist=np.bincount(
            np.clip(np.floor(tr.lon + 180.0).astype(np.int64), 0, 359), minlength=360
        ).astype(np.int64),
        minute_keys=minutes[0],
        minute_counts=minutes[1],
    )


def part_counts(part: Part, cparams: ContextParams) -> Counts:
    """The partition's reception and proximity counts (they add up across partitions: the
    distinct-vessel counts are per segment, and a segment lives in one partition)."""
    tr = part.tracks
    return (
        CellHourCounts.from_tracks(tr, cparams.reception_cell_deg, DAY_MS),
        CellHourCounts.from_tracks(tr, cparams.reception_cell_deg, HOUR_MS),
        CellHourCounts.from_tracks(tr, cparams.proximity_cell_deg, HOUR_MS),
    )


def _merge_sorted(a: CellHourCounts, b: CellHourCounts) -> CellHourCounts:
    """``a.merged(b)`` for two sorted-key indexes: a stable sort of two sorted runs is a
    linear merge (timsort), where ``merged`` sorts from scratch; the result is the same."""
    if a.keys.size == 0:
        return b
    if b.keys.size == 0:
        return a
    keys = np.concatenate([a.keys, b.keys])
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])

    def total(x: I64, y: I64) -> I64:
        out: I64 = np.add.reduceat(np.concatenate([x, y])[order], starts)
        return out

    return CellHourCounts(
        a.cell_deg,
        a.bucket_ms,
        k[starts],
        total(a.positions, b.positions),
        total(a.sat, b.sat),
        total(a.vessels, b.vessels),
    )


def merge_counts(a: Counts, b: Counts) -> Counts:
    """One step of the tree reduction of :func:`part_counts`."""
    return (_merge_sorted(a[0], b[0]), _merge_sorted(a[1], b[1]), _merge_sorted(a[2], b[2]))


def make_context(
    registry: Registry,
    ports: PortIndex,
    counts: Counts,
    n_anchorages: int,
    cparams: ContextParams,
) -> DetectContext:
    """The global context every task shares (built where the reduced counts are)."""
    return DetectContext(
        registry=registry,
        ports=ports,
        reception_day=counts[0],
        reception_hour=counts[1],
        proximity=counts[2],
        n_anchorages=n_anchorages,
        params=cparams,
    )


def run_bounded(
    spec: DetectorSpec,
    tracks: Tracks,
    ctx: DetectContext,
    slice_rows: int,
    edges: I64 | None = None,
) -> list[Event]:
    """``spec`` over ``tracks``, in time slices through its stream form when the input is big
    (as ``detectors.run_detectors`` does: bounded memory, and the same events by the streaming
    contract). ``edges``: the slices to use (those of the whole data set), else the input's
    own when it holds more than ``slice_rows`` rows."""
    factory = spec.stream_factory()
    if factory is None:
        return spec.detect(tracks, ctx)
    if edges is None:
        if tracks.n <= slice_rows:
            return spec.detect(tracks, ctx)
        n_slices = -(-tracks.n // slice_rows)
        qs = np.linspace(0.0, 1.0, n_slices + 1)
        edges = np.unique(np.quantile(tracks.t, qs).astype(np.int64))
        edges[-1] = int(tracks.t.max()) + 1
    stream = factory(ctx, spec.params)
    out: list[Event] = []
    for a, b in itertools.pairwise(edges.tolist()):
        rows = np.flatnonzero((tracks.t >= a) & (tracks.t < b))
        if rows.size:
            out += stream.update(take_rows(tracks, rows))
    out += stream.flush()
    return out


def global_segments(tracks: Tracks, all_seg_mmsi: npt.NDArray[np.uint32]) -> I64:
    """The single-process segment number of each of the partition's segments.

    ``build_tracks`` numbers segments in (MMSI, segment-within-MMSI) order; ``all_seg_mmsi``
    is the sorted MMSI of every segment of every partition.
    """
    sm = tracks.seg_mmsi
    k = np.arange(sm.size, dtype=np.int64)
    first_local = np.searchsorted(sm, sm, side="left")
    first_global = np.searchsorted(all_seg_mmsi, sm, side="left")
    out: I64 = first_global + (k - first_local)
    return out


def detect_part(
    part: Part,
    ctx: DetectContext,
    specs: list[DetectorSpec],
    all_seg_mmsi: npt.NDArray[np.uint32],
    edges: I64 | None,
) -> list[Event]:
    """Per-vessel detectors on one partition; segment numbers in the evidence made global.

    ``edges``: the time slices the single-process run feeds stream-form detectors (None when
    it runs them in one batch); a partition is cut at the same times so that per-vessel
    stream state evolves exactly as there."""
    gseg = global_segments(part.tracks, all_seg_mmsi)
    out: list[Event] = []
    for spec in specs:
        batch = edges is None or spec.stream_factory() is None
        for e in run_bounded(spec, part.tracks, ctx, part.tracks.n + 1 if batch else 0, edges):
            s = e.evidence.get("segment")
            if isinstance(s, int) and 0 <= s < gseg.size:
                e.evidence["segment"] = int(gseg[s])
            out.append(e)
    return out


@dataclass(frozen=True)
class Piece:
    """The rows of one partition inside a time window, with global segment numbers."""

    gseg: I64
    mmsi: npt.NDArray[np.uint32]
    t: I64
    lat: F64
    lon: F64
    sog: npt.NDArray[np.float32]
    cog: npt.NDArray[np.float32]
    receiver: npt.NDArray[np.int32]
    is_sat: npt.NDArray[np.int8]
    receivers: tuple[str, ...]


def part_times_in_minutes(part: Part, minutes: I64) -> I64:
    """The partition's track times inside ``minutes`` (see :mod:`vessels.scale.quantiles`)."""
    return times_in_minutes(part.tracks, minutes)


def window_piece(part: Part, all_seg_mmsi: npt.NDArray[np.uint32], lo_ms: int, hi_ms: int) -> Piece:
    """Rows of the partition with ``lo_ms <= t < hi_ms`` (still sorted by segment, time)."""
    tr = part.tracks
    rows = np.flatnonzero((tr.t >= lo_ms) & (tr.t < hi_ms))
    gseg = global_segments(tr, all_seg_mmsi)
    return Piece(
        gseg=gseg[tr.seg[rows]],
        mmsi=tr.mmsi[rows],
        t=tr.t[rows],
        lat=tr.lat[rows],
        lon=tr.lon[rows],
        sog=tr.sog[rows],
        cog=tr.cog[rows],
        receiver=tr.receiver[rows],
        is_sat=tr.is_sat[rows],
        receivers=tr.receivers,
    )


def _take_piece(p: Piece, rows: I64) -> Piece:
    return Piece(
        gseg=p.gseg[rows],
        mmsi=p.mmsi[rows],
        t=p.t[rows],
        lat=p.lat[rows],
        lon=p.lon[rows],
        sog=p.sog[rows],
        cog=p.cog[rows],
        receiver=p.receiver[rows],
        is_sat=p.is_sat[rows],
        receivers=p.receivers,
    )


def segment_arcs(p: Piece, halo_km: float) -> tuple[F64, F64]:
    """Per segment of the piece (in order of appearance): the smallest longitude arc
    ``[start, start + length)`` (degrees, start in [0, 360)) holding its positions, widened by
    ``halo_km`` on both sides. A track spanning more than half the globe gets the whole circle.
    """
    if p.t.size == 0:
        return np.zeros(0), np.zeros(0)
    starts = np.flatnonzero(np.r_[True, p.gseg[1:] != p.gseg[:-1]])
    lon = p.lon
    lon360 = np.mod(lon, 360.0)
    lo_a, hi_a = np.minimum.reduceat(lon, starts), np.maximum.reduceat(lon, starts)
    lo_b, hi_b = np.minimum.reduceat(lon360, starts), np.maximum.reduceat(lon360, starts)
    use_b = (hi_b - lo_b) < (hi_a - lo_a)  # the track crosses the antimeridian
    lo = np.where(use_b, lo_b, lo_a)
    length = np.where(use_b, hi_b - lo_b, hi_a - lo_a)
    max_lat = np.maximum.reduceat(np.abs(p.lat), starts)
    cos = np.maximum(np.cos(np.radians(np.minimum(max_lat, 89.0))), 0.01)
    halo = np.minimum(halo_km / (111.32 * cos), 180.0)
    length = length + 2.0 * halo
    start = np.mod(lo - halo, 360.0)
    whole = length >= 360.0
    return np.where(whole, 0.0, start), np.where(whole, 360.0, length)


def _arcs_overlap(a0: F64, alen: F64, b0: float, blen: float) -> npt.NDArray[np.bool_]:
    """Do arcs [a0, a0 + alen) and [b0, b0 + blen) on the 360-degree circle intersect?"""
    return (np.mod(b0 - a0, 360.0) < alen) | (np.mod(a0 - b0, 360.0) < blen) | (alen >= 360.0)


def window_tiles(
    part: Part,
    all_seg_mmsi: npt.NDArray[np.uint32],
    lo_ms: int,
    hi_ms: int,
    band_edges_deg: tuple[float, ...],
    halo_km: float,
) -> list[Piece]:
    """:func:`window_piece` split into longitude bands (``band_edges_deg``: increasing, from
    -180 to 180). A segment goes whole into every band its positions in the window, widened by
    the halo, touch: two vessels close to each other then share at least one band, where each
    has all its rows, so the pair's encounter is computed exactly as on the whole window."""
    piece = window_piece(part, all_seg_mmsi, lo_ms, hi_ms)
    if len(band_edges_deg) <= 2:
        return [piece]
    a0, alen = segment_arcs(piece, halo_km)
    starts = np.r_[np.flatnonzero(np.r_[True, piece.gseg[1:] != piece.gseg[:-1]]), piece.t.size]
    sizes = np.diff(starts)
    out = []
    for b0, b1 in itertools.pairwise(band_edges_deg):
        hit = _arcs_overlap(a0, alen, float(np.mod(b0, 360.0)), float(b1 - b0))
        out.append(_take_piece(piece, np.flatnonzero(np.repeat(hit, sizes))))
    return out


def assemble(pieces: tuple[Piece, ...]) -> Tracks:
    """One Tracks of every partition's rows in a window, in single-process segment order."""
    names: dict[str, int] = {}
    recv = []
    for p in pieces:
        code = np.array([names.setdefault(r, len(names)) for r in p.receivers] + [-1], np.int32)
        recv.append(code[p.receiver])  # -1 (unknown) picks the trailing -1
    gseg = np.concatenate([p.gseg for p in pieces])
    order = np.argsort(gseg, kind="stable")  # each piece is sorted by (segment, time)
    g = gseg[order]
    n = g.size
    if n:
        new = np.r_[True, g[1:] != g[:-1]]
        seg = (np.cumsum(new) - 1).astype(np.int64)
        starts = np.r_[np.flatnonzero(new), n].astype(np.int64)
    else:
        seg = np.zeros(0, np.int64)
        starts = np.zeros(1, np.int64)
    mmsi = np.concatenate([p.mmsi for p in pieces])[order]
    return Tracks(
        mmsi=mmsi,
        seg=seg,
        t=np.concatenate([p.t for p in pieces])[order],
        lat=np.concatenate([p.lat for p in pieces])[order],
        lon=np.concatenate([p.lon for p in pieces])[order],
        sog=np.concatenate([p.sog for p in pieces])[order],
        cog=np.concatenate([p.cog for p in pieces])[order],
        receiver=np.concatenate(recv)[order].astype(np.int32),
        is_sat=np.concatenate([p.is_sat for p in pieces])[order],
        seg_start=starts,
        seg_mmsi=mmsi[starts[:-1]],
        receivers=tuple(names),
    )


@dataclass(frozen=True)
class WindowResult:
    """Events owned by a window, and how far its data must reach to make them exact."""

    events: list[Event]
    need_until_ms: int | None  # None: every owned event is complete


def detect_window(
    ctx: DetectContext,
    spec: DetectorSpec,
    own_lo_ms: int,
    own_hi_ms: int,
    hi_ms: int,
    data_end_ms: int,
    margin_ms: int,
    slice_rows: int,
    *pieces: Piece,
) -> WindowResult:
    """A cross-vessel detector on one time window (its rows plus the margins).

    The window owns the events that start in ``[own_lo_ms, own_hi_ms)``. The left margin makes
    their starts exact; an owned event ending within ``margin_ms`` of the window's data end
    (``hi_ms``, unless that is the end of all data) may still grow or merge, so the result asks
    for the window to be rerun reaching further.
    """
    tracks = assemble(pieces)
    if tracks.n == 0:
        return WindowResult([], None)
    owned = [
        e for e in run_bounded(spec, tracks, ctx, slice_rows) if own_lo_ms <= e.start_ms < own_hi_ms
    ]
    need: int | None = None
    if hi_ms <= data_end_ms:
        late = [e.end_ms for e in owned if e.end_ms > hi_ms - margin_ms]
        if late:
            need = max(late) + margin_ms + 1
    return WindowResult(owned, need)


def tile_halo_km(params: Any) -> float:
    """How far outside its band a track must still count, so that any two vessels the encounter
    detector may pair share a band: the pairing distance with the slack of reconstructed
    positions, the drift allowed across a bridged hole, and 10 km for interpolation along a
    chord rather than the great circle."""
    pair_m = float(getattr(params, "max_distance_m", 500.0)) + 2 * float(
        getattr(params, "max_slack_m", 0.0)
    )
    drift_m = (
        float(getattr(params, "slow_gap_max_kn", 0.0))
        * float(getattr(params, "max_slow_gap_h", 0.0))
        * 1852.0
    )
    return (pair_m + drift_m) / 1000.0 + 10.0


def window_margin_ms(params: Any) -> int:
    """How far outside a window an encounter's data must reach for it to be exact.

    A resampled slot is exact once both reports around it are in the window (at most the
    longest bridged hole away); a run's start is exact once an earlier qualifying run within
    the merge gap would be seen whole; the same on the right for the end.
    """
    g_h = max(
        float(getattr(params, "max_interp_gap_h", 1.0)),
        float(getattr(params, "max_slow_gap_h", 0.0)),
    )
    m_h = float(getattr(params, "merge_gap_h", 0.0)) + float(getattr(params, "min_duration_h", 0.0))
    step = int(getattr(params, "step_ms", 600_000))
    return int((g_h + m_h + 1.0) * HOUR_MS) + 2 * step
