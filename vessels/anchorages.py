"""Anchorages derived from the positions themselves, plus an optional user list.

GFW pipe-anchorages: a place where many distinct vessels stay stationary for a long time is an
anchorage (stationary >= 720 min within 0.5 km, S2 level-14 cells, >= 20 unique vessels;
docs/references.md, "Anchorages"). Cells here are ``cell_deg`` squares (0.005 deg is about
0.55 km of latitude, close to an S2 L14 cell). No package ships an anchorage list, so the
project derives one; a user CSV such as GFW's ``anchorage_overrides.csv.gz`` can be added.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kernels.cellhour import cell_index
from kernels.runs import slow_steps
from vessels.errors import InputError
from vessels.tracks import Tracks

__all__ = ["AnchorageParams", "Anchorages", "anchorages_from_tracks", "read_anchorages_csv"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class AnchorageParams:
    """Defaults from GFW pipe-anchorages (see module docstring)."""

    cell_deg: float = 0.005
    max_speed_kn: float = 0.5  # stationary: below this, allowing GPS jitter
    min_stay_h: float = 12.0  # 720 min
    min_vessels: int = 20


@dataclass(frozen=True)
class Anchorages:
    lat: F64
    lon: F64
    name: tuple[str, ...]
    vessels: npt.NDArray[np.int64]  # distinct vessels that stayed (0 for user entries)


def anchorages_from_tracks(
    tracks: Tracks, params: AnchorageParams = AnchorageParams()
) -> Anchorages:
    """Cells where at least ``min_vessels`` distinct MMSIs stayed ``min_stay_h`` stationary."""
    empty = Anchorages(np.zeros(0), np.zeros(0), (), np.zeros(0, np.int64))
    if tracks.n < 2:
        return empty
    slow = slow_steps(
        tracks.t,
        tracks.lat,
        tracks.lon,
        tracks.sog,
        tracks.seg_start,
        float(params.max_speed_kn),
        50.0,
        6 * 3_600_000,
    )
    rows = np.flatnonzero(slow)
    if rows.size == 0:
        return empty
    cells = cell_index(tracks.lat[rows], tracks.lon[rows], float(params.cell_deg))
    seg = tracks.seg[rows]
    order = np.lexsort((seg, cells))
    c, s, r = cells[order], seg[order], rows[order]
    starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (s[1:] != s[:-1])])
    t_next = tracks.t[r + 1]  # the slow step ends at the next report
    first = np.minimum.reduceat(tracks.t[r], starts)
    last = np.maximum.reduceat(t_next, starts)
    stay = (last - first) >= params.min_stay_h * 3_600_000
    pc, pm = c[starts][stay], tracks.mmsi[r[starts]][stay]
    if pc.size == 0:
        return empty
    pairs = np.unique(np.c_[pc, pm.astype(np.int64)], axis=0)
    cell_ids, counts = np.unique(pairs[:, 0], return_counts=True)
    good = cell_ids[counts >= params.min_vessels]
    n_vessels = counts[counts >= params.min_vessels]
    n_lon = round(360.0 / params.cell_deg)
    lat = (good // n_lon + 0.5) * params.cell_deg - 90.0
    lon = (good % n_lon + 0.5) * params.cell_deg - 180.0
    names = tuple(f"derived anchorage {la:.3f},{lo:.3f}" for la, lo in zip(lat, lon, strict=True))
    return Anchorages(
        lat.astype(np.float64), lon.astype(np.float64), names, n_vessels.astype(np.int64)
    )


def read_anchorages_csv(path: str | Path) -> Anchorages:
    """A CSV (optionally .gz) with latitude/longitude (or lat/lon) and an optional label/name."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such anchorage file", str(p))
    raw = gzip.open(p, "rb") if p.suffix == ".gz" else open(p, "rb")  # noqa: SIM115
    lat: list[float] = []
    lon: list[float] = []
    names: list[str] = []
    with io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
        la = cols.get("latitude") or cols.get("lat")
        lo = cols.get("longitude") or cols.get("lon")
        nm = cols.get("label") or cols.get("name")
        if la is None or lo is None:
            raise InputError(
                f"anchorage CSV needs latitude and longitude columns; found {list(cols)}", str(p)
            )
        for row in reader:
            try:
                y, x = float(row[la]), float(row[lo])
            except (TypeError, ValueError):
                continue
            if -90 <= y <= 90 and -180 <= x <= 180:
                lat.append(y)
                lon.append(x)
                names.append((row.get(nm) or "").strip() if nm else "")
    if not lat:
        raise InputError("anchorage CSV holds no valid rows", str(p))
    return Anchorages(np.array(lat), np.array(lon), tuple(names), np.zeros(len(lat), np.int64))
