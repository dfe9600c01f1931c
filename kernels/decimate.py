"""Track decimation for display: fewer points, same shape, never joined across AIS gaps.

Radial-distance simplification (the first pass of Douglas-Peucker implementations such as
simplify.js): a point is kept when it lies more than ``tol_deg`` (equirectangular degrees, the
longitude scaled by cos(lat)) from the last kept point. The first and last point of every piece
are always kept, and a new piece starts after every gap longer than ``max_gap_ms``, so a map
never draws a straight line through a period when the vessel was silent.
"""

from __future__ import annotations

import math

import numpy as np

from kernels._jit import njit


@njit
def decimate_tracks(t, lat, lon, seg_start, max_gap_ms, tol_deg):
    """Returns (keep bool[n], piece_start bool[n]): which rows to draw, and which kept rows begin
    a new polyline (start of a segment or first report after a gap)."""
    n = t.shape[0]
    keep = np.zeros(n, dtype=np.bool_)
    piece = np.zeros(n, dtype=np.bool_)
    tol2 = tol_deg * tol_deg
    n_seg = seg_start.shape[0] - 1
    for s in range(n_seg):
        a = seg_start[s]
        b = seg_start[s + 1]
        if b <= a:
            continue
        keep[a] = True
        piece[a] = True
        last = a
        for k in range(a + 1, b):
            if t[k] - t[k - 1] > max_gap_ms:
                keep[k - 1] = True  # close the piece before the gap
                keep[k] = True
                piece[k] = True
                last = k
                continue
            c = math.cos(math.radians(0.5 * (lat[k] + lat[last])))
            dlon = lon[k] - lon[last]
            if dlon > 180.0:
                dlon -= 360.0
            elif dlon < -180.0:
                dlon += 360.0
            dx = dlon * c
            dy = lat[k] - lat[last]
            if dx * dx + dy * dy > tol2:
                keep[k] = True
                last = k
        keep[b - 1] = True
    return keep, piece
