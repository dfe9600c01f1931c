"""Plain reference implementations for the fusion kernels, and a hand-made Tracks builder."""

from __future__ import annotations

import math

import numpy as np

from kernels.geo import KNOT_MS, destination, haversine_m, initial_bearing_deg
from vessels.tracks import Tracks


def make_tracks(rows: list[tuple[int, int, float, float, float, float]]) -> Tracks:
    """Tracks from (mmsi, t_ms, lat, lon, sog, cog) rows; one segment per MMSI."""
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    a = np.array(rows, dtype=float).reshape(-1, 6)
    mmsi = a[:, 0].astype(np.uint32)
    u, first = np.unique(mmsi, return_index=True)
    n = len(rows)
    return Tracks(
        mmsi=mmsi,
        seg=np.searchsorted(u, mmsi).astype(np.int64),
        t=a[:, 1].astype(np.int64),
        lat=a[:, 2].copy(),
        lon=a[:, 3].copy(),
        sog=a[:, 4].astype(np.float32),
        cog=a[:, 5].astype(np.float32),
        receiver=np.zeros(n, np.int32),
        is_sat=np.zeros(n, np.int8),
        seg_start=np.r_[first, n].astype(np.int64),
        seg_mmsi=u.astype(np.uint32),
    )


def project_one(t, lat, lon, sog, cog, a, b, T, gap_ms, extrap_ms, s0, gk, gf, unk, mf):
    """Same contract as kernels.match.project_one, written plainly."""
    rows = list(range(a, b))
    if not rows:
        return None
    before = [i for i in rows if t[i] <= T]
    after = [i for i in rows if t[i] > T]
    ib = before[-1] if before else None
    ia = after[0] if after else None
    if ib is not None and ia is not None and t[ia] - t[ib] <= gap_ms:
        span = t[ia] - t[ib]
        f = (T - t[ib]) / span if span else 0.0
        dlon = (lon[ia] - lon[ib] + 540) % 360 - 180
        plat = lat[ib] + f * (lat[ia] - lat[ib])
        plon = (lon[ib] + f * dlon + 540) % 360 - 180
        speed = (
            haversine_m(lat[ib], lon[ib], lat[ia], lon[ia]) / (span / 1000) / KNOT_MS
            if span
            else 0.0
        )
        valid = [float(sog[i]) for i in (ib, ia) if math.isfinite(sog[i]) and 0 <= sog[i] < 60]
        reported = max(valid) if valid else -1.0
        meander = math.sqrt(max(reported**2 - speed**2, 0.0))
        speed = max(speed, reported)
        bridge_s = (T - t[ib]) * (t[ia] - T) / span / 1000 if span else 0.0
        dt = min(T - t[ib], t[ia] - T)
        sigma = s0 + (gk + gf * speed) * KNOT_MS * dt / 1000 + mf * meander * KNOT_MS * bridge_s
        return plat, plon, sigma, dt, 0
    cands = []
    if ib is not None and T - t[ib] <= extrap_ms:
        cands.append((T - t[ib], 1, ib, ib - 1 if ib - 1 >= a else None))
    if ia is not None and t[ia] - T <= extrap_ms:
        cands.append((t[ia] - T, 2, ia, ia + 1 if ia + 1 < b else None))
    if not cands:
        return None
    dt, method, row, nb = min(cands, key=lambda c: (c[0], c[1]))
    speed, bearing, moving = unk, 0.0, False
    if (
        math.isfinite(sog[row])
        and math.isfinite(cog[row])
        and 0 <= sog[row] < 60
        and 0 <= cog[row] < 360
    ):
        speed, bearing, moving = float(sog[row]), float(cog[row]), True
    elif nb is not None and 0 < abs(t[row] - t[nb]) <= 6 * 3_600_000:
        p, q = (nb, row) if method == 1 else (row, nb)
        speed = haversine_m(lat[p], lon[p], lat[q], lon[q]) / (abs(t[row] - t[nb]) / 1000) / KNOT_MS
        bearing = initial_bearing_deg(lat[p], lon[p], lat[q], lon[q])
        moving = True
    if method == 2:
        bearing = (bearing + 180) % 360
    plat, plon = lat[row], lon[row]
    if moving and speed > 0:
        plat, plon = destination(lat[row], lon[row], bearing, speed * KNOT_MS * dt / 1000)
    return plat, plon, s0 + (gk + gf * speed) * KNOT_MS * dt / 1000, dt, method


def candidate_pairs(det_lat, det_lon, det_scene, ves_lat, ves_lon, ves_scene, radius):
    """All same-scene pairs within the vessel's radius, as a set of (det, ves)."""
    out = set()
    for i in range(len(det_lat)):
        for j in range(len(ves_lat)):
            near = haversine_m(det_lat[i], det_lon[i], ves_lat[j], ves_lon[j]) <= radius[j]
            if det_scene[i] == ves_scene[j] and near:
                out.add((i, j))
    return out


def copy_pairs(order, gid, recv, max_lag):
    """Plain reference of kernels.merge.copy_pairs."""
    a, b = [], []
    for k in range(len(order)):
        for d in range(1, max_lag + 1):
            if k + d >= len(order) or gid[k + d] != gid[k]:
                break
            if recv[order[k]] != recv[order[k + d]]:
                a.append(order[k])
                b.append(order[k + d])
    return a, b


def group_medians(keys, values, near):
    """Plain reference of ingest.merge_clock.group_medians: {key: (median, count, share)}."""
    out = {}
    for k in sorted(set(keys.tolist())):
        v = values[keys == k].astype(float)
        m = float(np.median(v))
        out[k] = (m, len(v), float(np.mean(np.abs(v - m) <= near)))
    return out


def pick_representatives(order, gid, trusted, t, rank):
    """Plain reference of kernels.merge.pick_representatives: [(rep_row, sorted ranks)]."""
    out = []
    groups: dict[int, list[int]] = {}
    for k, g in enumerate(gid):
        groups.setdefault(int(g), []).append(int(order[k]))
    for g in sorted(groups):
        rows = groups[g]
        best = min(rows, key=lambda i: (not trusted[i], t[i], rank[i], rows.index(i)))
        out.append((best, sorted({int(rank[i]) for i in rows})))
    return out


def silence_one(mmsi, seg_start, t, lat, lon, k, T, plat, plon, bin_ms, cell_deg, window_ms,
                min_side_ms, t0):  # fmt: skip
    """Plain reference of kernels.match_reception.silence_one, scanning every report.

    ``mmsi`` per report; a report counts for the 3 x 3 cells around (r, c) when its own cell
    row and (wrapped) column are within one of them. Bins are [t0 + q * bin_ms, + bin_ms)."""
    n_lon = math.ceil(360 / cell_deg)

    def cell(la: float, lo: float) -> tuple[int, int]:
        return math.floor((la + 90) / cell_deg), math.floor(((lo + 180) % 360) / cell_deg) % n_lon

    def near(c1: tuple[int, int], c2: tuple[int, int]) -> bool:
        dc = (c1[1] - c2[1]) % n_lon
        return abs(c1[0] - c2[0]) <= 1 and min(dc, n_lon - dc) <= 1

    a, b = int(seg_start[k]), int(seg_start[k + 1])
    own = list(range(a, b))
    before = [i for i in own if t[i] <= T]
    after = [i for i in own if t[i] > T]
    t_b = t[before[-1]] if before else T - window_ms - bin_ms
    t_a = t[after[0]] if after else T + window_ms + bin_ms
    if T - t_b < min_side_ms or t_a - T < min_side_ms:
        return -1, -1, -1, -1, t_b, t_a, -1, -1
    bin_of = [(int(x) - t0) // bin_ms for x in t]
    cells = [cell(la, lo) for la, lo in zip(lat, lon, strict=True)]
    q_img = (T - t0) // bin_ms
    kb = ka = opp = hit = 0
    m_b = m_a = -1
    for q in range(max((T - window_ms - t0) // bin_ms, 0), (T + window_ms - t0) // bin_ms + 1):
        s, e = t0 + q * bin_ms, t0 + (q + 1) * bin_ms
        if s > t_b and e <= t_a:
            pc = cell(plat, plon)
            heard = any(bin_of[i] == q and near(cells[i], pc) for i in range(len(t)))
            if s >= t_b + bin_ms and e <= t_a - bin_ms and q != q_img and heard:
                if q < q_img:
                    kb += 1
                    m_b = s + bin_ms // 2
                else:
                    ka += 1
                    m_a = m_a if m_a >= 0 else s + bin_ms // 2
            continue
        mine = [i for i in own if bin_of[i] == q]
        if mine:
            ref = mine[0]
        else:
            later = [i for i in own if t[i] >= e]
            earlier = [i for i in own if t[i] < s]
            if not later:
                ref = b - 1
            elif not earlier:
                ref = later[0]
            else:
                ref = later[0] if t[later[0]] - e < s - t[earlier[-1]] else earlier[-1]
        rc = cell(lat[ref], lon[ref])
        others = sum(1 for i in range(len(t)) if bin_of[i] == q and near(cells[i], rc)) - len(mine)
        if others > 0:
            opp += 1
            hit += 1 if mine else 0
    return kb, ka, opp, hit, t_b, t_a, m_b, m_a
