"""Functions that run inside dask tasks: build a partition's tracks, its share of the global
context, and per-vessel detection (time-window tasks: :mod:`vessels.scale.window_tasks`).

All of them call the project's single-process functions (``build_tracks``, the detector
modules' ``detect`` / stream forms, ``CellHourCounts``, ``anchorages_from_tracks``); nothing
here re-implements a detector. No kernel called here runs with ``parallel=True`` (Numba's
workqueue layer aborts when two threads of one process enter a parallel region).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from detectors.base import ContextParams, DetectContext, DetectorSpec, run_bounded
from detectors.reception import DAY_MS, HOUR_MS, CellHourCounts
from vessels.anchorages import AnchorageParams, anchorages_from_tracks
from vessels.events import Event
from vessels.geo import PortIndex
from vessels.registry import Registry, class_b_mmsis
from vessels.scale.partition import concat_tables
from vessels.scale.quantiles import minute_counts, times_in_minutes
from vessels.scale.spill import SpilledTracks, save_tracks
from vessels.tracks import TrackParams, Tracks, build_tracks

__all__ = [
    "Counts",
    "Part",
    "PartSummary",
    "build_part",
    "build_spilled_part",
    "detect_part",
    "make_context",
    "merge_counts",
    "part_counts",
    "part_summary",
    "part_times_in_minutes",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: (reception per day, reception per hour, proximity per hour): the additive indexes of
#: :class:`detectors.base.DetectContext`.
Counts = tuple[CellHourCounts, CellHourCounts, CellHourCounts]


class Part:
    """One MMSI partition's tracks: held on a worker for the whole run, or spilled to disk
    (:mod:`vessels.scale.spill`) and loaded by each task that needs them."""

    def __init__(
        self,
        tracks: Tracks | None,
        removed: dict[str, int],
        spilled: SpilledTracks | None = None,
        class_b: frozenset[int] = frozenset(),
    ) -> None:
        if (tracks is None) == (spilled is None):
            raise ValueError("a Part holds its tracks or names where they were spilled")
        self._tracks = tracks
        self.removed = removed
        self.spilled = spilled
        self.class_b = class_b  # MMSIs that sent class B position reports (tracks do not say)

    @property
    def tracks(self) -> Tracks:
        if self._tracks is not None:
            return self._tracks
        assert self.spilled is not None
        return self.spilled.load()

    def rows_between(self, lo_ms: int, hi_ms: int) -> tuple[I64, Tracks]:
        """The rows with ``lo_ms <= t < hi_ms`` (in segment, time order) and tracks to take
        them from (of a spilled part: mapped, so only those rows are read)."""
        if self.spilled is not None:
            return self.spilled.rows_between(lo_ms, hi_ms)
        tr = self.tracks
        return np.flatnonzero((tr.t >= lo_ms) & (tr.t < hi_ms)), tr


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
    class_b: frozenset[int] = frozenset()


def build_part(track_params: TrackParams, *pieces: pa.Table) -> Part:
    """Tracks of one partition from its pieces (one per read task)."""
    positions = concat_tables(pieces)
    tracks, removed = build_tracks(positions, track_params)
    return Part(tracks, removed, class_b=frozenset(class_b_mmsis(positions)))


def build_spilled_part(track_params: TrackParams, positions_file: str, folder: str) -> Part:
    """Tracks of one partition from its spilled positions file, saved to ``folder``; the part
    returned only names that folder (:mod:`vessels.scale.spill`)."""
    positions = pq.read_table(positions_file)
    tracks, removed = build_tracks(positions, track_params)
    Path(positions_file).unlink()
    save_tracks(tracks, Path(folder))
    return Part(None, removed, SpilledTracks(Path(folder)), frozenset(class_b_mmsis(positions)))


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
        class_b=part.class_b,
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
    class_b: frozenset[int] = frozenset(),
) -> DetectContext:
    """The global context every task shares (built where the reduced counts are);
    ``class_b``: MMSIs seen sending class B position reports, as ``run_detectors`` adds."""
    ctx = DetectContext(
        registry=registry,
        ports=ports,
        reception_day=counts[0],
        reception_hour=counts[1],
        proximity=counts[2],
        n_anchorages=n_anchorages,
        params=cparams,
    )
    ctx.class_b |= set(class_b)
    return ctx


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
        batch = edges is None or not spec.has_stream
        for e in run_bounded(spec, part.tracks, ctx, part.tracks.n + 1 if batch else 0, edges):
            s = e.evidence.get("segment")
            if isinstance(s, int) and 0 <= s < gseg.size:
                e.evidence["segment"] = int(gseg[s])
            out.append(e)
    return out


def part_times_in_minutes(part: Part, minutes: I64) -> I64:
    """The partition's track times inside ``minutes`` (see :mod:`vessels.scale.quantiles`)."""
    return times_in_minutes(part.tracks, minutes)
