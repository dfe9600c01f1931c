"""Gridded activity as an xarray Dataset (``grids.nc``): where vessels were, how well AIS was
received there, and where events happened, per cell and UTC day.

Variables (dims ``time``, ``lat``, ``lon``; ``event_count`` also ``event_type``):
- ``positions``: AIS position reports per cell and day.
- ``sat_positions``: of which received by satellite (when the input says so).
- ``vessel_hours``: hours of vessel presence (each report credited with the time to the next
  one, capped at ``max_interval_h``).
- ``reception_per_vessel_day``: positions per 24 vessel-hours: a reception-quality layer, the
  measure GFW uses to tell coverage holes from intentional AIS disabling (Welch et al. 2022 use
  satellite positions per vessel-day in 1-degree cells).
- ``event_count``: events starting in the cell and day, by event type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import xarray as xr

from kernels.grid import activity_grid, weighted_counts
from vessels.atomic import atomic_path
from vessels.errors import ConfigError
from vessels.schema import EVENT_TYPES
from vessels.tracks import Tracks

__all__ = ["GridParams", "build_grids", "write_grids"]

DAY_MS = 86_400_000


@dataclass(frozen=True)
class GridParams:
    """Grid resolution and limits."""

    cell_deg: float = 0.1  # same resolution as the GSHHG distance-to-shore grid we ship
    max_interval_h: float = 1.0  # cap on hours credited to one report (a gap is not presence)
    max_cells: int = 20_000_000  # cells over all days; the grid is coarsened to stay below it

    def __post_init__(self) -> None:
        if not (self.cell_deg > 0 and self.max_interval_h > 0 and self.max_cells > 0):
            raise ConfigError(f"[grids] values must be positive, got {self}")


@dataclass(frozen=True)
class _Spec:
    lat0: float
    lon0: float
    step: float
    nlat: int
    nlon: int
    day0_ms: int
    ndays: int


def _spec(lat: np.ndarray, lon: np.ndarray, t: np.ndarray, params: GridParams) -> _Spec:
    step = params.cell_deg
    if lat.size == 0:
        return _Spec(0.0, 0.0, step, 1, 1, 0, 1)
    day0 = int(t.min()) // DAY_MS * DAY_MS
    ndays = int(t.max()) // DAY_MS - day0 // DAY_MS + 1
    lat_lo, lat_hi = float(np.nanmin(lat)), float(np.nanmax(lat))
    lon_lo, lon_hi = float(np.nanmin(lon)), float(np.nanmax(lon))
    while True:
        lat0 = math.floor(lat_lo / step) * step
        lon0 = math.floor(lon_lo / step) * step
        nlat = int(math.floor((lat_hi - lat0) / step)) + 1
        nlon = int(math.floor((lon_hi - lon0) / step)) + 1
        if nlat * nlon * ndays <= params.max_cells or step >= 10.0:
            break
        step *= 2.0  # coarsen: keeps the file and memory bounded on world-wide inputs
    return _Spec(round(lat0, 9), round(lon0, 9), step, nlat, nlon, day0, ndays)


def build_grids(
    tracks: Tracks, events: pa.Table | None = None, params: GridParams = GridParams()
) -> xr.Dataset:
    """Gridded activity, reception quality and event density for ``tracks`` and ``events``."""
    ev_t = ev_lat = ev_lon = np.zeros(0)
    ev_type: list[str] = []
    if events is not None and events.num_rows:
        ev = events.filter(
            pa.compute.and_(pa.compute.is_valid(events["lat"]), pa.compute.is_valid(events["lon"]))
        )
        ev_t = ev["start"].cast(pa.int64()).to_numpy()
        ev_lat = ev["lat"].to_numpy()
        ev_lon = ev["lon"].to_numpy()
        ev_type = ev["type"].to_pylist()
    all_lat = np.concatenate([tracks.lat, ev_lat])
    all_lon = np.concatenate([tracks.lon, ev_lon])
    all_t = np.concatenate([tracks.t, ev_t.astype(np.int64)])
    sp = _spec(all_lat, all_lon, all_t, params)
    # the grid as every kernel takes it: origin, cell size, shape, first day and day count
    grid = (sp.lat0, sp.lon0, sp.step, sp.nlat, sp.nlon, sp.day0_ms, sp.ndays)
    pos, sat, hours = activity_grid(
        tracks.t,
        tracks.lat,
        tracks.lon,
        tracks.is_sat,
        tracks.seg_start,
        *grid,
        int(params.max_interval_h * 3_600_000),
    )
    ev_counts = np.zeros((len(EVENT_TYPES), sp.ndays, sp.nlat, sp.nlon), dtype=np.int32)
    types_arr = np.array(ev_type, dtype=object)
    for k, name in enumerate(EVENT_TYPES):
        m = types_arr == name
        if m.any():
            ev_counts[k] = weighted_counts(
                ev_t[m].astype(np.int64),
                ev_lat[m],
                ev_lon[m],
                np.ones(int(m.sum())),
                *grid,
            ).astype(np.int32)
    with np.errstate(divide="ignore", invalid="ignore"):
        quality = np.where(hours > 0, pos * 24.0 / hours, np.nan).astype(np.float32)
    days = (sp.day0_ms + DAY_MS * np.arange(sp.ndays, dtype=np.int64)).astype("datetime64[ms]")
    lat_c = np.round(sp.lat0 + (np.arange(sp.nlat) + 0.5) * sp.step, 9)
    lon_c = np.round(sp.lon0 + (np.arange(sp.nlon) + 0.5) * sp.step, 9)
    dims = ("time", "lat", "lon")
    ds = xr.Dataset(
        {
            "positions": (dims, pos, {"long_name": "AIS position reports", "units": "1"}),
            "sat_positions": (
                dims,
                sat,
                {"long_name": "AIS position reports received by satellite", "units": "1"},
            ),
            "vessel_hours": (
                dims,
                hours.astype(np.float32),
                {
                    "long_name": "hours of vessel presence",
                    "units": "h",
                    "max_interval_h": params.max_interval_h,
                },
            ),
            "reception_per_vessel_day": (
                dims,
                quality,
                {"long_name": "position reports per 24 vessel-hours", "units": "1/d"},
            ),
            "event_count": (
                ("event_type", *dims),
                ev_counts,
                {"long_name": "events starting in the cell and day", "units": "1"},
            ),
        },
        coords={
            "time": ("time", days.astype("datetime64[ns]"), {"long_name": "UTC day"}),
            "lat": ("lat", lat_c, {"units": "degrees_north", "long_name": "cell centre"}),
            "lon": ("lon", lon_c, {"units": "degrees_east", "long_name": "cell centre"}),
            "event_type": ("event_type", np.array(EVENT_TYPES, dtype=object)),
        },
        attrs={
            "title": "vessels gridded activity",
            "Conventions": "CF-1.8",
            "cell_deg": sp.step,
            "source": "vessels investigate",
        },
    )
    return ds


def write_grids(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` as NetCDF-4 (netCDF4 engine), compressed, atomically."""
    path = Path(path)
    enc: dict[str, dict[str, Any]] = {
        str(name): {"zlib": True, "complevel": 4}
        for name in ds.data_vars
        if np.issubdtype(ds[name].dtype, np.number)
    }
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, mode="w", engine="netcdf4", format="NETCDF4", encoding=enc)
    return path
