"""Receive times: tag blocks, $PGHP, trailing epochs, line prefixes, fixed times, none."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
from pyais import decode

from ingest import read_inputs
from ingest.nmea import decode_nmea_bytes, positions_table
from tests.naive_ingest import civil_ms

PGHP = re.compile(rb"^\$PGHP,1,(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),[^*]*,([0-9A-F]{2})\*")
SENT = re.compile(rb"^(![A-Z=]{2}VD[MO],1,1,[^*]*\*([0-9A-F]{2}))(?:,(\d{13}))?")


def _rows_by_position(
    res_positions: dict[str, np.ndarray],
) -> dict[tuple[int, float, float], list[int]]:
    out: dict[tuple[int, float, float], list[int]] = {}
    for i in range(res_positions["mmsi"].shape[0]):
        key = (
            int(res_positions["mmsi"][i]),
            round(float(res_positions["lat"][i]), 5),
            round(float(res_positions["lon"][i]), 5),
        )
        out.setdefault(key, []).append(int(res_positions["t"][i]))
    return out


def _expected_exact_earth(path: Path) -> list[tuple[tuple[int, float, float], int, str]]:
    """(position key, expected ms, source) for every unambiguous single-sentence position line:
    the time of an adjacent $PGHP whose cc field is the sentence's checksum, else the trailing
    epoch written after the checksum."""
    lines = path.read_bytes().splitlines()
    out = []
    for i, line in enumerate(lines):
        m = SENT.match(line)
        if not m:
            continue
        try:
            msg = decode(m.group(1).decode())
        except Exception:
            continue
        if msg.msg_type not in (1, 2, 3, 18) or msg.mmsi == 0 or abs(msg.lat) > 90:
            continue
        ck = m.group(2)
        near = []
        for j, other in ((i - 1, i - 2), (i + 1, i + 2)):
            if 0 <= j < len(lines):
                g = PGHP.match(lines[j])
                # Skip a $PGHP that sits between two sentences with this checksum: ambiguous.
                o = SENT.match(lines[other]) if 0 <= other < len(lines) else None
                if g and g.group(8) == ck and not (o and o.group(2) == ck):
                    near.append(civil_ms(*(int(x) for x in g.groups()[:7])))
        key = (int(msg.mmsi), round(float(msg.lat), 5), round(float(msg.lon), 5))
        if len(near) == 1:
            out.append((key, near[0], "pghp"))
        elif (
            not near
            and m.group(3)
            and not any(
                (g := PGHP.match(lines[j])) and g.group(8) == ck
                for j in range(i - 12, i + 13)
                if 0 <= j < len(lines)
            )
        ):
            out.append((key, int(m.group(3)), "trailing"))
    return out


def test_pghp_and_trailing_epoch_times_of_exact_earth_captures(shared_data: Path) -> None:
    for name in ("exact-earth-augmented.txt", "exact-earth-augmented-2.txt"):
        path = shared_data / "amsa_risky_nmea" / name
        res = decode_nmea_bytes([path.read_bytes()])
        rows = _rows_by_position(res.positions)
        expected = _expected_exact_earth(path)
        kinds = {k for _, _, k in expected}
        assert kinds == {"pghp", "trailing"}, (name, kinds)
        assert len(expected) > 100
        for key, t, kind in expected:
            assert t in rows[key], (name, key, kind, t, rows[key])
        # The PGHP (satellite reception) and logger times differ by hours in these captures:
        # picking the wrong one would fail above, not by a rounding error.
        sat = pc.sum(positions_table(res)[0].column("is_sat")).as_py()
        assert sat >= sum(1 for _, _, k in expected if k == "pghp")


def test_tag_block_c_times(shared_data: Path) -> None:
    for name in ("nmea-timestamped.txt", "exact-earth-with-tag-block.txt"):
        path = shared_data / "amsa_risky_nmea" / name
        res = decode_nmea_bytes([path.read_bytes()])
        rows = _rows_by_position(res.positions)
        checked = 0
        for line in path.read_bytes().splitlines():
            m = re.match(rb"^\\(?:[^\\]*,)?c:(\d+)[^\\]*\\(![A-Z]{2}VDM,1,1,[^*]*\*..)", line)
            if not m:
                continue
            msg = decode(m.group(2).decode())
            if msg.msg_type not in (1, 2, 3) or msg.mmsi == 0:
                continue
            key = (int(msg.mmsi), round(float(msg.lat), 5), round(float(msg.lon), 5))
            assert int(m.group(1)) * 1000 in rows[key]
            checked += 1
        assert checked > 50
    # The two-part type 5 messages keep the time of their first part's tag block.
    data = (shared_data / "amsa_risky_nmea/exact-earth-with-tag-block.txt").read_bytes()
    res = decode_nmea_bytes([data])
    firsts = {int(c) * 1000 for c in re.findall(rb"\\g:1-2-\d+,(?:s:\w+,)?c:(\d+)", data)}
    assert res.static["mmsi"].shape[0] == 21
    assert set(res.static["t"].tolist()) <= firsts


def _one(text: str, **kw: object) -> dict[str, np.ndarray]:
    return decode_nmea_bytes([text.encode()], **kw).positions  # type: ignore[arg-type]


SENTENCE = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"


def test_line_prefix_iso_and_epoch_and_ms_tag() -> None:
    iso = _one(f"2021-11-01T01:58:09.250Z {SENTENCE}\n")
    assert iso["t"].tolist() == [civil_ms(2021, 11, 1, 1, 58, 9, 250)]
    spaced = _one(f"2021-11-01 01:58:09,{SENTENCE}\n")
    assert spaced["t"].tolist() == [civil_ms(2021, 11, 1, 1, 58, 9, 0)]
    epoch = _one(f"1635731889 {SENTENCE}\n")
    assert epoch["t"].tolist() == [1635731889000]
    ms_tag = _one(f"\\c:1599239526500,s:x*00\\{SENTENCE}\n")
    assert ms_tag["t"].tolist() == [1599239526500]
    trailing_s = _one(f"{SENTENCE},1327992119\n")
    assert trailing_s["t"].tolist() == [1327992119000]


def test_no_time_is_counted_not_guessed_and_fixed_time_dates_it() -> None:
    res = decode_nmea_bytes([f"{SENTENCE}\n".encode()])
    table, no_time = positions_table(res)
    assert table.num_rows == 0 and no_time == 1
    fixed = _one(f"{SENTENCE}\n", fixed_time_ms=1_700_000_000_000)
    assert fixed["t"].tolist() == [1_700_000_000_000]
    # A tag block time wins over the fixed time.
    tagged = _one(f"\\c:1635731889*00\\{SENTENCE}\n", fixed_time_ms=1_700_000_000_000)
    assert tagged["t"].tolist() == [1635731889000]


def test_implausible_tag_time_is_a_counted_bad_time(tmp_path: Path) -> None:
    f = tmp_path / "x.nmea"
    f.write_text(f"\\c:12415440354*00\\{SENTENCE}\n{SENTENCE}\n")
    try:
        read_inputs([f])
    except Exception as exc:  # nothing datable: NoDataError with the summary
        assert "no_time 2" in str(exc) and "bad_time 1" in str(exc)
    else:
        raise AssertionError("expected NoDataError")
    res = read_inputs([f], fixed_time_ms=1_700_000_000_000)
    assert res.positions.num_rows == 2
    assert res.stats.notes["bad_time"] == 1 and "bad_time" not in res.stats.rejects
    t0 = datetime.fromtimestamp(1_700_000_000, UTC)
    assert res.positions.column("t")[0].as_py() == t0


ZDA = re.compile(rb"^\$..ZDA,(\d\d)(\d\d)(\d\d)\.(\d\d),(\d\d),(\d\d),(\d{4}),")
SINGLE = re.compile(rb"^(![A-Z=]{2}VD[MO],1,1,\d?,[AB12]?,[^,*]+,[0-5]\*[0-9A-F]{2})(,\d{10})?$")


def test_gpzda_clock_lines_date_the_amsa_feed(shared_data: Path) -> None:
    """ais.txt.gz (AMSA national feed) has a $GPZDA line each second and few other times: every
    single-sentence position is dated by the last ZDA before it (or its trailing epoch), the
    span is the 2012-01-27 11:47-11:53Z of SOURCE.txt, and the ZDA clock agrees with the
    trailing epochs that some lines carry (to seconds)."""
    import gzip

    path = shared_data / "amsa_risky_nmea" / "ais.txt.gz"
    lines = gzip.decompress(path.read_bytes()).splitlines()
    res = decode_nmea_bytes([b"\n".join(lines)])
    rows = _rows_by_position(res.positions)
    last = None
    checked = 0
    offsets = []
    for line in lines:
        z = ZDA.match(line)
        if z:
            h, mi, s, cs, d, mo, y = (int(x) for x in z.groups())
            last = civil_ms(y, mo, d, h, mi, s, cs * 10)
            continue
        m = SINGLE.match(line)
        if not m or last is None:
            continue
        try:
            msg = decode(m.group(1).decode())
        except Exception:
            continue
        if msg.msg_type not in (1, 2, 3, 18) or msg.mmsi == 0 or abs(msg.lat or 91) > 90:
            continue
        key = (int(msg.mmsi), round(float(msg.lat), 5), round(float(msg.lon), 5))
        if m.group(2):  # a trailing epoch wins; it must agree with the clock to a second or two
            trailing = int(m.group(2)[1:]) * 1000
            assert trailing in rows[key]
            offsets.append(trailing - last)
        else:
            assert last in rows[key], (key, last, rows[key])
            checked += 1
    assert checked > 20_000
    # The trailing epochs (whole seconds, written by another logger) run ~1.5 s behind the
    # GPS clock here; a clock read wrongly would be hours or days off.
    assert len(offsets) > 500
    assert -3000 <= np.median(offsets) <= 1000 and -10_000 <= min(offsets) <= max(offsets) <= 10_000
    table, no_time = positions_table(res)
    assert no_time < 20  # only the lines before the first $GPZDA
    t = table.column("t")
    lo, hi = pc.min(t).as_py(), pc.max(t).as_py()
    assert lo >= datetime(2012, 1, 27, 11, 47, tzinfo=UTC)
    assert hi < datetime(2012, 1, 27, 11, 54, tzinfo=UTC)
    assert (hi - lo).total_seconds() > 6 * 60


def test_zda_rule_max_age_and_bad_clock_lines() -> None:
    from kernels.ais import layout as L
    from kernels.ais.bits import NO_TIME

    zda = "$GPZDA,114702.51,27,01,2012,,*66"
    t0 = civil_ms(2012, 1, 27, 11, 47, 2, 510)
    # Before any clock line: no time; after it: the clock's time; a tag block still wins.
    text = f"{SENTENCE}\n{zda}\n{SENTENCE}\n\\c:1635731889*00\\{SENTENCE}\n"
    assert _one(text)["t"].tolist() == [NO_TIME, t0, 1635731889000]
    # Split anywhere, the clock survives the chunk boundary.
    data = text.encode()
    for cut in (10, len(SENTENCE) + 5, len(SENTENCE) + len(zda) + 3):
        res = decode_nmea_bytes([data[:cut], data[cut:]])
        assert res.positions["t"].tolist() == [NO_TIME, t0, 1635731889000]
    # A clock that stopped long ago dates nothing.
    stale = f"{zda}\n" + "#\n" * L.ZDA_MAX_LINES + f"{SENTENCE}\n"
    assert _one(stale)["t"].tolist() == [NO_TIME]
    # A corrupt clock line is a counted reject, and the previous clock stays in force.
    res = decode_nmea_bytes([f"{zda}\n$GPZDA,114703.52,27,01,2012,,*00\n{SENTENCE}\n".encode()])
    assert res.positions["t"].tolist() == [t0]
    assert res.counters[L.C_REJ + L.REJ_BAD_CLOCK] == 1 and res.counters[L.C_CLOCK] == 1
    assert res.counters[L.C_TSRC + L.TSRC_ZDA] == 1
