"""Match satellite vessel detections (SAR / optical) to AIS tracks, scene by scene.

Method (after Paolo et al. 2024 and GFW's SAR matching, simplified to a closed form):

1. Every AIS segment with a report near the image time is placed at that time
   (:func:`kernels.match.project_to_scenes`): interpolated between the reports around it when
   they are at most ``max_interp_gap_h`` apart (a longer silence is an AIS gap: the vessel is
   dark then, as GFW's 12 h gap rule), otherwise dead-reckoned from the nearer report when it is
   within ``max_extrap_h`` (speed and course from the report, else from the previous step).
   Its 1-sigma position uncertainty grows with the time ``dt`` from that report:
   ``sigma = sigma0_m + (growth_kn + growth_frac * speed_kn) * dt`` (as knots times hours),
   plus, when interpolating, the vessel's own manoeuvring: the reported speed the straight
   line between the two reports does not explain, ``sqrt(sog^2 - implied^2)`` (a fishing
   vessel zig-zagging at 8 kn that made good 1 kn), times ``meander_frac`` times the bridge
   time ``dt_before * dt_after / span`` (largest mid-interval, as a Brownian bridge).
   A placement with no report within ``silence_check_min_h`` on either side is weighed against
   the local reception (:mod:`vessels.fusion.broadcast`): unheard through the opportunities
   that other vessels nearby were heard in, its chance of broadcasting at the image time falls
   below ``min_p_broadcasting`` and it is in an AIS gap: no candidate for any detection (its
   own stays dark), and not "expected but missed".
2. Each detection/vessel pair within ``n_sigma`` sigma gets a score in (0, 1]:
   ``exp(-d^2 / 2 sigma^2)`` x length agreement (Gaussian in the log length ratio, relative
   error ``hypot(length_sigma_frac, length_sigma_m / L)``, floored at ``length_floor`` because
   SAR lengths are rough, but not beyond a ``max_length_ratio`` mismatch; MMSIs of the 99 block,
   aids to navigation and gear buoys, count as ``aton_length_m`` long when they report no
   length) x heading agreement (SAR heading against the AIS course modulo 180 degrees, error
   ``heading_sigma_deg`` growing by ``heading_growth_deg_h`` per hour of report age, vessels
   under ``heading_min_speed_kn`` exempt, floored at ``heading_floor``) x footprint inclusion
   (``min(1, 2 P(inside))`` from the signed distance of the projected position to the
   footprint edge against sigma).
3. One-to-one assignment per scene maximising the summed ``log(score / min_score)`` with
   :func:`scipy.optimize.linear_sum_assignment` per connected group of candidates
   (``assignment="optimal"``), or GFW's greedy best-first (``assignment="greedy"``).
   Threshold: ``min_score = 0.011`` = a vessel 3 sigma away with agreeing length. Then two
   matched vessels in formation (pair trawlers, a partner alongside a carrier: close, same
   speed) are swapped when the relative geometry says so (:mod:`vessels.fusion.formation`).

Outputs: every detection with its MMSI and score or unmatched (``matches``, with the matched
vessel's AIS silence around the image, ``ais_silence_h``: evidence that a ship was seen while
its AIS was off), every AIS vessel
placed in a footprint with ``P(inside) >= expected_min_p_inside`` and not detected (``missed``),
and all projections (``projections``) for the dark detectors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ingest.sar import SarInput
from kernels.match import (
    candidate_pairs,
    greedy_assign,
    project_to_scenes,
    silence_around,
)
from vessels.errors import ConfigError, InputError
from vessels.fusion.broadcast import broadcast_chance
from vessels.fusion.formation import formation_swaps
from vessels.geo import local_xy_m
from vessels.schema import TIME_TYPE
from vessels.tracks import Tracks

__all__ = [
    "MatchParams",
    "MatchResult",
    "match_detections",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
METHOD_NAMES = ("interpolated", "dead_reckoned_forward", "dead_reckoned_backward")


@dataclass(frozen=True)
class MatchParams:
    """Parameters of the detection-to-AIS matching (units in the names)."""

    max_interp_gap_h: float = 12.0  # GFW gap threshold: longer silences are AIS gaps (dark)
    max_extrap_h: float = 12.0  # dead reckoning reach (Paolo et al. 2024: 12 h); a vessel
    # that switched AIS off is kept out by the reception test below, not by a short reach
    sigma0_m: float = 300.0  # SAR geolocation (xView3 matches within 200 m) plus AIS GPS error
    growth_kn: float = 1.0  # speed/course uncertainty of any vessel, knots
    growth_frac: float = 0.1  # extra uncertainty per knot of speed (course changes)
    unknown_speed_kn: float = 6.0  # assumed when neither SOG/COG nor a previous step is known
    meander_frac: float = 0.5  # sigma share of the speed the straight line between two reports
    # does not explain, over the bridge time dt_b * dt_a / span (half: a random walk covers
    # about half the distance a straight run would in the same time)
    n_sigma: float = 3.0  # candidate pairs within this many sigma
    max_radius_m: float = 30_000.0  # hard cap on the search radius
    near_m: float = 50_000.0  # reach of the nearest-AIS-vessel search (dark detection scores)
    length_sigma_frac: float = 0.25  # SAR length error is multiplicative, ~20-25% (Paolo et al.
    # 2024; xView3 length scores), so lengths are compared as a log ratio
    length_sigma_m: float = 8.0  # plus a fixed part: small boats span few pixels
    length_floor: float = 0.1  # a length mismatch alone never vetoes a close pair ...
    aton_length_m: float = 3.0  # assumed for MMSIs of the 99 block (aids to navigation, ITU-R
    # M.585; at sea mostly gear buoys) that report no length
    max_length_ratio: float = 3.0  # ... unless one length is over 3x the other (a 40 m
    # detection is not a 2 m gear buoy)
    heading_sigma_deg: float = 20.0  # SAR heading error (bow/stern ambiguous: compared mod 180)
    heading_growth_deg_h: float = 60.0  # course uncertainty per hour from the report
    heading_min_speed_kn: float = 2.0  # slower vessels drift: their course says nothing
    heading_floor: float = 0.3  # a heading mismatch alone never vetoes a close pair
    min_score: float = math.exp(-0.5 * 3.0**2)  # 0.011: 3 sigma with agreeing length
    assignment: str = "optimal"  # or "greedy" (GFW's best-first)
    expected_min_p_inside: float = 0.5  # a vessel counts as expected in a footprint above this
    # -- vessels in formation (vessels.fusion.formation): matched by their relative geometry
    formation_max_m: float = 1_000.0  # pair trawlers tow 200-400 m apart, a partner lies
    # alongside a carrier within 200 m (Miller et al. 2018); 0 turns the check off
    formation_max_dspeed_kn: float = 2.0  # moving together: speeds this close
    formation_sigma_m: float = 300.0  # error of the vector between two detections against the
    # vector between the two placements: two SAR geolocation errors of up to ~200 m (xView3's
    # match radius) in quadrature; their common placement error cancels
    # -- AIS off, or just not heard? (kernels.match_reception; Welch et al. 2022 judge a gap by
    # the reception around it). A placement whose nearest report on both sides is at least
    # silence_check_min_h away is weighed against the reception opportunities it missed.
    silence_check_min_h: float = 0.5  # a report this close to the image: it was broadcasting
    reception_bin_min: float = 30.0  # one opportunity per bin: a satellite pass lasts ~10-15
    # min and revisits about hourly, so 30 min bins rarely split one pass in two
    reception_cell_deg: float = 0.5  # neighbours heard within the 3 x 3 cells around (~150 km
    # square: inside one satellite footprint, a few terrestrial ranges)
    reception_window_h: float = 12.0  # history around the image for the vessel's own hit rate
    prior_ais_off: float = 0.05  # prior share of such silences that are AIS switched off, not
    # unheard (Welch et al. 2022: AIS disabling obscures up to 6% of fishing vessel activity)
    min_p_broadcasting: float = 0.5  # under an even chance of broadcasting at the image time
    # (the likelier reading), the vessel is taken as in an AIS gap: not a candidate

    def __post_init__(self) -> None:
        if self.assignment not in ("optimal", "greedy"):
            raise ConfigError(f"assignment must be 'optimal' or 'greedy', got {self.assignment!r}")
        for name in (
            "sigma0_m", "n_sigma", "max_radius_m", "near_m", "reception_bin_min",
            "reception_cell_deg", "reception_window_h",
        ):  # fmt: skip
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be > 0")
        if not 0 < self.min_score < 1:
            raise ConfigError("min_score must be in (0, 1)")
        if not 0 <= self.min_p_broadcasting < 1 or not 0 < self.prior_ais_off < 1:
            raise ConfigError("min_p_broadcasting must be in [0, 1), prior_ais_off in (0, 1)")
        if not 0.1 <= self.reception_cell_deg <= 10:
            raise ConfigError("reception_cell_deg must be in [0.1, 10]")


@dataclass
class MatchResult:
    """``matches``: one row per detection; ``missed``: AIS vessels expected but not seen;
    ``projections``: every AIS vessel placed in a scene (matched or not)."""

    matches: pa.Table
    missed: pa.Table
    projections: pa.Table
    params: MatchParams
    stats: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        s = self.stats
        return (
            f"{s.get('detections', 0)} detections in {s.get('scenes', 0)} scenes: "
            f"{s.get('matched', 0)} matched to AIS, {s.get('unmatched', 0)} unmatched; "
            f"{s.get('projected', 0)} AIS vessel placements, "
            f"{s.get('missed', 0)} expected in a footprint but not detected"
        )


def _scene_geometry(
    sar: SarInput, det_scene: I64, det_lat: F64, det_lon: F64
) -> tuple[list[Any], F64, F64, F64, F64]:
    """Footprint polygons (or None) and the lat/lon centre and half-extents of each scene."""
    import shapely

    n = sar.scenes.num_rows
    wkts = sar.scenes.column("footprint").to_pylist()
    polys: list[Any] = []
    lat0 = np.zeros(n)
    lon0 = np.zeros(n)
    hlat = np.zeros(n)
    hlon = np.zeros(n)
    for s in range(n):
        poly = None
        if wkts[s]:
            try:
                poly = shapely.from_wkt(wkts[s])
            except shapely.errors.GEOSException as exc:
                raise InputError(f"scene footprint is not valid WKT: {exc}") from exc
        if poly is not None and not poly.is_empty:
            xy = shapely.get_coordinates(poly)
            lo, la = xy[:, 0], xy[:, 1]
        else:
            poly = None
            sel = det_scene == s
            lo, la = det_lon[sel], det_lat[sel]
        polys.append(poly)
        if la.size == 0:
            lat0[s], lon0[s], hlat[s], hlon[s] = 0.0, 0.0, -1e9, -1e9  # matches nothing
            continue
        ref = lo[0]
        rel = (lo - ref + 540.0) % 360.0 - 180.0  # antimeridian-safe
        lon0[s] = (ref + (rel.max() + rel.min()) / 2.0 + 540.0) % 360.0 - 180.0
        hlon[s] = (rel.max() - rel.min()) / 2.0
        lat0[s] = (la.max() + la.min()) / 2.0
        hlat[s] = (la.max() - la.min()) / 2.0
    return polys, lat0, lon0, hlat, hlon


def _p_inside(
    polys: list[Any], lat0: F64, lon0: F64, v_scene: I64, v_lat: F64, v_lon: F64, v_sig: F64
) -> F64:
    """Probability that each placed vessel is inside its scene's footprint (1 when unknown)."""
    import shapely
    from scipy.special import ndtr

    out = np.ones(v_lat.shape[0])
    if v_lat.shape[0] == 0:
        return out
    bounds = np.searchsorted(v_scene, np.arange(len(polys) + 1))
    for s, poly in enumerate(polys):
        a, b = int(bounds[s]), int(bounds[s + 1])
        if poly is None or b == a:
            continue

        def to_local(xy: F64, _s: int = s) -> F64:
            x, y = local_xy_m(xy[:, 1], xy[:, 0], float(lat0[_s]), float(lon0[_s]))
            return np.c_[x, y]

        local = shapely.transform(poly, to_local)
        x, y = local_xy_m(v_lat[a:b], v_lon[a:b], float(lat0[s]), float(lon0[s]))
        inside = shapely.contains_xy(local, x, y)
        edge = shapely.distance(local.boundary, shapely.points(x, y))
        signed = np.where(inside, edge, -edge)
        out[a:b] = ndtr(signed / v_sig[a:b])
    return out


def _assign_optimal(
    p_det: I64, p_ves: I64, w: F64, n_det: int, n_ves: int
) -> npt.NDArray[np.bool_]:
    """Max-weight one-to-one choice of pairs (weights > 0), per connected group."""
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    chosen = np.zeros(p_det.shape[0], dtype=bool)
    if p_det.shape[0] == 0:
        return chosen
    deg_d = np.bincount(p_det, minlength=n_det)
    deg_v = np.bincount(p_ves, minlength=n_ves)
    simple = (deg_d[p_det] == 1) & (deg_v[p_ves] == 1)
    chosen[simple] = True
    rest = np.flatnonzero(~simple)
    if rest.size == 0:
        return chosen
    graph = coo_matrix(
        (np.ones(rest.size), (p_det[rest], n_det + p_ves[rest])),
        shape=(n_det + n_ves, n_det + n_ves),
    )
    _, label = connected_components(graph, directed=False)
    comp = label[p_det[rest]]
    order = np.argsort(comp, kind="stable")
    rest = rest[order]
    comp = comp[order]
    cuts = np.flatnonzero(np.diff(comp)) + 1
    for group in np.split(rest, cuts):
        dets, di = np.unique(p_det[group], return_inverse=True)
        vess, vi = np.unique(p_ves[group], return_inverse=True)
        cost = np.zeros((dets.size, vess.size))
        cost[di, vi] = -w[group]
        rows, cols = linear_sum_assignment(cost)
        pick = np.full((dets.size, vess.size), -1, dtype=np.int64)
        pick[di, vi] = group
        sel = pick[rows, cols]
        chosen[sel[(sel >= 0) & (cost[rows, cols] < 0)]] = True
    return chosen


def _length_factor(det_len: F64, ais_len: F64, p: MatchParams) -> F64:
    """Agreement of SAR and AIS lengths: Gaussian in the log ratio with a relative error
    ``length_sigma_frac`` plus ``length_sigma_m`` over the longer length, floored at
    ``length_floor`` within ``max_length_ratio``; 1 if unknown."""
    out = np.ones(det_len.shape[0])
    known = np.isfinite(det_len) & np.isfinite(ais_len) & (det_len > 0) & (ais_len > 0)
    la, lb = det_len[known], ais_len[known]
    sd = np.hypot(p.length_sigma_frac, p.length_sigma_m / np.maximum(la, lb))
    z = np.log(la / lb)
    f = np.exp(-0.5 * (z / sd) ** 2)
    out[known] = np.where(
        np.abs(z) <= math.log(p.max_length_ratio), np.maximum(f, p.length_floor), f
    )
    return out


def _heading_factor(det_head: F64, cog: F64, speed_kn: F64, age_h: F64, p: MatchParams) -> F64:
    """Agreement of the SAR heading with the AIS course, modulo 180 degrees (bow and stern look
    alike), with an error growing with the report's age; 1 for slow vessels or when unknown."""
    out = np.ones(det_head.shape[0])
    known = (
        np.isfinite(det_head)
        & np.isfinite(cog)
        & (cog >= 0)
        & (cog < 360)
        & (speed_kn >= p.heading_min_speed_kn)
    )
    d = np.abs((det_head[known] - cog[known]) % 180.0)
    d = np.minimum(d, 180.0 - d)
    sd = p.heading_sigma_deg + p.heading_growth_deg_h * age_h[known]
    out[known] = np.maximum(np.exp(-0.5 * (d / sd) ** 2), p.heading_floor)
    return out


def _silence_h(tracks: Tracks, v_seg: I64, v_t: I64, m_ves: I64) -> F64:
    """Per detection, the AIS silence (h) around the image time of the matched vessel: the time
    between its last report before and its first after (inf when one side has none); NaN when
    unmatched. A long silence means the ship was seen while its AIS was off."""
    out = np.full(m_ves.shape[0], np.nan)
    ok = np.flatnonzero(m_ves >= 0)
    if ok.size == 0:
        return out
    gap = silence_around(tracks.seg_start, tracks.t, v_seg[m_ves[ok]], v_t[m_ves[ok]])
    out[ok] = np.where(gap >= 0, gap / 3_600_000, np.inf)
    return out


def match_detections(
    sar: SarInput,
    tracks: Tracks,
    *,
    lengths: Mapping[int, float] | None = None,
    params: MatchParams | None = None,
) -> MatchResult:
    """Match every detection of ``sar`` to at most one AIS segment of ``tracks``.

    ``lengths`` maps MMSI to the AIS-reported length overall in metres (bow + stern), used for
    the length agreement. See the module docstring for the method and threshold.
    """
    p = params or MatchParams()
    det = sar.detections
    n_det = det.num_rows
    scene_ids = sar.scenes.column("scene_id").to_pylist()
    scene_index = {sid: i for i, sid in enumerate(scene_ids)}
    scene_t = sar.scenes.column("t").cast(pa.int64()).to_numpy().astype(np.int64)
    d_scene_id = det.column("scene_id").to_pylist()
    try:
        d_scene = np.array([scene_index[s] for s in d_scene_id], dtype=np.int64)
    except KeyError as exc:
        raise InputError(f"detection refers to scene {exc.args[0]!r} that has no time") from exc
    d_lat = det.column("lat").to_numpy().astype(np.float64)
    d_lon = det.column("lon").to_numpy().astype(np.float64)
    d_len = det.column("length_m").to_numpy(zero_copy_only=False).astype(np.float64)
    d_head = det.column("heading_deg").to_numpy(zero_copy_only=False).astype(np.float64)
    d_order = np.argsort(d_scene, kind="stable")
    det_ptr = np.searchsorted(d_scene[d_order], np.arange(len(scene_ids) + 1)).astype(np.int64)

    polys, lat0, lon0, hlat, hlon = _scene_geometry(sar, d_scene, d_lat, d_lon)
    hour = 3_600_000
    v_scene, v_seg, v_lat, v_lon, v_sig, v_dt, v_meth, v_spd, v_row = project_to_scenes(
        tracks.seg_start, tracks.t, tracks.lat, tracks.lon,
        np.ascontiguousarray(tracks.sog, dtype=np.float32),
        np.ascontiguousarray(tracks.cog, dtype=np.float32),
        scene_t, lat0, lon0, hlat, hlon,
        int(p.max_interp_gap_h * hour), int(p.max_extrap_h * hour),
        p.sigma0_m, p.growth_kn, p.growth_frac, p.unknown_speed_kn, p.meander_frac, p.n_sigma,
        p.max_radius_m,
    )  # fmt: skip
    v_order = np.lexsort((v_lat, v_scene))
    v_scene, v_seg, v_lat, v_lon = v_scene[v_order], v_seg[v_order], v_lat[v_order], v_lon[v_order]
    v_sig, v_dt, v_meth, v_spd = v_sig[v_order], v_dt[v_order], v_meth[v_order], v_spd[v_order]
    v_row = v_row[v_order]
    # AIS off or just unheard at the image time: placements in an AIS gap match nothing
    p_on, n_missed = broadcast_chance(
        tracks, v_seg, scene_t[v_scene], v_lat, v_lon, v_dt,
        min_side_h=p.silence_check_min_h, bin_min=p.reception_bin_min,
        cell_deg=p.reception_cell_deg, window_h=p.reception_window_h,
        prior_off=p.prior_ais_off,
    )  # fmt: skip
    in_gap = p_on < p.min_p_broadcasting
    # the course of the report the placement leans on (NaN when not reported)
    v_cog = np.asarray(tracks.cog, dtype=np.float64)[v_row] if v_row.size else np.zeros(0)
    n_ves = v_lat.shape[0]
    ves_ptr = np.searchsorted(v_scene, np.arange(len(scene_ids) + 1)).astype(np.int64)
    radius = np.where(in_gap, -1.0, np.minimum(p.n_sigma * v_sig, p.max_radius_m))
    p_det_s, p_ves, p_dist, near_s, near_d_s = candidate_pairs(
        det_ptr, d_lat[d_order], d_lon[d_order], ves_ptr, v_lat, v_lon, radius,
        max(p.near_m, p.max_radius_m),
    )  # fmt: skip
    p_det = d_order[p_det_s]
    nearest = np.full(n_det, -1, dtype=np.int64)
    nearest_d = np.full(n_det, np.inf)
    nearest[d_order] = near_s
    nearest_d[d_order] = near_d_s

    v_mmsi = tracks.seg_mmsi[v_seg].astype(np.int64)
    v_len = np.full(n_ves, np.nan)
    if lengths:
        v_len = np.array([lengths.get(int(m), np.nan) for m in v_mmsi], dtype=np.float64)
    v_len[~np.isfinite(v_len) & (v_mmsi // 10_000_000 == 99)] = p.aton_length_m
    p_in = _p_inside(polys, lat0, lon0, v_scene, v_lat, v_lon, v_sig)

    # pair scores
    g = np.exp(-0.5 * (p_dist / v_sig[p_ves]) ** 2)
    len_f = _length_factor(d_len[p_det], v_len[p_ves], p)
    head_f = _heading_factor(d_head[p_det], v_cog[p_ves], v_spd[p_ves], v_dt[p_ves] / hour, p)
    fp_f = np.minimum(1.0, 2.0 * p_in[p_ves])
    score = g * len_f * head_f * fp_f
    ok = score >= p.min_score
    p_det, p_ves, p_dist, score = p_det[ok], p_ves[ok], p_dist[ok], score[ok]
    agree = (len_f * head_f)[ok]

    if p.assignment == "greedy":
        order = np.lexsort((p_ves, p_det, -score))
        chosen = np.zeros(p_det.shape[0], dtype=bool)
        chosen[order] = greedy_assign(p_det[order], p_ves[order], n_det, n_ves)
    else:
        w = np.log(score / p.min_score) + 1e-9
        chosen = _assign_optimal(p_det, p_ves, w, n_det, n_ves)
    chosen, n_swaps = formation_swaps(
        p_det, p_ves, chosen, agree, d_lat, d_lon, v_lat, v_lon, v_spd, v_scene,
        max_m=p.formation_max_m, max_dspeed_kn=p.formation_max_dspeed_kn,
        sigma_m=p.formation_sigma_m,
    )  # fmt: skip

    m_ves = np.full(n_det, -1, dtype=np.int64)
    m_score = np.full(n_det, np.nan)
    m_dist = np.full(n_det, np.nan)
    m_ves[p_det[chosen]] = p_ves[chosen]
    m_score[p_det[chosen]] = score[chosen]
    m_dist[p_det[chosen]] = p_dist[chosen]
    v_det = np.full(n_ves, -1, dtype=np.int64)
    v_det[m_ves[m_ves >= 0]] = np.flatnonzero(m_ves >= 0)
    matched = m_ves >= 0

    def take(arr: npt.NDArray[Any], idx: I64, fill: Any) -> npt.NDArray[Any]:
        out = np.full(idx.shape[0], fill, dtype=arr.dtype if arr.size else np.float64)
        ok_ = idx >= 0
        out[ok_] = arr[idx[ok_]]
        return out

    det_ids = det.column("detection_id").to_pylist()
    mmsi_col = pa.array([int(v_mmsi[v]) if v >= 0 else None for v in m_ves.tolist()], pa.uint32())
    near_mmsi = pa.array(
        [int(v_mmsi[v]) if v >= 0 else None for v in nearest.tolist()], pa.uint32()
    )
    methods = [METHOD_NAMES[int(x)] if x >= 0 else None for x in take(v_meth, m_ves, -1).tolist()]
    matches = pa.table(
        {
            "detection_id": det.column("detection_id"),
            "scene_id": det.column("scene_id"),
            "t": det.column("t"),
            "lat": det.column("lat"),
            "lon": det.column("lon"),
            "length_m": det.column("length_m"),
            "confidence": det.column("confidence"),
            "mmsi": mmsi_col,
            "score": pa.array(m_score, pa.float64()),
            "distance_m": pa.array(m_dist),
            "sigma_m": pa.array(take(v_sig, m_ves, np.nan)),
            "report_age_h": pa.array(np.where(matched, take(v_dt, m_ves, 0) / hour, np.nan)),
            "method": pa.array(methods, pa.string()),
            "ais_silence_h": pa.array(_silence_h(tracks, v_seg, scene_t[v_scene], m_ves)),
            "ais_length_m": pa.array(take(v_len, m_ves, np.nan)),
            "nearest_mmsi": near_mmsi,
            "nearest_ais_m": pa.array(np.where(np.isfinite(nearest_d), nearest_d, np.nan)),
            "nearest_sigma_m": pa.array(take(v_sig, nearest, np.nan)),
            "nearest_matched": pa.array(
                [bool(v_det[v] >= 0) if v >= 0 else None for v in nearest.tolist()], pa.bool_()
            ),
        }
    )

    v_scene_id = np.array(scene_ids, dtype=object)[v_scene] if n_ves else np.empty(0, object)
    projections = pa.table(
        {
            "scene_id": pa.array(v_scene_id.tolist(), pa.string()),
            "t": pa.array(scene_t[v_scene], pa.int64()).cast(TIME_TYPE),
            "mmsi": pa.array(v_mmsi, pa.uint32()),
            "seg": pa.array(v_seg, pa.int64()),
            "lat": pa.array(v_lat),
            "lon": pa.array(v_lon),
            "sigma_m": pa.array(v_sig),
            "report_age_h": pa.array(v_dt / hour),
            "method": pa.array([METHOD_NAMES[int(x)] for x in v_meth], pa.string()),
            "speed_kn": pa.array(v_spd),
            "p_inside": pa.array(p_in),
            "p_broadcasting": pa.array(p_on),
            "missed_receptions": pa.array(n_missed, pa.int64()),
            "ais_gap": pa.array(in_gap, pa.bool_()),
            "detection_id": pa.array(
                [det_ids[d] if d >= 0 else None for d in v_det.tolist()], pa.string()
            ),
        }
    )
    has_fp = np.array([polys[s] is not None for s in v_scene.tolist()], dtype=bool)
    miss = (v_det < 0) & has_fp & (p_in >= p.expected_min_p_inside) & ~in_gap
    missed = projections.filter(pa.array(miss)).drop_columns(
        ["detection_id", "p_broadcasting", "missed_receptions", "ais_gap"]
    )
    stats = {
        "detections": n_det,
        "scenes": len(scene_ids),
        "matched": int(matched.sum()),
        "unmatched": int(n_det - matched.sum()),
        "projected": n_ves,
        "candidate_pairs": int(p_det.shape[0]),
        "missed": int(miss.sum()),
        "in_ais_gap": int(in_gap.sum()),
        "formation_swaps": n_swaps,
    }
    return MatchResult(matches, missed, projections, p, stats)


def params_dict(p: MatchParams) -> dict[str, Any]:
    """The parameters as a plain dict (for summaries)."""
    return asdict(p)
