"""One vessel on two transponders (issue 13 item 3a), hand-made like a real pair of class A and
class B units on one longliner: same name, 25 m apart, steaming 3 h then drifting 6 h far
offshore. The pair search links both MMSIs in one identity event and no encounter remains."""

from __future__ import annotations

import numpy as np

from detectors.base import DetectContext, build_context
from detectors.encounter import EncounterParams, EncounterStream, detect
from detectors.encounter.twins import drop_twin_encounters
from kernels.geo import destination
from tests.naive_pairs import make_tracks
from tests.test_encounter import T0, H, _track
from vessels.registry import Registry

A, B, C = 412_000_101, 412_000_102, 636_000_103  # class A unit, class B unit, a carrier


def _ctx() -> DetectContext:
    latest = {
        A: {"name": "FU YUAN YU 7", "ship_type": 30},
        B: {"name": "FUYUANYU7", "ship_type": 30},
        C: {"name": "COLD STAR", "ship_type": 70},
    }
    return build_context(None, Registry(latest=latest, carrier_mmsi={C}))


def _ship(mmsi: int, offset_m: float, every_s: int, rng: np.random.Generator) -> list:
    la, lo = destination(-44.0, -60.0, 45.0, offset_m)
    rows = _track(mmsi, la, lo, T0, 3.0, 8.0, 90.0, every_s, rng)
    la2, lo2 = destination(la, lo, 90.0, 8.0 * 1852 * 3)
    return rows + _track(mmsi, la2, lo2, T0 + 3 * H + 120_000, 6.0, 0.4, 90.0, every_s, rng)


def test_two_transponders_are_one_vessel_not_an_encounter() -> None:
    rng = np.random.default_rng(21)
    rows = _ship(A, 0.0, 60, rng) + _ship(B, 25.0, 180, rng)
    raw = detect(make_tracks(rows), _ctx())
    ids = [e for e in raw if e.type == "identity"]
    assert len(ids) == 1
    e = ids[0]
    assert {e.mmsi, e.other_mmsi} == {A, B} and e.evidence["kind"] == "two_transponders"
    assert e.evidence["moving_together_h"] >= 2.0 and e.evidence["median_distance_m"] < 60
    assert e.evidence["same_name"] and e.score >= 0.75
    assert e.duration_h > 8.5
    assert any(x.type == "encounter" for x in raw)  # the slow part alone looks like a meeting
    kept = drop_twin_encounters(raw)
    assert [x.type for x in kept] == ["identity"]


def test_a_real_transshipment_alongside_is_no_twin() -> None:
    # a carrier drifting with a fishing vessel 40 m off for 6 h: slow, so never "under way
    # together": an encounter, no identity event
    rng = np.random.default_rng(22)
    rows = _track(C, -44.0, -60.0, T0, 6.0, 0.5, 90.0, 120, rng)
    la, lo = destination(-44.0, -60.0, 0.0, 40.0)
    rows += _track(A, la, lo, T0 + 30_000, 6.0, 0.5, 90.0, 120, rng)
    ev = drop_twin_encounters(detect(make_tracks(rows), _ctx()))
    assert [e.type for e in ev] == ["encounter"]


def test_twins_off_and_stream_equals_batch() -> None:
    rng = np.random.default_rng(23)
    rows = sorted(_ship(A, 0.0, 60, rng) + _ship(B, 25.0, 180, rng), key=lambda r: r[1])
    off = EncounterParams(twin_min_moving_h=0.0)
    assert not [e for e in detect(make_tracks(rows), _ctx(), off) if e.type == "identity"]
    batch = detect(make_tracks(rows), _ctx())
    s = EncounterStream(_ctx())
    got = []
    for a in range(T0, T0 + 10 * H, 2 * H):
        part = [r for r in rows if a <= r[1] < a + 2 * H]
        if part:
            got += s.update(make_tracks(part))
    got += s.flush()
    assert sorted((e.event_id, e.end_ms) for e in got) == sorted(
        (e.event_id, e.end_ms) for e in batch
    )
