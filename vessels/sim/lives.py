"""Months of vessel lives at low report rates, some of them following published forced-labour
indicators, for checking vessel-level ranking (not event detection).

McDonald et al. 2021 (PNAS; docs/references.md) found that fishing vessels at high risk of forced
labour spend very long times at sea without port calls, fish far from home on the high seas,
meet carriers (transshipment keeps the crew at sea while the catch goes ashore) and disable AIS
more. Here:

- ordinary fishing vessels make trips of days to a few weeks from a home port to grounds inside
  the EEZ, some of them long (hard negatives);
- at-risk fishing vessels make trips of months on the high seas (more than 200 nm from shore),
  meet a carrier every few weeks for hours, and some go dark for a day or more at a time;
- carriers roam the high seas between those meetings; cargo vessels run between ports.

Reports come every ``report_h`` (satellite AIS of a small vessel), every 10 minutes while two
vessels meet. The truth is the list of at-risk MMSIs: what the indicators were built from, not
what a detector found. Positions are exact (no receiver model): this scenario tests ranking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kernels.geo import destination, haversine_m
from vessels.errors import ConfigError
from vessels.geo import distance_to_shore_km
from vessels.schema import POSITIONS_SCHEMA
from vessels.sim.geography import geography

__all__ = ["Lives", "LivesConfig", "simulate_lives"]

H_MS = 3_600_000
KN_KMH = 1.852


@dataclass(frozen=True)
class LivesConfig:
    seed: int = 1
    region: str = "argentina"
    days: float = 180.0
    ordinary_fishing: int = 200
    at_risk_fishing: int = 30
    carriers: int = 6
    cargo: int = 40
    report_h: float = 1.0
    start: str = "2024-01-01T00:00:00Z"

    def __post_init__(self) -> None:
        if self.days < 30:
            raise ConfigError("lives.days must be at least 30 (voyages last months)")
        if min(self.ordinary_fishing, self.at_risk_fishing, self.carriers, self.cargo) < 0:
            raise ConfigError("vessel counts must be >= 0")


@dataclass
class Lives:
    config: LivesConfig
    positions: pa.Table
    static: pa.Table
    at_risk: list[int]
    carriers: list[int]
    meetings: int = 0
    notes: dict[str, int] = field(default_factory=dict)


@dataclass
class _Track:
    t: list[npt.NDArray[np.int64]] = field(default_factory=list)
    lat: list[npt.NDArray[np.float64]] = field(default_factory=list)
    lon: list[npt.NDArray[np.float64]] = field(default_factory=list)
    sog: list[npt.NDArray[np.float64]] = field(default_factory=list)

    def add(
        self,
        t: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        sog: float | npt.NDArray[np.float64],
    ) -> None:
        self.t.append(t)
        self.lat.append(lat)
        self.lon.append(lon)
        self.sog.append(np.broadcast_to(np.asarray(sog, float), t.shape).copy())

    def end(self) -> tuple[int, float, float]:
        return int(self.t[-1][-1]), float(self.lat[-1][-1]), float(self.lon[-1][-1])


def _times(t0: int, t1: int, step_ms: int) -> npt.NDArray[np.int64]:
    return np.arange(t0, t1, step_ms, dtype=np.int64)


def _sail(
    tr: _Track, t0: int, lat0: float, lon0: float, lat1: float, lon1: float, kn: float, step_ms: int
) -> int:
    """Straight leg at ``kn``; returns the arrival time."""
    dist_km = haversine_m(lat0, lon0, lat1, lon1) / 1000.0
    dur = int(dist_km / (kn * KN_KMH) * H_MS) + 1
    t = _times(t0 + step_ms, t0 + dur + 1, step_ms)
    f = (t - t0) / dur
    tr.add(t, lat0 + (lat1 - lat0) * f, lon0 + (lon1 - lon0) * f, kn)
    return t0 + dur


def _wander(
    tr: _Track,
    t0: int,
    t1: int,
    lat: float,
    lon: float,
    kn: tuple[float, float],
    step_ms: int,
    rng: np.random.Generator,
) -> None:
    """A random walk at ``kn`` speeds with slowly turning course (fishing, drifting, waiting)."""
    t = _times(t0 + step_ms, t1, step_ms)
    if t.size == 0:
        return
    course = rng.uniform(0, 360) + np.cumsum(rng.normal(0, 25, t.size))
    speed = rng.uniform(*kn, t.size)
    d_m = speed * KN_KMH * 1000 * step_ms / H_MS
    la = np.empty(t.size)
    lo = np.empty(t.size)
    for i in range(t.size):
        lat, lon = destination(lat, lon, float(course[i]), float(d_m[i]))
        la[i], lo[i] = lat, lon
    tr.add(t, la, lo, speed)


def _spot(
    rng: np.random.Generator, box: tuple[float, float, float, float], shore_km: tuple[float, float]
) -> tuple[float, float]:
    for _ in range(200):
        lat = rng.uniform(box[0], box[1])
        lon = rng.uniform(box[2], box[3])
        d = float(distance_to_shore_km(lat, lon)[0])
        if shore_km[0] <= d <= shore_km[1]:
            return lat, lon
    raise ConfigError(f"no sea spot {shore_km} km from shore in {box}")


def simulate_lives(cfg: LivesConfig) -> Lives:
    rng = np.random.default_rng(cfg.seed)
    geo = geography(cfg.region)
    t0 = int(dt.datetime.fromisoformat(cfg.start.replace("Z", "+00:00")).timestamp() * 1000)
    t_end = t0 + int(cfg.days * 24 * H_MS)
    step = int(cfg.report_h * H_MS)
    g = geo.region.ground
    inside = (g[0] - 2.5, g[1] + 2.5, g[2] - 1.0, g[3] + 2.0)
    high = (g[0] - 1.5, g[1] + 1.5, g[3] + 0.5, g[3] + 4.5)
    tracks: dict[int, _Track] = {}
    static: list[dict[str, object]] = []

    def home_stay(tr: _Track, t: int, port_i: int, days: tuple[float, float]) -> int:
        p = geo.ports[port_i]
        stay = int(rng.uniform(*days) * 24 * H_MS)
        tt = _times(t + step, min(t + stay, t_end), step)
        tr.add(tt, p.lat + rng.normal(0, 2e-4, tt.size), p.lon + rng.normal(0, 2e-4, tt.size), 0.0)
        return t + stay

    def out_and_back(
        tr: _Track,
        t: int,
        port_i: int,
        spot: tuple[float, float],
        fish_days: float,
        ground_kn: tuple[float, float],
    ) -> int:
        p = geo.ports[port_i]
        lat, lon = p.lat, p.lon
        for wlat, wlon in p.exit_path[1:]:
            t = _sail(tr, t, lat, lon, wlat, wlon, 10.0, step)
            lat, lon = wlat, wlon
        t = _sail(tr, t, lat, lon, spot[0], spot[1], 10.0, step)
        t_fish_end = min(t + int(fish_days * 24 * H_MS), t_end)
        _wander(tr, t, t_fish_end, spot[0], spot[1], ground_kn, step, rng)
        t, lat, lon = tr.end()
        back = [*p.exit_path[::-1]]
        for wlat, wlon in back:
            if t >= t_end:
                break
            t = _sail(tr, t, lat, lon, wlat, wlon, 10.0, step)
            lat, lon = wlat, wlon
        return t

    # flags are mixed so that no flag alone gives the answer: home (Argentina, MID 701) and
    # distant-water fleets (China 412, Taiwan 416, Spain 224) in both groups
    used: set[int] = set()

    def new_mmsi(mids: tuple[int, ...], weights: tuple[float, ...]) -> int:
        while True:
            mid = int(rng.choice(mids, p=np.asarray(weights) / sum(weights)))
            m = mid * 1_000_000 + int(rng.integers(1_000, 999_999))
            if m not in used:
                used.add(m)
                return m

    fishing_mids = (701, 412, 416, 224)
    at_risk: list[int] = []
    # ordinary fishing: trips of 3-25 days inside the EEZ (a tenth 30-90 days: hard negatives)
    for k in range(cfg.ordinary_fishing):
        m = new_mmsi(fishing_mids, (0.6, 0.15, 0.15, 0.1))
        tr = tracks[m] = _Track()
        port_i = int(rng.integers(len(geo.ports)))
        t = home_stay(tr, t0, port_i, (0.2, 3.0))
        while t < t_end:
            long_trip = rng.random() < 0.1
            fish = rng.uniform(30, 90) if long_trip else rng.uniform(2, 22)
            t = out_and_back(tr, t, port_i, _spot(rng, inside, (30, 300)), fish, (1.5, 4.0))
            if t < t_end:
                t = home_stay(tr, t, port_i, (1.0, 5.0))
        static.append({"mmsi": m, "name": f"PESQUERO {k}", "ship_type": 30})
    # at-risk fishing: months on the high seas
    fisher_tracks: list[tuple[int, _Track]] = []
    for k in range(cfg.at_risk_fishing):
        m = new_mmsi(fishing_mids, (0.3, 0.3, 0.3, 0.1))
        at_risk.append(m)
        tr = tracks[m] = _Track()
        port_i = int(rng.integers(len(geo.ports)))
        t = home_stay(tr, t0, port_i, (0.2, 2.0))
        while t < t_end:
            t = out_and_back(
                tr, t, port_i, _spot(rng, high, (400, 900)), rng.uniform(60, 200), (1.0, 4.0)
            )
            if t < t_end:
                t = home_stay(tr, t, port_i, (2.0, 6.0))
        fisher_tracks.append((m, tr))
        static.append({"mmsi": m, "name": f"FAR SEAS {k}", "ship_type": 30})
    # carriers meet at-risk fishers on the high seas every few weeks
    carrier_free = {
        new_mmsi((636, 355, 538), (1, 1, 1)): (t0, *_spot(rng, high, (400, 900)))
        for _ in range(cfg.carriers)
    }
    carrier_legs: dict[int, list[tuple[int, int, float, float]]] = {c: [] for c in carrier_free}
    meetings = 0
    for m, tr in fisher_tracks:
        t_all = np.concatenate(tr.t)
        la_all = np.concatenate(tr.lat)
        lo_all = np.concatenate(tr.lon)
        sog_all = np.concatenate(tr.sog)
        far = distance_to_shore_km(la_all, lo_all) > 370
        t_next = t0 + int(rng.uniform(5, 25) * 24 * H_MS)
        while t_next < t_end - 2 * 24 * H_MS:
            i = int(np.searchsorted(t_all, t_next))
            if i >= t_all.size:
                break
            if not far[i]:
                t_next += 24 * H_MS
                continue
            lat, lon = float(la_all[i]), float(lo_all[i])
            dur = int(rng.uniform(4, 10) * H_MS)
            for c, (free_t, clat, clon) in sorted(carrier_free.items(), key=lambda kv: kv[1][0]):
                travel = int(haversine_m(clat, clon, lat, lon) / 1000 / (11 * KN_KMH) * H_MS)
                if free_t + travel + H_MS <= t_all[i]:
                    carrier_legs[c].append((int(t_all[i]), dur, lat, lon))
                    carrier_free[c] = (int(t_all[i]) + dur, lat, lon)
                    # the fisher drifts beside the carrier, reporting every 10 minutes
                    j = int(np.searchsorted(t_all, t_all[i] + dur))
                    mt = _times(int(t_all[i]), int(t_all[i]) + dur, 600_000)
                    drift = np.linspace(0, 0.003, mt.size)
                    t_all = np.r_[t_all[:i], mt, t_all[j:]]
                    la_all = np.r_[la_all[:i], lat + drift, la_all[j:]]
                    lo_all = np.r_[lo_all[:i], np.full(mt.size, lon), lo_all[j:]]
                    sog_all = np.r_[sog_all[:i], np.full(mt.size, 0.4), sog_all[j:]]
                    far = np.r_[far[:i], np.ones(mt.size, bool), far[j:]]
                    meetings += 1
                    break
            t_next = int(t_all[min(i, t_all.size - 1)]) + int(rng.uniform(15, 40) * 24 * H_MS)
        # some go dark on the high seas for one to three days at a time
        if rng.random() < 0.5:
            for _ in range(int(rng.integers(1, 4))):
                cand = np.flatnonzero(far)
                if cand.size == 0:
                    break
                a = int(cand[rng.integers(cand.size)])
                b = int(np.searchsorted(t_all, t_all[a] + int(rng.uniform(24, 72) * H_MS)))
                keep = np.r_[np.arange(a), np.arange(b, t_all.size)]
                t_all, la_all, lo_all = t_all[keep], la_all[keep], lo_all[keep]
                sog_all, far = sog_all[keep], far[keep]
        tracks[m] = _Track([t_all], [la_all], [lo_all], [sog_all])
    for c, legs in carrier_legs.items():
        tr = tracks[c] = _Track()
        _, lat, lon = t0, *_spot(rng, high, (400, 900))
        t = t0
        tr.add(np.array([t0], np.int64), np.array([lat]), np.array([lon]), 0.5)
        for start, dur, mlat, mlon in legs:
            # wait, then sail to arrive an hour early, then drift with the fisher
            travel = int(haversine_m(lat, lon, mlat, mlon) / 1000 / (11 * KN_KMH) * H_MS)
            depart = start - travel - H_MS
            _wander(tr, t, depart, lat, lon, (0.2, 1.5), step, rng)
            t, lat, lon = tr.end()
            t = _sail(tr, t, lat, lon, mlat, mlon, 11.0, step)
            mt = _times(start, start + dur, 600_000)
            tr.add(mt, mlat + np.linspace(0, 0.003, mt.size) + 0.0005, np.full(mt.size, mlon), 0.4)
            t, lat, lon = tr.end()
        _wander(tr, t, t_end, lat, lon, (0.2, 1.5), step, rng)
        static.append({"mmsi": c, "name": f"COLD STAR {len(static)}", "ship_type": 70})
    # cargo: port to port
    for k in range(cfg.cargo):
        m = new_mmsi((701, 538, 636), (0.5, 0.25, 0.25))
        tr = tracks[m] = _Track()
        i = int(rng.integers(len(geo.ports)))
        t = home_stay(tr, t0, i, (0.5, 2.0))
        while t < t_end:
            j = int((i + 1 + rng.integers(len(geo.ports) - 1)) % len(geo.ports))
            p, q = geo.ports[i], geo.ports[j]
            lat, lon = p.lat, p.lon
            for w in (*p.exit_path[1:], *q.exit_path[::-1]):
                t = _sail(tr, t, lat, lon, w[0], w[1], 13.0, step)
                lat, lon = w
                if t >= t_end:
                    break
            i = j
            if t < t_end:
                t = home_stay(tr, t, i, (0.5, 2.0))
        static.append({"mmsi": m, "name": f"CARGO {k}", "ship_type": 70})
    return Lives(
        cfg, _positions(tracks, t_end), _static(static, t0), at_risk, sorted(carrier_legs), meetings
    )


def _positions(tracks: dict[int, _Track], t_end: int) -> pa.Table:
    parts = []
    for m, tr in tracks.items():
        if not tr.t:
            continue
        t = np.concatenate(tr.t)
        keep = t < t_end
        parts.append(
            (
                np.full(int(keep.sum()), m, np.uint32),
                t[keep],
                np.concatenate(tr.lat)[keep],
                np.concatenate(tr.lon)[keep],
                np.concatenate(tr.sog)[keep],
            )
        )
    mmsi, t, lat, lon, sog = (np.concatenate([p[k] for p in parts]) for k in range(5))
    order = np.lexsort((t, mmsi))
    n = t.size
    cols = {
        "mmsi": pa.array(mmsi[order], pa.uint32()),
        "t": pa.array(t[order], pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
        "lat": pa.array(lat[order], pa.float64()),
        "lon": pa.array(lon[order], pa.float64()),
        "sog": pa.array(sog[order].astype(np.float32), pa.float32()),
        "cog": pa.array(np.full(n, np.nan, np.float32), pa.float32()),
        "heading": pa.array(np.full(n, -1, np.int16), pa.int16()),
        "nav_status": pa.array(np.full(n, 15, np.int8), pa.int8()),
        "msg_type": pa.array(np.ones(n, np.uint8), pa.uint8()),
        "receiver": pa.array(["sat"] * n).dictionary_encode(),
        "is_sat": pa.array(np.ones(n, bool)),
        "ais_second": pa.array(np.full(n, -1, np.int8), pa.int8()),
    }
    return pa.table({f.name: cols[f.name] for f in POSITIONS_SCHEMA if f.name in cols}).cast(
        pa.schema([f for f in POSITIONS_SCHEMA if f.name in cols])
    )


def _static(rows: list[dict[str, object]], t0: int) -> pa.Table:
    return pa.table(
        {
            "mmsi": pa.array([r["mmsi"] for r in rows], pa.uint32()),
            "t": pa.array([t0] * len(rows), pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
            "name": pa.array([r["name"] for r in rows], pa.string()),
            "ship_type": pa.array([r["ship_type"] for r in rows], pa.int32()),
        }
    )
