"""Kernels for matching satellite detections to AIS tracks.

``project_to_scenes``: every AIS segment with a report near a scene's time is placed at that time
(interpolated between the reports around it, or dead-reckoned from the nearest one) with a 1-sigma
position uncertainty in metres that grows with the time from the report. ``candidate_pairs``:
detection/vessel pairs of one scene closer than the vessel's search radius, by a latitude-sorted
sweep. Distances in metres, speeds in knots, times in ms since the epoch.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numba import prange

from kernels._jit import COUNT_ONLY, WRITE, njit, njit_parallel
from kernels.geo import KNOT_MS, destination, haversine_m, initial_bearing_deg

M_PER_DEG = 111_195.0  # metres per degree of latitude on the mean sphere

METHOD_INTERP = 0
METHOD_FORWARD = 1  # dead reckoning forward from the last report before the image
METHOD_BACKWARD = 2  # dead reckoning backward from the first report after the image


@njit
def wrap_lon(dlon):
    """Longitude difference wrapped to [-180, 180)."""
    return (dlon + 540.0) % 360.0 - 180.0


@njit
def _first_after(t, lo, hi, T):
    """First index in [lo, hi) of sorted ``t`` with t > T (hi when none)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if t[mid] <= T:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _valid_motion(sog, cog):
    return math.isfinite(sog) and math.isfinite(cog) and 0.0 <= sog < 60.0 and 0.0 <= cog < 360.0


@njit
def project_one(
    t,
    lat,
    lon,
    sog,
    cog,
    a,
    b,
    T,
    max_interp_gap_ms,
    max_extrap_ms,
    sigma0_m,
    growth_kn,
    growth_frac,
    unknown_speed_kn,
    meander_frac,
):
    """Place rows ``a:b`` of one segment at time ``T``.

    Returns (ok, lat, lon, sigma_m, dt_ms, method, speed_kn, row): ``dt_ms`` is the time from
    the report(s) used (the nearer one when interpolating), ``row`` the nearest report used.
    """
    if b <= a or t[a] - max_extrap_ms > T or t[b - 1] + max_extrap_ms < T:
        return False, 0.0, 0.0, 0.0, 0, -1, 0.0, -1
    lo = _first_after(t, a, b, T)
    return project_at(
        t, lat, lon, sog, cog, a, b, lo, T, max_interp_gap_ms, max_extrap_ms, sigma0_m,
        growth_kn, growth_frac, unknown_speed_kn, meander_frac,
    )  # fmt: skip


@njit
def project_at(
    t,
    lat,
    lon,
    sog,
    cog,
    a,
    b,
    lo,
    T,
    max_interp_gap_ms,
    max_extrap_ms,
    sigma0_m,
    growth_kn,
    growth_frac,
    unknown_speed_kn,
    meander_frac,
):
    """:func:`project_one` given ``lo``, the first row of ``a:b`` with ``t > T``."""
    ib = lo - 1  # last report at or before T (may be < a)
    ia = lo  # first report after T (may be == b)
    if ib >= a and ia < b and t[ia] - t[ib] <= max_interp_gap_ms:
        span = t[ia] - t[ib]
        frac = (T - t[ib]) / span if span > 0 else 0.0
        plat = lat[ib] + frac * (lat[ia] - lat[ib])
        plon = wrap_lon(lon[ib] + frac * wrap_lon(lon[ia] - lon[ib]))
        d = haversine_m(lat[ib], lon[ib], lat[ia], lon[ia])
        implied = d / (span / 1000.0) / KNOT_MS if span > 0 else 0.0
        # reported speed over ground: the faster of the two reports
        reported = -1.0
        for i in (ib, ia):
            if math.isfinite(sog[i]) and 0.0 <= sog[i] < 60.0 and sog[i] > reported:
                reported = sog[i]
        speed = max(implied, reported)
        # a vessel reporting more speed than the straight line between its reports implies is
        # manoeuvring (fishing, zig-zag): that unexplained speed moves it off the line, most in
        # the middle of the interval (a Brownian-bridge-like time factor dt_b * dt_a / span)
        meander = math.sqrt(max(reported * reported - implied * implied, 0.0))
        bridge_s = (
            (T - t[ib]) / 1000.0 * ((t[ia] - T) / 1000.0) / (span / 1000.0) if span > 0 else 0.0
        )
        dt = min(T - t[ib], t[ia] - T)
        row = ib if T - t[ib] <= t[ia] - T else ia
        sigma = sigma0_m + (growth_kn + growth_frac * speed) * KNOT_MS * dt / 1000.0
        sigma += meander_frac * meander * KNOT_MS * bridge_s
        return True, plat, plon, sigma, dt, 0, speed, row
    # dead reckoning from the nearer side within max_extrap_ms
    use_before = ib >= a and T - t[ib] <= max_extrap_ms
    use_after = ia < b and t[ia] - T <= max_extrap_ms
    if use_before and use_after:
        if T - t[ib] <= t[ia] - T:
            use_after = False
        else:
            use_before = False
    if not use_before and not use_after:
        return False, 0.0, 0.0, 0.0, 0, -1, 0.0, -1
    if use_before:
        row = ib
        nb = ib - 1 if ib - 1 >= a else -1
        method = 1
        dt = T - t[ib]
    else:
        row = ia
        nb = ia + 1 if ia + 1 < b else -1
        method = 2
        dt = t[ia] - T
    speed = unknown_speed_kn
    bearing = 0.0
    moving = False
    if _valid_motion(sog[row], cog[row]):
        speed = sog[row]
        bearing = cog[row]
        moving = True
    elif nb >= 0 and abs(t[row] - t[nb]) > 0 and abs(t[row] - t[nb]) <= 6 * 3_600_000:
        span = abs(t[row] - t[nb]) / 1000.0
        if method == 1:
            d = haversine_m(lat[nb], lon[nb], lat[row], lon[row])
            bearing = initial_bearing_deg(lat[nb], lon[nb], lat[row], lon[row])
        else:
            d = haversine_m(lat[row], lon[row], lat[nb], lon[nb])
            bearing = initial_bearing_deg(lat[row], lon[row], lat[nb], lon[nb])
        speed = d / span / KNOT_MS
        moving = True
    if method == 2:
        bearing = (bearing + 180.0) % 360.0
    plat = lat[row]
    plon = lon[row]
    if moving and speed > 0.0:
        plat, plon = destination(lat[row], lon[row], bearing, speed * KNOT_MS * dt / 1000.0)
    sigma = sigma0_m + (growth_kn + growth_frac * speed) * KNOT_MS * dt / 1000.0
    return True, plat, plon, sigma, dt, method, speed, row


@njit
def _in_box(plat, plon, lat0, lon0, half_dlat, half_dlon, margin_m):
    m_deg = margin_m / M_PER_DEG
    if abs(plat - lat0) > half_dlat + m_deg:
        return False
    c = max(math.cos(math.radians(plat)), 0.01)
    return abs(wrap_lon(plon - lon0)) <= half_dlon + m_deg / c


@njit
def _far_in_lat(t, lat, a, b, lo, T, lat0, half_dlat, max_extrap_ms, max_interp_gap_ms, margin_m):
    """True when no placement of the segment at T can reach the scene's latitude band.

    Interpolated positions lie between the two reports; dead-reckoned ones within 60 kn (the
    AIS SOG validity limit) times the time from the report. ``margin_m`` bounds the search
    radius."""
    ib = lo - 1
    ia = lo
    lo_band = lat0 - half_dlat - margin_m / M_PER_DEG
    hi_band = lat0 + half_dlat + margin_m / M_PER_DEG
    if ib >= a and ia < b and t[ia] - t[ib] <= max_interp_gap_ms:
        return min(lat[ib], lat[ia]) > hi_band or max(lat[ib], lat[ia]) < lo_band
    reach = 60.0 * KNOT_MS * max_extrap_ms / 1000.0 / M_PER_DEG
    far = True
    if ib >= a:
        far = far and (lat[ib] - reach > hi_band or lat[ib] + reach < lo_band)
    if ia < b:
        far = far and (lat[ia] - reach > hi_band or lat[ia] + reach < lo_band)
    return far


class Track(NamedTuple):
    """A track table's columns, rows sorted by (segment, time); segment k is rows
    ``seg_start[k]:seg_start[k + 1]``."""

    seg_start: Any
    t: Any
    lat: Any
    lon: Any
    sog: Any
    cog: Any


class Scenes(NamedTuple):
    """Satellite scenes: time, order by time, and a lat/lon box (centre and half-extents)."""

    t: Any
    order: Any
    lat0: Any
    lon0: Any
    half_dlat: Any
    half_dlon: Any


class Projection(NamedTuple):
    """How far and how surely a segment is placed at a scene time (see ``project_at``), and
    its search radius ``min(n_sigma * sigma, max_radius_m)``."""

    max_interp_gap_ms: Any
    max_extrap_ms: Any
    sigma0_m: Any
    growth_kn: Any
    growth_frac: Any
    unknown_speed_kn: Any
    meander_frac: Any
    n_sigma: Any
    max_radius_m: Any


class Placements(NamedTuple):
    """``project_to_scenes``'s output columns, one row per (scene, segment) placement."""

    scene: Any
    seg: Any
    lat: Any
    lon: Any
    sigma_m: Any
    dt_ms: Any
    method: Any
    speed_kn: Any
    row: Any


@njit
def _walk_segment(k, tr, sc, p, out, out_j, emit):
    """Scenes in time order against segment ``k``, with a pointer that only moves forward (the
    segment's rows stay in cache). Counts placements, and writes them to ``out`` from row
    ``out_j`` on when ``emit``."""
    a = tr.seg_start[k]
    b = tr.seg_start[k + 1]
    c = 0
    if b <= a:
        return c
    lo = a
    t_first = tr.t[a] - p.max_extrap_ms
    t_last = tr.t[b - 1] + p.max_extrap_ms
    for q in range(sc.order.shape[0]):
        s = sc.order[q]
        ts = sc.t[s]
        if ts < t_first:
            continue
        if ts > t_last:
            break
        while lo < b and tr.t[lo] <= ts:
            lo += 1
        if _far_in_lat(tr.t, tr.lat, a, b, lo, ts, sc.lat0[s], sc.half_dlat[s], p.max_extrap_ms,
                       p.max_interp_gap_ms, p.max_radius_m):  # fmt: skip
            continue  # cheap rejection before any trigonometry
        ok, plat, plon, sig, dt, meth, spd, row = project_at(
            tr.t, tr.lat, tr.lon, tr.sog, tr.cog, a, b, lo, ts, p.max_interp_gap_ms,
            p.max_extrap_ms, p.sigma0_m, p.growth_kn, p.growth_frac, p.unknown_speed_kn,
            p.meander_frac,
        )  # fmt: skip
        radius = min(p.n_sigma * sig, p.max_radius_m)
        if ok and _in_box(
            plat, plon, sc.lat0[s], sc.lon0[s], sc.half_dlat[s], sc.half_dlon[s], radius
        ):
            if emit:
                j = out_j + c
                out.scene[j] = s
                out.seg[j] = k
                out.lat[j] = plat
                out.lon[j] = plon
                out.sigma_m[j] = sig
                out.dt_ms[j] = dt
                out.method[j] = meth
                out.speed_kn[j] = spd
                out.row[j] = row
            c += 1
    return c


@njit_parallel
def project_to_scenes(
    seg_start,
    t,
    lat,
    lon,
    sog,
    cog,
    scene_t,
    scene_lat0,
    scene_lon0,
    scene_half_dlat,
    scene_half_dlon,
    max_interp_gap_ms,
    max_extrap_ms,
    sigma0_m,
    growth_kn,
    growth_frac,
    unknown_speed_kn,
    meander_frac,
    n_sigma,
    max_radius_m,
):
    """Every (scene, segment) whose projection at the scene time falls in the scene's box.

    The box is the scene's lat/lon half-extents around its centre, widened by the vessel's
    search radius ``min(n_sigma * sigma, max_radius_m)``. Output arrays in segment order:
    scene, seg, lat, lon, sigma_m, dt_ms, method, speed_kn, row.
    """
    tr = Track(seg_start, t, lat, lon, sog, cog)
    order = np.argsort(scene_t, kind="mergesort")
    sc = Scenes(scene_t, order, scene_lat0, scene_lon0, scene_half_dlat, scene_half_dlon)
    p = Projection(max_interp_gap_ms, max_extrap_ms, sigma0_m, growth_kn, growth_frac,
                   unknown_speed_kn, meander_frac, n_sigma, max_radius_m)  # fmt: skip
    n_seg = seg_start.shape[0] - 1
    counts = np.zeros(n_seg, dtype=np.int64)
    e_i = np.empty(0, dtype=np.int64)
    e_f = np.empty(0, dtype=np.float64)
    none = Placements(e_i, e_i, e_f, e_f, e_f, e_i, np.empty(0, dtype=np.int8), e_f, e_i)
    for k in prange(n_seg):
        counts[k] = _walk_segment(k, tr, sc, p, none, np.int64(0), COUNT_ONLY)
    offs = np.zeros(n_seg + 1, dtype=np.int64)
    for k in range(n_seg):
        offs[k + 1] = offs[k] + counts[k]
    n = offs[n_seg]
    out = Placements(
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.float64),
        np.empty(n, dtype=np.float64),
        np.empty(n, dtype=np.float64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int8),
        np.empty(n, dtype=np.float64),
        np.empty(n, dtype=np.int64),
    )
    for k in prange(n_seg):
        _walk_segment(k, tr, sc, p, out, offs[k], WRITE)
    return out


@njit
def _first_geq(arr, lo, hi, x):
    while lo < hi:
        mid = (lo + hi) // 2
        if arr[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit_parallel
def candidate_pairs(det_ptr, det_lat, det_lon, ves_ptr, ves_lat, ves_lon, ves_radius_m, near_m):
    """Detection/vessel pairs of the same scene within the vessel's radius, and nearest vessels.

    Detections of scene s are rows ``det_ptr[s]:det_ptr[s+1]``; vessels of scene s are rows
    ``ves_ptr[s]:ves_ptr[s+1]`` sorted by latitude within the scene. A pair is kept when the
    great-circle distance is at most ``ves_radius_m`` of the vessel. For every detection the
    nearest vessel within ``near_m`` is returned too (-1 and inf when none).
    Returns (pair_det, pair_ves, pair_dist_m, nearest_ves, nearest_dist_m).
    """
    n_scene = det_ptr.shape[0] - 1
    n_det = det_lat.shape[0]
    nearest = np.full(n_det, -1, dtype=np.int64)
    nearest_d = np.full(n_det, np.inf)
    counts = np.zeros(n_scene, dtype=np.int64)
    dlat_deg = near_m / M_PER_DEG
    for s in prange(n_scene):
        v0 = ves_ptr[s]
        v1 = ves_ptr[s + 1]
        c = 0
        for i in range(det_ptr[s], det_ptr[s + 1]):
            j = _first_geq(ves_lat, v0, v1, det_lat[i] - dlat_deg)
            while j < v1 and ves_lat[j] <= det_lat[i] + dlat_deg:
                d = haversine_m(det_lat[i], det_lon[i], ves_lat[j], ves_lon[j])
                if d <= near_m and d < nearest_d[i]:
                    nearest_d[i] = d
                    nearest[i] = j
                if d <= ves_radius_m[j]:
                    c += 1
                j += 1
        counts[s] = c
    offs = np.zeros(n_scene + 1, dtype=np.int64)
    for s in range(n_scene):
        offs[s + 1] = offs[s] + counts[s]
    n = offs[n_scene]
    p_det = np.empty(n, dtype=np.int64)
    p_ves = np.empty(n, dtype=np.int64)
    p_d = np.empty(n, dtype=np.float64)
    for s in prange(n_scene):
        v0 = ves_ptr[s]
        v1 = ves_ptr[s + 1]
        k = offs[s]
        for i in range(det_ptr[s], det_ptr[s + 1]):
            j = _first_geq(ves_lat, v0, v1, det_lat[i] - dlat_deg)
            while j < v1 and ves_lat[j] <= det_lat[i] + dlat_deg:
                d = haversine_m(det_lat[i], det_lon[i], ves_lat[j], ves_lon[j])
                if d <= ves_radius_m[j]:
                    p_det[k] = i
                    p_ves[k] = j
                    p_d[k] = d
                    k += 1
                j += 1
    return p_det, p_ves, p_d, nearest, nearest_d


@njit
def greedy_assign(p_det, p_ves, n_det, n_ves):
    """Best-first one-to-one choice over pairs already sorted by descending score (GFW style).

    A pair is taken when neither its detection nor its vessel is taken yet.
    """
    used_d = np.zeros(n_det, dtype=np.bool_)
    used_v = np.zeros(n_ves, dtype=np.bool_)
    chosen = np.zeros(p_det.shape[0], dtype=np.bool_)
    for k in range(p_det.shape[0]):
        if not used_d[p_det[k]] and not used_v[p_ves[k]]:
            used_d[p_det[k]] = True
            used_v[p_ves[k]] = True
            chosen[k] = True
    return chosen


@njit
def bracket_reports(seg_start, t, T):
    """Per segment, the last row at or before ``T`` and the first row after it (-1 when none)."""
    n_seg = seg_start.shape[0] - 1
    before = np.full(n_seg, -1, dtype=np.int64)
    after = np.full(n_seg, -1, dtype=np.int64)
    for k in range(n_seg):
        a = seg_start[k]
        b = seg_start[k + 1]
        lo = _first_after(t, a, b, T)
        if lo - 1 >= a:
            before[k] = lo - 1
        if lo < b:
            after[k] = lo
    return before, after


@njit
def silence_around(seg_start, t, seg, T):
    """Per (segment, time) pair: the time in ms between the segment's last report at or before
    ``T`` and its first report after it; -1 when either side has none."""
    n = seg.shape[0]
    out = np.empty(n, dtype=np.int64)
    for j in range(n):
        a = seg_start[seg[j]]
        b = seg_start[seg[j] + 1]
        lo = _first_after(t, a, b, T[j])
        out[j] = t[lo] - t[lo - 1] if lo - 1 >= a and lo < b else -1
    return out
