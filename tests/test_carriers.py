"""Carriers no registry names (issue 13 item 2): inferred from encounters with distinct fishing
vessels and long slow periods offshore; ``--carriers`` still decides for the vessels it lists."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

from detectors.carriers import CarrierParams, infer_carriers, mark_likely_carriers
from vessels.events import Event
from vessels.registry import Registry

H = 3_600_000
T0 = 1_700_000_000_000
REEFER, CARGO, LISTED = 355_000_001, 538_000_002, 636_000_003
F1, F2, F3 = 412_000_001, 412_000_002, 412_000_003


def _reg() -> Registry:
    latest = {
        REEFER: {"name": "ORION 5", "ship_type": 70, "length_m": 110},
        CARGO: {"name": "NORDIC PRIDE", "ship_type": 70, "length_m": 250},
        LISTED: {"name": "LISTED", "ship_type": 70},
    }
    latest |= {f: {"name": f"LU YUAN {f % 10}", "ship_type": 30} for f in (F1, F2, F3)}
    return Registry(latest=latest, carrier_mmsi={LISTED})


def _enc(a: int, b: int, k: int, score: float = 0.62) -> Event:
    return Event(
        type="encounter",
        mmsi=a,
        other_mmsi=b,
        start_ms=T0 + k * 12 * H,
        end_ms=T0 + k * 12 * H + 5 * H,
        lat=-45.0,
        lon=-60.0,
        score=score,
        reasons=["together"],
        evidence={
            "possible_transshipment": False,
            "vessel": {"mmsi": a},
            "other_vessel": {"mmsi": b},
            "duration_h": 5.0,
            "median_distance_m": 60.0,
            "median_speed_kn": 0.5,
            "distance_from_shore_km": 300.0,
            "distance_from_port_km": 320.0,
            "n_runs": 1,
            "rule": {"max_distance_m": 500.0, "merge_gap_h": 4.0},
        },
    )


def _loiter(m: int, hours: float, off_lane: bool) -> Event:
    return Event(
        type="loitering",
        mmsi=m,
        start_ms=T0,
        end_ms=T0 + int(hours * H),
        lat=-45.0,
        lon=-60.0,
        score=0.55 if off_lane else 0.3,
        reasons=["slow"],
        evidence={
            "long_slow_off_lane": off_lane,
            "visible_partner": False,
            "distance_from_port_km": 300.0,
            "distance_from_shore_km": 300.0,
            "distance_from_lane_km": 40.0,
            "total_time_h": hours,
            "average_speed_kn": 0.4,
            "total_distance_nm": 0.4 * hours,
            "vessel": {"mmsi": m},
            "rule": {"max_speed_kn": 2.0, "near_port_km": 10.0, "long_slow_h": 8.0},
        },
    )


def test_two_distinct_fishing_partners_make_a_likely_carrier() -> None:
    evs = [_enc(REEFER, F1, 0), _enc(F2, REEFER, 1), _loiter(REEFER, 20, True)]
    got = infer_carriers(evs, _reg())
    assert set(got) == {REEFER}
    assert got[REEFER]["fishing_partners"] == [F1, F2] and got[REEFER]["carrier_size"]
    out = mark_likely_carriers(evs, _reg())
    assert [e.event_id for e in out] == [e.event_id for e in evs]  # ids stay
    enc = out[0]
    assert enc.score == 0.87 and enc.evidence["possible_transshipment"]
    assert enc.evidence["likely_carrier"]["mmsi"] == REEFER
    assert any("no listed carrier but likely one" in r for r in enc.reasons)
    loit = out[2]
    assert loit.score >= 0.8 and loit.evidence["likely_carrier"]["long_slow_h"] == 20
    assert any("stayed slow for 20.0 h far from shore" in r for r in loit.reasons)
    assert any("met 2 distinct fishing vessel(s)" in r for r in loit.reasons)


def test_one_partner_needs_a_second_sign() -> None:
    # a 250 m cargo ship with one meeting and no other sign is not a carrier
    assert infer_carriers([_enc(CARGO, F1, 0)], _reg()) == {}
    # + 8 h slow far from shore and lanes: likely
    got = infer_carriers([_enc(CARGO, F1, 0), _loiter(CARGO, 9, True)], _reg())
    assert CARGO in got and got[CARGO]["long_slow_h"] == 9 and not got[CARGO]["carrier_size"]
    # a cargo type at a reefer's length (110 m) is a second sign too
    got = infer_carriers([_enc(REEFER, F1, 0)], _reg())
    assert got[REEFER]["carrier_size"] and got[REEFER]["length_m"] == 110


def test_listed_carriers_fishing_vessels_and_weak_events_are_left_alone() -> None:
    reg = _reg()
    evs = [_enc(LISTED, F1, 0), _enc(LISTED, F2, 1), _enc(F1, F2, 2), _enc(F3, F1, 3)]
    evs += [_enc(CARGO, F1, 4, 0.4), _enc(CARGO, F2, 5, 0.4)]  # below 0.5: do not count
    assert infer_carriers(evs, reg) == {}
    assert mark_likely_carriers(evs, reg) == evs
    assert (
        infer_carriers(
            [_enc(REEFER, F1, 0), _enc(REEFER, F2, 1)], reg, CarrierParams(enabled=False)
        )
        == {}
    )


def test_gfw_carriers_meet_more_distinct_fishing_vessels_than_fishing_vessels_meet_carriers(
    shared_data: Path,
) -> None:
    """The behavioural basis on GFW's 11,681 published encounters (Miller et al. 2018): most
    carriers met several distinct fishing vessels, far fewer fishing vessels met several
    carriers, so "met 2+ distinct fishing vessels" singles out carriers."""
    path = shared_data / "gfw_transshipment_events_2012_2017" / "encounter-events.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_carrier: dict[str, set[str]] = {}
    by_fisher: dict[str, set[str]] = {}
    for r in rows:
        by_carrier.setdefault(r["transshipment_vessel_mmsi"], set()).add(r["fishing_vessel_mmsi"])
        by_fisher.setdefault(r["fishing_vessel_mmsi"], set()).add(r["transshipment_vessel_mmsi"])
    share_c = sum(len(v) >= 2 for v in by_carrier.values()) / len(by_carrier)
    share_f = sum(len(v) >= 2 for v in by_fisher.values()) / len(by_fisher)
    assert len(by_carrier) == 507 and share_c > 0.85 and share_f < 0.65
    # names: reefer words are a weak sign only (a minority of the 1,124 carrier names)
    from detectors.carriers import _REEFER_NAME

    names = path.parent / "transshipment-vessels.csv"
    with open(names, encoding="utf-8") as fh:
        hits = Counter(
            bool(_REEFER_NAME.search((r["shipname"] or "").upper())) for r in csv.DictReader(fh)
        )
    assert 0.05 < hits[True] / (hits[True] + hits[False]) < 0.2
