"""Was an AIS vessel broadcasting at the image time, or silent in an AIS gap?

Interpolating across a silence places a vessel that had switched AIS off as if it had not, and
matches its detection: the dark detection is lost (GFW does not interpolate across gaps either:
Paolo et al. 2024 extrapolate from the reports before and after within a limited window). A
silence alone does not say "off": satellites revisit about hourly, class B is heard rarely, and
whole areas go unheard for hours. So each silence is weighed against the local reception
(:mod:`kernels.match_reception`, the reception-quality reasoning of Welch et al. 2022): the
30 min bins in which other vessels near the placement were heard are opportunities, the
vessel's own record over the hours around the image gives its hit rate, and
:func:`chance_from_evidence` turns the opportunities it missed around the image into the chance
that it was broadcasting then. Below ``MatchParams.min_p_broadcasting`` it is taken as in an
AIS gap: not a matching candidate; its detection stays dark.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kernels.match_reception import report_keys, silence_evidence
from vessels.tracks import Tracks

__all__ = ["broadcast_chance", "chance_from_evidence"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def chance_from_evidence(ev: I64, T: I64, prior_off: float) -> tuple[F64, I64]:
    """Chance of broadcasting at ``T`` from :func:`kernels.match_reception.silence_evidence`
    rows (missed before/after, opportunities, hits, report before/after, nearest missed bins),
    and the opportunities missed in all.

    Two explanations of a silence that missed ``k`` opportunities: the vessel was on throughout
    and unheard, likelihood ``(1 - h) ** k`` with ``h = (hits + 1) / (opportunities + 2)`` its
    Laplace-smoothed hit rate, prior ``1 - prior_off``; or it was off for a while inside the
    silence, over all the missed bins (likelihood 1, prior ``prior_off``). Off over misses on
    both sides of T covers T; over misses before T only, it came back on at a time uniform
    between the last missed bin ``m`` and the next report ``t_a``, before T with chance
    ``(T - m) / (t_a - m)`` (after T only, the mirror). Nothing missed: 1.
    """
    kb, ka, opp, hit = ev[:, 0], ev[:, 1], ev[:, 2], ev[:, 3]
    t_b, t_a, m_b, m_a = ev[:, 4], ev[:, 5], ev[:, 6], ev[:, 7]
    k = np.maximum(kb, 0) + np.maximum(ka, 0)
    h = (np.maximum(hit, 0) + 1.0) / (np.maximum(opp, 0) + 2.0)
    like_on = (1.0 - h) ** k
    p_always = (1.0 - prior_off) * like_on / ((1.0 - prior_off) * like_on + prior_off)
    frac = np.zeros(T.shape[0])  # chance of being on at T when off for a while
    before = (kb > 0) & (ka <= 0)
    frac[before] = (T[before] - m_b[before]) / np.maximum(t_a[before] - m_b[before], 1)
    after = (ka > 0) & (kb <= 0)
    frac[after] = (m_a[after] - T[after]) / np.maximum(m_a[after] - t_b[after], 1)
    p = p_always + (1.0 - p_always) * np.clip(frac, 0.0, 1.0)
    p[k == 0] = 1.0
    return p, k.astype(np.int64)


def broadcast_chance(
    tracks: Tracks,
    v_seg: I64,
    v_t: I64,
    v_lat: F64,
    v_lon: F64,
    v_dt: I64,
    *,
    min_side_h: float,
    bin_min: float,
    cell_deg: float,
    window_h: float,
    prior_off: float,
) -> tuple[F64, I64]:
    """Per placement (segment ``v_seg`` placed at ``v_lat, v_lon`` at time ``v_t``, ``v_dt``
    ms from its nearer report): the chance the vessel was broadcasting then, and the reception
    opportunities it missed (1 and 0 when a report is within ``min_side_h`` hours)."""
    n = v_seg.shape[0]
    p_on = np.ones(n)
    missed = np.zeros(n, dtype=np.int64)
    hour = 3_600_000
    need = np.flatnonzero(v_dt >= int(min_side_h * hour))
    if need.size == 0 or tracks.t.shape[0] == 0:
        return p_on, missed
    bin_ms = max(int(bin_min * 60_000), 1)
    window_ms = int(window_h * hour)
    t0 = int(min(int(tracks.t.min()), int(v_t[need].min()) - window_ms - bin_ms))
    keys = np.sort(report_keys(tracks.t, tracks.lat, tracks.lon, t0, bin_ms, cell_deg))
    ev = silence_evidence(
        keys, tracks.seg_start, tracks.t, tracks.lat, tracks.lon,
        np.ascontiguousarray(v_seg[need]), np.ascontiguousarray(v_t[need]),
        np.ascontiguousarray(v_lat[need]), np.ascontiguousarray(v_lon[need]),
        t0, bin_ms, float(cell_deg), window_ms, int(min_side_h * hour),
    )  # fmt: skip
    p_on[need], missed[need] = chance_from_evidence(ev, v_t[need].astype(np.int64), prior_off)
    return p_on, missed
