"""Small helpers the sentence makers share: vessel labels and numbers in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["KM_PER_NM", "hours", "num", "vessel_label"]

KM_PER_NM = 1.852


def vessel_label(info: Mapping[str, Any] | None, mmsi: int | None = None) -> str:
    """'NAME (MMSI 123456789, carrier)', 'MMSI 123456789 (fishing vessel)' or, for an input id
    that is not an MMSI, 'vessel ID (input id; pseudo-MMSI N)'."""
    info = info or {}
    m = info.get("mmsi", mmsi)
    kind = (
        "carrier" if info.get("is_carrier") else "fishing vessel" if info.get("is_fishing") else ""
    )
    ident = f"MMSI {m}"
    if info.get("id") is not None:
        ident = f"input id {info['id']}"
    name = info.get("name")
    if name:
        return f"{name} ({ident}" + (f", {kind})" if kind else ")")
    return ident + (f" ({kind})" if kind else "")


def num(x: Any, fmt: str = ".1f", missing: str = "unknown") -> str:
    """``x`` formatted, or ``missing`` when the evidence holds no number (null)."""
    if x is None:
        return missing
    return format(float(x), fmt)


def hours(x: Any) -> str:
    """Hours as '31.0 h', '2,150 h' for long ones."""
    if x is None:
        return "an unknown time"
    v = float(x)
    return f"{v:,.0f} h" if v >= 1000 else f"{v:.1f} h"
