"""Encounters across a joint silence (issue 13 item 4), on hand-made tracks shaped like real
satellite AIS: a reefer and a longliner drifting together 1,000 km offshore both go unheard for
10 h and reappear side by side a few km further on the current."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.encounter import EncounterParams, EncounterStream, detect
from kernels.geo import destination
from tests.naive_pairs import make_tracks
from tests.test_encounter import CARRIER, FISHER, T0, H, _ctx, _track

LA, LO = -44.0, -60.0
DRIFT_KN = 0.4


def _pair(t0: int, hours: float, start: tuple[float, float], rng: np.random.Generator) -> list:
    rows = _track(CARRIER, start[0], start[1], t0, hours, DRIFT_KN, 90.0, 180, rng)
    la, lo = destination(start[0], start[1], 0.0, 150.0)
    rows += _track(FISHER, la, lo, t0 + 60_000, hours, DRIFT_KN, 90.0, 240, rng)
    return rows


def _scene(silence_h: float, reappear_offset_m: float, rng: np.random.Generator) -> list:
    rows = _pair(T0, 4.0, (LA, LO), rng)
    t1 = T0 + int((4.0 + silence_h) * H)
    # where the current took them meanwhile (plus an optional extra offset)
    moved = DRIFT_KN * 1852.0 * (4.0 + silence_h)
    la, lo = destination(LA, LO, 90.0, moved)
    la, lo = destination(la, lo, 0.0, reappear_offset_m)
    return rows + _pair(t1, 5.0, (la, lo), rng)


def test_joint_silence_is_one_encounter_with_the_silence_in_evidence() -> None:
    rows = _scene(10.0, 0.0, np.random.default_rng(11))
    ev = detect(make_tracks(rows), _ctx())
    assert len(ev) == 1
    e = ev[0]
    assert e.duration_h > 18.5
    js = e.evidence["joint_silences"]
    assert len(js) == 1 and 9.5 < js[0]["hours"] < 10.5
    assert js[0]["drift_m"] < 0.6 * 1852 * 10.5  # the current's drift, not a move elsewhere
    assert 9.5 < e.evidence["joint_silence_h"] < 10.5
    assert any("fell silent together for 10." in r for r in e.reasons)
    # GFW's behaviour (off): two encounters, the silence ends the first
    gfw = detect(make_tracks(rows), _ctx(), EncounterParams(max_joint_silence_h=0.0))
    assert len(gfw) == 2 and all(not g.evidence["joint_silences"] for g in gfw)


def test_reappearing_far_from_where_they_went_quiet_is_two_encounters() -> None:
    # 10 h at 2 kn at most is 37 km: 60 km off is two separate meetings
    rows = _scene(10.0, 60_000.0, np.random.default_rng(12))
    ev = detect(make_tracks(rows), _ctx())
    assert len(ev) == 2


def test_one_vessel_heard_during_the_silence_is_not_a_joint_silence() -> None:
    rng = np.random.default_rng(13)
    rows = _scene(10.0, 0.0, rng)
    # the fishing vessel is heard 30 km away in the middle of the carrier's silence
    la, lo = destination(LA, LO, 180.0, 30_000.0)
    rows += _track(FISHER, la, lo, T0 + 8 * H, 0.5, 0.5, 90.0, 300, rng)
    ev = detect(make_tracks(rows), _ctx())
    assert len(ev) == 2 and not any(e.evidence["joint_silences"] for e in ev)


def test_silence_longer_than_the_limit_is_two_encounters() -> None:
    rows = _scene(30.0, 0.0, np.random.default_rng(14))
    assert len(detect(make_tracks(rows), _ctx())) == 2


@pytest.mark.parametrize("chunk_h", [2.0, 7.0])
def test_stream_in_chunks_equals_batch(chunk_h: float) -> None:
    rng = np.random.default_rng(15)
    rows = sorted(_scene(10.0, 0.0, rng), key=lambda r: r[1])
    batch = detect(make_tracks(rows), _ctx())
    s = EncounterStream(_ctx())
    got = []
    t = np.array([r[1] for r in rows])
    for a in np.arange(t.min(), t.max() + 1, int(chunk_h * H)):
        part = [r for r in rows if a <= r[1] < a + int(chunk_h * H)]
        if part:
            got += s.update(make_tracks(part))
    got += s.flush()
    assert len(batch) == 1 and batch[0].evidence["joint_silences"]
    key = [(e.event_id, e.end_ms, e.evidence["joint_silence_h"]) for e in batch]
    assert sorted(key) == sorted((e.event_id, e.end_ms, e.evidence["joint_silence_h"]) for e in got)


def test_short_sightings_either_side_of_a_joint_silence_make_one_encounter() -> None:
    # satellite AIS hears the pair together for 1.5 h before and 1.5 h after a 10 h joint
    # silence: neither part is an encounter on its own (GFW: 2 h), together they are one
    rng = np.random.default_rng(16)
    rows = _pair(T0, 1.5, (LA, LO), rng)
    la, lo = destination(LA, LO, 90.0, DRIFT_KN * 1852.0 * 11.5)
    rows += _pair(T0 + int(11.5 * H), 1.5, (la, lo), rng)
    (e,) = detect(make_tracks(rows), _ctx())
    assert e.duration_h > 12.5 and len(e.evidence["joint_silences"]) == 1
    assert detect(make_tracks(rows), _ctx(), EncounterParams(max_joint_silence_h=0.0)) == []
    # one short sighting alone stays nothing
    assert detect(make_tracks(_pair(T0, 1.5, (LA, LO), rng)), _ctx()) == []
