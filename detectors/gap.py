"""Dark periods: a vessel's AIS goes silent where it should have been heard.

Definition (Welch et al. 2022, "Hot spots of unseen fishing vessels", Science Advances; GFW
AIS-disabling code; detection-methods.md "Gap / disabling"): a gap of at least 12 h that starts
more than 50 nm from shore, in a 1-degree cell where satellite reception is good (more than 10
satellite positions per vessel-day) and after at least 14 satellite positions in the 12 h before.
Those filters become a score here rather than only a cut: a gap that passes them all scores
0.6-1.0 (higher when other vessels were heard in the cell while this one was silent and the
longer it lasts); a gap in a coverage hole scores below 0.5 in proportion to how close it came.
``naive=True`` is the lower-threshold mode (GFW pipe-gaps / Skylight "potential dark activity":
every gap of 6 h or more, any distance from shore), reported with scores below 0.5 unless the
strict definition holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors.reception import HOUR_MS
from kernels.geo import METRES_PER_NM, haversine_array_m
from kernels.runs import find_gaps, window_counts
from vessels.errors import ConfigError
from vessels.events import Event
from vessels.tracks import Tracks

__all__ = ["GapParams", "detect", "emit_delay_ms", "keep_since_ms"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GapParams:
    """Dark-period rule; defaults from Welch et al. 2022 unless said otherwise."""

    min_gap_h: float = 12.0  # Welch 2022
    min_shore_nm: float = 50.0  # Welch 2022: the gap starts more than 50 nm from shore
    min_sat_per_vessel_day: float = 10.0  # Welch 2022: > 10 sat positions/day in the 1-deg cell
    min_positions_before: int = 14  # Welch 2022: >= 14 sat positions in the 12 h before
    before_window_h: float = 12.0  # Welch 2022
    after_window_h: float = 12.0  # evidence only: reports in the 12 h after the gap
    naive: bool = False  # lower-threshold mode: report every gap >= naive_min_gap_h
    naive_min_gap_h: float = 6.0  # GFW pipe-gaps naive gaps, Skylight potential dark activity
    full_score_heard_vessel_hours: float = 12.0  # others heard this much during the gap: +0.2
    full_score_gap_h: float = 48.0  # a gap this long gets the full length bonus of +0.2

    def __post_init__(self) -> None:
        for name in ("min_gap_h", "min_shore_nm", "before_window_h", "naive_min_gap_h"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or v < 0:
                raise ConfigError(f"gap.{name} must be a number >= 0, got {v!r}")
        if self.full_score_gap_h <= self.min_gap_h:
            raise ConfigError("gap.full_score_gap_h must be greater than gap.min_gap_h")

    @property
    def report_min_gap_h(self) -> float:
        return min(self.naive_min_gap_h, self.min_gap_h) if self.naive else self.min_gap_h


def emit_delay_ms(params: GapParams) -> int:
    """A gap is final once the reports of the 12 h after it (evidence) have all arrived."""
    return int(params.after_window_h * HOUR_MS) + 1


def keep_since_ms(tracks: Tracks, ctx: Any, params: GapParams) -> I64:
    """Per segment: the 12 h before its last report (a future gap's "before" window) and the
    12 h before the start of any gap not yet final."""
    if tracks.n == 0:
        return np.zeros(0, np.int64)
    before = int(params.before_window_h * HOUR_MS)
    keep = tracks.t[tracks.seg_start[1:] - 1] - before
    wm = int(getattr(ctx, "watermark_ms", np.iinfo(np.int64).max))
    rows = find_gaps(tracks.t, tracks.seg_start, int(params.report_min_gap_h * HOUR_MS))
    if rows.size:
        pending = tracks.t[rows + 1] + emit_delay_ms(params) >= wm
        r = rows[pending]
        np.minimum.at(keep, tracks.seg[r], tracks.t[r] - before)
    return keep


def _score(
    strict: bool, q_cell: float, q_own: float, heard: float, dur_h: float, p: GapParams
) -> float:
    if strict and q_cell >= 1.0 and q_own >= 1.0:
        f_heard = min(1.0, heard / p.full_score_heard_vessel_hours)
        f_len = min(1.0, (dur_h - p.min_gap_h) / (p.full_score_gap_h - p.min_gap_h))
        return 0.6 + 0.2 * f_heard + 0.2 * f_len
    q = min(q_cell, q_own)
    if strict:  # far offshore and long, but reception says a coverage hole may explain it
        return 0.15 + 0.3 * q
    return 0.05 + 0.25 * q  # a naive gap (short or near shore)


def detect(tracks: Tracks, ctx: Any, params: GapParams = GapParams()) -> list[Event]:
    """Every gap of each segment longer than the reporting threshold, scored and explained."""
    p = params
    if tracks.n < 2:
        return []
    rows = find_gaps(tracks.t, tracks.seg_start, int(p.report_min_gap_h * HOUR_MS))
    if rows.size == 0:
        return []
    on = rows + 1
    t0, t1 = tracks.t[rows], tracks.t[on]
    lat0, lon0, lat1, lon1 = tracks.lat[rows], tracks.lon[rows], tracks.lat[on], tracks.lon[on]
    dur_h = (t1 - t0) / HOUR_MS
    dist_m = haversine_array_m(lat0, lon0, lat1, lon1)
    shore0 = np.asarray(ctx.shore_km(lat0, lon0), dtype=np.float64)
    shore1 = np.asarray(ctx.shore_km(lat1, lon1), dtype=np.float64)
    shore_nm0 = shore0 * 1000.0 / METRES_PER_NM
    if not p.naive:
        keep = shore_nm0 > p.min_shore_nm
        if not keep.any():
            return []
        rows, on, t0, t1, dur_h, dist_m = rows[keep], on[keep], t0[keep], t1[keep], dur_h[keep], dist_m[keep]
        lat0, lon0, lat1, lon1 = lat0[keep], lon0[keep], lat1[keep], lon1[keep]
        shore0, shore1, shore_nm0 = shore0[keep], shore1[keep], shore_nm0[keep]

    seg_of_row = tracks.seg
    win_b = int(p.before_window_h * HOUR_MS)
    win_a = int(p.after_window_h * HOUR_MS)
    nb_all, nb_sat, nb_known = window_counts(
        tracks.t, tracks.is_sat, tracks.seg_start, seg_of_row, rows, win_b, True
    )
    na_all, na_sat, _ = window_counts(
        tracks.t, tracks.is_sat, tracks.seg_start, seg_of_row, on, win_a, False
    )

    # Reception in the start cell. Only buckets complete when the gap closes are used, so a
    # stream computes the same numbers: days before the day the gap ends (at least the day
    # before it starts), hours strictly inside the gap.
    rd = ctx.reception_day
    cells = rd.cells(lat0, lon0)
    cells_end = rd.cells(lat1, lon1)
    d0 = rd.bucket(t0) - 1
    d1 = np.maximum(rd.bucket(t1), d0 + 1)
    pos_d, sat_d, ves_d = rd.range_sums(cells, d0, d1)
    sat_known = (tracks.is_sat >= 0).any()
    rh = ctx.reception_hour
    h0 = rh.bucket(t0) + 1
    h1 = rh.bucket(t1)
    pos_h, sat_h, ves_h = rh.range_sums(cells, h0, h1)
    pos_he, _, ves_he = rh.range_sums(cells_end, h0, h1)

    events: list[Event] = []
    reg = ctx.registry
    for k in range(rows.size):
        mmsi = int(tracks.mmsi[rows[k]])
        vessel_days = max(float(ves_d[k]), 1.0)
        recv = float(sat_d[k] if sat_known else pos_d[k])
        per_vd = recv / vessel_days
        own = int(nb_sat[k]) if nb_known[k] > 0 else int(nb_all[k])
        q_cell = per_vd / p.min_sat_per_vessel_day if p.min_sat_per_vessel_day > 0 else 1.0
        q_own = own / p.min_positions_before if p.min_positions_before > 0 else 1.0
        q_cell, q_own = min(q_cell, 1.0), min(q_own, 1.0)
        strict = bool(dur_h[k] >= p.min_gap_h and shore_nm0[k] > p.min_shore_nm)
        heard = float(ves_h[k])
        score = _score(strict, q_cell, q_own, heard, float(dur_h[k]), p)
        implied_kn = dist_m[k] / METRES_PER_NM / dur_h[k] if dur_h[k] > 0 else float("nan")
        kind = "satellite" if sat_known else "all"
        reasons = [
            f"{reg.label(mmsi)} was silent for {dur_h[k]:.1f} h from "
            f"{shore_nm0[k]:.0f} nm offshore and reappeared {dist_m[k] / METRES_PER_NM:.0f} nm "
            f"away (implied {implied_kn:.1f} kn).",
        ]
        if strict and q_cell >= 1 and q_own >= 1:
            reasons.append(
                f"Reception there was good: {per_vd:.0f} {kind} positions per vessel-day in the "
                f"1-degree cell and {own} of its own positions in the {p.before_window_h:.0f} h "
                "before it went silent."
            )
            if heard > 0:
                reasons.append(
                    f"Other vessels were heard in the same cell during the gap "
                    f"({heard:.0f} vessel-hours), so the silence is unlikely to be a coverage hole."
                )
        else:
            why = []
            if dur_h[k] < p.min_gap_h:
                why.append(f"shorter than {p.min_gap_h:.0f} h")
            if shore_nm0[k] <= p.min_shore_nm:
                why.append(f"started within {p.min_shore_nm:.0f} nm of shore")
            if q_cell < 1:
                why.append(f"poor reception in the cell ({per_vd:.1f} {kind} positions per vessel-day)")
            if q_own < 1:
                why.append(f"only {own} own positions in the {p.before_window_h:.0f} h before")
            reasons.append("Likely a coverage or naive gap: " + "; ".join(why) + ".")
        evidence: dict[str, Any] = {
            "off": {"t": int(t0[k]), "lat": float(lat0[k]), "lon": float(lon0[k])},
            "on": {"t": int(t1[k]), "lat": float(lat1[k]), "lon": float(lon1[k])},
            "duration_h": float(dur_h[k]),
            "distance_nm": float(dist_m[k] / METRES_PER_NM),
            "implied_speed_kn": implied_kn,
            "distance_from_shore_km_off": float(shore0[k]),
            "distance_from_shore_km_on": float(shore1[k]),
            "positions_before_12h": int(nb_all[k]),
            "sat_positions_before_12h": int(nb_sat[k]),
            "positions_after_12h": int(na_all[k]),
            "sat_positions_after_12h": int(na_sat[k]),
            "cell_positions_per_vessel_day": per_vd,
            "cell_reception_measure": kind,
            "cell_vessel_days": float(ves_d[k]),
            "cell_positions_during_gap": int(pos_h[k]),
            "cell_sat_positions_during_gap": int(sat_h[k]),
            "cell_vessel_hours_during_gap": int(ves_h[k]),
            "end_cell_vessel_hours_during_gap": int(ves_he[k]),
            "end_cell_positions_during_gap": int(pos_he[k]),
            "meets_welch_2022": bool(strict and q_cell >= 1 and q_own >= 1),
            "segment": int(tracks.seg[rows[k]]),
            "vessel": reg.info(mmsi),
        }
        events.append(
            Event(
                type="gap",
                mmsi=mmsi,
                start_ms=int(t0[k]),
                end_ms=int(t1[k]),
                lat=float(lat0[k]),
                lon=float(lon0[k]),
                score=round(float(min(1.0, max(0.0, score))), 4),
                reasons=reasons,
                evidence=evidence,
            )
        )
    return events
