"""Dask tasks of the cross-vessel (encounter) search: a partition's rows in a time window split
into longitude bands, reassembled across partitions into one Tracks, and the detector run on
it. The encounter module itself does the detecting; nothing here re-implements it.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from detectors.base import DetectContext, DetectorSpec, run_bounded
from detectors.encounter.params import EncounterParams
from detectors.reception import HOUR_MS
from vessels.events import Event
from vessels.scale.vessel_tasks import Part, global_segments
from vessels.tracks import Tracks

__all__ = [
    "Piece",
    "WindowResult",
    "assemble",
    "detect_window",
    "load_tile",
    "segment_arcs",
    "spill_tiles",
    "tile_halo_km",
    "window_margin_ms",
    "window_piece",
    "window_tiles",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


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


def window_piece(part: Part, all_seg_mmsi: npt.NDArray[np.uint32], lo_ms: int, hi_ms: int) -> Piece:
    """Rows of the partition with ``lo_ms <= t < hi_ms`` (still sorted by segment, time)."""
    rows, tr = part.rows_between(lo_ms, hi_ms)
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


def spill_tiles(
    part: Part,
    all_seg_mmsi: npt.NDArray[np.uint32],
    lo_ms: int,
    hi_ms: int,
    band_edges_deg: tuple[float, ...],
    halo_km: float,
) -> list[str]:
    """:func:`window_tiles` of a spilled part, each band's piece saved beside the part (for
    runs that hold one band at a time); the files, in band order, for :func:`load_tile`."""
    assert part.spilled is not None
    out = []
    for j, piece in enumerate(
        window_tiles(part, all_seg_mmsi, lo_ms, hi_ms, band_edges_deg, halo_km)
    ):
        path = part.spilled.folder / f"tile-{lo_ms}-{hi_ms}-{j}.npz"
        arrays = {f.name: getattr(piece, f.name) for f in dataclasses.fields(Piece)}
        with open(path, "wb") as fh:
            np.savez(fh, **{k: v for k, v in arrays.items() if k != "receivers"})
        (path.with_suffix(".json")).write_text(json.dumps(list(piece.receivers)))
        out.append(str(path))
    return out


def load_tile(paths: list[str], band: int) -> Piece:
    """Band ``band`` of :func:`spill_tiles`, read once: its files are removed."""
    path = Path(paths[band])
    with np.load(path) as z:
        fields = {k: z[k] for k in z.files}
    receivers = tuple(json.loads(path.with_suffix(".json").read_text()))
    path.unlink()
    path.with_suffix(".json").unlink()
    return Piece(**fields, receivers=receivers)


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


def tile_halo_km(params: EncounterParams) -> float:
    """How far outside its band a track must still count, so that any two vessels the encounter
    detector may pair share a band: the pairing distance with the slack of reconstructed
    positions, the drift allowed across a bridged hole, and 10 km for interpolation along a
    chord rather than the great circle."""
    pair_m = params.max_distance_m + 2 * params.max_slack_m
    drift_m = params.slow_gap_max_kn * params.max_slow_gap_h * 1852.0
    return (pair_m + drift_m) / 1000.0 + 10.0


def window_margin_ms(params: EncounterParams) -> int:
    """How far outside a window an encounter's data must reach for it to be exact.

    A resampled slot is exact once both reports around it are in the window (at most the
    longest bridged hole away); a run's start is exact once an earlier qualifying run within
    the merge gap (or a joint silence) would be seen whole; the same on the right for the end.
    """
    g_h = max(params.max_interp_gap_h, params.max_slow_gap_h)
    joint_h = params.max_joint_silence_h
    if joint_h > 0:  # a run may still join one this far back across a joint silence
        joint_h += params.joint_silence_tolerance_h
    twin_h = params.twin_merge_gap_h  # one vessel on two transponders
    m_h = max(params.merge_gap_h, joint_h, twin_h) + params.min_duration_h
    step = params.step_ms
    return int((g_h + m_h + 1.0) * HOUR_MS) + 2 * step
