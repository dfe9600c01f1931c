"""Loitering: a vessel slow for hours far from shore.

Definition (GFW pipe-loitering and the RFMO carrier-loitering rule; docs/references.md
"Loitering"): speed below 2 kn for at least 4 h (Miller et al. 2018 used 8 h) at least 20 nm
from shore. Slowness is judged per step between reports (implied speed after allowing for
position noise, and the reported speed where there is one), so a run can bridge satellite
revisit holes shorter than ``max_step_h`` (kept below the 12 h of a dark period).

Scores: a loitering carrier (reefer) is the event that matters (score 0.6-1.0); one with no other
vessel seen within about a kilometre is the classic sign of a rendezvous with a dark partner and
scores highest. Other vessels loiter for benign reasons (fishing, drifting, waiting): they are
reported with scores below 0.5, fishing vessels lowest, except a vessel that is not fishing and
stays slow for 8 h or more far from shore and from the shipping lanes (MARNET, :mod:`vessels.lanes`):
reefers often broadcast a cargo type, so that pattern scores at least 0.5 whatever the type
(Miller et al. 2018 used 8 h). Gear buoys are never reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors.base import DetectContext, Detector
from detectors.reception import HOUR_MS
from kernels.geo import METRES_PER_NM
from kernels.runs import run_stats, slow_steps, true_runs
from vessels.config import check_numbers
from vessels.errors import ConfigError
from vessels.events import Event
from vessels.explain import reasons_from_evidence
from vessels.lanes import distance_to_lane_km
from vessels.tracks import Tracks

__all__ = ["LoiteringParams", "carrier_score", "detect", "emit_delay_ms", "keep_since_ms"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LoiteringParams:
    """Defaults: GFW pipe-loitering / RFMO carrier loitering (2 kn, 4 h, 20 nm)."""

    max_speed_kn: float = 2.0
    min_duration_h: float = 4.0
    min_shore_nm: float = 20.0
    max_step_h: float = 12.0  # a longer hole ends the run: from 12 h it is a dark period
    noise_m: float = 50.0  # GPS jitter allowed between two reports
    carriers_only: bool = False  # GFW's carrier-loitering product reports carriers only
    partner_min_hours: int = 2  # another vessel near for this many hours = a visible partner
    near_port_km: float = 10.0  # closer to a port/anchorage: waiting there, scored lower
    full_score_h: float = 24.0  # a carrier loitering this long gets the full duration bonus
    # Any vessel that is not fishing, slow this long far from shore and from the shipping
    # lanes, is suspicious whatever type it broadcasts: reefers often broadcast "cargo"
    # (issue 13). 8 h: the duration Miller et al. 2018 used for carrier loitering.
    long_slow_h: float = 8.0
    min_lane_km: float = 5.0  # farther than this from a MARNET lane (vessels.lanes)

    def __post_init__(self) -> None:
        names = ("max_speed_kn", "min_duration_h", "min_shore_nm", "max_step_h", "noise_m")
        check_numbers(self, "loitering", names)
        if self.full_score_h <= self.min_duration_h:
            raise ConfigError("loitering.full_score_h must be greater than min_duration_h")


def _runs(tracks: Tracks, p: LoiteringParams, min_ms: int) -> tuple[I64, I64]:
    slow = slow_steps(
        tracks.t,
        tracks.lat,
        tracks.lon,
        tracks.sog,
        tracks.seg_start,
        float(p.max_speed_kn),
        float(p.noise_m),
        int(p.max_step_h * HOUR_MS),
    )
    first, last = true_runs(slow, tracks.seg_start, tracks.t, int(min_ms))
    return first, last


def emit_delay_ms(params: LoiteringParams) -> int:
    """A run is final once no report can extend it: the longest step it may bridge has passed."""
    return int(params.max_step_h * HOUR_MS) + 1


def keep_since_ms(tracks: Tracks, ctx: DetectContext, params: LoiteringParams) -> I64:
    """Per segment: the hour in which its open or not-yet-final slow run started (or its last
    report, which may start one)."""
    if tracks.n == 0:
        return np.zeros(0, np.int64)
    keep = tracks.t[tracks.seg_start[1:] - 1].copy()
    wm = ctx.watermark_ms
    first, last = _runs(tracks, params, 0)
    if first.size:
        pending = tracks.t[last] + emit_delay_ms(params) >= wm
        f = first[pending]
        np.minimum.at(keep, tracks.seg[f], tracks.t[f])
    return keep - keep % HOUR_MS


def _partner_hours(tracks: Tracks, ctx: DetectContext, a: int, b: int) -> tuple[int, int, int]:
    """(hours checked, hours with another vessel within the 3x3 proximity cells, max others)."""
    prox = ctx.proximity
    t = tracks.t
    h0 = int(prox.bucket(t[a]))
    h1 = int(prox.bucket(t[b]))  # the end hour is incomplete on a stream: left out
    if h1 <= h0:
        return 0, 0, 0
    hours = np.arange(h0, h1, dtype=np.int64)
    s = int(tracks.seg[a])
    sa, sb = int(tracks.seg_start[s]), int(tracks.seg_start[s + 1])
    seg_t = t[sa:sb]
    hour_ms = prox.bucket_ms
    t0 = 788_918_400_000  # kernels.cellhour.T0_MS
    starts_ms = t0 + hours * hour_ms
    # the loiterer's position at each hour: its last report at or before the hour starts
    ridx = np.clip(np.searchsorted(seg_t, starts_ms, side="right") - 1, a - sa, b - sa) + sa
    cells = prox.cells(tracks.lat[ridx], tracks.lon[ridx])
    nb = prox.neighbours(cells)  # (n_hours, 9)
    hh = np.repeat(hours, 9)
    _, _, ves = prox.range_sums(nb.reshape(-1), hh, hh + 1)
    total = ves.reshape(-1, 9).sum(axis=1)
    # subtract the loiterer itself: its distinct cells within the block in each hour
    seg_cells = prox.cells(tracks.lat[sa:sb], tracks.lon[sa:sb])
    seg_hours = prox.bucket(seg_t)
    own = np.zeros(hours.size, np.int64)
    lo = np.searchsorted(seg_hours, hours, side="left")
    hi = np.searchsorted(seg_hours, hours, side="right")
    for k in range(hours.size):
        if hi[k] > lo[k]:
            own[k] = np.isin(np.unique(seg_cells[lo[k] : hi[k]]), nb[k]).sum()
    others = np.maximum(total - own, 0)
    return int(hours.size), int((others > 0).sum()), int(others.max(initial=0))


def carrier_score(dur_h: float, alone: bool, p: LoiteringParams) -> float:
    """A loitering carrier's score before the near-port discount: 0.6, up to +0.2 for its
    length, +0.2 when no other vessel was seen near it (a possible dark rendezvous)."""
    f_len = min(1.0, max(0.0, (dur_h - p.min_duration_h) / (p.full_score_h - p.min_duration_h)))
    return 0.6 + 0.2 * f_len + (0.2 if alone else 0.0)


def detect(
    tracks: Tracks, ctx: DetectContext, params: LoiteringParams = LoiteringParams()
) -> list[Event]:
    """Slow runs of at least ``min_duration_h`` at least ``min_shore_nm`` from shore."""
    p = params
    if tracks.n < 2:
        return []
    first, last = _runs(tracks, p, int(p.min_duration_h * HOUR_MS))
    if first.size == 0:
        return []
    reg = ctx.registry
    mm = tracks.mmsi[first]
    keep = np.array(
        [not reg.is_gear(int(m)) and (not p.carriers_only or reg.is_carrier(int(m))) for m in mm],
        dtype=bool,
    )
    first, last = first[keep], last[keep]
    if first.size == 0:
        return []
    dist_m, mlat, mlon = run_stats(tracks.t, tracks.lat, tracks.lon, first, last)
    shore_km = np.asarray(ctx.shore_km(mlat, mlon), dtype=np.float64)
    shore_nm = shore_km * 1000.0 / METRES_PER_NM
    far = shore_nm >= p.min_shore_nm
    first, last, dist_m, mlat, mlon = first[far], last[far], dist_m[far], mlat[far], mlon[far]
    shore_km, shore_nm = shore_km[far], shore_nm[far]
    if first.size == 0:
        return []
    port_km, port_i = ctx.port_km(mlat, mlon)
    lane_km_all = distance_to_lane_km(mlat, mlon)
    events: list[Event] = []
    for k in range(first.size):
        a, b = int(first[k]), int(last[k])
        mmsi = int(tracks.mmsi[a])
        dur_h = (int(tracks.t[b]) - int(tracks.t[a])) / HOUR_MS
        avg_kn = dist_m[k] / METRES_PER_NM / dur_h if dur_h > 0 else 0.0
        hours, partner_h, max_others = _partner_hours(tracks, ctx, a, b)
        alone = partner_h < min(p.partner_min_hours, max(hours, 1))
        carrier = reg.is_carrier(mmsi)
        fishing = reg.is_fishing(mmsi)
        near_port = bool(port_km[k] < p.near_port_km)
        lane_km = float(lane_km_all[k])
        off_lane = lane_km >= p.min_lane_km
        # known not to fish: a vessel that broadcast no type may be a fishing vessel
        typed = reg.latest.get(mmsi, {}).get("ship_type") is not None
        long_slow = typed and not fishing and not carrier and dur_h >= p.long_slow_h and off_lane
        if carrier:
            score = carrier_score(dur_h, alone, p)
        elif long_slow:
            f_len = min(1.0, (dur_h - p.long_slow_h) / max(p.full_score_h - p.long_slow_h, 1e-9))
            score = 0.5 + 0.1 * f_len + (0.05 if alone else 0.0)
        else:
            score = 0.2 if fishing else 0.3 + (0.1 if alone else 0.0)
        if near_port:
            score = max(0.0, score - 0.1)
        sat = tracks.is_sat[a : b + 1]
        evidence: dict[str, Any] = {
            "total_time_h": dur_h,
            "total_distance_nm": float(dist_m[k] / METRES_PER_NM),
            "average_speed_kn": avg_kn,
            "median_reported_speed_kn": float(np.nanmedian(tracks.sog[a : b + 1]))
            if np.isfinite(tracks.sog[a : b + 1]).any()
            else None,
            "points": b - a + 1,
            "sat_points": int((sat == 1).sum()),
            "start": {"lat": float(tracks.lat[a]), "lon": float(tracks.lon[a])},
            "end": {"lat": float(tracks.lat[b]), "lon": float(tracks.lon[b])},
            "distance_from_shore_km": float(shore_km[k]),
            "distance_from_port_km": float(port_km[k]),
            "nearest_port": ctx.ports.name[int(port_i[k])] or None,
            "hours_checked_for_partner": hours,
            "hours_with_vessel_within_1km": partner_h,
            "max_other_vessels_within_1km": max_others,
            "visible_partner": not alone,
            "is_carrier": carrier,
            "is_fishing": fishing,
            "segment": int(tracks.seg[a]),
            "vessel": reg.info(mmsi),
            "distance_from_lane_km": lane_km,
            "long_slow_off_lane": bool(long_slow),
            "rule": {
                "max_speed_kn": p.max_speed_kn,
                "near_port_km": p.near_port_km,
                "long_slow_h": p.long_slow_h,
            },
        }
        events.append(
            Event(
                type="loitering",
                mmsi=mmsi,
                start_ms=int(tracks.t[a]),
                end_ms=int(tracks.t[b]),
                lat=float(mlat[k]),
                lon=float(mlon[k]),
                score=round(min(1.0, max(0.0, score)), 4),
                reasons=reasons_from_evidence("loitering", evidence),
                evidence=evidence,
            )
        )
    return events


DETECTOR = Detector(
    "loitering",
    LoiteringParams,
    detect,
    emit_delay_ms=emit_delay_ms,
    keep_since_ms=keep_since_ms,
)
