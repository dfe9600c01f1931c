"""Tracks: positions ordered by receive time per physical vessel, as plain arrays for kernels.

CONTRACT shared by every detector (do not change field names without updating all users):
``Tracks`` holds equal-length arrays sorted by (seg, t). ``seg`` numbers physical vessels: one
MMSI may be split into several segments when the implied speed between its reports is
impossible (two ships sharing an MMSI). ``seg_start[k]:seg_start[k+1]`` are the rows of
segment k, whose MMSI is ``seg_mmsi[k]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from kernels.segment import duplicate_mask, sort_by_mmsi_time
from vessels.errors import SchemaError
from vessels.segment import SegmentParams, split_segments

__all__ = ["TrackParams", "Tracks", "build_tracks", "build_tracks_indexed", "take_rows"]


@dataclass(frozen=True)
class Tracks:
    mmsi: npt.NDArray[np.uint32]
    seg: npt.NDArray[np.int64]  # segment index 0..n_seg-1, non-decreasing
    t: npt.NDArray[np.int64]  # receive time, ms since epoch UTC, non-decreasing within a segment
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    sog: npt.NDArray[np.float32]  # knots, NaN when unavailable
    cog: npt.NDArray[np.float32]  # degrees, NaN when unavailable
    receiver: npt.NDArray[np.int32]  # code into ``receivers``; -1 unknown
    is_sat: npt.NDArray[np.int8]  # 1 satellite, 0 terrestrial, -1 unknown
    seg_start: npt.NDArray[np.int64]  # length n_seg + 1
    seg_mmsi: npt.NDArray[np.uint32]  # length n_seg
    receivers: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.t.shape[0])

    @property
    def n_seg(self) -> int:
        return int(self.seg_mmsi.shape[0])


# --- building Tracks from the canonical positions table -------------------------------------

# AIS started in 2002; anything before 1995 or after 2100 is a broken clock, not a report.
_MIN_T_MS = 788_918_400_000  # 1995-01-01
_MAX_T_MS = 4_102_444_800_000  # 2100-01-01


@dataclass(frozen=True)
class TrackParams:
    """How positions become tracks.

    ``duplicate_window_s``: the same report heard by several receivers (or a file read twice)
    arrives within seconds with the same position; such copies are merged. Segmentation limits
    follow gpsdio-segment / GFW pipe-segment (see :class:`vessels.segment.SegmentParams`).
    """

    duplicate_window_s: float = 5.0
    duplicate_tol_deg: float = 1e-5  # about 1 m
    max_speed_kn: float = 30.0
    noise_m: float = 500.0
    min_dt_s: float = 120.0  # receive-time errors of satellite AIS: minutes (pitfall 2)
    max_open_segments: int = 8


def _col(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table.column(name) if name in table.column_names else None


def _float(col: pa.ChunkedArray | None, n: int, dtype: type) -> npt.NDArray[Any]:
    if col is None:
        return np.full(n, np.nan, dtype=dtype)
    arr = col.cast(pa.from_numpy_dtype(dtype)).to_numpy(zero_copy_only=False)  # null -> NaN
    return np.asarray(arr, dtype=dtype)


def _receivers(
    col: pa.ChunkedArray | None, n: int
) -> tuple[npt.NDArray[np.int32], tuple[str, ...]]:
    if col is None or n == 0:
        return np.full(n, -1, dtype=np.int32), ()
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col.cast(pa.string()))
    col = col.unify_dictionaries() if isinstance(col, pa.ChunkedArray) else col
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    if not chunks:
        return np.full(n, -1, dtype=np.int32), ()
    dictionary = chunks[0].dictionary
    codes = np.concatenate(
        [c.indices.cast(pa.int32()).fill_null(-1).to_numpy(zero_copy_only=False) for c in chunks]
    ).astype(np.int32)
    names = tuple("" if v is None else str(v) for v in dictionary.to_pylist())
    return codes, names


def build_tracks(
    positions: pa.Table, params: TrackParams = TrackParams()
) -> tuple[Tracks, dict[str, int]]:
    """Sorted, de-duplicated, cleaned tracks split into physical-vessel segments.

    See :func:`build_tracks_indexed` for what is removed and counted.
    """
    tracks, removed, _ = build_tracks_indexed(positions, params)
    return tracks, removed


def build_tracks_indexed(
    positions: pa.Table, params: TrackParams = TrackParams()
) -> tuple[Tracks, dict[str, int], npt.NDArray[np.int64]]:
    """Sorted, de-duplicated, cleaned tracks split into physical-vessel segments.

    Returns the tracks and the number of rows removed by reason (``invalid_position``: latitude
    or longitude missing or out of range; ``null_island``: exactly 0,0, the classic GPS-fault
    report; ``invalid_mmsi``: MMSI 0; ``invalid_time``: before 1995 or after 2100;
    ``duplicate``: the same report from several receivers). Speeds over 102.2 kn and courses of
    360 or more are AIS "not available" values: they become NaN, not removals. The third
    value is, for each track row, its row number in ``positions``.
    """
    missing = [c for c in ("mmsi", "t", "lat", "lon") if c not in positions.column_names]
    if missing:
        raise SchemaError(
            f"positions table lacks column(s) {missing}; it has {positions.column_names}. "
            "Read inputs with ingest.read_inputs to get the canonical schema."
        )
    n0 = positions.num_rows
    mmsi = np.asarray(
        positions.column("mmsi").cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    )
    tcol = positions.column("t")
    if pa.types.is_timestamp(tcol.type):
        tcol = tcol.cast(pa.timestamp("ms", tz=tcol.type.tz))
    t = np.asarray(tcol.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), np.int64)
    lat = _float(_col(positions, "lat"), n0, np.float64)
    lon = _float(_col(positions, "lon"), n0, np.float64)
    sog = _float(_col(positions, "sog"), n0, np.float32)
    cog = _float(_col(positions, "cog"), n0, np.float32)
    receiver, receivers = _receivers(_col(positions, "receiver"), n0)
    sat_col = _col(positions, "is_sat")
    if sat_col is None:
        is_sat = np.full(n0, -1, dtype=np.int8)
    else:
        is_sat = np.asarray(
            sat_col.cast(pa.int8()).fill_null(-1).to_numpy(zero_copy_only=False), np.int8
        )

    removed: dict[str, int] = {}
    with np.errstate(invalid="ignore"):
        bad_pos = ~(np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90.0))
        bad_pos |= ~((lon >= -180.0) & (lon <= 180.0))
    null_island = ~bad_pos & (lat == 0.0) & (lon == 0.0)
    bad_mmsi = (mmsi <= 0) | (mmsi > 0xFFFFFFFF)
    bad_t = (t < _MIN_T_MS) | (t >= _MAX_T_MS)
    keep = ~(bad_pos | null_island | bad_mmsi | bad_t)
    removed["invalid_position"] = int(bad_pos.sum())
    removed["null_island"] = int(null_island.sum())
    removed["invalid_mmsi"] = int((bad_mmsi & ~bad_pos & ~null_island).sum())
    removed["invalid_time"] = int((bad_t & ~bad_mmsi & ~bad_pos & ~null_island).sum())

    # Compose the row order first and gather every column once: on 10 million rows each
    # random gather costs more than the kernels.
    idx = np.flatnonzero(keep) if not keep.all() else np.arange(n0)
    mm = mmsi[idx].astype(np.uint32)
    tv = t[idx]
    order = sort_by_mmsi_time(mm, tv)
    idx = idx[order]
    mm = mm[order]
    t = tv[order]
    lat = lat[idx]
    lon = lon[idx]
    lon[lon == 180.0] = -180.0
    dup = duplicate_mask(
        mm, t, lat, lon, int(params.duplicate_window_s * 1000), float(params.duplicate_tol_deg)
    )
    removed["duplicate"] = int(dup.sum())
    if removed["duplicate"]:
        k = ~dup
        idx, mm, t, lat, lon = idx[k], mm[k], t[k], lat[k], lon[k]

    seg = split_segments(
        mm,
        t,
        lat,
        lon,
        SegmentParams(
            max_speed_kn=params.max_speed_kn,
            noise_m=params.noise_m,
            min_dt_s=params.min_dt_s,
            max_open_segments=params.max_open_segments,
        ),
    )
    if seg.n_split_mmsi:  # otherwise the segment order is already the row order
        p = seg.perm
        idx, mm, t, lat, lon = idx[p], mm[p], t[p], lat[p], lon[p]
    sog_k = sog[idx]
    cog_k = cog[idx]
    with np.errstate(invalid="ignore"):
        sog_k[(sog_k < 0) | (sog_k > 102.2)] = np.nan
        cog_k[(cog_k < 0) | (cog_k >= 360.0)] = np.nan
    n_seg = seg.seg_start.shape[0] - 1
    seg_ids = np.repeat(np.arange(n_seg, dtype=np.int64), np.diff(seg.seg_start))
    tracks = Tracks(
        mmsi=mm,
        seg=seg_ids,
        t=t,
        lat=lat,
        lon=lon,
        sog=sog_k,
        cog=cog_k,
        receiver=receiver[idx],
        is_sat=is_sat[idx],
        seg_start=seg.seg_start,
        seg_mmsi=mm[seg.seg_start[:-1]] if n_seg else np.zeros(0, np.uint32),
        receivers=receivers,
    )
    # Arrow's allocator keeps the casts' freed buffers; on 10 million rows that is ~0.4 GB that
    # the detectors after this would otherwise stack their own peaks on.
    pa.default_memory_pool().release_unused()
    return tracks, removed, idx.astype(np.int64)


def take_rows(tracks: Tracks, rows: npt.NDArray[np.int64]) -> Tracks:
    """Sub-tracks made of ``rows`` (sorted, whole or partial segments); segments renumbered."""
    rows = np.asarray(rows, dtype=np.int64)
    seg = tracks.seg[rows]
    if rows.size:
        new = np.r_[True, seg[1:] != seg[:-1]]
        seg_ids = np.cumsum(new) - 1
        starts = np.r_[np.flatnonzero(new), rows.size].astype(np.int64)
    else:
        seg_ids = np.zeros(0, np.int64)
        starts = np.zeros(1, np.int64)
    return Tracks(
        mmsi=tracks.mmsi[rows],
        seg=seg_ids.astype(np.int64),
        t=tracks.t[rows],
        lat=tracks.lat[rows],
        lon=tracks.lon[rows],
        sog=tracks.sog[rows],
        cog=tracks.cog[rows],
        receiver=tracks.receiver[rows],
        is_sat=tracks.is_sat[rows],
        seg_start=starts,
        seg_mmsi=tracks.mmsi[rows][starts[:-1]],
        receivers=tracks.receivers,
    )
