"""A vectorised AIS encoder: bit fields packed with NumPy, 6-bit armoured, NMEA 0183 sentences
with checksums and IEC 62320 tag blocks (``\\s:receiver,c:unix seconds*hh\\``).

Payload layouts follow ITU-R M.1371-5: type 1 (class A position), 18 (class B position),
5 (static and voyage, two sentences) and 24 parts A and B (class B static).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "armour",
    "checksum",
    "encode_type1",
    "encode_type5",
    "encode_type18",
    "encode_type24",
    "pack_bits",
    "sentences",
    "six_bit_text",
    "tag_block",
]

I64 = npt.NDArray[np.int64]
Field = tuple[npt.ArrayLike, int]


def pack_bits(fields: Sequence[Field]) -> npt.NDArray[np.uint8]:
    """(n, bits) array of 0/1 from (values, width) fields; negative values in two's complement."""
    cols = []
    for values, width in fields:
        v = np.asarray(values, dtype=np.int64).reshape(-1) & ((1 << width) - 1)
        shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
        cols.append(((v[:, None] >> shifts) & 1).astype(np.uint8))
    return np.concatenate(cols, axis=1)


def armour(bits: npt.NDArray[np.uint8]) -> tuple[list[str], int]:
    """6-bit ASCII armouring of equal-length bit rows; returns payloads and the fill bit count."""
    n, nbits = bits.shape
    fill = (-nbits) % 6
    if fill:
        bits = np.concatenate([bits, np.zeros((n, fill), np.uint8)], axis=1)
    six = bits.reshape(n, -1, 6) @ np.array([32, 16, 8, 4, 2, 1], dtype=np.uint8)
    ch = six.astype(np.uint8) + 48
    ch = np.where(ch > 87, ch + 8, ch).astype(np.uint8)
    flat = ch.tobytes()
    w = ch.shape[1]
    return [flat[i * w : (i + 1) * w].decode("ascii") for i in range(n)], fill


def six_bit_text(texts: Sequence[str | None], chars: int) -> npt.NDArray[np.int64]:
    """AIS 6-bit text codes (n, chars), upper-cased, padded with '@' (code 0)."""
    out = np.zeros((len(texts), chars), dtype=np.int64)
    for i, s in enumerate(texts):
        for j, c in enumerate((s or "").upper()[:chars]):
            o = ord(c)
            code = o - 64 if 64 <= o < 96 else o if 32 <= o < 64 else 32
            out[i, j] = code
    return out


def _text_fields(codes: npt.NDArray[np.int64]) -> list[Field]:
    return [(codes[:, j], 6) for j in range(codes.shape[1])]


def checksum(body: str) -> str:
    x = 0
    for b in body.encode("ascii"):
        x ^= b
    return f"{x:02X}"


def _motion_fields(
    sog: npt.NDArray[np.float64], cog: npt.NDArray[np.float64], heading: I64
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], I64]:
    """SOG (0.1 kn, 1023 = n/a), COG (0.1 deg, 3600 = n/a), heading (511 = n/a) as sent."""
    sog_i = np.where(np.isnan(sog), 1023, np.minimum(np.round(np.nan_to_num(sog) * 10), 1022))
    cog_i = np.where(np.isnan(cog), 3600, np.round(np.nan_to_num(cog) * 10) % 3600)
    hdg: I64 = np.where(heading < 0, 511, heading)
    return sog_i, cog_i, hdg


def encode_type1(
    mmsi: I64,
    nav: I64,
    sog: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    cog: npt.NDArray[np.float64],
    heading: I64,
    second: I64,
) -> list[str]:
    n = len(mmsi)
    sog_i, cog_i, hdg = _motion_fields(sog, cog, heading)
    bits = pack_bits(
        [
            (np.full(n, 1), 6),
            (np.zeros(n), 2),
            (mmsi, 30),
            (nav, 4),
            (np.full(n, -128), 8),
            (sog_i, 10),
            (np.zeros(n), 1),
            (np.round(lon * 600_000), 28),
            (np.round(lat * 600_000), 27),
            (cog_i, 12),
            (hdg, 9),
            (second, 6),
            (np.zeros(n), 2),
            (np.zeros(n), 3),
            (np.zeros(n), 1),
            (np.zeros(n), 19),
        ]
    )
    return armour(bits)[0]


def encode_type18(
    mmsi: I64,
    sog: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    cog: npt.NDArray[np.float64],
    heading: I64,
    second: I64,
) -> list[str]:
    n = len(mmsi)
    sog_i, cog_i, hdg = _motion_fields(sog, cog, heading)
    z = np.zeros(n)
    bits = pack_bits(
        [
            (np.full(n, 18), 6),
            (z, 2),
            (mmsi, 30),
            (z, 8),
            (sog_i, 10),
            (z, 1),
            (np.round(lon * 600_000), 28),
            (np.round(lat * 600_000), 27),
            (cog_i, 12),
            (hdg, 9),
            (second, 6),
            (z, 2),
            (np.ones(n), 1),
            (z, 1),
            (np.ones(n), 1),
            (np.ones(n), 1),
            (z, 1),
            (z, 1),
            (z, 1),
            (np.full(n, 393222), 20),
        ]
    )
    return armour(bits)[0]


def encode_type5(
    mmsi: I64,
    imo: I64,
    callsign: Sequence[str | None],
    name: Sequence[str | None],
    ship_type: I64,
    bow: I64,
    stern: I64,
    port: I64,
    stbd: I64,
    destination: Sequence[str | None],
) -> tuple[list[str], int]:
    n = len(mmsi)
    z = np.zeros(n)
    bits = pack_bits(
        [
            (np.full(n, 5), 6),
            (z, 2),
            (mmsi, 30),
            (z, 2),
            (imo, 30),
            *_text_fields(six_bit_text(callsign, 7)),
            *_text_fields(six_bit_text(name, 20)),
            (ship_type, 8),
            (bow, 9),
            (stern, 9),
            (port, 6),
            (stbd, 6),
            (np.ones(n), 4),
            (z, 4),
            (z, 5),
            (np.full(n, 24), 5),
            (np.full(n, 60), 6),
            (z, 8),
            *_text_fields(six_bit_text(destination, 20)),
            (z, 1),
            (z, 1),
        ]
    )
    return armour(bits)


def encode_type24(
    mmsi: I64,
    name: Sequence[str | None],
    ship_type: I64,
    callsign: Sequence[str | None],
    bow: I64,
    stern: I64,
    port: I64,
    stbd: I64,
) -> tuple[list[str], list[str]]:
    n = len(mmsi)
    z = np.zeros(n)
    a = pack_bits(
        [
            (np.full(n, 24), 6),
            (z, 2),
            (mmsi, 30),
            (z, 2),
            *_text_fields(six_bit_text(name, 20)),
            (z, 8),
        ]
    )
    b = pack_bits(
        [
            (np.full(n, 24), 6),
            (z, 2),
            (mmsi, 30),
            (np.ones(n), 2),
            (ship_type, 8),
            *_text_fields(six_bit_text(["SIMAIS"] * n, 3)),
            (z, 4),
            (z, 20),
            *_text_fields(six_bit_text(callsign, 7)),
            (bow, 9),
            (stern, 9),
            (port, 6),
            (stbd, 6),
            (z, 6),
        ]
    )
    return armour(a)[0], armour(b)[0]


def sentences(payload: str, fill: int, channel: str, seq: int | None) -> list[str]:
    """``!AIVDM`` sentences (with checksum) for one payload; split past 60 characters."""
    parts = [payload[i : i + 60] for i in range(0, len(payload), 60)] or [""]
    total = len(parts)
    out = []
    for i, p in enumerate(parts, 1):
        f = fill if i == total else 0
        sid = "" if total == 1 or seq is None else str(seq)
        body = f"AIVDM,{total},{i},{sid},{channel},{p},{f}"
        out.append(f"!{body}*{checksum(body)}")
    return out


def tag_block(receiver: str, rx_s: int) -> str:
    body = f"s:{receiver},c:{rx_s}"
    return f"\\{body}*{checksum(body)}\\"
