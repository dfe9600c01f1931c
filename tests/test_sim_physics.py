"""The simulator's physics and labels: ships move as ships, receivers hear what they can,
and every labelled event is in the data as its definition says."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kernels.geo import haversine_array_m
from vessels.geo import distance_to_shore_km
from vessels.sim import SimConfig, simulate
from vessels.sim.core import Scenario
from vessels.sim.fleet import SPEED_RANGE_KN
from vessels.sim.geography import haversine_np
from vessels.sim.truth import iso

MS_H = 3_600_000


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return simulate(SimConfig(seed=5, days=2, vessels=40))


def _ms(s: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


def _by_mmsi(sc: Scenario, mmsi: int) -> list[Any]:
    return [v for v in sc.vessels if v.mmsi == mmsi]


def test_speeds_within_class_range_and_no_teleporting(sc: Scenario) -> None:
    step_h = sc.config.step_s / 3600
    for v in sc.vessels:
        t = v.track
        lo, hi = SPEED_RANGE_KN[v.kind]
        assert np.all(t.sog >= lo) and np.all(t.sog <= hi + 0.01), (v.kind, v.roles, t.sog.max())
        d = haversine_array_m(t.lat[:-1], t.lon[:-1], t.lat[1:], t.lon[1:])
        implied = d / 1852 / step_h
        # anchor swing is up to 25 m of jitter per step; otherwise motion matches the class
        assert implied.max() <= hi + 2.0, (v.kind, v.roles, implied.max())


def test_ships_stay_on_water(sc: Scenario) -> None:
    for v in sc.vessels:
        ok = sc.geo.on_water(v.track.lat, v.track.lon, margin_km=0.0)
        assert ok.all(), (v.kind, v.roles, v.track.lat[~ok][:3], v.track.lon[~ok][:3])


def test_received_reports_never_jump_except_shared_mmsi(sc: Scenario) -> None:
    m = sc.messages
    shared = {v.mmsi for v in sc.vessels if v.clone_of is not None}
    pos = m.kind == 0
    checked = 0
    for mmsi in np.unique(m.mmsi[pos]):
        sel = np.nonzero(pos & (m.mmsi == mmsi))[0]
        o = sel[np.argsort(m.emit_ms[sel], kind="stable")]
        dt_h = np.diff(m.emit_ms[o]) / MS_H
        d_nm = haversine_array_m(m.lat[o][:-1], m.lon[o][:-1], m.lat[o][1:], m.lon[o][1:]) / 1852
        ok = dt_h > 30 / 3600
        speed = d_nm[ok] / dt_h[ok]
        if int(mmsi) in shared:
            assert speed.max() > 100, "the two ships sharing an MMSI must look like a jump"
        else:
            assert speed.size == 0 or speed.max() < 25, (mmsi, speed.max())
            checked += 1
    assert checked > 20


def test_reports_only_where_reception_allows(sc: Scenario) -> None:
    m = sc.messages
    names = m.receivers
    for si, st in enumerate(sc.geo.stations):
        sel = m.receiver == si
        d = haversine_np(m.lat[sel], m.lon[sel], st.lat, st.lon) / 1852
        # a station decides at the start of each minute; the ship sends within it (< 0.3 nm on)
        assert sel.sum() > 0 and d.max() <= st.range_nm + 0.3, st.name
    sat = np.array([names[i] in m.sat_receivers for i in m.receiver])
    assert sat.sum() > 100
    starts = np.array([p.start_ms for p in sc.passes])
    ends = np.array([p.end_ms for p in sc.passes])
    i = np.searchsorted(starts, m.emit_ms[sat], side="right") - 1
    assert np.all(i >= 0)
    assert np.all(m.emit_ms[sat] <= ends[i])
    # the poor-reception box really is poor: far fewer satellite reports per ship-hour there
    box = sc.geo.region.poor_reception
    inbox = (m.lat >= box[0]) & (m.lat <= box[1]) & (m.lon >= box[2]) & (m.lon <= box[3])
    poor_ships = {v.mmsi for v in sc.vessels if "poor_reception" in v.roles}
    good_ships = {v.mmsi for v in sc.vessels if v.roles == ["fishing"]}
    per = lambda ships: np.isin(m.mmsi[sat], list(ships)).sum() / max(1, len(ships))  # noqa: E731
    assert per(poor_ships) * 5 < per(good_ships)
    assert inbox[sat].sum() < 0.02 * sat.sum()


def test_no_reports_while_ais_is_off(sc: Scenario) -> None:
    m = sc.messages
    for v in sc.vessels:
        if not v.mmsi:
            continue
        sel = m.vid == v.vid
        k = (m.emit_ms[sel] - sc.t0_ms) // (sc.config.step_s * 1000)
        assert v.track.on[k].all(), (v.kind, v.roles)
    assert not np.isin(m.vid, [v.vid for v in sc.vessels if not v.mmsi]).any()


def test_delivery_is_out_of_order_and_duplicated(sc: Scenario) -> None:
    m = sc.messages
    assert np.all(np.diff(m.deliver_ms) >= 0)
    assert (np.diff(m.emit_ms) < 0).sum() > 100  # satellite lines arrive late
    key = m.mmsi * 10**13 + m.emit_ms
    _, counts = np.unique(key[m.kind == 0], return_counts=True)
    assert (counts > 1).sum() > 10  # the same transmission heard by two receivers
    assert 0 < (sc.corrupt > 0).sum() < 0.02 * len(m)
    off = sc.truth["params"]["receiver_clock_offsets_s"]
    (name,) = off
    assert off[name] == 90 and name in m.receivers
    shifted = m.receiver == m.receivers.index(name)
    assert shifted.sum() > 100
    assert np.all(m.rx_ms[shifted] - (m.emit_ms[shifted] // 1000) * 1000 == 90_000)


def test_gaps_labelled_and_silent(sc: Scenario) -> None:
    gaps = sc.events("gap")
    injected = [i for i in sc.injected if i.type == "gap"]
    assert len(gaps) == len(injected) >= 2
    m = sc.messages
    for e in gaps:
        a, b = _ms(e["start"]), _ms(e["end"])
        assert b - a >= 12 * MS_H
        (v,) = [v for v in _by_mmsi(sc, e["mmsi"]) if v.clone_of is None]
        inside = (m.vid == v.vid) & (m.emit_ms > a + 60_000) & (m.emit_ms < b - 60_000)
        assert not inside.any()
        # a gap lies between received positions: the ship was heard again after it
        pos_mmsi = sc.positions.column("mmsi").to_numpy()
        pos_t = sc.positions.column("t").cast("int64").to_numpy()
        assert ((pos_mmsi == e["mmsi"]) & (pos_t >= b - 60_000)).any()
        k = (a - sc.t0_ms) // (sc.config.step_s * 1000)
        assert distance_to_shore_km(v.track.lat[k], v.track.lon[k])[0] > 50 * 1.852
    # short gaps and gaps in port are real silences that no definition labels
    for i in sc.injected:
        if i.type in ("short_gap", "port_gap"):
            mmsi = sc.vessels[i.vids[0]].mmsi
            assert not [e for e in gaps if e["mmsi"] == mmsi]


def _pair_distance(sc: Scenario, a: int, b: int, k0: int, k1: int) -> np.ndarray:
    ta, tb = sc.vessels[a].track, sc.vessels[b].track
    s = slice(k0, k1 + 1)
    return haversine_array_m(ta.lat[s], ta.lon[s], tb.lat[s], tb.lon[s])


def _k(sc: Scenario, iso_s: str) -> int:
    return (_ms(iso_s) - sc.t0_ms) // (sc.config.step_s * 1000)


def test_encounters_close_slow_and_complete(sc: Scenario) -> None:
    enc = sc.events("encounter")
    injected = [i for i in sc.injected if i.type == "encounter"]
    assert len(injected) >= 2
    m = sc.messages
    for i in injected:
        c, f = sc.vessels[i.vids[0]], sc.vessels[i.vids[1]]
        hit = [e for e in enc if {e["mmsi"], e["other_mmsi"]} == {c.mmsi, f.mmsi}]
        a, b = sc.times_ms[i.k0], sc.times_ms[i.k1]
        heard = [
            ((m.vid == v.vid) & (m.kind == 0) & (m.emit_ms >= a) & (m.emit_ms <= b)).sum()
            for v in (c, f)
        ]
        # labelled exactly when AIS could show it (both heard a few times)
        assert bool(hit) == (min(heard) >= 3) or min(heard) < 5, (heard, hit)
    assert enc
    for e in enc:
        (c,) = _by_mmsi(sc, e["mmsi"])
        (f,) = [v for v in _by_mmsi(sc, e["other_mmsi"]) if v.clone_of is None]
        assert c.kind == "carrier" and f.kind == "fishing"
        k0, k1 = _k(sc, e["start"]), _k(sc, e["end"])
        assert (k1 - k0) * sc.config.step_s >= 2 * 3600
        assert _pair_distance(sc, c.vid, f.vid, k0, k1).max() <= 500
        assert np.median((c.track.sog[k0 : k1 + 1] + f.track.sog[k0 : k1 + 1]) / 2) < 2
        # and both are seen by AIS while it happens
        m = sc.messages
        for v in (c, f):
            got = (m.vid == v.vid) & (m.emit_ms >= _ms(e["start"])) & (m.emit_ms <= _ms(e["end"]))
            assert got.sum() >= 3


def test_loitering_every_waiting_carrier(sc: Scenario) -> None:
    loit = sc.events("loitering")
    for e in loit:
        (c,) = _by_mmsi(sc, e["mmsi"])
        k0, k1 = _k(sc, e["start"]), _k(sc, e["end"])
        assert c.kind == "carrier" and (k1 - k0) * sc.config.step_s >= 4 * 3600
        assert c.track.sog[k0 : k1 + 1].max() < 2
        shore = distance_to_shore_km(c.track.lat[k0 : k1 + 1], c.track.lon[k0 : k1 + 1])
        assert shore.min() >= 20 * 1.852
    # every carrier in an encounter loiters then too (truth is complete)
    for e in sc.events("encounter"):
        assert any(
            x["mmsi"] == e["mmsi"] and x["start"] <= e["start"] and x["end"] >= e["end"]
            for x in loit
        )
    # the anchored and the transiting carriers never loiter
    for v in sc.vessels:
        if v.kind == "carrier" and ("anchored" in v.roles or "transit" in v.roles):
            assert not [x for x in loit if x["mmsi"] == v.mmsi]


def test_identity_two_ships_far_apart(sc: Scenario) -> None:
    (e,) = sc.events("identity")
    ships = _by_mmsi(sc, e["mmsi"])
    assert len(ships) == 2
    k0, k1 = _k(sc, e["start"]), _k(sc, e["end"])
    assert all(s.track.on[k0 : k1 + 1].all() for s in ships)
    assert _pair_distance(sc, ships[0].vid, ships[1].vid, k0, k1).min() > 100_000


def test_dark_rendezvous_and_dark_detections(sc: Scenario) -> None:
    dr = sc.events("dark_rendezvous")
    assert dr
    truth = {d["detection_id"]: d for d in sc.truth["sar"]["detections"]}
    scenes = {s.scene_id: s for s in sc.sar.scenes}
    for e in dr:
        p = e["params"]
        (partner,) = [v for v in _by_mmsi(sc, p["partner_mmsi"]) if v.clone_of is None]
        scene = scenes[p["scene_id"]]
        assert e["start"] <= iso(scene.t_ms) <= e["end"]
        k = (scene.t_ms - sc.t0_ms) // (sc.config.step_s * 1000)
        assert not partner.track.on[k]
        det = truth[p["partner_detection_id"]]
        assert det["mmsi"] is None and det["vessel_mmsi"] == partner.mmsi
        # the carrier loiters across the rendezvous
        assert any(
            x["mmsi"] == e["mmsi"] and x["start"] <= e["start"] for x in sc.events("loitering")
        )
    dd = sc.events("dark_detection")
    assert len(dd) >= 2
    for e in dd:
        d = truth[e["detection_id"]]
        assert d["mmsi"] is None and d["kind"] == "dark"
    kinds = {d["kind"] for d in truth.values()}
    assert kinds == {"ais", "dark", "false"}


def test_hard_negatives_are_there(sc: Scenario) -> None:
    labelled_pairs = {frozenset((e["mmsi"], e["other_mmsi"])) for e in sc.events("encounter")}
    for i in sc.injected:
        a, b = i.vids[0], i.vids[-1]
        if i.type == "lane_pass":  # close and fast
            d = _pair_distance(sc, a, b, 0, sc.vessels[a].track.n - 1)
            k = int(np.argmin(d))
            assert d[k] < 500 and sc.vessels[a].track.sog[k] > 10
        if i.type == "pair_trawl":  # close for the whole time, but fishing at 3-4.5 kn
            d = _pair_distance(sc, a, b, i.k0, i.k1)
            assert d.max() < 500
            assert 2.5 < np.median(sc.vessels[a].track.sog) < 5
            assert frozenset((sc.vessels[a].mmsi, sc.vessels[b].mmsi)) not in labelled_pairs
        if i.type == "anchored_pair":  # together at anchor, but in a port's roadstead
            d = _pair_distance(sc, a, b, i.k0, i.k1)
            assert d.max() < 500
            assert frozenset((sc.vessels[a].mmsi, sc.vessels[b].mmsi)) not in labelled_pairs
        if i.type == "buoy_tending":
            assert str(sc.vessels[b].mmsi).startswith("99") and "%" in sc.vessels[b].name
    # natural coverage gaps: ships in the poor-reception box go unheard for 12 h and more,
    # and no gap is labelled for them (a reception-aware detector must not flag them)
    m = sc.messages
    longest = []
    for v in sc.vessels:
        if "poor_reception" in v.roles:
            t = np.sort(m.emit_ms[(m.vid == v.vid) & (m.kind == 0)])
            longest.append(np.diff(np.r_[sc.t0_ms, t, sc.times_ms[-1]]).max() / MS_H)
            assert not [e for e in sc.events("gap") if e["mmsi"] == v.mmsi]
    assert longest and max(longest) >= 12
    buoys = [v for v in sc.vessels if v.kind == "buoy"]
    assert len(buoys) >= 2
    assert not [e for e in sc.truth["events"] if e["mmsi"] in {b.mmsi for b in buoys}]


def test_truth_document_follows_the_contract(sc: Scenario) -> None:
    t = sc.truth
    assert t["version"] == 1 and t["seed"] == 5
    for e in t["events"]:
        assert {"type", "mmsi", "other_mmsi", "start", "end", "params"} <= set(e)
        assert e["start"] <= e["end"]
    for d in t["sar"]["detections"]:
        assert {"detection_id", "scene_id", "mmsi"} <= set(d)
    for d in t["sar"]["missed"]:
        assert {"scene_id", "mmsi"} <= set(d)


def test_same_seed_same_scenario_other_seed_other() -> None:
    a = simulate(SimConfig(seed=11, days=1, vessels=20))
    b = simulate(SimConfig(seed=11, days=1, vessels=20))
    c = simulate(SimConfig(seed=12, days=1, vessels=20))
    assert a.positions.equals(b.positions) and a.truth == b.truth
    assert not a.positions.equals(c.positions)


def test_other_region_works() -> None:
    s = simulate(SimConfig(seed=1, days=2, vessels=20, region="west_africa"))
    assert s.positions.num_rows > 1000
    assert s.events("gap") and s.events("loitering")
    for v in s.vessels:
        assert s.geo.on_water(v.track.lat, v.track.lon, margin_km=0.0).all(), v.roles
