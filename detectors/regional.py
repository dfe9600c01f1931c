"""The regional normal of silences (issue 13 item 1): how long vessels in a region usually go
unheard, learned from the data, so that a silence no longer than what is usual there is not
called a dark period.

Where satellite passes are rare, every vessel goes unheard for hours at a time: plain gap
rules would flag them all. For each gap, the other vessels heard in the 3x3 block of 1-degree
cells around where it went silent give the figure: each vessel's longest silence that began
there (the time between two of its consecutive reports), and how long their silences of an hour
or more last (90th percentile). When at least ``GapParams.regional_min_vessels`` other vessels
were heard there and half of them had a silence at least as long as the gap
(``regional_quantile``), the gap is routine there: it scores at most
``GapParams.routine_max_score`` (below the 0.5 at which events count). Its evidence states the
figures either way (``evidence["regional"]``) and its text is made again from them.

This needs every position of the run, so it is a step of ``vessels investigate``
(:mod:`vessels.pipeline.run`), not of the detectors' stream form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from detectors.reception import HOUR_MS
from kernels.cellhour import cell_index
from vessels.events import Event
from vessels.explain import reasons_from_evidence
from vessels.tracks import Tracks

if TYPE_CHECKING:
    from detectors.gap import GapParams

__all__ = ["Silences", "apply_regional_normal", "silences_of"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Silences:
    """Per (1-degree cell, MMSI): the longest time between two consecutive reports of a segment
    that began in the cell; and every such time of an hour or more, with its cell and MMSI."""

    cell_deg: float
    cells: I64  # sorted
    mmsi: I64
    longest_h: F64
    long_cells: I64  # sorted
    long_mmsi: I64
    long_h: F64


def silences_of(tracks: Tracks, cell_deg: float = 1.0, min_h: float = 1.0) -> Silences:
    """The silences of every vessel in ``tracks`` by cell (see :class:`Silences`)."""
    z_i, z_f = np.zeros(0, np.int64), np.zeros(0, np.float64)
    if tracks.n < 2:
        return Silences(cell_deg, z_i, z_i, z_f, z_i, z_i, z_f)
    same = tracks.seg[1:] == tracks.seg[:-1]
    dt_h = (tracks.t[1:] - tracks.t[:-1])[same] / HOUR_MS
    la = np.ascontiguousarray(tracks.lat[:-1][same], dtype=np.float64)
    lo = np.ascontiguousarray(tracks.lon[:-1][same], dtype=np.float64)
    cells = cell_index(la, lo, float(cell_deg)).astype(np.int64)
    mm = tracks.mmsi[:-1][same].astype(np.int64)
    # longest per (cell, mmsi)
    order = np.lexsort((mm, cells))
    c, m, d = cells[order], mm[order], dt_h[order]
    start = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (m[1:] != m[:-1])])
    longest = np.maximum.reduceat(d, start) if d.size else z_f
    keep = dt_h >= min_h
    lorder = np.argsort(cells[keep], kind="stable")
    return Silences(
        cell_deg,
        c[start],
        m[start],
        longest,
        cells[keep][lorder],
        mm[keep][lorder],
        dt_h[keep][lorder],
    )


def _block(cell: int, cell_deg: float) -> I64:
    n_lon = round(360.0 / cell_deg)
    n_lat = round(180.0 / cell_deg)
    r, c = divmod(int(cell), n_lon)
    rows = np.clip(r + np.array([-1, 0, 1]), 0, n_lat - 1)
    cols = (c + np.array([-1, 0, 1])) % n_lon
    out: I64 = np.unique((rows[:, None] * n_lon + cols[None, :]).ravel())
    return out


def _take(sorted_cells: I64, block: I64) -> I64:
    a = np.searchsorted(sorted_cells, block, side="left")
    b = np.searchsorted(sorted_cells, block, side="right")
    if not (b > a).any():
        return np.zeros(0, np.int64)
    return np.concatenate([np.arange(x, y) for x, y in zip(a, b, strict=True)]).astype(np.int64)


def regional_figures(
    s: Silences, lat: float, lon: float, own_mmsi: int, dur_h: float, p: GapParams
) -> dict[str, object]:
    """The regional normal around (lat, lon), leaving out the gap's own vessel."""
    cell = int(cell_index(np.array([lat]), np.array([lon]), float(s.cell_deg))[0])
    block = _block(cell, s.cell_deg)
    rows = _take(s.cells, block)
    rows = rows[s.mmsi[rows] != own_mmsi]
    per_vessel: dict[int, float] = {}
    for m, h in zip(s.mmsi[rows].tolist(), s.longest_h[rows].tolist(), strict=True):
        per_vessel[m] = max(per_vessel.get(m, 0.0), h)
    n = len(per_vessel)
    lrows = _take(s.long_cells, block)
    lrows = lrows[s.long_mmsi[lrows] != own_mmsi]
    enough = n >= p.regional_min_vessels
    typical = (
        float(np.quantile(np.fromiter(per_vessel.values(), float), 1.0 - p.regional_quantile))
        if enough
        else None
    )
    p90 = float(np.quantile(s.long_h[lrows], 0.9)) if enough and lrows.size else None
    return {
        "vessels": n,
        "min_vessels": p.regional_min_vessels,
        "share": p.regional_quantile,
        "typical_silence_h": typical,
        "p90_silence_h": p90,
        "silences_over_1h": int(lrows.size),
        "routine": bool(typical is not None and dur_h <= typical),
    }


def apply_regional_normal(
    events: Sequence[Event], tracks: Tracks, params: GapParams, cell_deg: float = 1.0
) -> list[Event]:
    """``events`` with every gap given its regional normal (``evidence["regional"]``), a
    routine one scored at most ``params.routine_max_score``, texts made again. Order kept."""
    if not any(e.type == "gap" for e in events):
        return list(events)
    s = silences_of(tracks, cell_deg, params.regional_silence_min_h)
    out = []
    for e in events:
        if e.type != "gap" or e.mmsi is None or e.lat is None or e.lon is None:
            out.append(e)
            continue
        reg = regional_figures(s, e.lat, e.lon, int(e.mmsi), e.duration_h, params)
        evidence = {**e.evidence, "regional": reg}
        score = min(e.score, params.routine_max_score) if reg["routine"] else e.score
        out.append(
            dataclasses.replace(
                e,
                score=round(float(score), 4),
                evidence=evidence,
                reasons=reasons_from_evidence("gap", evidence),
            )
        )
    return out
