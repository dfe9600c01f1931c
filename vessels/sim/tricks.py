"""Behaviours that fool plain rules at sea (issue 13), as scenario options.

``SimConfig.behaviours`` names any of :data:`BEHAVIOURS`; each adds ships (or changes the
carrier list) on top of the usual fleets. With none named the scenario is unchanged, bit for
bit. What each one is and how it is labelled (:mod:`vessels.sim.labels`):

- ``unregistered_carriers``: no carrier is on ``carriers.csv`` (registries are never complete;
  reefers broadcast the cargo type 70 in this simulator, as many do at sea).
- ``two_transponders``: one fishing vessel carries a class A unit and a class B unit on two
  MMSIs with the same name, 15-40 m apart the whole time, fishing and steaming.
- ``class_ab_pair``: a class B unit on another boat broadcasts a fishing vessel's MMSI for
  8-16 h while keeping 3-8 km from it (a tender or sister boat, or a clone nearby).
- ``clone_while_dark``: a fishing vessel goes dark for 10-11.5 h; meanwhile a second
  transmitter 100-180 km away broadcasts its MMSI for a few hours.
- ``joint_silence``: a carrier and a fishing vessel meet and, alongside, both go unheard for
  8-11 h, then reappear still together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kernels.geo import KNOT_MS, destination, haversine_m
from vessels.sim.builder import Injected
from vessels.sim.motion import NAV_UNDERWAY
from vessels.sim.params import BEHAVIOURS

if TYPE_CHECKING:
    from vessels.sim.plans import Plans

__all__ = ["BEHAVIOURS", "add_behaviours"]


def add_behaviours(p: Plans, names: tuple[str, ...]) -> None:
    """Lay out the named behaviours in a fixed order, whatever the order given (the carrier
    list last, so that it also leaves out the carrier of a joint silence)."""
    for name in (*BEHAVIOURS[1:], BEHAVIOURS[0]):
        if name in names:
            _ADD[name](p)


def _unregistered_carriers(p: Plans) -> None:
    for v in p.vessels:
        if v.kind == "carrier":
            v.registered = False
            v.roles.append("unregistered")


def _two_transponders(p: Plans) -> None:
    a = p.fisher("two_transponders")
    p.fish(a.track, p.n, p.style())
    b = p.new("fishing", float(a.track.lat[0]), float(a.track.lon[0]), "second_transponder")
    b.ais_class, b.name, b.length_m, b.beam_m = "B", a.name, a.length_m, a.beam_m
    b.twin_of = a.vid
    brg = float(p.rng.uniform(0, 360))
    b.track.follow(a.track, brg, float(p.rng.uniform(15, 40)), p.n, NAV_UNDERWAY)


def _class_ab_pair(p: Plans) -> None:
    a = p.fisher("class_ab_pair")
    p.fish(a.track, p.n, p.style())
    b = p.new("fishing", float(a.track.lat[0]), float(a.track.lon[0]), "class_b_on_same_mmsi")
    p.used.discard(b.mmsi)
    b.mmsi, b.name, b.callsign, b.imo, b.clone_of = a.mmsi, a.name, a.callsign, a.imo, a.vid
    b.ais_class = "B"
    b.track.follow(
        a.track, float(p.rng.uniform(0, 360)), float(p.rng.uniform(3000, 8000)), p.n, NAV_UNDERWAY
    )
    k0 = int(p.rng.integers(p.h(2), max(p.h(3), p.n - p.h(18))))
    k1 = min(p.n - 2, k0 + p.h(float(p.rng.uniform(8, 16))))
    b.track.on[:] = False
    b.track.on[k0 : k1 + 1] = True
    p.injected.append(Injected("class_ab_pair", (a.vid, b.vid), k0, k1, {}))


def _clone_while_dark(p: Plans) -> None:
    a = p.fisher("clone_while_dark")
    p.fish(a.track, p.n, p.style())
    if p.n <= p.h(36):
        return
    k_off = int(p.rng.integers(p.h(14), p.n - p.h(16)))
    k_on = k_off + p.h(float(p.rng.uniform(10, 11.5)))
    a.track.on[k_off + 1 : k_on] = False
    la, lo = float(a.track.lat[k_off]), float(a.track.lon[k_off])
    for _ in range(60):
        cla, clo = destination(
            la, lo, float(p.rng.uniform(0, 360)), float(p.rng.uniform(100e3, 180e3))
        )
        if bool(p.geo.on_water(np.array([cla]), np.array([clo]), margin_km=40.0)[0]):
            break
    else:
        return
    b = p.new("fishing", float(cla), float(clo), "clone_while_dark")
    p.used.discard(b.mmsi)
    b.mmsi, b.name, b.callsign, b.imo, b.clone_of = a.mmsi, a.name, a.callsign, a.imo, a.vid
    b.track.hold(p.n, p.rng, NAV_UNDERWAY, drift_kn=float(p.rng.uniform(0.3, 0.8)))
    k0, k1 = k_off + p.h(3.5), k_on - p.h(3.5)
    b.track.on[:] = False
    b.track.on[k0 : k1 + 1] = True
    p.injected.append(Injected("clone_while_dark", (a.vid, b.vid), k0, k1, {"owner_off": k_off}))


def _joint_silence(p: Plans) -> None:
    # a reefer already waiting on the grounds, drifting
    c = p.new("carrier", *p.ground_point(), "waiting", "joint_silence")
    c.track.hold(p.n, p.rng, NAV_UNDERWAY, drift_kn=float(p.rng.uniform(0.3, 0.9)))
    lo, hi = p.h(10), p.n - p.h(22)
    if lo >= hi:
        return
    k_meet = int(p.rng.integers(lo, hi))
    f = p.fisher("joint_silence")
    t = f.track
    p.fish(t, k_meet - p.h(8) - t.k, p.style())
    la, lo_ = t.here()
    speed = float(p.rng.uniform(7, 10))
    d = haversine_m(la, lo_, c.track.lat[t.k], c.track.lon[t.k])
    travel = int(d / (speed * KNOT_MS * p.cfg.step_s))
    if k_meet - t.k - travel > 0:
        p.fish(t, k_meet - t.k - travel, "jig")
    bearing, dist = float(p.rng.uniform(0, 360)), float(p.rng.uniform(40, 180))
    t.approach(c.track, bearing, dist, speed)
    k0 = t.k
    silence = p.h(float(p.rng.uniform(8, 11)))
    t.follow(c.track, bearing, dist, p.h(3) + silence + p.h(3), NAV_UNDERWAY)
    k1 = t.k
    s0 = k0 + p.h(3)
    for v in (c, f):
        v.track.on[s0 : s0 + silence] = False
    t.goto(*p.ground_point(), float(p.rng.uniform(7, 10)))
    p.fish(t, p.n, p.style())
    p.injected.append(
        Injected("joint_silence", (c.vid, f.vid), k0, k1, {"silence": [s0, s0 + silence]})
    )


_ADD = {
    "unregistered_carriers": _unregistered_carriers,
    "two_transponders": _two_transponders,
    "class_ab_pair": _class_ab_pair,
    "clone_while_dark": _clone_while_dark,
    "joint_silence": _joint_silence,
}
