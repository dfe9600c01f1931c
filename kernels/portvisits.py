"""Port visits: one linear scan per segment over the distance to the nearest port or anchorage.

The state machine of GFW pipe-anchorages (docs/references.md, "Port visits"): a visit opens at
the first report within ``entry_km`` of a port, holds while reports stay within ``exit_km``
(the hysteresis keeps a vessel swinging at anchor on the edge from making a visit per swing),
and closes at the last report before one beyond ``exit_km`` or at the end of the segment. A
visit counts only with a stop inside (reported speed below ``stop_kn``, or where no speed was
reported, implied speed between two reports below it after ``noise_m`` of position noise) or an
AIS silence of at least ``port_gap_ms`` inside (GFW's "port gap": AIS is often off in port).

Times in ms, distances in km, speeds in knots. ``seg_start`` has one entry per segment plus the
total at the end.
"""

from __future__ import annotations

import numpy as np

from kernels._jit import njit
from kernels.geo import KNOT_MS, haversine_m


@njit
def _push(out, c, row):
    """``out`` with ``row`` stored at ``c``, doubled first when full."""
    if c == out.shape[0]:
        grown = np.empty((2 * c, out.shape[1]), dtype=np.int64)
        grown[:c] = out[:c]
        out = grown
    out[c, :] = row
    return out


@njit
def port_visit_runs(
    t, lat, lon, sog, port_km, port_idx, seg_start, entry_km, exit_km, stop_kn, noise_m, port_gap_ms
):
    """Every candidate visit as rows ``(seg, first, last, port, stopped, gapped, entered, exited)``.

    ``first``/``last`` are the first and last rows of the visit; ``port`` the index of the
    nearest port at its first row; ``stopped``/``gapped`` whether a stop or a port gap was seen
    inside; ``entered`` whether the segment had a report outside ``entry_km`` before the visit
    (an entry was observed), ``exited`` whether a report beyond ``exit_km`` ended it. Visits
    without a stop or gap are returned too (the caller keeps or drops them).
    """
    n_seg = seg_start.shape[0] - 1
    out = np.empty((16, 8), dtype=np.int64)
    row = np.zeros(8, dtype=np.int64)
    c = 0
    for s in range(n_seg):
        a = seg_start[s]
        b = seg_start[s + 1]
        inside = False
        for i in range(a, b):
            if not inside:
                if port_km[i] > entry_km:
                    continue
                inside = True
                row[0] = s
                row[1] = i
                row[3] = port_idx[i]
                row[4] = 1 if sog[i] < stop_kn else 0  # NaN compares False
                row[5] = 0
                row[6] = 1 if i > a else 0
                row[7] = 0
            elif port_km[i] > exit_km:
                row[2] = i - 1
                row[7] = 1
                out = _push(out, c, row)
                c += 1
                inside = False
                continue
            else:
                dt = t[i] - t[i - 1]
                if dt >= port_gap_ms:
                    row[5] = 1
                if sog[i] < stop_kn:
                    row[4] = 1
                elif sog[i] != sog[i] and dt > 0:  # no reported speed: implied speed
                    d = haversine_m(lat[i - 1], lon[i - 1], lat[i], lon[i])
                    if max(d - noise_m, 0.0) / (dt / 1000.0) < stop_kn * KNOT_MS:
                        row[4] = 1
            if i == b - 1:  # the segment ends inside: a visit without an observed exit
                row[2] = i
                out = _push(out, c, row)
                c += 1
    return out[:c].copy()
