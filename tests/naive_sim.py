"""Plain references for the simulator's vectorised AIS encoder (one message at a time, strings)."""

from __future__ import annotations


def naive_payload(fields: list[tuple[int, int]]) -> tuple[str, int]:
    """6-bit armoured payload and fill bits for (value, width) fields, the textbook way."""
    bits = "".join(format(v & ((1 << w) - 1), f"0{w}b") for v, w in fields)
    fill = (-len(bits)) % 6
    bits += "0" * fill
    out = []
    for i in range(0, len(bits), 6):
        c = int(bits[i : i + 6], 2) + 48
        out.append(chr(c + 8 if c > 87 else c))
    return "".join(out), fill


def naive_checksum(body: str) -> str:
    x = 0
    for ch in body:
        x ^= ord(ch)
    return f"{x:02X}"
