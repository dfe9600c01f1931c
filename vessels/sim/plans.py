"""What every ship does: fleets with their routines, and the injected behaviour with its labels.

:class:`Plans` places ships in the region of a :class:`~vessels.sim.params.SimConfig` and fills
their true tracks. Injected events are recorded as :class:`Injected` (steps, not times);
:mod:`vessels.sim.labels` turns them and a definition-based scan of the true tracks into truth.
"""

from __future__ import annotations

import math

import numpy as np

from kernels.geo import KNOT_MS, destination, haversine_m, initial_bearing_deg
from vessels.sim.builder import Builder, Injected
from vessels.sim.fleet import Vessel
from vessels.sim.geography import Port
from vessels.sim.motion import NAV_ANCHOR, NAV_FISHING, NAV_MOORED, NAV_UNDERWAY
from vessels.sim.tricks import add_behaviours

__all__ = ["Builder", "Injected", "Plans"]


class Plans(Builder):
    # ---- fleets --------------------------------------------------------------------------
    def fisher(self, *roles: str, box: tuple[float, float, float, float] | None = None) -> Vessel:
        lat, lon = self.point_in(box, 0.05) if box else self.ground_point()
        return self.new("fishing", lat, lon, *roles)

    def build(self) -> list[Vessel]:
        cfg, rng, V = self.cfg, self.rng, self.cfg.vessels
        n_enc = cfg.n_encounters if cfg.n_encounters is not None else max(2, round(V / 15))
        n_dr = cfg.n_dark_rendezvous if cfg.n_dark_rendezvous is not None else max(1, round(V / 40))
        n_gap = cfg.n_gaps if cfg.n_gaps is not None else max(2, round(V / 12))
        n_id = cfg.n_identity if cfg.n_identity is not None else max(1, round(V / 50))
        n_dark = cfg.n_dark_vessels if cfg.n_dark_vessels is not None else max(2, round(V / 20))
        n_wait = max(2, math.ceil((n_enc + n_dr) / 2) + 1)

        carriers = [self.waiting_carrier() for _ in range(n_wait)]
        # one carrier never gets a visitor: it loiters alone
        slots = self.carrier_slots(carriers[1:] or carriers, n_dr + n_enc, late=n_dr)
        for i, (c, k_meet) in enumerate(slots):
            if i < n_dr and k_meet >= self.h(26):
                self.dark_rendezvous(c, k_meet)
            else:
                self.encounter(c, k_meet)
        for _ in range(n_gap):
            self.gap(float(rng.uniform(13, 36)), "gap")
        for _ in range(max(2, round(V / 20))):
            self.gap(float(rng.uniform(2, 8)), "short_gap")
        self.port_gap()
        for _ in range(max(2, round(V / 25))):
            pb = self.geo.region.poor_reception
            inner = (pb[0] + 0.45, pb[1] - 0.45, pb[2] + 0.6, pb[3] - 0.6)  # stay well inside
            v = self.fisher("poor_reception", box=inner)
            self.fish(v.track, self.n, "trawl", inner)
        self.pair_trawl()
        self.anchored_together()
        self.transit_carrier()
        for _ in range(n_id):
            self.identity()
        self.lane_pass()
        self.buoys(max(2, round(V / 12)))
        n_cargo = max(2, round(V * 0.12))
        for _ in range(n_cargo):
            self.lane_ship()
        for i in range(max(len(self.geo.ports), round(V * 0.06))):
            self.small_craft(self.geo.ports[i % len(self.geo.ports)])
        if cfg.behaviours:
            add_behaviours(self, cfg.behaviours)
        # the rest of the fleet just fishes (some go home at the end)
        while sum(1 for v in self.vessels if v.mmsi and v.clone_of is None) < V:
            v = self.fisher("fishing")
            if self.cfg.days >= 2 and rng.random() < 0.25:
                self.go_home(v)
            else:
                self.fish(v.track, self.n, self.style())
        for _ in range(n_dark):
            v = self.new("dark", *self.ground_point(), "no_ais")
            v.track.on[:] = False
            self.fish(v.track, self.n, self.style())
        for v in self.vessels:
            v.track.pad_hold(rng, NAV_MOORED if v.kind in ("tug",) else NAV_UNDERWAY)
            v.track.status[0] = v.track.status[1]  # the first state is set by the first leg
        return self.vessels

    # ---- carriers and meetings -------------------------------------------------------------
    def waiting_carrier(self) -> Vessel:
        """A reefer that comes to the grounds (or is already there) and waits, drifting."""
        rng = self.rng
        P = self.ground_point()
        # only long scenarios have carriers still on passage to the grounds (a day or more)
        if self.cfg.days < 3 or rng.random() < 0.5:
            c = self.new("carrier", *P, "waiting")
        else:
            port = self.port()
            c = self.new("carrier", port.lat, port.lon, "waiting", "arriving")
            self.leave_port(c.track, port, float(rng.uniform(8, 10)))
            self.sail(c.track, *P, float(rng.uniform(11, 13.5)))
        c.track.hold(self.n, rng, NAV_UNDERWAY, drift_kn=float(rng.uniform(0.3, 0.9)))
        return c

    def carrier_slots(
        self, carriers: list[Vessel], count: int, late: int = 0
    ) -> list[tuple[Vessel, int]]:
        """Meeting times spread over the carriers' waits, at least 8 h apart for one carrier."""
        out: list[tuple[Vessel, int]] = []
        busy: dict[int, list[int]] = {c.vid: [] for c in carriers}

        def arrival(c: Vessel) -> int:
            # the carrier must already be waiting: after it stops (sog < 2 kn for good)
            moving = np.nonzero(c.track.sog > 2.0)[0]
            return int(moving[-1]) + 1 if moving.size else 0

        carriers = sorted(carriers, key=lambda c: (arrival(c), c.vid))
        for i in range(count):
            c = carriers[i % len(carriers)]
            lo, hi = arrival(c) + self.h(6), self.n - self.h(14)
            if (
                i < late
            ):  # a dark rendezvous: its partner goes dark ~10 h before, after 14 h of data
                lo = max(lo, self.h(26))
            if lo >= hi:
                continue
            for _ in range(50):
                k = int(self.rng.integers(lo, max(lo + 1, hi)))
                if all(abs(k - b) > self.h(12) for b in busy[c.vid]):
                    break
            busy[c.vid].append(k)
            out.append((c, k))
        return out

    def _meet(self, f: Vessel, c: Vessel, k_meet: int, speed: float) -> tuple[int, int, float]:
        """Fishing vessel ``f`` fishes, then sails to ``c`` to be alongside from about k_meet."""
        t = f.track
        self.fish(t, k_meet - self.h(8) - t.k, self.style())
        lat, lon = t.here()
        d = haversine_m(lat, lon, c.track.lat[t.k], c.track.lon[t.k])
        travel = int(d / (speed * KNOT_MS * self.cfg.step_s))
        wait = k_meet - t.k - travel
        if wait > 0:
            self.fish(t, wait, "jig")
        bearing = float(self.rng.uniform(0, 360))
        dist = float(self.rng.uniform(40, 180))  # moored alongside or lying close off
        t.approach(c.track, bearing, dist, speed)
        k0 = t.k
        # a transshipment alongside takes hours (Miller et al. 2018: most last 4-10 h)
        t.follow(c.track, bearing, dist, self.h(self.rng.uniform(4, 8)), NAV_UNDERWAY)
        return k0, t.k, dist

    def encounter(self, c: Vessel, k_meet: int) -> None:
        # start the partner within a day's steaming of the carrier
        f = self.fisher("encounter")
        k0, k1, dist = self._meet(f, c, k_meet, float(self.rng.uniform(7, 10)))
        if k1 - k0 >= self.h(2.5) and k1 < self.n - 1:
            self.injected.append(
                Injected("encounter", (c.vid, f.vid), k0, k1, {"distance_m": dist})
            )
        f.track.goto(*self.ground_point(), float(self.rng.uniform(7, 10)))
        self.fish(f.track, self.n, self.style())

    def go_home(self, v: Vessel) -> None:
        """Fish for a while, then steam to the nearest port, go in and tie up."""
        t = v.track
        self.fish(
            t, int(self.rng.integers(self.h(4), max(self.h(5), self.n - self.h(40)))), self.style()
        )
        la, lo = t.here()
        port = min(self.geo.ports, key=lambda p: haversine_m(la, lo, *p.exit_path[-1]))
        v.roles.append("returns_to_port")
        self.sail(t, *port.exit_path[-1], float(self.rng.uniform(9, 11)))
        self.enter_port(t, port, 6.0)
        t.hold(self.n, self.rng, NAV_MOORED)

    def dark_rendezvous(self, c: Vessel, k_meet: int) -> None:
        f = self.fisher("dark_rendezvous")
        f.length_m = max(f.length_m, 55.0)  # an industrial vessel: SAR sees it
        t = f.track
        self.fish(t, k_meet - self.h(self.rng.uniform(9, 11)) - t.k, self.style())
        k_off = t.k
        k0, k1, dist = self._meet(f, c, k_meet, float(self.rng.uniform(7, 10)))
        t.goto(*self.ground_point(), float(self.rng.uniform(7, 10)))
        k_on = max(t.k + self.h(1), k_off + self.h(self.rng.uniform(14, 20)))
        k_on = min(k_on, self.n - self.h(3))
        t.on[k_off + 1 : k_on] = False
        self.fish(t, self.n, self.style())
        if k1 - k0 >= self.h(2.5) and k1 < self.n - 1:
            self.sar_times_k.append((k0 + k1) // 2)
            self.injected.append(
                Injected("dark_rendezvous", (c.vid, f.vid), k0, k1, {"distance_m": dist})
            )
        self.injected.append(Injected("gap", (f.vid,), k_off, k_on, {"reason": "dark_rendezvous"}))

    def gap(self, hours: float, kind: str) -> None:
        """A fishing vessel switches AIS off for ``hours`` while it keeps fishing."""
        f = self.fisher(kind)
        # late enough that 12 h of reports come before it (what a detector needs to judge it)
        k_off = int(self.rng.integers(self.h(14), max(self.h(15), self.n - self.h(hours + 4))))
        k_on = min(k_off + self.h(hours), self.n - self.h(2))
        self.fish(f.track, self.n, self.style())
        f.track.on[k_off + 1 : k_on] = False
        self.injected.append(Injected(kind, (f.vid,), k_off, k_on, {"hours": hours}))

    def port_gap(self) -> None:
        """Switched off while moored in port (not a disabling event: it starts at the coast)."""
        port = self.port()
        f = self.new("fishing", port.lat, port.lon, "port_gap")
        t = f.track
        t.hold(self.h(3), self.rng, NAV_MOORED)
        k_off = t.k
        t.hold(self.h(self.rng.uniform(14, 20)), self.rng, NAV_MOORED)
        k_on = t.k
        t.on[k_off + 1 : k_on] = False
        self.leave_port(t, port, 8.0)
        self.sail(t, *self.ground_point(), 10.0)
        self.fish(t, self.n, self.style())
        self.injected.append(Injected("port_gap", (f.vid,), k_off, k_on, {"port": port.code}))

    def pair_trawl(self) -> None:
        """Two trawlers towing one net 200-400 m apart at 3-4 kn for the whole time."""
        a = self.fisher("pair_trawl")
        self.fish(a.track, self.n, "trawl")
        la, lo = a.track.lat[0], a.track.lon[0]
        dist = float(self.rng.uniform(200, 400))
        b = self.new("fishing", *destination(la, lo, 90.0, dist), "pair_trawl")
        b.track.follow(a.track, 90.0, dist, self.n, NAV_FISHING)
        self.injected.append(Injected("pair_trawl", (a.vid, b.vid), 0, self.n - 1, {}))

    def anchored_together(self) -> None:
        """A carrier, a cargo ship, a tug and a fishing vessel at anchor in a port's roadstead."""
        la, lo = self.geo.anchorages[0]
        port = self.geo.port(self.geo.region.anchorages[0])
        c = self.new("carrier", la, lo, "anchored")
        c.track.hold(self.n, self.rng, NAV_ANCHOR)
        group = [c.vid]
        for kind, b, d in (
            ("cargo", 60.0, 350.0),
            ("tug", 200.0, 250.0),
            ("fishing", 300.0, 150.0),
        ):
            v = self.new(kind, *destination(la, lo, b, d), "anchored")
            v.track.hold(self.n if kind != "fishing" else self.h(16), self.rng, NAV_ANCHOR)
            group.append(v.vid)
            if kind == "fishing":
                k1 = v.track.k
                for wla, wlo in port.exit_path[3:]:
                    v.track.goto(wla, wlo, 8.0)
                self.sail(v.track, *self.ground_point(), 10.0)
                self.fish(v.track, self.n, self.style())
                self.injected.append(Injected("anchored_pair", (c.vid, v.vid), 0, k1, {}))
        self.injected.append(Injected("anchored_group", tuple(group), 0, self.n - 1, {}))

    def transit_carrier(self) -> None:
        """A reefer on passage home: fast all the time, never loitering."""
        port = self.geo.ports[-1]
        la, lo = port.exit_path[-1]
        c = self.new("carrier", *self.ground_point(), "transit")
        self.sail(c.track, la, lo, float(self.rng.uniform(11, 13)))
        self.enter_port(c.track, port, 8.0)
        c.track.hold(self.n, self.rng, NAV_MOORED)

    def identity(self) -> None:
        """A second ship, far away, broadcasting a fishing vessel's MMSI for a day or two."""
        a = self.fisher("identity")
        self.fish(a.track, self.n, self.style())
        port = self.geo.port(self.geo.region.anchorages[-1])
        # it arrives at the far roadstead from sea and waits there at anchor
        b = self.new("fishing", *port.exit_path[-1], "identity_clone")
        self.used.discard(b.mmsi)
        b.mmsi, b.name, b.callsign, b.imo = a.mmsi, a.name, a.callsign, a.imo
        b.clone_of = a.vid
        for wp in reversed(port.exit_path[2:-1]):
            b.track.goto(*wp, 9.0)
        b.track.hold(self.n, self.rng, NAV_ANCHOR)
        k0 = int(self.rng.integers(self.h(4), self.n // 3))
        k1 = min(self.n - 1, k0 + self.h(self.rng.uniform(18, 40)))
        b.track.on[:] = False
        b.track.on[k0 : k1 + 1] = True
        self.injected.append(Injected("identity", (a.vid, b.vid), k0, k1, {}))

    # ---- traffic -----------------------------------------------------------------------------
    def lane_ship(self) -> None:
        (la0, lo0), (la1, lo1) = self.geo.region.lane
        kind = "cargo" if self.rng.random() < 0.6 else "tanker"
        f = float(self.rng.uniform(0, 1))
        v = self.new(kind, la0 + f * (la1 - la0), lo0 + f * (lo1 - lo0), "lane")
        speed = float(self.rng.uniform(11, 15))
        ends = [(la0, lo0), (la1, lo1)]
        if self.rng.random() < 0.5:
            ends.reverse()
        while not v.track.done:
            for e in ends:
                v.track.goto(*e, speed)

    def lane_pass(self) -> None:
        """Two ships in the lane on opposite courses passing 150-400 m apart at speed."""
        (la0, lo0), (la1, lo1) = self.geo.region.lane
        k_m = self.h(float(self.rng.uniform(4, 12)))
        f = float(self.rng.uniform(0.3, 0.7))
        m = (la0 + f * (la1 - la0), lo0 + f * (lo1 - lo0))
        brg = initial_bearing_deg(la0, lo0, la1, lo1)
        sep = float(self.rng.uniform(150, 400))
        ids = []
        ends = ((la0, lo0), (la1, lo1))
        for direction, end in ((brg, ends[1]), (brg + 180, ends[0])):
            speed = float(self.rng.uniform(12, 15))
            mla, mlo = destination(m[0], m[1], direction + 90, sep / 2)
            back = k_m * speed * KNOT_MS * self.cfg.step_s
            sla, slo = destination(mla, mlo, direction + 180, back)
            v = self.new("cargo", float(sla), float(slo), "lane_pass")
            v.track.goto(mla, mlo, speed)
            while not v.track.done:
                v.track.goto(*end, speed)
                v.track.goto(*(ends[0] if end == ends[1] else ends[1]), speed)
            ids.append(v.vid)
        self.injected.append(
            Injected("lane_pass", tuple(ids), k_m - self.h(0.2), k_m + self.h(0.2), {})
        )

    def buoys(self, count: int) -> None:
        """Gear buoys: drifting or moored; one is tended for hours by a slow longliner."""
        for i in range(count):
            b = self.new("buoy", *self.ground_point(), "buoy")
            b.track.hold(
                self.n, self.rng, 15, drift_kn=float(self.rng.uniform(0.1, 0.5)) if i % 3 else 0.0
            )
            if i == 0:
                f = self.fisher("buoy_tender")
                k = int(self.rng.integers(self.h(6), self.n // 2))
                self.fish(f.track, k - self.h(10) - f.track.k, "longline")
                f.track.approach(b.track, 45.0, 200.0, 8.0)
                k0 = f.track.k
                f.track.follow(b.track, 45.0, 200.0, self.h(4), NAV_FISHING)
                self.fish(f.track, self.n, "longline")
                self.injected.append(
                    Injected("buoy_tending", (f.vid, b.vid), k0, k0 + self.h(4), {})
                )

    def small_craft(self, port: Port) -> None:
        """Class B boats making day trips off a port."""
        path = port.exit_path
        v = self.new("pleasure", *path[1], "small_craft")
        t = v.track
        while not t.done:
            t.hold(self.h(self.rng.uniform(8, 16)), self.rng, NAV_MOORED)
            for wp in path[2:]:
                t.goto(*wp, float(self.rng.uniform(6, 15)))
            t.hold(self.h(self.rng.uniform(1, 3)), self.rng, NAV_UNDERWAY, drift_kn=0.5)
            for wp in reversed(path[1:]):
                t.goto(*wp, float(self.rng.uniform(6, 15)))
