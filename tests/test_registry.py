from __future__ import annotations

from pathlib import Path

import pytest

from tests.naive_detect import T0, static_table
from vessels.errors import InputError
from vessels.mid import MID_TABLE, flag_of, mid_of, mmsi_kind
from vessels.registry import build_registry, imo_valid, read_vessel_list


def test_imo_check_digit() -> None:
    # real IMO numbers from GFW's carrier list (SIERRA LAUREL, SIERRA LEYRE)
    assert imo_valid(9163403) and imo_valid(9135822)
    assert not imo_valid(9163404)
    assert not imo_valid(123456) and not imo_valid(None) and not imo_valid(99999999)


def test_mid_table_is_the_full_itu_list() -> None:
    assert len(MID_TABLE) == 290
    assert MID_TABLE[201] == ("AL", "Albania") and MID_TABLE[775][0] == "VE"
    assert flag_of(412345678) == ("CN", "China")
    assert flag_of(306117000) is not None and flag_of(306117000)[0] == "CW"
    assert flag_of(100000000) is None  # no MID 100
    assert mid_of(2320001) == 232  # 002320001: a UK coast station
    assert mmsi_kind(992351000) == "aton" and mmsi_kind(970123456) == "sart"
    assert mmsi_kind(2320001) == "coast_station" and mmsi_kind(23200011) == "group"
    assert mmsi_kind(1_000_000_000) == "invalid" and mmsi_kind(0) == "invalid"


def test_latest_and_history_with_split_type24_reports() -> None:
    rows = [
        {"mmsi": 412000001, "t": T0, "name": "HAI YANG 1", "callsign": "BXYZ", "ship_type": 30},
        {"mmsi": 412000001, "t": T0 + 1000, "name": "HAI YANG 1"},  # 24A: name only
        {"mmsi": 412000001, "t": T0 + 2000, "callsign": "BXYZ", "imo": 9163403},  # 24B half
        {"mmsi": 412000001, "t": T0 + 9000, "name": "OCEAN STAR", "imo": 9163404},  # bad IMO
        {"mmsi": 273000002, "t": T0, "name": "REEFER", "ship_type": 70},
    ]
    reg = build_registry(static_table(rows))
    assert reg.name(412000001) == "OCEAN STAR"
    assert reg.info(412000001)["imo"] == 9163403  # the invalid one is not taken
    assert reg.invalid_imo == {412000001: 1}
    hist = reg.history(412000001)
    assert [h["name"] for h in hist] == ["HAI YANG 1", "OCEAN STAR"]
    assert hist[0]["reports"] == 3 and hist[0]["imo"] == 9163403
    assert hist[0]["first_seen"] == T0 and hist[0]["last_seen"] == T0 + 2000
    assert reg.is_fishing(412000001) and not reg.is_fishing(273000002)
    assert reg.flag(273000002) == "RU"
    assert reg.label(412000001) == "OCEAN STAR (MMSI 412000001, fishing vessel)"


def test_real_gfw_carrier_list(shared_data: Path) -> None:
    path = shared_data / "gfw_transshipment_events_2012_2017" / "transshipment-vessels.csv"
    mmsis, imos = read_vessel_list(path)
    assert len(mmsis) > 1000 and len(imos) > 600  # 1,124 rows, some without MMSI or IMO
    reg = build_registry(
        static_table([{"mmsi": 111111111, "imo": 9163403, "name": "RENAMED"}]), carriers=path
    )
    assert reg.is_carrier(306117000)
    assert reg.is_carrier(111111111)  # matched by IMO even under another MMSI
    assert not reg.is_carrier(412000001)
    assert reg.info(306117000)["is_carrier"] is True


def test_gear_by_mmsi_and_name() -> None:
    reg = build_registry(
        static_table(
            [{"mmsi": 412000009, "name": "NET 1 12%"}, {"mmsi": 412000010, "name": "BUOY"}]
        )
    )
    assert reg.is_gear(991234567) and reg.is_gear(412000009) and reg.is_gear(412000010)
    assert not reg.is_gear(412000001)


def test_bad_vessel_lists(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such"):
        read_vessel_list(tmp_path / "nope.csv")
    p = tmp_path / "x.csv"
    p.write_text("name,flag\nA,B\n")
    with pytest.raises(InputError, match="mmsi"):
        read_vessel_list(p)
    p.write_text("MMSI\n123456789\nnot-a-number\n\n")
    assert read_vessel_list(p) == ({123456789}, set())


def test_empty_static_gives_flag_only_registry() -> None:
    reg = build_registry(None)
    info = reg.info(538004255)
    assert info["flag"] == "MH" and info["name"] is None and info["n_identities"] == 0


def test_gear_names_do_not_catch_ordinary_names() -> None:
    reg = build_registry(
        static_table(
            [
                {"mmsi": 412000011, "name": "MAGNET 2"},
                {"mmsi": 412000012, "name": "BUOYANT SPIRIT"},
                {"mmsi": 412000013, "name": "ZHE LING 12.5V"},
                {"mmsi": 412000014, "name": "SEINE-NET 7"},
            ]
        )
    )
    assert not reg.is_gear(412000011) and not reg.is_gear(412000012)
    assert reg.is_gear(412000013) and reg.is_gear(412000014)
