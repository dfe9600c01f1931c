"""The report map's longitude frame, so data around the antimeridian is drawn where it is.

A map box is ``[lon_min, lon_max]`` on a number line, but longitude is a circle: a fleet working
around Fiji (positions at 179.9 and -179.9) spans 0.2 degrees, not 359.8. The box of such data
is the smallest arc of longitude that holds it, with its west end east of its east end (the
Fiji example of GeoJSON's antimeridian bounding box, RFC 7946 section 5.2: ``[177.0, -20.0,
-178.0, -16.0]``); that arc is the complement of the largest empty gap between the data on the
circle. The map's central longitude is the arc's centre, and every longitude on the map is
written continuously in ``[west, west + 360)`` with ``west = centre - 180``, e.g. 179.9 and
-179.9 become 179.9 and 180.1. Data whose smallest arc does not cross 180 (or that goes all round
the world) keeps the usual [-180, 180] numbers exactly, with no arithmetic on them at all, so
existing reports are unchanged to the byte.

All values are degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["PLAIN", "LonFrame", "choose_frame", "real_lon", "shift_events", "smallest_arc"]

_EPS = 1e-9  # degrees: float noise on bin edges, far below any AIS resolution (1e-5 deg)


@dataclass(frozen=True)
class LonFrame:
    """Longitudes on the map are ``west <= lon < west + 360``; ``west`` is None when the
    data does not cross the antimeridian (plain [-180, 180] numbers, untouched)."""

    west: float | None = None

    @property
    def lo(self) -> float:
        """West edge of the frame (-180 for the plain frame)."""
        return -180.0 if self.west is None else self.west

    @property
    def hi(self) -> float:
        """East edge of the frame (180 for the plain frame)."""
        return 180.0 if self.west is None else self.west + 360.0

    def shift(self, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Longitudes (any real degrees) written in the frame; unchanged in the plain frame."""
        a = np.asarray(lon, dtype=np.float64)
        if self.west is None:
            return a
        # one exact addition for valid [-180, 180] input (the common case, bit-stable);
        # anything else (out of range) through the general modulo
        out = np.where(a < self.west, a + 360.0, a)
        bad = (out < self.west) | (out >= self.west + 360.0)
        if bad.any():
            out = np.where(bad, self.west + np.mod(a - self.west, 360.0), out)
        return out

    def shift_one(self, lon: float) -> float:
        if self.west is None:
            return lon
        return float(self.shift(np.array([lon]))[0])


PLAIN = LonFrame()  # the usual [-180, 180] frame


def real_lon(lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Map-frame longitudes back to real ones in [-180, 180) (for showing to a person)."""
    a = np.asarray(lon, dtype=np.float64)
    return np.mod(a + 180.0, 360.0) - 180.0


def _bins(lon: npt.NDArray[np.float64], nb: int) -> npt.NDArray[np.int64]:
    """Bin of each longitude in [-180, 180]: ``nb`` bins from -180; 180 stays in the last."""
    return np.clip(np.floor((lon + 180.0) * (nb / 360.0)).astype(np.int64), 0, nb - 1)


def _robust_window(counts: npt.NDArray[np.int64], trim: float) -> tuple[int, int]:
    """(first bin, bin count) of the narrowest circular run of bins that holds all but
    ``trim`` of the positions, first on ties: the circular form of the 0.1-99.9 % extent (a
    few stray positions far away do not set the map)."""
    nb = counts.size
    need = max(1, math.ceil((1.0 - trim) * int(counts.sum())))
    cum = np.concatenate([[0], np.cumsum(np.concatenate([counts, counts]))])
    # bins i..j-1 hold at least `need` positions
    j = np.searchsorted(cum, cum[:nb] + need, side="left")
    widths = j - np.arange(nb)
    best = int(np.argmin(widths))
    return best, min(int(widths[best]), nb)


def _robust_arc(lon: npt.NDArray[np.float64], trim: float, bin_deg: float) -> tuple[float, float]:
    """(west, width) in degrees of :func:`_robust_window` over ``bin_deg`` bins."""
    nb = round(360.0 / bin_deg)
    first, count = _robust_window(np.bincount(_bins(lon, nb), minlength=nb), trim)
    return first * bin_deg - 180.0, count * bin_deg


def _valid(lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Finite longitudes, out-of-range ones wrapped into [-180, 180] (valid ones untouched)."""
    a = np.asarray(lon, dtype=np.float64).ravel()
    a = a[np.isfinite(a)]
    bad = (a < -180.0) | (a > 180.0)
    return np.where(bad, np.mod(a + 180.0, 360.0) - 180.0, a) if bad.any() else a


def smallest_arc(
    required: npt.ArrayLike,
    robust: npt.ArrayLike | None = None,
    *,
    trim: float = 0.002,
    bin_deg: float = 0.1,
) -> tuple[float, float] | None:
    """The smallest arc of longitude holding every ``required`` longitude and the robust
    extent of ``robust`` (all but ``trim`` of them, see :func:`_robust_window`), as
    ``(west, width)``: west in [-180, 180), width in [0, 360]. None without data.

    The arc is the complement of the largest empty run of ``bin_deg`` bins (linear time: a
    million positions in a few ms, where sorting them takes 60 ms); its ends are then the
    exact extreme longitudes in its end bins, so it holds every required longitude and is
    at most two bins wider than the exact smallest arc. 180 and -180 are one meridian: a
    required 180 counts as -180, the seam's east side, and data up to it does not cross."""
    nb = round(360.0 / bin_deg)
    req = _valid(required)
    if (req == 180.0).any():
        req = np.where(req == 180.0, -180.0, req)
    rob = None if robust is None else _valid(robust)
    rb = _bins(req, nb)
    occ = np.bincount(rb, minlength=nb) > 0
    occ_req = occ.copy()
    w_first, w_count = 0, 0
    if rob is not None and rob.size:
        w_first, w_count = _robust_window(np.bincount(_bins(rob, nb), minlength=nb), trim)
        occ[(w_first + np.arange(w_count)) % nb] = True
    o = np.flatnonzero(occ)
    if o.size == 0:
        return None
    empty = np.diff(np.r_[o, o[0] + nb]) - 1  # empty bins after each occupied one
    k = int(np.argmax(empty))
    if empty[k] == 0:
        return -180.0, 360.0
    west_bin, east_bin = int(o[(k + 1) % o.size]), int(o[k])
    west, east = math.inf, -math.inf
    if occ_req[west_bin]:
        west = float(req[rb == west_bin].min())
    if occ_req[east_bin]:
        east = float(req[rb == east_bin].max())
    if w_count:
        if west_bin == w_first:
            west = min(west, w_first * bin_deg - 180.0)
        if east_bin == (w_first + w_count - 1) % nb:
            east = max(east, (east_bin + 1) * bin_deg - 180.0)
    west = west if west < 180.0 else west - 360.0
    return west, float(np.mod(east - west, 360.0))


def _plain_width(required: npt.ArrayLike, robust: npt.ArrayLike | None, trim: float) -> float:
    """Width of the data on a plain [-180, 180] map: required min/max and the robust
    (``trim / 2`` each side) quantiles, as the report's box has always been taken."""
    vals = [_valid(required)]
    if robust is not None:
        rob = _valid(robust)
        if rob.size:
            vals.append(np.quantile(rob, [trim / 2, 1.0 - trim / 2]))
    v = np.concatenate(vals)
    return float(v.max() - v.min()) if v.size else 0.0


def choose_frame(
    required: npt.ArrayLike,
    robust: npt.ArrayLike | None = None,
    *,
    trim: float = 0.002,
    min_gain_deg: float = 1.0,
) -> LonFrame:
    """The map's frame: centred on the smallest arc holding the data when that arc crosses
    the antimeridian and is at least ``min_gain_deg`` narrower than the plain map of the same
    data (data all round the world stays on the plain map); else the plain [-180, 180] frame
    (see module docstring)."""
    arc = smallest_arc(required, robust, trim=trim)
    if arc is None:
        return LonFrame()
    west, width = arc
    if west + width <= 180.0 + _EPS or width >= 360.0 - _EPS:
        return LonFrame()
    if width > _plain_width(required, robust, trim) - min_gain_deg:
        return LonFrame()
    centre = west + width / 2.0
    return LonFrame(centre - 180.0)


def shift_events(events: list[dict[str, Any]], frame: LonFrame) -> None:
    """Event markers' longitudes into the frame, in place (evidence keeps real values)."""
    if frame.west is None:
        return
    for e in events:
        if e["lon"] is not None:
            e["lon"] = frame.shift_one(float(e["lon"]))
