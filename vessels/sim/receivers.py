"""Which transmissions reach which receiver, when, and in what order they are delivered.

Everything is vectorised over (vessel, step) arrays. Terrestrial stations hear ships within
their range almost always; satellites hear everyone in the region during passes, with a
probability that falls with traffic density (slot collisions), for class B, and in the
poor-reception box; satellite reports are delivered late, so line order is not time order.
Each station that hears a message writes its own line: duplicates are real.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vessels.sim.fleet import Vessel
from vessels.sim.geography import Geography, haversine_np
from vessels.sim.motion import NAV_ANCHOR, NAV_MOORED
from vessels.sim.params import SimConfig

__all__ = ["Messages", "Pass", "receive", "satellite_passes"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
SAT_NAMES = ("SAT-AIS-1", "SAT-AIS-2", "SAT-AIS-3", "SAT-AIS-4")


@dataclass(frozen=True)
class Pass:
    start_ms: int
    end_ms: int
    name: str


@dataclass
class Messages:
    """One row per received line-to-be (a message heard by one receiver)."""

    vid: I64  # physical ship
    mmsi: I64
    kind: npt.NDArray[np.int8]  # 0 position, 5 static type 5, 24 class B static (A then B part)
    emit_ms: I64  # true transmission time
    rx_ms: I64  # receive time as the receiver stamps it (its clock may be off)
    deliver_ms: I64  # when the line reaches the feed (sort key for the file)
    receiver: npt.NDArray[np.int32]  # index into ``receivers``
    lat: F64
    lon: F64
    sog: F64
    cog: F64
    heading: F64
    nav: npt.NDArray[np.int8]
    receivers: tuple[str, ...]
    sat_receivers: frozenset[str]

    def __len__(self) -> int:
        return int(self.vid.shape[0])

    def take(self, idx: I64) -> Messages:
        """The rows at ``idx`` (a subset or a new order)."""
        arrays = {
            f.name: getattr(self, f.name)[idx]
            for f in dataclasses.fields(self)
            if f.name not in ("receivers", "sat_receivers")
        }
        return Messages(**arrays, receivers=self.receivers, sat_receivers=self.sat_receivers)


def satellite_passes(cfg: SimConfig, t0_ms: int, n: int, rng: np.random.Generator) -> list[Pass]:
    """Pass start times with exponential spacing (holes of hours), never above the max hole."""
    end_ms = t0_ms + (n - 1) * cfg.step_s * 1000
    out: list[Pass] = []
    t = t0_ms + int(rng.uniform(0, cfg.sat_mean_revisit_h) * 3_600_000)
    while t < end_ms:
        dur = int(cfg.sat_pass_min * rng.uniform(0.7, 1.3) * 60_000)
        out.append(Pass(t, min(end_ms, t + dur), SAT_NAMES[int(rng.integers(len(SAT_NAMES)))]))
        gap_h = float(np.clip(rng.exponential(cfg.sat_mean_revisit_h), 0.25, cfg.sat_max_hole_h))
        t += dur + int(gap_h * 3_600_000)
    return out


def _stack(vessels: list[Vessel], attr: str) -> F64:
    return np.stack([getattr(v.track, attr) for v in vessels])


def receive(
    cfg: SimConfig,
    geo: Geography,
    vessels: list[Vessel],
    t0_ms: int,
    passes: list[Pass],
    rng: np.random.Generator,
) -> Messages:
    """Every reception of every position and static report, in delivery order."""
    ais = [v for v in vessels if v.mmsi]
    V = len(ais)
    n = ais[0].track.n
    step_ms = cfg.step_s * 1000
    lat, lon = _stack(ais, "lat"), _stack(ais, "lon")
    sog, cog = _stack(ais, "sog"), _stack(ais, "cog")
    nav = _stack(ais, "status").astype(np.int8)
    on = _stack(ais, "on").astype(bool)
    vid = np.array([v.vid for v in ais], dtype=np.int64)
    mmsi = np.array([v.mmsi for v in ais], dtype=np.int64)
    cls_b = np.array([v.ais_class == "B" for v in ais])
    # a report is sent at a random moment inside each step: (vessel, step) -> offset in ms
    offset = rng.integers(0, step_ms, size=(V, n))
    # decimated reporting: every m steps, m by class and by whether the ship is stopped
    stopped = (nav == NAV_ANCHOR) | (nav == NAV_MOORED)
    m = np.where(stopped, cfg.anchored_interval_s, cfg.class_a_interval_s) // cfg.step_s
    m = np.where(cls_b[:, None], cfg.class_b_interval_s // cfg.step_s, m).astype(np.int64)
    phase = rng.integers(0, 1_000_000, size=(V, 1))
    k_grid = np.arange(n)[None, :]
    emit = on & ((k_grid + phase) % np.maximum(m, 1) == 0)
    ms = max(1, cfg.static_interval_s // cfg.step_s)
    emit_static = on & ((k_grid + phase * 7 + 3) % ms == 0)

    receivers = tuple(s.name for s in geo.stations) + tuple(SAT_NAMES)
    sat_set = frozenset(SAT_NAMES)
    clock = np.zeros(len(receivers), dtype=np.int64)
    if cfg.clock_offset_s:
        clock[geo.shifted_station] = cfg.clock_offset_s * 1000  # this station's clock runs ahead

    rows: list[tuple[I64, I64, I64, int, I64, npt.NDArray[np.int8]]] = []

    def add(vi: I64, k: I64, rx: int, kind: int, delay: I64) -> None:
        rows.append((vi, k, delay, rx, np.full(vi.shape, 0), np.full(vi.shape, kind, np.int8)))

    # ---- terrestrial
    for si, st in enumerate(geo.stations):
        d_nm = haversine_np(lat, lon, st.lat, st.lon) / 1852.0
        frac = d_nm / st.range_nm
        p = np.where(frac < 0.7, cfg.terr_p, cfg.terr_p * (1 - (frac - 0.7) / 0.3 * 0.6))
        heard = (frac <= 1.0) & (rng.random((V, n)) < p)
        for kd, mask in ((0, emit), (5, emit_static)):
            vi, k = np.nonzero(mask & heard)
            add(vi, k, si, kd, rng.integers(50, 2000, vi.shape[0]))

    # ---- satellite
    ground = geo.region.poor_reception
    poor = (lat >= ground[0]) & (lat <= ground[1]) & (lon >= ground[2]) & (lon <= ground[3])
    for ps in passes:
        # whole steps inside the pass: every report sent in them falls within the pass
        k0 = max(0, -((t0_ms - ps.start_ms) // step_ms))
        k1 = min(n - 1, (ps.end_ms - t0_ms) // step_ms - 1)
        if k1 < k0:
            continue
        km = (k0 + k1) // 2
        # traffic density: ships in the same 1-degree cell at mid-pass share the slots
        cell = np.floor(lat[:, km]) * 1000 + np.floor(lon[:, km])
        _, inv, counts = np.unique(cell, return_inverse=True, return_counts=True)
        dens = 1.0 / (1.0 + counts[inv] / cfg.sat_dense_vessels)
        p = np.where(cls_b, cfg.sat_p_class_b, cfg.sat_p_class_a) * dens
        sl = slice(k0, k1 + 1)
        pk = p[:, None] * np.where(poor[:, sl], cfg.sat_poor_factor, 1.0)
        heard = on[:, sl] & (rng.random(pk.shape) < pk)
        rx = receivers.index(ps.name)
        vi, k = np.nonzero(heard)
        k = k + k0
        delay = (rng.exponential(cfg.sat_mean_delay_min * 60_000, vi.shape[0])).astype(np.int64)
        late = rng.random(vi.shape[0]) < 0.05
        delay = delay + np.where(late, rng.integers(3_600_000, 6 * 3_600_000, vi.shape[0]), 0)
        add(vi, k, rx, 0, delay)
        # type 5 takes two slots: heard about half as often
        vs, ks = np.nonzero(emit_static[:, sl] & (rng.random(pk.shape) < pk * 0.5))
        add(
            vs,
            ks + k0,
            rx,
            5,
            rng.exponential(cfg.sat_mean_delay_min * 60_000, vs.shape[0]).astype(np.int64),
        )

    vi = np.concatenate([r[0] for r in rows]).astype(np.int64)
    k = np.concatenate([r[1] for r in rows]).astype(np.int64)
    delay = np.concatenate([r[2] for r in rows]).astype(np.int64)
    rcv = np.concatenate([np.full(r[0].shape, r[3], np.int32) for r in rows])
    kind = np.concatenate([r[5] for r in rows])
    kind = np.where((kind == 5) & cls_b[vi], 24, kind).astype(np.int8)

    emit_ms = t0_ms + k * step_ms + offset[vi, k]
    # the position at the moment of sending: between this step and the next
    k2 = np.minimum(k + 1, n - 1)
    f = offset[vi, k] / step_ms
    la = lat[vi, k] + f * (lat[vi, k2] - lat[vi, k])
    lo = lon[vi, k] + f * (lon[vi, k2] - lon[vi, k])
    gps = rng.normal(0.0, 4.0, (2, vi.shape[0])) / 111_195.0  # GNSS noise, ~4 m
    la = la + gps[0]
    lo = lo + gps[1] / np.cos(np.radians(la))
    rx_ms = emit_ms + clock[rcv]
    deliver = emit_ms + delay
    heading = np.where(
        sog[vi, k] > 0.5, np.round(cog[vi, k] + rng.normal(0, 3, vi.shape[0])) % 360, -1
    )
    # receivers stamp whole seconds in the tag block: keep times as the file will carry them
    rx_ms = (rx_ms // 1000) * 1000
    order = np.lexsort((rcv, kind, emit_ms, deliver))
    msg = Messages(
        vid=vid[vi],
        mmsi=mmsi[vi],
        kind=kind,
        emit_ms=emit_ms,
        rx_ms=rx_ms,
        deliver_ms=deliver,
        receiver=rcv,
        lat=la,
        lon=lo,
        sog=sog[vi, k] + 0.0,
        cog=cog[vi, k] + 0.0,
        heading=heading.astype(np.float64),
        nav=nav[vi, k],
        receivers=receivers,
        sat_receivers=sat_set,
    )
    return msg.take(order)
