"""Reception quality measured from the data itself (Welch et al. 2022, GFW AIS-disabling).

Counts per (grid cell, UTC hour): positions, satellite positions and vessels heard. At 1 degree
this is the reception layer that tells a coverage hole (nobody is heard there) from a vessel
going silent where others are heard; at 0.01 degree it says whether another vessel was near a
loitering one. Counts only add up, so a stream merges chunk counts and evicts old hours:
memory stays bounded and the result equals the batch one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kernels.cellhour import HOUR_MS, HOURS, T0_MS, cell_index, cellhour_runs
from vessels.coverage import data_holes, hole_overlap_h
from vessels.tracks import Tracks

__all__ = ["DAY_MS", "HOUR_MS", "CellHourCounts", "bucket_of"]

I64 = npt.NDArray[np.int64]


DAY_MS = 24 * HOUR_MS


def bucket_of(t_ms: npt.ArrayLike, bucket_ms: int = HOUR_MS) -> I64:
    """Bucket number (hours or days since 1995-01-01) used in the keys."""
    return np.clip((np.asarray(t_ms, dtype=np.int64) - T0_MS) // bucket_ms, 0, HOURS - 1)


def _reduce(keys: I64, pos: I64, sat: I64, ves: I64) -> tuple[I64, I64, I64, I64]:
    if keys.size == 0:
        z = np.zeros(0, np.int64)
        return z, z, z, z
    order = np.argsort(keys)
    k = keys[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return (
        k[starts],
        np.add.reduceat(pos[order], starts),
        np.add.reduceat(sat[order], starts),
        np.add.reduceat(ves[order], starts),
    )


@dataclass
class CellHourCounts:
    """Sorted unique keys (``cell * HOURS + hour``) and counts, with prefix sums for range sums."""

    cell_deg: float
    bucket_ms: int
    keys: I64
    positions: I64
    sat: I64
    vessels: I64  # distinct segments heard in the cell during the hour

    @classmethod
    def empty(cls, cell_deg: float, bucket_ms: int = HOUR_MS) -> CellHourCounts:
        z = np.zeros(0, np.int64)
        return cls(cell_deg, bucket_ms, z, z, z, z)

    @classmethod
    def from_tracks(
        cls,
        tracks: Tracks,
        cell_deg: float,
        bucket_ms: int = HOUR_MS,
        rows: npt.NDArray[np.bool_] | None = None,
    ) -> CellHourCounts:
        """Counts of ``tracks`` (only rows where ``rows`` is true, when given)."""
        if tracks.n == 0:
            return cls.empty(cell_deg, bucket_ms)
        mask = np.ones(tracks.n, np.bool_) if rows is None else np.asarray(rows, np.bool_)
        runs = cellhour_runs(
            tracks.lat,
            tracks.lon,
            tracks.t,
            tracks.is_sat,
            tracks.seg_start,
            float(cell_deg),
            int(bucket_ms),
            mask,
        )
        k, p, s, v = _reduce(*runs)
        return cls(cell_deg, bucket_ms, k, p, s, v)

    def merged(self, other: CellHourCounts) -> CellHourCounts:
        if other.keys.size == 0:
            return self
        if self.keys.size == 0:
            return other
        k, p, s, v = _reduce(
            np.r_[self.keys, other.keys],
            np.r_[self.positions, other.positions],
            np.r_[self.sat, other.sat],
            np.r_[self.vessels, other.vessels],
        )
        return CellHourCounts(self.cell_deg, self.bucket_ms, k, p, s, v)

    def evicted(self, before_ms: int) -> CellHourCounts:
        """Without the buckets that end before ``before_ms`` (bounded memory on a stream)."""
        keep = (self.keys % HOURS) >= int(bucket_of(before_ms, self.bucket_ms))
        return CellHourCounts(
            self.cell_deg,
            self.bucket_ms,
            self.keys[keep],
            self.positions[keep],
            self.sat[keep],
            self.vessels[keep],
        )

    def bucket(self, t_ms: npt.ArrayLike) -> I64:
        return bucket_of(t_ms, self.bucket_ms)

    def cells(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> I64:
        la = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
        lo = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
        out: I64 = cell_index(la, lo, float(self.cell_deg))
        return out

    def range_sums(self, cells: I64, h0: I64, h1: I64) -> tuple[I64, I64, I64]:
        """Sums of (positions, sat, vessel-buckets) in each cell over buckets [h0, h1)."""
        cells = np.asarray(cells, np.int64)
        h0 = np.clip(np.asarray(h0, np.int64), 0, HOURS)
        h1 = np.clip(np.maximum(np.asarray(h1, np.int64), h0), 0, HOURS)
        a = np.searchsorted(self.keys, cells * HOURS + h0, side="left")
        b = np.searchsorted(self.keys, cells * HOURS + h1, side="left")
        cs = self._prefix
        out = cs[:, b] - cs[:, a]
        return out[0], out[1], out[2]

    @functools.cached_property
    def _prefix(self) -> npt.NDArray[np.int64]:
        """Prefix sums of (positions, sat, vessels), shape (3, n + 1): range sums in O(1)."""
        cs = np.zeros((3, self.keys.size + 1), np.int64)
        for i, arr in enumerate((self.positions, self.sat, self.vessels)):
            np.cumsum(arr, out=cs[i, 1:])
        return cs

    @functools.cached_property
    def heard_buckets(self) -> I64:
        """Sorted distinct buckets in which anything was heard, in any cell."""
        out: I64 = np.unique(self.keys % HOURS)
        return out

    def block_sums(self, cells: I64, h0: I64, h1: I64) -> I64:
        """Vessel-buckets over [h0, h1) in the 3x3 block of cells around each cell."""
        nb = self.neighbours(np.asarray(cells, np.int64))
        k = nb.shape[1]
        _, _, ves = self.range_sums(
            nb.reshape(-1), np.repeat(np.asarray(h0, np.int64), k), np.repeat(h1, k)
        )
        out: I64 = ves.reshape(-1, k).sum(axis=1)
        return out

    def block_hole_hours(self, cells_a: I64, cells_b: I64, h0: I64, h1: I64, min_h: float) -> I64:
        """Hours of [h0, h1) lying in runs of ``min_h`` or more buckets in which nobody was heard
        in the 3x3 block around ``cells_a`` or the one around ``cells_b`` (where a vessel went
        silent and came back): a hole in reception local to the area, as
        :func:`vessels.coverage.data_holes` finds them in the whole data. The buckets just
        outside [h0, h1) count as heard (the silent vessel itself was heard then)."""
        nb = np.c_[self.neighbours(np.asarray(cells_a)), self.neighbours(np.asarray(cells_b))]
        h0 = np.clip(np.asarray(h0, np.int64), 0, HOURS)
        h1 = np.clip(np.maximum(np.asarray(h1, np.int64), h0), 0, HOURS)
        a = np.searchsorted(self.keys, nb * HOURS + h0[:, None], side="left")
        b = np.searchsorted(self.keys, nb * HOURS + h1[:, None], side="left")
        out = np.zeros(nb.shape[0], np.int64)
        for i in range(nb.shape[0]):
            parts = [self.keys[x:y] % HOURS for x, y in zip(a[i], b[i], strict=True) if y > x]
            heard = np.unique(np.concatenate([[h0[i] - 1, h1[i]], *parts]))
            holes = data_holes(heard, min_h)
            out[i] = int(hole_overlap_h(holes, h0[i : i + 1], h1[i : i + 1])[0])
        return out

    def first_last(self, cells: I64, h0: I64, h1: I64) -> tuple[I64, I64]:
        """First and last bucket in [h0, h1) of each cell with any report; -1 when none."""
        cells = np.asarray(cells, np.int64)
        lo = cells * HOURS + np.clip(np.asarray(h0, np.int64), 0, HOURS)
        hi = cells * HOURS + np.clip(np.asarray(h1, np.int64), 0, HOURS)
        a = np.searchsorted(self.keys, lo, side="left")
        b = np.searchsorted(self.keys, hi, side="left") - 1
        ok = b >= a
        keys = np.r_[self.keys, 0]
        first = np.where(ok, keys[np.minimum(a, self.keys.size)] % HOURS, -1)
        last = np.where(ok, keys[np.maximum(b, 0)] % HOURS, -1)
        return first.astype(np.int64), last.astype(np.int64)

    def to_table(self) -> pa.Table:
        """One row per cell and bucket: centre lat/lon, bucket start (UTC), positions, satellite
        and terrestrial (or unknown-receiver) positions, vessels heard, and positions per
        vessel heard (the reception measure of the gap detector)."""
        n_lon = round(360.0 / self.cell_deg)
        cell = self.keys // HOURS
        b = self.keys % HOURS
        lat = (cell // n_lon + 0.5) * self.cell_deg - 90.0
        lon = (cell % n_lon + 0.5) * self.cell_deg - 180.0
        start = T0_MS + b * self.bucket_ms
        return pa.table(
            {
                "lat": lat,
                "lon": lon,
                "start": pa.array(start).cast(pa.timestamp("ms", tz="UTC")),
                "positions": self.positions,
                "sat_positions": self.sat,
                "other_positions": self.positions - self.sat,
                "vessels": self.vessels,
                "positions_per_vessel": self.positions / np.maximum(self.vessels, 1),
            }
        )

    def neighbours(self, cells: I64) -> I64:
        """The 3x3 block of cells around each cell, shape (n, 9); longitude wraps."""
        n_lon = round(360.0 / self.cell_deg)
        n_lat = round(180.0 / self.cell_deg)
        r = np.asarray(cells, np.int64) // n_lon
        c = np.asarray(cells, np.int64) % n_lon
        dr = np.array([-1, -1, -1, 0, 0, 0, 1, 1, 1])
        dc = np.array([-1, 0, 1, -1, 0, 1, -1, 0, 1])
        rr = np.clip(r[:, None] + dr[None, :], 0, n_lat - 1)
        cc = (c[:, None] + dc[None, :]) % n_lon
        out: I64 = rr * n_lon + cc
        return out
