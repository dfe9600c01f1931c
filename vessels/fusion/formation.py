"""Vessels in formation share their placement error: match them by their relative geometry.

Two pair trawlers 300 m apart, or a fishing vessel alongside a carrier, are heard in the same
satellite passes and move together: interpolated to the image time, both are off by about the
same vector, often by more than their separation, so each alone fits either detection and the
one-to-one assignment can swap them. The vector between the two detections, though, should
repeat the vector between the two placements (the common error cancels). For every two matched
vessels of one scene placed within ``formation_max_m`` of each other at speeds within
``formation_max_dspeed_kn``, the swapped assignment is taken when it explains the relative
geometry and the lengths and headings better: log-likelihood ratio
``(r_keep^2 - r_swap^2) / (2 formation_sigma_m^2) + log(f_swap / f_keep)`` > 0, with ``r`` the
misfit of the detection-to-detection vector against the placement-to-placement vector and
``f`` the product of the two pairs' length and heading agreements. Both swapped pairs must be
candidates (within reach and above the score threshold) already.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from vessels.geo import local_xy_m

__all__ = ["formation_swaps"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


def formation_swaps(
    p_det: I64,
    p_ves: I64,
    chosen: B,
    agree: F64,
    d_lat: F64,
    d_lon: F64,
    v_lat: F64,
    v_lon: F64,
    v_spd: F64,
    v_scene: I64,
    *,
    max_m: float,
    max_dspeed_kn: float,
    sigma_m: float,
) -> tuple[B, int]:
    """``chosen`` with formation swaps applied, and how many were made.

    ``p_det, p_ves``: candidate pairs; ``agree``: their length x heading agreement (0, 1];
    ``chosen``: the pairs of the one-to-one assignment.
    """
    out = chosen.copy()
    ch = np.flatnonzero(chosen)
    if ch.size < 2 or max_m <= 0:
        return out, 0
    index = {(int(d), int(v)): k for k, (d, v) in enumerate(zip(p_det, p_ves, strict=True))}
    ch = ch[np.argsort(v_scene[p_ves[ch]], kind="stable")]
    sc = v_scene[p_ves[ch]]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    found: list[tuple[float, int, int, int, int]] = []
    for group in np.split(ch, cuts):
        if group.size < 2:
            continue
        vs, ds = p_ves[group], p_det[group]
        lat0, lon0 = float(v_lat[vs[0]]), float(v_lon[vs[0]])
        vx, vy = local_xy_m(v_lat[vs], v_lon[vs], lat0, lon0)
        dx, dy = local_xy_m(d_lat[ds], d_lon[ds], lat0, lon0)
        sep = np.hypot(vx[:, None] - vx[None, :], vy[:, None] - vy[None, :])
        close = (sep <= max_m) & (np.abs(v_spd[vs][:, None] - v_spd[vs][None, :]) <= max_dspeed_kn)
        for i, j in zip(*np.nonzero(np.triu(close, 1)), strict=True):
            k_is = index.get((int(ds[i]), int(vs[j])))
            k_js = index.get((int(ds[j]), int(vs[i])))
            if k_is is None or k_js is None:
                continue
            ddx, ddy = dx[i] - dx[j], dy[i] - dy[j]
            vvx, vvy = vx[i] - vx[j], vy[i] - vy[j]
            r_keep = (ddx - vvx) ** 2 + (ddy - vvy) ** 2
            r_swap = (ddx + vvx) ** 2 + (ddy + vvy) ** 2
            f_keep = agree[group[i]] * agree[group[j]]
            f_swap = agree[k_is] * agree[k_js]
            llr = (r_keep - r_swap) / (2.0 * sigma_m**2) + math.log(f_swap / f_keep)
            if llr > 0:
                found.append((llr, int(group[i]), int(group[j]), k_is, k_js))
    found.sort(key=lambda x: -x[0])
    used: set[int] = set()
    n = 0
    for _, ki, kj, k_is, k_js in found:
        if ki in used or kj in used:
            continue
        used.update((ki, kj))
        out[[ki, kj]] = False
        out[[k_is, k_js]] = True
        n += 1
    return out, n
