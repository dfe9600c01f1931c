"""Bilinear lookup into a regular lat/lon grid (for distance-from-shore and similar rasters)."""

from __future__ import annotations

import math

import numpy as np

from kernels._jit import njit


@njit
def bilinear_lookup(grid, lat0, lon0, step, lat, lon):
    """Sample ``grid[i_lat, i_lon]`` (cell centres at ``lat0 + i*step``, ``lon0 + j*step``) at
    each (lat, lon), bilinearly; longitudes wrap around the antimeridian. NaN in, NaN out."""
    nlat, nlon = grid.shape
    n = lat.shape[0]
    out = np.empty(n, dtype=np.float64)
    for k in range(n):
        la = lat[k]
        lo = lon[k]
        if math.isnan(la) or math.isnan(lo):
            out[k] = np.nan
            continue
        y = (la - lat0) / step
        x = (((lo - lon0) % 360.0) + 360.0) % 360.0 / step
        if y < 0.0:
            y = 0.0
        elif y > nlat - 1:
            y = nlat - 1.0
        i0 = int(math.floor(y))
        if i0 >= nlat - 1:
            i0 = nlat - 2
        j0 = int(math.floor(x)) % nlon
        j1 = (j0 + 1) % nlon
        fy = y - i0
        fx = x - math.floor(x)
        v00 = grid[i0, j0]
        v01 = grid[i0, j1]
        v10 = grid[i0 + 1, j0]
        v11 = grid[i0 + 1, j1]
        out[k] = (v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy
    return out
