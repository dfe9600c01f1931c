"""Identity as it happens at sea (issue 13 item 3 b, c), on hand-made tracks through the real
segmenter: a class B set on a tender 5 km from its mothership broadcasting the mothership's
MMSI for 6 h; a clone 150 km away while the owner is dark; and the look-alikes that must not
be flagged (a cargo ship's satellite reports delivered late, a tanker out and back on a lane)."""

from __future__ import annotations

import numpy as np

from detectors.identity import detect
from kernels.geo import destination
from tests.test_identity import T0, H, _positions, _ship
from vessels.tracks import build_tracks

OWNER, CARGO, TANKER = 412_000_201, 538_000_202, 311_000_203


def _kinds(rows: list) -> list:
    tracks, _ = build_tracks(_positions(sorted(rows, key=lambda r: (r[0], r[1]))))
    return [e for e in detect(tracks, None) if e.evidence["kind"] != "invalid_mmsi"]


def test_class_b_unit_5_km_away_is_two_transmitters_for_its_hours_only() -> None:
    rows = _ship(OWNER, -44.0, -60.0, T0, 20.0, 3.0, 60)  # the mothership, trawling at 3 kn
    at6 = next(r for r in rows if r[1] >= T0 + 6 * H)  # where the mothership is at 6 h
    la, lo = destination(at6[2], at6[3], 150.0, 5000.0)
    rows += [
        (OWNER, t + 20_000, a, b) for _, t, a, b in _ship(OWNER, la, lo, T0 + 6 * H, 6.0, 3.0, 90)
    ]
    (e,) = _kinds(rows)
    assert e.evidence["kind"] == "two_transmitters" and e.mmsi == OWNER
    assert 5.5 < e.duration_h < 6.5 and T0 + 5.9 * H < e.start_ms < T0 + 6.2 * H
    assert 4.0 < e.evidence["median_separation_km"] < 6.0 and e.score >= 0.55
    assert any(f"{e.evidence['median_separation_km']:.1f} km apart" in r for r in e.reasons)


def test_late_satellite_reports_of_one_ship_are_not_a_second_transmitter() -> None:
    # a cargo ship at 14 kn; a third of its reports arrive 5-20 min late (store and forward),
    # up to 8.6 km behind it: below the 10 km of shared_mmsi, above the 1.5 km of this check
    rng = np.random.default_rng(31)
    rows = _ship(CARGO, -40.0, -55.0, T0, 12.0, 14.0, 60)
    late = [(m, t + int(rng.uniform(10, 40) * 60_000), a, b) for m, t, a, b in rows[120:600:3]]
    assert _kinds(rows + late) == []


def test_clone_while_the_owner_is_dark() -> None:
    rows = _ship(OWNER, -44.0, -60.0, T0, 10.0, 2.0, 120)  # fishing, slow
    gone = T0 + 10 * H
    la, lo = rows[-1][2], rows[-1][3]
    cla, clo = destination(la, lo, 300.0, 150_000.0)
    rows += _ship(OWNER, cla, clo, gone + int(3.5 * H), 3.5, 0.5, 300)  # the clone, 150 km off
    back = gone + 11 * H
    rows += _ship(OWNER, la, lo, back, 8.0, 2.0, 120)  # the owner back where it went quiet
    (e,) = _kinds(rows)
    ev = e.evidence
    assert ev["kind"] == "clone_while_dark" and 3.0 < e.duration_h < 3.6
    assert 140 < ev["clone_distance_km"] < 160 and ev["owner_moved_km"] < 5
    assert ev["round_trip_speed_kn"] > 20 and ev["fastest_reported_kn"] == 0.0
    assert any("while its owner was dark" in r for r in e.reasons)


def test_tanker_out_and_back_on_a_lane_is_no_clone() -> None:
    # 13 kn out to the lane's end and back, satellite holes of 2.5 h either side of the turn
    out = _ship(TANKER, -40.0, -55.0, T0, 10.0, 13.0, 120)
    tla, tlo = out[-1][2], out[-1][3]
    rows = [r for r in out if r[1] < T0 + 7.5 * H]
    rows += [r for r in out if r[1] >= T0 + 10 * H - 1]
    back = _ship(TANKER, tla, tlo, T0 + 10 * H + 120_000, 10.0, 13.0, 120)
    back = [(m, t, 2 * tla - a, 2 * tlo - b) for m, t, a, b in back]  # mirrored: heading back
    rows += [r for r in back if r[1] > T0 + 12.5 * H]
    sog_rows = _positions(sorted(rows, key=lambda r: r[1]))
    tracks, _ = build_tracks(sog_rows.append_column("sog", _sog(sog_rows.num_rows)))
    assert [e for e in detect(tracks, None) if e.evidence["kind"] == "clone_while_dark"] == []


def _sog(n: int):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.array(np.full(n, 13.0), pa.float32())
