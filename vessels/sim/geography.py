"""Real places for a scenario: ports from searoute's UN/LOCODE list, their way out to sea, the
coastal AIS stations on them, and checks that a route stays on water (GSHHG shore distance)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from kernels.geo import destination, haversine_m
from vessels.errors import ConfigError
from vessels.geo import distance_to_shore_km, port_index
from vessels.sim.params import REGIONS, Region, Station

__all__ = ["Geography", "Port", "geography"]

OFFING_KM = 30.0  # a port's way out ends this far from any coast
NEAR_PORT_KM = 12.0  # inside this radius of a port the 0.1-degree shore grid is too coarse


@dataclass(frozen=True)
class Port:
    code: str
    name: str
    lat: float
    lon: float
    exit_path: tuple[tuple[float, float], ...]  # waypoints from the port out to open water


@dataclass(frozen=True)
class Geography:
    region: Region
    ports: tuple[Port, ...]
    stations: tuple[Station, ...]
    anchorages: tuple[tuple[float, float], ...]  # a few km out on a port's exit path

    @property
    def shifted_station(self) -> int:
        """The station whose clock the simulator may shift: the one by the busy roadstead, so
        its reports overlap with other receivers' (what clock-offset estimation needs)."""
        name = f"{self.region.anchorages[0]}-terrestrial"
        return next(i for i, s in enumerate(self.stations) if s.name == name)

    def port(self, code: str) -> Port:
        return next(p for p in self.ports if p.code == code)

    def in_box(self, box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
        return box[0] <= lat <= box[1] and box[2] <= lon <= box[3]

    def on_water(self, lat: np.ndarray, lon: np.ndarray, margin_km: float = 0.5) -> np.ndarray:
        """True where a point is at sea, or so close to a port that the grid cannot tell."""
        ok = distance_to_shore_km(lat, lon) > margin_km
        if ok.all():
            return ok
        for p in self.ports:
            d = haversine_np(lat, lon, p.lat, p.lon)
            ok |= d < NEAR_PORT_KM * 1000.0
        return ok


def haversine_np(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Great-circle metres from many points to one (NumPy; for checks, not kernels)."""
    p1 = np.radians(lat)
    p2 = math.radians(lat0)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * math.cos(p2) * np.sin(np.radians(lon0 - np.asarray(lon)) / 2) ** 2
    )
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _exit_path(lat: float, lon: float) -> tuple[tuple[float, float], ...]:
    """Climb the distance-to-shore field from the port in 4 km steps until open water."""
    path = [(lat, lon)]
    cur = (lat, lon)
    for _ in range(60):
        d0 = float(distance_to_shore_km(cur[0], cur[1])[0])
        if d0 >= OFFING_KM:
            break
        cands = [destination(cur[0], cur[1], float(b), 4000.0) for b in range(0, 360, 10)]
        la = np.array([c[0] for c in cands])
        lo = np.array([c[1] for c in cands])
        d = distance_to_shore_km(la, lo)
        # never step back towards where we came from
        if len(path) > 1:
            back = np.array([haversine_m(a, b, *path[-2]) for a, b in zip(la, lo, strict=False)])
            d = np.where(back < 4000.0, -np.inf, d)
        i = int(np.argmax(d))
        cur = (float(la[i]), float(lo[i]))
        path.append(cur)
    return tuple(path)


@functools.cache
def geography(region_name: str) -> Geography:
    """The ports, exits and receivers of a named region (cached: the exits cost a few lookups)."""
    if region_name not in REGIONS:
        raise ConfigError(f"unknown region {region_name!r}; choose one of {sorted(REGIONS)}")
    region = REGIONS[region_name]
    idx = port_index()
    ports = []
    for code in region.ports:
        hits = [i for i, c in enumerate(idx.code) if c == code]
        if not hits:
            raise ConfigError(f"port {code} is not in the UN/LOCODE list shipped with searoute")
        i = hits[0]
        lat, lon = float(idx.lat[i]), float(idx.lon[i])
        path = _exit_path(lat, lon)
        if float(distance_to_shore_km(*path[-1])[0]) < OFFING_KM:
            raise ConfigError(f"no way out to open water found from port {code}")
        ports.append(Port(code, idx.name[i], lat, lon, path))
    stations = tuple(
        Station(f"{p.code}-terrestrial", p.lat, p.lon, region.stations_range_nm) for p in ports
    )
    by_code = {p.code: p for p in ports}
    anchorages = tuple(
        by_code[c].exit_path[min(2, len(by_code[c].exit_path) - 1)] for c in region.anchorages
    )
    return Geography(region, tuple(ports), stations, anchorages)
