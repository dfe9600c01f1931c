"""Dark periods: a vessel's AIS goes silent where it should have been heard.

Definition (Welch et al. 2022, "Hot spots of unseen fishing vessels", Science Advances; GFW
AIS-disabling code; docs/references.md "Gap / disabling"): a gap of at least 12 h that starts
more than 50 nm from shore, in a 1-degree cell where satellite reception is good (more than 10
satellite positions per vessel-day) and after at least 14 satellite positions in the 12 h before.
The length, shore and own-positions rules are cuts (a gap failing one scores below 0.5, in
proportion to how close it came); the cell's reception is a factor of the score: a gap in a
coverage hole scores below 0.5, one where others were heard while this vessel was silent scores
up to 1.0, longer gaps higher. The length counted is the silence the vessel most likely kept:
the observed gap less half of the reception holes at its two ends (see ``GapParams``).
``naive=True`` is the lower-threshold mode (GFW pipe-gaps / Skylight "potential dark activity":
every gap of 6 h or more, any distance from shore), reported with scores below 0.5 unless the
strict definition holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors.base import DetectContext, Detector
from detectors.reception import HOUR_MS
from kernels.cellhour import T0_MS
from kernels.geo import METRES_PER_NM, haversine_array_m
from kernels.runs import find_gaps, window_counts
from vessels.config import check_numbers
from vessels.coverage import data_holes, hole_overlap_h
from vessels.errors import ConfigError
from vessels.events import Event
from vessels.explain import reasons_from_evidence
from vessels.tracks import Tracks

__all__ = ["GapParams", "detect", "emit_delay_ms", "keep_since_ms"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GapParams:
    """Dark-period rule; defaults from Welch et al. 2022 unless said otherwise."""

    min_gap_h: float = 12.0  # Welch 2022
    min_shore_nm: float = 50.0  # Welch 2022: the gap starts more than 50 nm from shore
    min_cell_positions_per_vessel_day: float = (
        10.0  # Welch 2022: > 10 sat positions/day, 1-deg cell
    )
    min_positions_before: int = 14  # Welch 2022: >= 14 sat positions in the 12 h before
    before_window_h: float = 12.0  # Welch 2022
    after_window_h: float = 12.0  # evidence only: reports in the 12 h after the gap
    naive: bool = False  # lower-threshold mode: report every gap >= naive_min_gap_h
    naive_min_gap_h: float = 6.0  # GFW pipe-gaps naive gaps, Skylight potential dark activity
    full_score_heard_vessel_hours: float = 12.0  # others heard this much during the gap: +0.2
    full_score_gap_h: float = 48.0  # a gap this long gets the full length bonus of +0.1
    # The observed gap also holds the reception holes at its two ends: the vessel may have been
    # on but unheard until the next satellite pass. When others are heard in the cell during
    # the gap, the stretches before the first and after the last hour they were heard are such
    # holes (each up to max_trim_h, a long satellite revisit hole). The vessel went silent and
    # came back at unknown moments inside them: the observed gap less half of both holes (the
    # expected silence) must still reach min_gap_h.
    check_heard_span: bool = True
    max_trim_h: float = 6.0
    # Coverage honesty (issue 12): a gap lying mostly (coverage_hole_share) in hours when no
    # input delivered any position from anywhere (runs of data_hole_min_h or more: a hole
    # between capture files or feeds), or during which no other vessel was heard within the
    # 3x3 block of 1-degree cells around where it went silent or reappeared, is a coverage
    # gap: AIS cannot show the vessel would have been heard. It scores at most
    # coverage_max_score, below the 0.5 at which events count.
    data_hole_min_h: float = 6.0
    coverage_hole_share: float = 0.5
    coverage_max_score: float = 0.3
    # Regional normal (issue 13, detectors/regional.py, applied by investigate): a gap no
    # longer than the silence that half (1 - regional_quantile) of the other vessels heard
    # within about one degree kept at least once is routine there, when regional_min_vessels
    # or more were heard; it scores at most routine_max_score. Silences counted: the time
    # between two consecutive reports, regional_silence_min_h or more for the p90 figure.
    regional_min_vessels: int = 5
    regional_quantile: float = 0.5
    regional_silence_min_h: float = 1.0
    routine_max_score: float = 0.4

    def __post_init__(self) -> None:
        names = ("min_gap_h", "min_shore_nm", "before_window_h", "naive_min_gap_h")
        check_numbers(self, "gap", (*names, "data_hole_min_h", "coverage_max_score"))
        if self.full_score_gap_h <= self.min_gap_h:
            raise ConfigError("gap.full_score_gap_h must be greater than gap.min_gap_h")

    @property
    def report_min_gap_h(self) -> float:
        return min(self.naive_min_gap_h, self.min_gap_h) if self.naive else self.min_gap_h


def emit_delay_ms(params: GapParams) -> int:
    """A gap is final once the 12 h after it (evidence) and the UTC day it ends in (the
    reception window) have passed."""
    return max(int(params.after_window_h * HOUR_MS), 24 * HOUR_MS) + 1


def keep_since_ms(tracks: Tracks, ctx: DetectContext, params: GapParams) -> I64:
    """Per segment: the 12 h before its last report (a future gap's "before" window) and the
    12 h before the start of any gap not yet final."""
    if tracks.n == 0:
        return np.zeros(0, np.int64)
    before = int(params.before_window_h * HOUR_MS)
    keep = tracks.t[tracks.seg_start[1:] - 1] - before
    wm = ctx.watermark_ms
    rows = find_gaps(tracks.t, tracks.seg_start, int(params.report_min_gap_h * HOUR_MS))
    if rows.size:
        pending = tracks.t[rows + 1] + emit_delay_ms(params) >= wm
        r = rows[pending]
        np.minimum.at(keep, tracks.seg[r], tracks.t[r] - before)
    return keep


def _reception(q_cell: float, q_own: float, q_heard: float) -> float:
    """How sure we are that the vessel would have been heard, in [0, 1].

    The cell's reception (Welch's > 10 satellite positions per vessel-day; here every receiver
    counts) gates everything: in a coverage hole nothing else matters. The vessel's own reports
    before the gap (Welch's >= 14 in 12 h) and other vessels heard in the cell during the gap
    raise it.
    """
    return q_cell * (0.6 + 0.4 * q_own) * (0.6 + 0.4 * q_heard)


def _score(strict: bool, rec: float, dur_h: float, p: GapParams) -> float:
    if strict:
        f_len = min(1.0, max(0.0, (dur_h - p.min_gap_h) / (p.full_score_gap_h - p.min_gap_h)))
        return 0.1 + 0.8 * rec + 0.1 * f_len
    return 0.05 + 0.4 * rec  # a naive gap (short or near shore): context, below 0.5


def detect(tracks: Tracks, ctx: DetectContext, params: GapParams = GapParams()) -> list[Event]:
    """Every gap of each segment longer than the reporting threshold, scored and explained."""
    p = params
    if tracks.n < 2:
        return []
    rows = find_gaps(tracks.t, tracks.seg_start, int(p.report_min_gap_h * HOUR_MS))
    reg = ctx.registry
    if rows.size:  # gear buoys switch on and off to save battery: not a vessel's dark period
        rows = rows[[not reg.is_gear(int(m)) for m in tracks.mmsi[rows]]]
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
        rows, on, t0, t1, dur_h, dist_m = (
            rows[keep],
            on[keep],
            t0[keep],
            t1[keep],
            dur_h[keep],
            dist_m[keep],
        )
        lat0, lon0, lat1, lon1 = lat0[keep], lon0[keep], lat1[keep], lon1[keep]
        shore0, shore1, shore_nm0 = shore0[keep], shore1[keep], shore_nm0[keep]

    seg_of_row = tracks.seg
    win_b = int(p.before_window_h * HOUR_MS)
    win_a = int(p.after_window_h * HOUR_MS)
    nb_all, nb_sat, _ = window_counts(
        tracks.t, tracks.is_sat, tracks.seg_start, seg_of_row, rows, win_b, True
    )
    na_all, na_sat, _ = window_counts(
        tracks.t, tracks.is_sat, tracks.seg_start, seg_of_row, on, win_a, False
    )

    # Reception in the start cell: the UTC days from the one before the gap to the one it ends
    # in (complete when the gap is emitted on a stream), and the hours strictly inside the gap.
    rd = ctx.reception_day
    cells = rd.cells(lat0, lon0)
    cells_end = rd.cells(lat1, lon1)
    d0 = rd.bucket(t0) - 1
    d1 = rd.bucket(t1) + 1
    pos_d, sat_d, ves_d = rd.range_sums(cells, d0, d1)
    rh = ctx.reception_hour
    h0 = rh.bucket(t0) + 1
    h1 = rh.bucket(t1)
    pos_h, sat_h, ves_h = rh.range_sums(cells, h0, h1)
    pos_he, _, ves_he = rh.range_sums(cells_end, h0, h1)
    # The first and last hours inside the gap in which others were heard bound the time the
    # vessel was demonstrably silent: the observed gap also holds reception holes at its ends.
    # Satellites pass over both ends of the gap alike, so hours heard in the cell the vessel
    # came back in count too (it may have drifted out of a cell no one else was in).
    hf, hl = rh.first_last(cells, h0, h1)
    hf_e, hl_e = rh.first_last(cells_end, h0, h1)
    hf = np.where((hf < 0) | ((hf_e >= 0) & (hf_e < hf)), hf_e, hf)
    hl = np.maximum(hl, hl_e)

    # Coverage: hours of the gap in holes of the whole data, and other vessels heard within
    # about one degree (the 3x3 block of cells) of where it went silent or came back.
    holes = data_holes(rh.heard_buckets, p.data_hole_min_h)
    hole_h = hole_overlap_h(holes, h0, h1)
    nearby = rh.block_sums(cells, h0, h1) + rh.block_sums(cells_end, h0, h1)
    # Hours of the gap in stretches of data_hole_min_h or more when nobody near either end was
    # heard: a reception outage over the area is as blind as a hole in the whole data.
    unheard = rh.block_hole_hours(cells, cells_end, h0, h1, p.data_hole_min_h)
    rule = {
        "min_gap_h": p.min_gap_h,
        "min_shore_nm": p.min_shore_nm,
        "min_cell_positions_per_vessel_day": p.min_cell_positions_per_vessel_day,
        "min_positions_before": p.min_positions_before,
        "before_window_h": p.before_window_h,
    }

    events: list[Event] = []
    for k in range(rows.size):
        mmsi = int(tracks.mmsi[rows[k]])
        vessel_days = max(float(ves_d[k]), 1.0)
        # Welch et al. count satellite positions; terrestrial ones prove reception just as
        # well (a gap inside a coastal station's range is no coverage hole), so all count.
        recv = float(pos_d[k])
        per_vd = recv / vessel_days
        own = int(nb_all[k])  # as for the cell: a terrestrial report proves reception too
        q_cell = (
            per_vd / p.min_cell_positions_per_vessel_day
            if p.min_cell_positions_per_vessel_day > 0
            else 1.0
        )
        q_own = own / p.min_positions_before if p.min_positions_before > 0 else 1.0
        q_cell, q_own = min(q_cell, 1.0), min(q_own, 1.0)
        covered_h = float(hl[k] - hf[k] + 1) if hf[k] >= 0 else float("nan")
        shown_h = expected_h = float(dur_h[k])
        if hf[k] >= 0 and p.check_heard_span:
            head = (T0_MS + int(hf[k]) * HOUR_MS - int(t0[k])) / HOUR_MS
            tail = (int(t1[k]) - T0_MS - (int(hl[k]) + 1) * HOUR_MS) / HOUR_MS
            trim = min(max(head, 0.0), p.max_trim_h) + min(max(tail, 0.0), p.max_trim_h)
            shown_h -= trim
            # The vessel went silent somewhere in the head hole and came back somewhere in the
            # tail hole; with no more to go on, each moment is as likely (uniform), so the
            # silence it most likely kept is the observed gap less half of both holes. The
            # lower bound (shown_h) would call every gap bracketed by revisit holes a hole.
            expected_h -= trim / 2.0
        # Welch et al. 2022's own-positions filter is part of the definition: a vessel heard
        # fewer than 14 times in the 12 h before is not reliably tracked, so its silence is
        # reported for context but below 0.5. The cell filter stays a soft factor of the
        # score: positions per vessel-day undercount cells that ships cross in a few hours
        # (a transit is a whole vessel-day with a few hours of positions), so good cells on a
        # shipping route would fail a hard cut.
        strict = bool(
            q_own >= 1.0
            and dur_h[k] >= p.min_gap_h
            and expected_h >= p.min_gap_h
            and shore_nm0[k] > p.min_shore_nm
        )
        heard = float(ves_h[k])
        q_heard = min(1.0, heard / p.full_score_heard_vessel_hours)
        rec = _reception(q_cell, q_own, q_heard)
        score = _score(strict, rec, float(dur_h[k]), p)
        coverage = None
        if float(hole_h[k]) >= p.coverage_hole_share * float(dur_h[k]):
            coverage = "data_hole"
        elif int(nearby[k]) == 0:
            coverage = "nobody_heard"
        elif float(unheard[k]) >= p.coverage_hole_share * float(dur_h[k]):
            coverage = "mostly_unheard"
        if coverage is not None:
            score = min(score, p.coverage_max_score)
        implied_kn = dist_m[k] / METRES_PER_NM / dur_h[k] if dur_h[k] > 0 else float("nan")
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
            "cell_sat_positions_per_vessel_day": float(sat_d[k]) / vessel_days,
            "cell_vessel_days": float(ves_d[k]),
            "cell_positions_during_gap": int(pos_h[k]),
            "cell_sat_positions_during_gap": int(sat_h[k]),
            "cell_vessel_hours_during_gap": int(ves_h[k]),
            "end_cell_vessel_hours_during_gap": int(ves_he[k]),
            "end_cell_positions_during_gap": int(pos_he[k]),
            "nearby_vessel_hours_during_gap": int(nearby[k]),
            "data_hole_h": int(hole_h[k]),
            "nearby_unheard_h": int(unheard[k]),
            "nearby_unheard_min_h": p.data_hole_min_h,
            "coverage": coverage,
            "meets_gap_rule": strict,
            "meets_welch_2022": bool(strict and q_cell >= 1.0 and coverage is None),
            "reception_score": rec,
            "heard_span_h": covered_h,
            "silence_shown_h": shown_h,
            "silence_expected_h": expected_h,
            "segment": int(tracks.seg[rows[k]]),
            "vessel": reg.info(mmsi),
            "rule": rule,
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
                reasons=reasons_from_evidence("gap", evidence),
                evidence=evidence,
            )
        )
    return events


DETECTOR = Detector(
    "gap", GapParams, detect, emit_delay_ms=emit_delay_ms, keep_since_ms=keep_since_ms
)
