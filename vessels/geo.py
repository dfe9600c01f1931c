"""Geography from data installed with packages: distance from shore and from ports.

- Distance from shore: the 0.1-degree great-circle distance-to-land grid built from GSHHG
  coastlines that ships inside the ``landmetrics`` wheel (read from the package folder, so
  nothing is ever downloaded). Values are km, negative over land; sampled bilinearly.
- Ports: the 3,962 UN/LOCODE ports that ship inside the ``searoute`` package.
- Anchorages are not shipped by any package: :func:`anchorages_from_positions` derives them from
  the data itself (GFW's rule: many vessels stationary at one place), and a user list can be added.
"""

from __future__ import annotations

import functools
import json
import math
import os
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kernels.gridlookup import bilinear_lookup
from kernels.match import M_PER_DEG
from vessels.errors import InputError

__all__ = [
    "PortIndex",
    "distance_to_port_km",
    "distance_to_shore_km",
    "local_xy_m",
    "port_index",
    "shore_grid",
]

F64 = npt.NDArray[np.float64]
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class ShoreGrid:
    values_km: npt.NDArray[np.float32]  # [lat, lon], km, negative over land
    lat0: float
    lon0: float
    step_deg: float


def _cache_dir() -> Path:
    base = os.environ.get("VESSELS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "vessels"
    )
    return Path(base)


@functools.cache
def shore_grid() -> ShoreGrid:
    """The distance-to-land grid, cached as .npy after the first read (netCDF decode is slow)."""
    import landmetrics

    nc = Path(landmetrics.__file__).parent / "data" / "distance_to_land_0.1deg_gt0km2.nc"
    cache = _cache_dir() / f"shore_km_0.1deg_{int(nc.stat().st_mtime)}.npy"
    if cache.is_file():
        values = np.load(cache, mmap_mode="r")
    else:
        import netCDF4

        with warnings.catch_warnings(), netCDF4.Dataset(nc) as ds:
            warnings.simplefilter("ignore")  # the file's valid_min/max attrs are float64
            values = np.asarray(ds.variables["distance_to_land"][:], dtype=np.float32)
            lat = np.asarray(ds.variables["lat"][:], dtype=np.float64)
            lon = np.asarray(ds.variables["lon"][:], dtype=np.float64)
        if not (
            abs(lat[0] + 90) < 1e-6 and abs(lon[0] + 180) < 1e-6 and values.shape == (1801, 3600)
        ):
            raise InputError("unexpected layout of the landmetrics distance grid", str(nc))
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, values)
            os.replace(tmp, cache)
        except OSError:
            pass  # a read-only home is fine: we just decode again next time
    return ShoreGrid(values_km=values, lat0=-90.0, lon0=-180.0, step_deg=0.1)


def local_xy_m(lat: F64, lon: F64, lat0: float, lon0: float) -> tuple[F64, F64]:
    """East and north metres from (``lat0``, ``lon0``) on a local equirectangular plane
    (antimeridian-safe): for distances of a few km, as in matching SAR detections to AIS."""
    c = math.cos(math.radians(lat0))
    x = ((lon - lon0 + 540.0) % 360.0 - 180.0) * c * M_PER_DEG
    return x, (lat - lat0) * M_PER_DEG


def distance_to_shore_km(lat: npt.ArrayLike, lon: npt.ArrayLike) -> F64:
    """Distance from the nearest coastline in km for each point (negative on land)."""
    g = shore_grid()
    la = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
    lo = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
    out: F64 = bilinear_lookup(g.values_km, g.lat0, g.lon0, g.step_deg, la, lo)
    return out


@dataclass(frozen=True)
class PortIndex:
    lat: F64
    lon: F64
    name: tuple[str, ...]
    code: tuple[str, ...]

    @functools.cached_property
    def _tree(self) -> object:
        from sklearn.neighbors import BallTree

        return BallTree(np.radians(np.c_[self.lat, self.lon]), metric="haversine")

    def nearest(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[F64, npt.NDArray[np.int64]]:
        """Distance in km to the nearest port and its index, for each point."""
        la = np.asarray(lat, dtype=np.float64).reshape(-1)
        lo = np.asarray(lon, dtype=np.float64).reshape(-1)
        if la.size == 0 or self.lat.size == 0:
            return np.full(la.size, np.inf), np.full(la.size, -1, dtype=np.int64)
        dist, idx = self._tree.query(np.radians(np.c_[la, lo]), k=1)  # type: ignore[attr-defined]
        return dist[:, 0] * EARTH_RADIUS_KM, idx[:, 0].astype(np.int64)

    def extended(self, lat: npt.ArrayLike, lon: npt.ArrayLike, names: list[str]) -> PortIndex:
        """This index plus extra places (for example derived or user-supplied anchorages)."""
        return PortIndex(
            lat=np.r_[self.lat, np.asarray(lat, dtype=np.float64)],
            lon=np.r_[self.lon, np.asarray(lon, dtype=np.float64)],
            name=self.name + tuple(names),
            code=self.code + tuple("" for _ in names),
        )


@functools.cache
def port_index() -> PortIndex:
    """World ports (UN/LOCODE) from the searoute package."""
    ref = resources.files("searoute") / "data" / "ports.geojson"
    data = json.loads(ref.read_text(encoding="utf-8"))
    lat, lon, name, code = [], [], [], []
    for f in data["features"]:
        x, y = f["geometry"]["coordinates"][:2]
        lat.append(float(y))
        lon.append(float(x))
        name.append(str(f["properties"].get("name") or ""))
        code.append(str(f["properties"].get("port") or ""))
    return PortIndex(np.array(lat), np.array(lon), tuple(name), tuple(code))


def distance_to_port_km(lat: npt.ArrayLike, lon: npt.ArrayLike) -> F64:
    """Distance in km to the nearest listed port."""
    return port_index().nearest(lat, lon)[0]
