"""The decoder's fast path (one-pass framing of single-sentence lines) against its general path.

A line that starts with a blank never takes the fast path, and the general path strips the
blank, so decoding every line with a leading space must give exactly the same rows and counters
as decoding the lines as they are. Checked on every NMEA file in ../shared/data, on the bundled
scenario and on random damage to real lines (the fast path must hand every line it does not
fully accept to the general path untouched).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.nmea import NmeaResult, decode_nmea_bytes
from kernels.ais import layout as L
from tests.naive_ingest import read_lines
from tests.test_ingest_pyais import NMEA_DIRS, nmea_files

ROOT = Path(__file__).resolve().parents[1]
FIXED_T = 1_600_000_000_000


def nmea(line: bytes) -> bytes:
    """``line`` with the checksum of its (last) AIS sentence made right."""
    start = line.rindex(b"!")
    star = line.index(b"*", start)
    ck = 0
    for c in line[start + 1 : star]:
        ck ^= c
    return line[: star + 1] + b"%02X" % ck + line[star + 3 :]


SAMPLE_LINES = [
    nmea(x)
    for x in [
        b"!AIVDM,1,1,,A,33P;Tw0tjBQO22:E7dm66DrB20UP,0*00",
        b"!AIVDM,1,1,,B,B5NJ;PP005l4ot5Isbl03wsUkP06,0*00",
        b"!AIVDO,1,1,3,A,15MgK45P3@G?fl0E`JbR0OwT0@MS,0*00,1327992179427",
        b"!AIVDO,1,1,3,A,15MgK45P3@G?fl0E`JbR0OwT0@MS,0*00,1327992179\r",
        b"!AIVDM,1,1,,B,B5NJ;PP005l4ot5Isbl03wsUkP06,0*00,9999999999999",
        b"!AIVDM,1,1,,B,B5NJ;PP005l4ot5Isbl03wsUkP06,0*00,1327992179.250",
        b"\\s:2573345,c:1635731909*0B\\!AIVDM,1,1,,B,13aEOK?P00PD2wVMdLDRhgvL289?,0*00",
        b"\\g:1-2-73874,n:157036,s:r003669945,c:1241544035*4A\\!AIVDM,1,1,,B,15N4cJ005Jrek0H@9nDW5608EP,0*00",
        b"!AIVDM,1,1,,A,H42O55i18tMET00000000000000,2*00",
        b"!AIVDM,1,1,,A,K57?Dpi<WrTIRqjDHTQ=;LnkROd6mdV`uhIiepn;OkTa6>TKu9bjJBvf,0*00,r003669945",
        b"!AIVDM,2,1,1,A,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*00",
        b"!AIVDM,2,2,1,A,1@0000000000000,2*00",
    ]
]


def same(a: NmeaResult, b: NmeaResult) -> None:
    # Every counter but the rows written by the last chunk (reset for each chunk).
    ca, cb = a.counters.copy(), b.counters.copy()
    ca[[L.C_NPOS, L.C_NSTA]] = cb[[L.C_NPOS, L.C_NSTA]] = 0
    assert np.array_equal(ca, cb), {
        i: (int(x), int(y)) for i, (x, y) in enumerate(zip(ca, cb, strict=True)) if x != y
    }
    assert a.receivers == b.receivers
    for table_a, table_b in ((a.positions, b.positions), (a.static, b.static)):
        assert table_a.keys() == table_b.keys()
        for k in table_a:
            np.testing.assert_array_equal(table_a[k], table_b[k], err_msg=k)


def both(lines: list[bytes], **kw: object) -> tuple[NmeaResult, NmeaResult]:
    fast = decode_nmea_bytes([b"\n".join(lines) + b"\n"], fixed_time_ms=FIXED_T, **kw)  # type: ignore[arg-type]
    slow = decode_nmea_bytes(
        [b"\n".join(b" " + x for x in lines) + b"\n"],
        fixed_time_ms=FIXED_T,
        **kw,  # type: ignore[arg-type]
    )
    return fast, slow


@pytest.mark.parametrize("name", NMEA_DIRS)
def test_fast_path_equals_general_path_on_real_files(shared_data: Path, name: str) -> None:
    lines: list[bytes] = []
    for f in nmea_files(shared_data):
        if f.parent.name == name:
            lines += read_lines(f)
    fast, slow = both(lines)
    same(fast, slow)
    assert fast.counters[L.C_LINES] == len(lines)


def test_fast_path_equals_general_path_on_the_scenario() -> None:
    lines = (ROOT / "data_samples/scenario/traffic.nmea").read_bytes().splitlines()
    fast, slow = both(lines)
    same(fast, slow)
    assert fast.positions["mmsi"].shape[0] > 1000


def test_fast_path_keeps_bad_checksums_like_the_general_path() -> None:
    good, _ = both(SAMPLE_LINES)
    assert good.counters[L.C_REJ + L.REJ_BAD_CHECKSUM] == 0
    assert good.positions["mmsi"].shape[0] == 9  # every position line, and the 2-part type 5
    assert good.static["mmsi"].shape[0] == 2  # (the type 24 and the type 5)
    # None of these checksums is FF.
    lines = [x[: x.rindex(b"*") + 1] + b"FF" + x[x.rindex(b"*") + 3 :] for x in SAMPLE_LINES[:8]]
    fast, slow = both(lines, keep_bad_checksum=True)
    same(fast, slow)
    assert fast.counters[L.C_KEPT_BAD] == 8
    fast, slow = both(lines)
    same(fast, slow)
    assert fast.counters[L.C_REJ + L.REJ_BAD_CHECKSUM] == 8


def mutate(line: bytes, rnd: random.Random) -> bytes:
    b = bytearray(line)
    kind = rnd.randrange(5)
    i = rnd.randrange(len(b))
    if kind == 0:
        b[i] = rnd.choice(b"!\\*,\r\t 0A`w\x00\xff")
    elif kind == 1:
        del b[i:]
    elif kind == 2:
        b.insert(i, rnd.choice(b"!\\*,01"))
    elif kind == 3:
        del b[i]
    else:
        b += rnd.choice([b"\r", b",", b",1635731909", b" ", b"\\s:x*00\\!AIVDM,1,1,,A,1,0*00"])
    return bytes(b)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_fast_path_equals_general_path_on_damaged_lines(seed: int) -> None:
    rnd = random.Random(seed)
    lines = [mutate(rnd.choice(SAMPLE_LINES), rnd) for _ in range(40)]
    lines += rnd.sample(SAMPLE_LINES, 4)
    fast, slow = both(lines)
    same(fast, slow)


def test_chunk_boundaries_do_not_change_the_fast_path() -> None:
    """A line cut by a chunk boundary waits for the next chunk on either path."""
    lines = (ROOT / "data_samples/scenario/traffic.nmea").read_bytes().splitlines()[:3000]
    data = b"\n".join(lines) + b"\n"
    whole = decode_nmea_bytes([data], fixed_time_ms=FIXED_T)
    rnd = random.Random(7)
    cuts = sorted(rnd.sample(range(1, len(data)), 40))
    parts = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    same(whole, decode_nmea_bytes(parts, fixed_time_ms=FIXED_T))


def test_row_capacity_from_buffer_size_holds_for_the_shortest_reports() -> None:
    """Capacity is bytes // MIN_ROW_BYTES + 1: a buffer of nothing but the shortest position
    reports (type 27 from pyais's encoder, empty channel) must fit, on both paths."""
    line = nmea(b"!AIVDO,1,1,,,K1mg=5ChgMPi>2U`,0*00")
    assert len(line) == L.MIN_ROW_BYTES
    for data in (line * 500, (line + b"\n") * 500, b"\n".join([line] * 500)):
        res = decode_nmea_bytes([data], fixed_time_ms=FIXED_T)
        assert res.counters[L.C_ROWS_FULL] == 0
        assert res.positions["mmsi"].shape[0] == 500
        assert set(res.positions["mmsi"].tolist()) == {123456789}
