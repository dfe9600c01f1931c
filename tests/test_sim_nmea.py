"""The project's vectorised AIS encoder against pyais (the reference decoder and encoder)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais import decode
from pyais.encode import encode_dict

from tests.naive_sim import naive_checksum, naive_payload
from vessels.sim import SimConfig, simulate
from vessels.sim.nmea_encode import (
    armour,
    checksum,
    encode_type1,
    encode_type5,
    encode_type18,
    encode_type24,
    pack_bits,
    sentences,
    tag_block,
)
from vessels.sim.writers import nmea_lines


def _rand(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "mmsi": rng.integers(200_000_000, 775_999_999, n),
        "nav": rng.integers(0, 16, n),
        "sog": np.round(rng.uniform(0, 102.2, n), 1),
        "lon": np.round(rng.uniform(-180, 180, n) * 600_000) / 600_000,
        "lat": np.round(rng.uniform(-90, 90, n) * 600_000) / 600_000,
        "cog": np.round(rng.uniform(0, 359.9, n), 1),
        "heading": np.where(rng.random(n) < 0.2, -1, rng.integers(0, 360, n)),
        "second": rng.integers(0, 60, n),
    }


def test_type1_matches_pyais_decoder_and_encoder() -> None:
    rng = np.random.default_rng(1)
    r = _rand(rng, 300)
    r["lat"][:3] = [-90, 90, 0]  # edges: poles and the equator
    r["lon"][:3] = [-180, 179.99999, 0]
    payloads = encode_type1(
        r["mmsi"], r["nav"], r["sog"], r["lon"], r["lat"], r["cog"], r["heading"], r["second"]
    )
    for i, pl in enumerate(payloads):
        (line,) = sentences(pl, 0, "A", None)
        d = decode(line).asdict()
        assert d["mmsi"] == r["mmsi"][i] and int(d["status"]) == r["nav"][i]
        assert d["speed"] == pytest.approx(r["sog"][i], abs=1e-6)
        assert d["lat"] == pytest.approx(r["lat"][i], abs=1e-6)
        assert d["lon"] == pytest.approx(r["lon"][i], abs=1e-6)
        assert d["course"] == pytest.approx(r["cog"][i], abs=1e-6)
        assert d["heading"] == (511 if r["heading"][i] < 0 else r["heading"][i])
        assert d["second"] == r["second"][i]
        if i < 20:  # and byte for byte what pyais's own encoder writes
            ref = encode_dict(d, radio_channel="A", talker_id="AI", sentence_type="VDM")
            assert ref == [line]


def test_type18_type5_type24_decode() -> None:
    rng = np.random.default_rng(2)
    r = _rand(rng, 50)
    for i, pl in enumerate(
        encode_type18(r["mmsi"], r["sog"], r["lon"], r["lat"], r["cog"], r["heading"], r["second"])
    ):
        d = decode(*sentences(pl, 0, "B", None)).asdict()
        assert d["msg_type"] == 18 and d["mmsi"] == r["mmsi"][i]
        assert d["lat"] == pytest.approx(r["lat"][i], abs=1e-6)
        assert d["speed"] == pytest.approx(r["sog"][i], abs=1e-6)
    names = ["HAI YU 12", "NET01%23V", "", "A" * 25]
    n = len(names)
    mm = np.arange(n) + 412_000_001
    pls, fill = encode_type5(
        mm,
        np.full(n, 9_123_456),
        ["AB1234", None, "X", "LONGCALLSIGN"],
        names,
        np.full(n, 30),
        np.full(n, 50),
        np.full(n, 20),
        np.full(n, 5),
        np.full(n, 6),
        ["PUERTO DESEADO", None, "", "x"],
    )
    for i, pl in enumerate(pls):
        parts = sentences(pl, fill, "A", 7)
        assert len(parts) == 2 and parts[0].split(",")[3] == "7"
        d = decode(*parts).asdict()
        assert d["mmsi"] == mm[i] and d["shipname"] == names[i].upper()[:20]
        assert d["imo"] == 9_123_456 and d["to_bow"] == 50 and d["to_starboard"] == 6
    a, b = encode_type24(
        mm,
        names,
        np.full(n, 37),
        ["CS1", None, "", "Z9"],
        np.full(n, 5),
        np.full(n, 3),
        np.full(n, 1),
        np.full(n, 2),
    )
    for i in range(n):
        da = decode(*sentences(a[i], 0, "B", None)).asdict()
        db = decode(*sentences(b[i], 0, "B", None)).asdict()
        assert da["partno"] == 0 and da["shipname"] == names[i].upper()[:20]
        assert db["partno"] == 1 and db["ship_type"] == 37 and db["to_bow"] == 5


def test_tag_block_and_checksum() -> None:
    tb = tag_block("ARPUD-terrestrial", 1_709_251_221)
    assert tb.startswith("\\s:ARPUD-terrestrial,c:1709251221*")
    assert tb[-3:-1] == checksum("s:ARPUD-terrestrial,c:1709251221")
    from pyais.messages import NMEASentence

    rng = np.random.default_rng(3)
    r = _rand(rng, 30)
    for pl in encode_type1(
        r["mmsi"], r["nav"], r["sog"], r["lon"], r["lat"], r["cog"], r["heading"], r["second"]
    ):
        (line,) = sentences(pl, 0, "B", None)
        assert NMEASentence(line.encode()).is_valid  # pyais agrees on the checksum
        bad = line[:-1] + ("0" if line[-1] != "0" else "1")
        assert not NMEASentence(bad.encode()).is_valid


def test_scenario_lines_decode_to_the_positions_table() -> None:
    sc = simulate(SimConfig(seed=21, days=1, vessels=16))
    lines = nmea_lines(sc)
    n_bad = 0
    decoded: list[tuple[int, int, float, float]] = []
    for line in lines:
        tag, _, sentence = line[1:].partition("\\")
        body, _, cs = sentence[1:].partition("*")
        if len(cs) != 2 or checksum(body) != cs:
            n_bad += 1
            continue
        if sentence.split(",")[1] != "1":
            continue
        d = decode(sentence).asdict()
        if d["msg_type"] in (1, 18):
            t = int(tag.split("c:")[1].split("*")[0])
            decoded.append(
                (d["mmsi"], t * 1000, round(d["lat"] * 600_000), round(d["lon"] * 600_000))
            )
    assert 0 < n_bad < 0.02 * len(lines)
    pos = sc.positions
    mine = list(
        zip(
            pos.column("mmsi").to_pylist(),
            pos.column("t").cast("int64").to_pylist(),
            np.round(pos.column("lat").to_numpy() * 600_000).astype(int).tolist(),
            np.round(pos.column("lon").to_numpy() * 600_000).astype(int).tolist(),
            strict=False,
        )
    )
    assert sorted(decoded) == sorted(mine)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(-(2**40), 2**40), st.integers(1, 30)), min_size=1, max_size=12
        ),
        min_size=1,
        max_size=5,
    )
)
def test_pack_and_armour_match_the_plain_reference(layout: list[list[tuple[int, int]]]) -> None:
    # every message in one call shares the widths of the first; values vary per message
    widths = [w for _, w in layout[0]]
    rows = [[(v, w) for (v, _), w in zip(m + layout[0], widths, strict=False)] for m in layout]
    fields = [([r[j][0] for r in rows], w) for j, w in enumerate(widths)]
    payloads, fill = armour(pack_bits(fields))
    for r, pl in zip(rows, payloads, strict=True):
        ref, ref_fill = naive_payload(r)
        assert (pl, fill) == (ref, ref_fill)
        assert checksum(pl) == naive_checksum(pl)
