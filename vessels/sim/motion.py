"""True vessel motion on a fixed time grid: legs (transit, hold, fish, follow) that fill arrays.

A :class:`Track` holds one physical ship's true state every ``step_s`` seconds: position in
degrees, speed over ground in knots, course in degrees, ITU navigational status, and whether its
AIS transmitter is on. Legs advance a cursor; nothing here knows about reception.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from kernels.geo import EARTH_RADIUS_M, KNOT_MS, destination, haversine_m, initial_bearing_deg

__all__ = ["NAV_ANCHOR", "NAV_FISHING", "NAV_MOORED", "NAV_UNDERWAY", "Track", "gc_interp"]

F64 = npt.NDArray[np.float64]
NAV_UNDERWAY = 0
NAV_ANCHOR = 1
NAV_MOORED = 5
NAV_FISHING = 7
M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0


def gc_interp(lat1: float, lon1: float, lat2: float, lon2: float, f: F64) -> tuple[F64, F64]:
    """Points at fractions ``f`` along the great circle from point 1 to point 2 (degrees)."""
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    d = haversine_m(lat1, lon1, lat2, lon2) / EARTH_RADIUS_M
    if d < 1e-12:
        return np.full(f.shape, lat1), np.full(f.shape, lon1)
    a = np.sin((1 - f) * d) / math.sin(d)
    b = np.sin(f * d) / math.sin(d)
    x = a * math.cos(p1) * math.cos(l1) + b * math.cos(p2) * math.cos(l2)
    y = a * math.cos(p1) * math.sin(l1) + b * math.cos(p2) * math.sin(l2)
    z = a * math.sin(p1) + b * math.sin(p2)
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon = np.degrees(np.arctan2(y, x))
    return lat, lon


class Track:
    """One physical ship's true state on the grid ``t0_ms + k * step_s``; ``k`` is the cursor."""

    def __init__(self, n: int, step_s: int, lat: float, lon: float) -> None:
        self.n = n
        self.step_s = step_s
        self.lat = np.full(n, np.nan)
        self.lon = np.full(n, np.nan)
        self.sog = np.zeros(n)
        self.cog = np.zeros(n)
        self.status = np.full(n, NAV_UNDERWAY, dtype=np.int8)
        self.on = np.ones(n, dtype=bool)
        self.lat[0] = lat
        self.lon[0] = lon
        self.k = 0  # index of the last filled step

    @property
    def done(self) -> bool:
        return self.k >= self.n - 1

    def here(self) -> tuple[float, float]:
        return float(self.lat[self.k]), float(self.lon[self.k])

    def _fill(self, lat: F64, lon: F64, sog: F64, cog: F64, status: int) -> int:
        """Write states for steps k+1.. (truncated at the end); returns how many were written."""
        m = min(lat.shape[0], self.n - 1 - self.k)
        if m <= 0:
            return 0
        s = slice(self.k + 1, self.k + 1 + m)
        self.lat[s] = lat[:m]
        self.lon[s] = lon[:m]
        self.sog[s] = sog[:m]
        self.cog[s] = cog[:m] % 360.0
        self.status[s] = status
        # the speed and course at the step before describe the move that starts there
        self.sog[self.k] = sog[0]
        self.cog[self.k] = cog[0] % 360.0
        self.k += m
        return m

    def goto(self, lat: float, lon: float, speed_kn: float, status: int = NAV_UNDERWAY) -> int:
        """Sail the great circle to (lat, lon) at constant speed; the last step arrives exactly."""
        lat0, lon0 = self.here()
        dist = haversine_m(lat0, lon0, lat, lon)
        step_m = speed_kn * KNOT_MS * self.step_s
        if dist < 1.0:
            return 0
        n = max(1, math.ceil(dist / step_m))
        f = np.minimum(np.arange(1, n + 1) * step_m / dist, 1.0)
        la, lo = gc_interp(lat0, lon0, lat, lon, f)
        prev_la = np.r_[lat0, la[:-1]]
        prev_lo = np.r_[lon0, lo[:-1]]
        cog = np.array(
            [
                initial_bearing_deg(a, b, c, d)
                for a, b, c, d in zip(prev_la, prev_lo, la, lo, strict=False)
            ]
        )
        sog = np.full(n, speed_kn)
        sog[-1] = speed_kn * (dist - (n - 1) * step_m) / step_m  # the partial last step
        return self._fill(la, lo, sog, cog, status)

    def walk(self, speed_kn: F64, heading_deg: F64, status: int) -> int:
        """Integrate speeds and headings (one per step) on the local tangent plane."""
        lat0, lon0 = self.here()
        step_m = speed_kn * KNOT_MS * self.step_s
        dn = np.cumsum(step_m * np.cos(np.radians(heading_deg)))
        de = np.cumsum(step_m * np.sin(np.radians(heading_deg)))
        la = lat0 + dn / M_PER_DEG
        lo = lon0 + de / (M_PER_DEG * np.cos(np.radians(la)))
        return self._fill(la, lo, speed_kn, heading_deg, status)

    def hold(self, steps: int, rng: np.random.Generator, status: int, drift_kn: float = 0.0) -> int:
        """Stay: swing at anchor (a few metres of jitter) or drift slowly with wind and current."""
        if steps <= 0:
            return 0
        if drift_kn <= 0.0:
            lat0, lon0 = self.here()
            r = rng.uniform(0, 25, steps)
            b = rng.uniform(0, 2 * math.pi, steps)
            la = lat0 + r * np.cos(b) / M_PER_DEG
            lo = lon0 + r * np.sin(b) / (M_PER_DEG * math.cos(math.radians(lat0)))
            # position jitter of a swinging ship is not motion: report it as stopped
            return self._fill(
                la, lo, rng.uniform(0, 0.2, steps), rng.uniform(0, 360, steps), status
            )
        head = rng.uniform(0, 360) + np.cumsum(rng.normal(0, 2.0, steps))
        speed = np.clip(drift_kn + np.cumsum(rng.normal(0, 0.02, steps)), 0.1, 1.6)
        return self.walk(speed, head, status)

    def approach(self, other: Track, bearing_deg: float, dist_m: float, speed_kn: float) -> int:
        """Steer step by step to a point held ``dist_m`` off ``other`` until it is reached."""
        step_m = speed_kn * KNOT_MS * self.step_s
        written = 0
        while not self.done:
            k = self.k + 1
            tla, tlo = destination(other.lat[k], other.lon[k], bearing_deg, dist_m)
            lat0, lon0 = self.here()
            d = haversine_m(lat0, lon0, tla, tlo)
            if d <= step_m:
                la, lo, v = tla, tlo, d / (KNOT_MS * self.step_s)
            else:
                b = initial_bearing_deg(lat0, lon0, tla, tlo)
                la, lo = destination(lat0, lon0, b, step_m)
                v = speed_kn
            cog = initial_bearing_deg(lat0, lon0, la, lo)
            written += self._fill(np.array([la]), np.array([lo]), np.array([v]), np.array([cog]), 0)
            if d <= step_m:
                break
        return written

    def follow(
        self, other: Track, bearing_deg: float, dist_m: float, steps: int, status: int
    ) -> int:
        """Keep station ``dist_m`` off ``other`` (alongside, pair trawling) for ``steps`` steps."""
        k0 = self.k + 1
        m = min(steps, self.n - k0)
        if m <= 0:
            return 0
        la = np.empty(m)
        lo = np.empty(m)
        for i in range(m):
            la[i], lo[i] = destination(other.lat[k0 + i], other.lon[k0 + i], bearing_deg, dist_m)
        return self._fill(
            la, lo, other.sog[k0 : k0 + m].copy(), other.cog[k0 : k0 + m].copy(), status
        )

    def pad_hold(self, rng: np.random.Generator, status: int) -> None:
        """Fill whatever is left at the end by staying put."""
        if not self.done:
            self.hold(self.n - 1 - self.k, rng, status)
