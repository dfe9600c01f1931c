"""The groundwork every plan stands on: the time grid, new ships, land-safe sailing, fishing.

:class:`Builder` knows the region and the clock; :class:`vessels.sim.plans.Plans` uses it to
lay out the fleets and the injected behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kernels.geo import destination, haversine_m, initial_bearing_deg
from vessels.sim.fleet import Vessel, make_identity
from vessels.sim.geography import Geography, Port
from vessels.sim.motion import NAV_FISHING, NAV_UNDERWAY, Track, gc_interp
from vessels.sim.params import SimConfig

__all__ = ["Builder", "Injected"]


@dataclass
class Injected:
    """An injected behaviour, in grid steps. ``vids`` are physical ships (the first is the subject)."""

    type: str  # gap, encounter, dark_rendezvous, identity, and negatives: short_gap, port_gap, ...
    vids: tuple[int, ...]
    k0: int
    k1: int
    params: dict[str, Any] = field(default_factory=dict)


class Builder:
    def __init__(self, cfg: SimConfig, geo: Geography, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.geo = geo
        self.rng = rng
        self.sph = 3600 // cfg.step_s  # steps per hour
        self.n = int(round(cfg.days * 24 * self.sph)) + 1
        self.vessels: list[Vessel] = []
        self.injected: list[Injected] = []
        self.used: set[int] = set()
        self.sar_times_k: list[int] = []  # scene times the plans ask for (dark rendezvous)

    # ---- helpers -------------------------------------------------------------------------
    def h(self, hours: float) -> int:
        return max(1, int(round(hours * self.sph)))

    def new(self, kind: str, lat: float, lon: float, *roles: str) -> Vessel:
        vid = len(self.vessels)
        mmsi, name, cs, imo, st, length, beam, cls, mid = make_identity(
            kind, vid, self.rng, self.used
        )
        v = Vessel(
            vid,
            kind,
            mmsi,
            name,
            cs,
            imo,
            st,
            length,
            beam,
            cls,
            mid,
            Track(self.n, self.cfg.step_s, lat, lon),
            list(roles),
        )
        self.vessels.append(v)
        return v

    def point_in(
        self, box: tuple[float, float, float, float], margin: float = 0.0
    ) -> tuple[float, float]:
        lat = float(self.rng.uniform(box[0] + margin, box[1] - margin))
        lon = float(self.rng.uniform(box[2] + margin, box[3] - margin))
        return lat, lon

    def ground_point(self) -> tuple[float, float]:
        return self.point_in(self.geo.region.ground, 0.1)

    def port(self) -> Port:
        return self.geo.ports[int(self.rng.integers(len(self.geo.ports)))]

    def sail(self, t: Track, lat: float, lon: float, speed: float, depth: int = 0) -> None:
        """Sail to (lat, lon), going round land: a detour point is added where the line crosses it."""
        la0, lo0 = t.here()
        if depth >= 3 or self._clear(la0, lo0, lat, lon):
            t.goto(lat, lon, speed)
            return
        mid_la, mid_lo = (la0 + lat) / 2, (lo0 + lon) / 2
        brg = initial_bearing_deg(la0, lo0, lat, lon)
        for off in (30e3, 60e3, 100e3, 150e3, 220e3, 300e3):
            for side in (90.0, -90.0):
                wla, wlo = destination(mid_la, mid_lo, brg + side, off)
                if self._clear(la0, lo0, wla, wlo) and self._clear(wla, wlo, lat, lon):
                    t.goto(wla, wlo, speed)
                    t.goto(lat, lon, speed)
                    return
        t.goto(lat, lon, speed)

    def _clear(self, la0: float, lo0: float, la1: float, lo1: float) -> bool:
        d = haversine_m(la0, lo0, la1, lo1)
        f = np.linspace(0.0, 1.0, max(2, int(d / 3000.0)))
        la, lo = gc_interp(la0, lo0, la1, lo1, f)
        return bool(self.geo.on_water(la, lo, margin_km=2.0).all())

    def leave_port(self, t: Track, port: Port, speed: float) -> None:
        for la, lo in port.exit_path[1:]:
            t.goto(la, lo, speed)

    def enter_port(self, t: Track, port: Port, speed: float) -> None:
        for la, lo in reversed(port.exit_path):
            t.goto(la, lo, speed)

    # ---- fishing -------------------------------------------------------------------------
    def _leg(
        self,
        t: Track,
        steps: int,
        speed: float,
        head: float,
        sd_v: float,
        sd_h: float,
        status: int,
        vmax: float = 12.0,
    ) -> None:
        steps = min(steps, t.n - 1 - t.k)
        if steps <= 0:
            return
        v = np.clip(speed + self.rng.normal(0, sd_v, steps), 0.05, vmax)
        hd = head + np.cumsum(self.rng.normal(0, sd_h, steps))
        t.walk(v, hd, status)

    def fish(
        self, t: Track, steps: int, style: str, box: tuple[float, float, float, float] | None = None
    ) -> None:
        """Fish for ``steps`` steps in a recognisable pattern, staying near ``box``."""
        box = box or self.geo.region.ground
        end = min(t.n - 1, t.k + steps)
        rng = self.rng
        head = float(rng.uniform(0, 360))
        while t.k < end:
            lat, lon = t.here()
            inside = box[0] - 0.1 <= lat <= box[1] + 0.1 and box[2] - 0.15 <= lon <= box[3] + 0.15
            if not inside:  # head back to the grounds
                cl, co = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
                head = initial_bearing_deg(lat, lon, cl, co) + float(rng.normal(0, 20))
            left = end - t.k
            if style == "trawl":  # tows of 2-4 h at 3-4 kn, then haul back slowly and turn
                self._leg(
                    t,
                    min(left, self.h(rng.uniform(2, 4))),
                    rng.uniform(3.0, 4.2),
                    head,
                    0.15,
                    1.5,
                    NAV_FISHING,
                )
                self._leg(
                    t,
                    min(end - t.k, self.h(rng.uniform(0.3, 0.6))),
                    rng.uniform(1.0, 2.0),
                    head + 90,
                    0.1,
                    4.0,
                    NAV_FISHING,
                )
                head = head + 180 + float(rng.normal(0, 15))
            elif style == "longline":  # set fast, soak drifting, haul slowly back along the line
                self._leg(
                    t,
                    min(left, self.h(rng.uniform(3, 5))),
                    rng.uniform(6.0, 8.0),
                    head,
                    0.2,
                    0.8,
                    NAV_FISHING,
                )
                t.hold(
                    min(end - t.k, self.h(rng.uniform(2, 4))),
                    rng,
                    NAV_FISHING,
                    drift_kn=float(rng.uniform(0.3, 0.8)),
                )
                self._leg(
                    t,
                    min(end - t.k, self.h(rng.uniform(5, 8))),
                    rng.uniform(1.2, 2.2),
                    head + 180,
                    0.15,
                    1.5,
                    NAV_FISHING,
                )
                head = head + float(rng.normal(0, 60))
            else:  # squid jigging: drift under lights, then move on to a new spot
                t.hold(
                    min(left, self.h(rng.uniform(6, 11))),
                    rng,
                    NAV_FISHING,
                    drift_kn=float(rng.uniform(0.2, 0.7)),
                )
                self._leg(
                    t,
                    min(end - t.k, self.h(rng.uniform(1, 3))),
                    rng.uniform(5.0, 9.0),
                    head,
                    0.3,
                    2.0,
                    NAV_UNDERWAY,
                )
                head = head + float(rng.normal(0, 70))

    def style(self) -> str:
        return ("trawl", "longline", "jig")[int(self.rng.integers(3))]
