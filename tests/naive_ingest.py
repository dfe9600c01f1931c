"""Plain references for the ingest kernels: bit strings, datetime, and pyais as the decoder."""

from __future__ import annotations

import gzip
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ingest.nmea import NmeaResult

POSITION_TYPES = (1, 2, 3, 18, 19, 27)


def sixbit(c: int) -> int:
    ch = chr(c)
    if "0" <= ch <= "W":
        return ord(ch) - 48
    if "`" <= ch <= "w":
        return ord(ch) - 56
    return -1


def bits_of(payload: str, fill: int = 0) -> str:
    s = "".join(format(sixbit(ord(c)), "06b") for c in payload)
    return s[: len(s) - fill] if fill else s


def getu(bits: str, start: int, n: int) -> int:
    chunk = bits[start : start + n].ljust(n, "0")
    return int(chunk, 2) if chunk else 0


def gets(bits: str, start: int, n: int) -> int:
    v = getu(bits, start, n)
    return v - (1 << n) if v >= 1 << (n - 1) else v


def nmea_checksum(body: str) -> int:
    ck = 0
    for c in body.encode():
        ck ^= c
    return ck


def civil_ms(y: int, mo: int, d: int, h: int, mi: int, s: int, ms: int) -> int:
    delta = datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return delta // timedelta(milliseconds=1)


def read_lines(path: Path) -> list[bytes]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return [ln.strip() for ln in data.splitlines() if ln.strip()]


def checksum_ok(line: bytes) -> bool:
    """False only for a line whose first AIS sentence has a well-formed but wrong checksum."""
    i = line.find(b"!")
    star = line.find(b"*", i)
    if i < 0 or star < 0 or len(line) < star + 3:
        return True
    try:
        stated = int(line[star + 1 : star + 3], 16)
    except ValueError:
        return True
    return nmea_checksum(line[i + 1 : star].decode("latin-1")) == stated


def _name(v: str | None) -> str | None:
    """pyais sometimes keeps text after the first '@' (padding): AIS text ends there."""
    if not v:
        return None
    return v.split("@")[0].strip() or None


def _ship_type(v: int | None) -> int | None:
    """pyais folds reserved codes into one enum member (57 -> 56, 39 -> 0): compare folded."""
    from pyais.constants import ShipType

    if v is None:
        return None
    return int(ShipType(int(v)).value) or None


def _none_if(v: float | None, bad: bool) -> float | None:
    return None if v is None or bad else v


#: Messages pyais decodes that this project rejects on purpose, by reason:
#: - ``no_checksum``: a sentence cut before its ``*hh`` (truncated line); pyais accepts it.
#: - ``too_short``: a payload shorter than the bits that reach the last field the project
#:   reads (UTC second for positions, course for type 27, dimensions for type 5); pyais
#:   zero-fills the rest and returns made-up values (the libais "K What is this?" lines).
#: - ``invalid_mmsi``: a 30-bit user id above 999,999,999 (MMSIs have nine digits).
DELIBERATE = ("bad_checksum", "no_checksum", "too_short", "invalid_mmsi")
MIN_BITS = {1: 143, 2: 143, 3: 143, 18: 139, 19: 139, 27: 94, 5: 270}


def pyais_keys(
    path: Path,
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]], Counter[str]]:
    """pyais' valid positions and static reports of a file as multisets of comparable keys.

    Lines with a wrong NMEA checksum are left out first (this project rejects them by
    default; pyais decodes them). The Counter says how many were left out per DELIBERATE reason. pyais' own ``is_valid`` is not used
    because it also fails on valid sentences followed by a logger's trailing epoch.
    """
    from pyais.stream import IterMessages

    pos: Counter[tuple[Any, ...]] = Counter()
    sta: Counter[tuple[Any, ...]] = Counter()
    lines = read_lines(path)
    good = [ln for ln in lines if checksum_ok(ln)]
    left_out: Counter[str] = Counter({"bad_checksum": len(lines) - len(good)})
    for msg in IterMessages(good):
        try:
            d = msg.decode()
        except Exception:
            continue
        t = d.msg_type
        if t not in (*POSITION_TYPES, 5, 24):
            continue
        if b"*" not in msg.raw:
            left_out["no_checksum"] += 1
            continue
        nbits = len(msg.payload) * 6 - (msg.fill_bits if msg.is_single else 0)
        if nbits < MIN_BITS.get(t, 0):
            left_out["too_short"] += 1
            continue
        if d.mmsi == 0:
            continue
        if d.mmsi > 999_999_999:
            left_out["invalid_mmsi"] += 1
            continue
        if t in POSITION_TYPES and d.lat is not None and d.lon is not None:
            lat, lon = float(d.lat), float(d.lon)
            if lat == 91 or lon == 181 or abs(lat) > 90 or abs(lon) > 180:
                pass
            else:
                sog = d.speed
                cog = d.course
                if t == 27:
                    sog = _none_if(sog, sog is not None and sog == 63)
                    cog = _none_if(cog, cog is not None and cog >= 360)
                else:
                    sog = _none_if(sog, sog is not None and sog >= 102.25)
                    cog = _none_if(cog, cog is not None and cog >= 360)
                head = getattr(d, "heading", None)
                head = None if head is None or head >= 360 else int(head)
                pos[position_key(d.mmsi, t, lat, lon, sog, cog, head)] += 1
        if t in (5, 19, 24):
            if t == 24:
                if d.partno == 0:
                    sta[(d.mmsi, 24, "A", _name(d.shipname))] += 1
                else:
                    sta[(d.mmsi, 24, "B", _ship_type(d.ship_type), _name(d.callsign))] += 1
            else:
                sta[(d.mmsi, t, _name(d.shipname), _ship_type(d.ship_type))] += 1
    return pos, sta, left_out


def position_key(
    mmsi: int,
    t: int,
    lat: float,
    lon: float,
    sog: float | None,
    cog: float | None,
    head: int | None,
) -> tuple[Any, ...]:
    def r1(v: float | None) -> float | None:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, 1)

    return (int(mmsi), int(t), round(lat, 6), round(lon, 6), r1(sog), r1(cog), head)


def _text(row: np.ndarray) -> str | None:
    s = bytes(row).rstrip(b"\x00").decode("ascii").strip()
    return s or None


def project_keys(res: NmeaResult) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """The same keys from this project's raw decoder output (before de-duplication)."""
    p = res.positions
    pos: Counter[tuple[Any, ...]] = Counter()
    for i in range(p["mmsi"].shape[0]):
        head = int(p["heading"][i])
        pos[
            position_key(
                int(p["mmsi"][i]),
                int(p["msg_type"][i]),
                float(p["lat"][i]),
                float(p["lon"][i]),
                float(p["sog"][i]),
                float(p["cog"][i]),
                None if head < 0 else head,
            )
        ] += 1
    s = res.static
    sta: Counter[tuple[Any, ...]] = Counter()
    for i in range(s["mmsi"].shape[0]):
        m, t, part = int(s["mmsi"][i]), int(s["msg_type"][i]), int(s["part"][i])
        st = _ship_type(int(s["ship_type"][i]))
        if t == 24 and part == 0:
            sta[(m, 24, "A", _text(s["name"][i]))] += 1
        elif t == 24:
            sta[(m, 24, "B", st, _text(s["callsign"][i]))] += 1
        else:
            sta[(m, t, _text(s["name"][i]), st)] += 1
    return pos, sta
