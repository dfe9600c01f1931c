"""The Numba decoder kernels against plain references, on hand-made edge cases and random input."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.encode import encode_dict

from ingest.nmea import NmeaResult, decode_nmea_bytes, positions_table, static_table
from kernels.ais import bits as B
from kernels.ais import layout as L
from tests import naive_ingest as N

ALPHABET = "".join(chr(c) for c in range(48, 88)) + "".join(chr(c) for c in range(96, 120))
T0 = 1_700_000_000_000


def rejects(res: NmeaResult) -> dict[str, int]:
    c = res.counters
    return {n: int(c[L.C_REJ + i]) for i, n in enumerate(L.REJECT_NAMES) if c[L.C_REJ + i]}


def decode(text: str | bytes, **kw: object) -> NmeaResult:
    data = text.encode() if isinstance(text, str) else text
    return decode_nmea_bytes([data], fixed_time_ms=kw.pop("fixed", T0), **kw)  # type: ignore[arg-type]


def sentences(data: dict[str, object], seq_id: int = 0, channel: str = "A") -> list[str]:
    return list(
        encode_dict(data, talker_id="AI", sentence_type="VDM", radio_channel=channel, seq_id=seq_id)
    )


# --- bit helpers ---------------------------------------------------------------------------


def test_sixbit_matches_reference_for_every_byte() -> None:
    for c in range(256):
        assert B.sixbit(c) == N.sixbit(c)


@settings(max_examples=200, deadline=None)
@given(
    payload=st.text(alphabet=ALPHABET, min_size=1, max_size=60),
    start=st.integers(0, 400),
    n=st.integers(1, 30),
    fill=st.integers(0, 5),
)
def test_bit_fields_match_reference(payload: str, start: int, n: int, fill: int) -> None:
    six = np.array([N.sixbit(ord(c)) for c in payload], np.uint8)
    nbits = max(0, len(payload) * 6 - fill)
    bits = N.bits_of(payload, fill)[:nbits]
    assert B.getu(six, nbits, start, n) == N.getu(bits, start, n)
    assert B.gets(six, nbits, start, n) == N.gets(bits, start, n)


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2099, 12, 31)))
def test_civil_ms_matches_datetime(dt: datetime) -> None:
    ms = dt.microsecond // 1000
    expect = N.civil_ms(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, ms)
    assert B.civil_ms(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, ms) == expect


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (b"1327992119", 1327992119000),
        (b"1327992119173", 1327992119173),
        (b"1327992119.5", 1327992119500),
        (b"12415440354", B.NO_TIME),  # 11 digits: neither seconds nor ms
        (b"123", B.NO_TIME),  # 1970: implausible for AIS
        (b"4102444800", B.NO_TIME),  # 2100
        (b"", B.NO_TIME),
        (b"13x7992119", B.NO_TIME),
    ],
)
def test_epoch_digits(text: bytes, expect: int) -> None:
    buf = np.frombuffer(text + b"#", np.uint8)
    assert B.epoch_digits_ms(buf, 0, len(text)) == expect


# --- values and sentinels --------------------------------------------------------------------


def test_position_values_and_not_available_codes() -> None:
    ok = sentences(
        {
            "type": 1,
            "mmsi": 211234560,
            "lat": 54.5,
            "lon": -10.25,
            "speed": 12.3,
            "course": 224.5,
            "heading": 215,
            "status": 5,
            "second": 33,
        }
    )
    na = sentences(
        {
            "type": 1,
            "mmsi": 211234561,
            "lat": 10.0,
            "lon": 20.0,
            "speed": 102.3,
            "status": 0,
            "course": 360,
            "heading": 511,
        }
    )
    no_pos = sentences({"type": 3, "mmsi": 211234562, "lat": 91, "lon": 181})
    b = sentences(
        {
            "type": 18,
            "mmsi": 338000001,
            "lat": -33.5,
            "lon": 151.25,
            "speed": 0.1,
            "course": 3.2,
            "heading": 90,
        }
    )
    res = decode("\n".join(ok + na + no_pos + b) + "\n")
    p = res.positions
    assert p["mmsi"].tolist() == [211234560, 211234561, 338000001]
    assert p["lat"].tolist() == [54.5, 10.0, -33.5]
    assert p["lon"].tolist() == [-10.25, 20.0, 151.25]
    assert math.isclose(p["sog"][0], 12.3, rel_tol=1e-6) and math.isnan(p["sog"][1])
    assert math.isclose(p["cog"][0], 224.5, rel_tol=1e-6) and math.isnan(p["cog"][1])
    assert p["heading"].tolist() == [215, -1, 90]
    assert p["nav_status"].tolist() == [5, 0, 15]  # Class B: undefined
    assert p["ais_second"][0] == 33
    assert rejects(res) == {"position_unavailable": 1}
    table, _ = positions_table(res)
    assert table.column("heading").to_pylist() == [215, -1, 90]


def test_type27_tenth_minute_resolution_and_not_available() -> None:
    s = sentences(
        {"type": 27, "mmsi": 211234560, "lat": 45.5, "lon": -10.25, "speed": 63, "course": 511}
    )
    p = decode(s[0] + "\n").positions
    assert p["lat"].tolist() == [45.5] and p["lon"].tolist() == [-10.25]
    assert math.isnan(p["sog"][0]) and math.isnan(p["cog"][0])
    s = sentences(
        {"type": 27, "mmsi": 211234560, "lat": 45.51, "lon": 1.0, "speed": 12, "course": 90}
    )
    p = decode(s[0] + "\n").positions
    assert p["lat"][0] == round(45.51 * 600) / 600 and p["sog"][0] == 12 and p["cog"][0] == 90


def test_static_type5_and_24_parts_are_matched_by_mmsi() -> None:
    t5 = sentences(
        {
            "type": 5,
            "mmsi": 211234560,
            "shipname": "TEST SHIP",
            "callsign": "AB12",
            "ship_type": 70,
            "to_bow": 100,
            "to_stern": 20,
            "to_port": 5,
            "to_starboard": 10,
            "destination": "ROTTERDAM",
            "imo": 9123456,
        },
        seq_id=3,
    )
    a = sentences({"type": 24, "partno": 0, "mmsi": 338000001, "shipname": "B SHIP"})
    b = sentences(
        {
            "type": 24,
            "partno": 1,
            "mmsi": 338000001,
            "ship_type": 37,
            "callsign": "XY9",
            "to_bow": 5,
            "to_stern": 4,
            "to_port": 1,
            "to_starboard": 2,
        }
    )
    lines = [f"\\c:{1700000000 + i}*00\\{s}" for i, s in enumerate(t5 + a + b)]
    res = decode("\n".join(lines) + "\n")
    table, _ = static_table(res)
    rows = table.to_pylist()
    assert rows[0]["name"] == "TEST SHIP" and rows[0]["callsign"] == "AB12"
    assert rows[0]["imo"] == 9123456 and rows[0]["ship_type"] == 70
    assert (
        rows[0]["to_bow"],
        rows[0]["to_stern"],
        rows[0]["to_port"],
        rows[0]["to_starboard"],
    ) == (100, 20, 5, 10)
    assert rows[0]["destination"] == "ROTTERDAM"
    assert rows[0]["t"] == datetime.fromtimestamp(1700000000, UTC)  # first fragment's time
    # 24B gets the name of the 24A before it; 24A has no B before it, so it stays bare.
    assert rows[1]["name"] == "B SHIP" and rows[1]["ship_type"] is None
    assert (
        rows[2]["name"] == "B SHIP" and rows[2]["ship_type"] == 37 and rows[2]["callsign"] == "XY9"
    )


# --- framing, assembly, rejects ----------------------------------------------------------------

TYPE5_A = sentences({"type": 5, "mmsi": 211000001, "shipname": "ALPHA", "ship_type": 70}, 1)
TYPE5_B = sentences({"type": 5, "mmsi": 211000002, "shipname": "BRAVO", "ship_type": 80}, 2)
POS = sentences({"type": 1, "mmsi": 211000003, "lat": 1.0, "lon": 2.0})[0]


def test_interleaved_multipart_with_other_sentences_between() -> None:
    text = "\n".join(
        [
            TYPE5_A[0],
            "$GPZDA,114702.51,27,01,2012,,*66",
            TYPE5_B[0],
            "$AIVSI,,114701.28,0057,-079,0*6F",
            POS,
            TYPE5_A[1],
            TYPE5_B[1],
        ]
    )
    res = decode(text + "\n")
    table, _ = static_table(res)
    assert sorted(table.column("name").to_pylist()) == ["ALPHA", "BRAVO"]
    assert res.positions["mmsi"].tolist() == [211000003]
    assert rejects(res) == {"non_ais_sentence": 1}  # the $GPZDA is a clock line, not a reject
    assert int(res.counters[L.C_CLOCK]) == 1


def test_tag_block_groups_assemble_without_sequence_ids() -> None:
    a0 = TYPE5_A[0].replace(",2,1,1,", ",2,1,,")
    a1 = TYPE5_A[1].replace(",2,2,1,", ",2,2,,")
    b0 = TYPE5_B[0].replace(",2,1,2,", ",2,1,,")
    b1 = TYPE5_B[1].replace(",2,2,2,", ",2,2,,")

    def fix(s: str) -> str:  # recompute the checksum after the edit
        body = s[1 : s.index("*")]
        return f"!{body}*{N.nmea_checksum(body):02X}"

    lines = [
        f"\\g:1-2-11,c:1700000000*00\\{fix(a0)}",
        f"\\g:1-2-12,c:1700000001*00\\{fix(b0)}",
        f"\\g:2-2-12*00\\{fix(b1)}",
        f"\\g:2-2-11*00\\{fix(a1)}",
    ]
    res = decode("\n".join(lines) + "\n")
    table, _ = static_table(res)
    assert sorted(table.column("name").to_pylist()) == ["ALPHA", "BRAVO"]
    assert not rejects(res)


def test_orphans_incomplete_and_bounded_pending_table() -> None:
    res = decode(TYPE5_A[1] + "\n" + TYPE5_B[0] + "\n")
    assert rejects(res) == {"multipart_orphan": 1, "multipart_incomplete": 1}
    firsts = []
    for i in range(L.N_SLOTS + 44):
        body = f"AIVDM,2,1,{i % 10},{'AB'[i // 10 % 2]}{i},{TYPE5_A[0].split(',')[5]},0"
        firsts.append(f"!{body}*{N.nmea_checksum(body):02X}")
    res = decode("\n".join(firsts) + "\n")
    assert rejects(res) == {"multipart_incomplete": L.N_SLOTS + 44}


def test_bad_checksum_rejected_or_kept_and_counted() -> None:
    bad = POS[:-2] + ("00" if POS[-2:] != "00" else "11")
    res = decode(bad + "\n")
    assert res.positions["mmsi"].shape[0] == 0 and rejects(res) == {"bad_checksum": 1}
    kept = decode(bad + "\n", keep_bad_checksum=True)
    assert kept.positions["mmsi"].tolist() == [211000003]
    assert int(kept.counters[L.C_KEPT_BAD]) == 1 and rejects(kept) == {}
    # Kept rows are flagged through their receiver name; good rows of the same receiver not.
    t = "\\c:1700000000,s:rx1*00\\"
    bad5 = [x[:-2] + ("00" if x[-2:] != "00" else "11") for x in TYPE5_A]
    text = "\n".join([t + bad, t + POS, bad, *(t + x for x in bad5)]) + "\n"
    res = decode(text, keep_bad_checksum=True)
    pos, _ = positions_table(res)
    assert pos.column("receiver").to_pylist() == ["rx1|badcrc", "rx1", "|badcrc"]
    sta, _ = static_table(res)
    assert sta.column("receiver").to_pylist() == ["rx1|badcrc"]
    assert int(res.counters[L.C_KEPT_BAD]) == 3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0", "malformed_sentence"),  # truncated
        ("!AIVDM,1,1,,A,13HOI:0P0000VO", "malformed_sentence"),
        ("!AIVDM,0,1,,B,16UK7Fi0?w4tQF0l4Q@>401v1PS;,0*0F", "malformed_sentence"),
        ("!AIVDM,1,1,,B,,0*25", "empty_payload"),
        ("!AIVDM,1,1,,B,13HOI:0P0000VOH{CnHQKwvL05Ip,0*1A", "bad_payload_char"),
        ("IamNotAnAisMessage1111", "garbage_line"),
        (
            "$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D",
            "non_ais_sentence",
        ),
        ("!AIALR,1,1,,B,x,0*00", "non_ais_sentence"),
        ("!AIPWR,UNIT=0,PWV", "non_ais_sentence"),  # AMSA feed noise
        ("!BSVDM,1,1,,A,3", "malformed_sentence"),
        ("\\s:abc,c:1700000000", "malformed_tag_block"),
        ("$PGHP,1,2012,1,31,5,7,2,151,316,2,316000002,1AIS_S,51*00", "bad_pghp"),
        ("!AIVDM,1,1,,B,1" + "0" * 300 + ",0*00", "bad_checksum"),
    ],
)
def test_bad_lines_are_counted_by_reason(text: str, reason: str) -> None:
    if reason == "bad_payload_char":
        body = text[1 : text.index("*")]
        text = f"!{body}*{N.nmea_checksum(body):02X}"
    res = decode(text + "\n")
    assert rejects(res) == {reason: 1}, rejects(res)


def test_too_long_payload_and_binary_garbage_never_crash() -> None:
    body = "AIVDM,1,1,,B,1" + "0" * 300 + ",0"
    res = decode(f"!{body}*{N.nmea_checksum(body):02X}\n")
    assert rejects(res) == {"payload_too_long": 1}
    rng = np.random.default_rng(7)
    junk = rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    res = decode(junk + b"\n" + POS.encode() + b"\n" + junk[:5000])
    assert int(res.counters[L.C_LINES]) > 100
    assert 211000003 in res.positions["mmsi"].tolist()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    res = decode(data + b"\n" + POS.encode() + b"\n")
    assert int(res.counters[L.C_LINES]) >= 1


def test_several_sentences_on_one_line() -> None:
    line = f"\\c:1700000000*00\\{TYPE5_A[0]}\\c:1700000001*00\\{TYPE5_A[1]}"
    res = decode(line + "\n")
    table, _ = static_table(res)
    assert table.column("name").to_pylist() == ["ALPHA"]


# --- streaming equals batch ----------------------------------------------------------------


@pytest.mark.parametrize(
    "rel",
    [
        "aisdb_nmea_tagblock_20211101/test_data_20211101.nm4",
        "amsa_risky_nmea/exact-earth-augmented-2.txt",
        "gfw_ais_tools_edgecases/multi-part.nmea",
    ],
)
def test_chunked_decoding_equals_one_buffer(shared_data: Path, rel: str) -> None:
    data = (shared_data / rel).read_bytes()
    whole = decode_nmea_bytes([data], fixed_time_ms=T0)
    rng = random.Random(11)
    for _ in range(3):
        cuts = sorted(rng.sample(range(1, len(data)), 25))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        parts = decode_nmea_bytes(chunks, fixed_time_ms=T0)
        for k, v in whole.positions.items():
            np.testing.assert_array_equal(v, parts.positions[k], err_msg=k)
        for k, v in whole.static.items():
            np.testing.assert_array_equal(v, parts.static[k], err_msg=k)
        c1, c2 = whole.counters.copy(), parts.counters.copy()
        c1[[L.C_NPOS, L.C_NSTA]] = 0
        c2[[L.C_NPOS, L.C_NSTA]] = 0
        np.testing.assert_array_equal(c1, c2)
        assert whole.receivers == parts.receivers
