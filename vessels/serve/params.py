"""Query-parameter parsing for the API: every bad value is a :class:`BadRequest` (HTTP 400) that
names the parameter and what it expects, never a 500."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

__all__ = ["BadRequest", "bbox", "choice", "integer", "number", "text", "time_ms"]


class BadRequest(ValueError):
    """Answered as 400 with the message."""


def text(q: Mapping[str, str], name: str, max_len: int = 200) -> str | None:
    v = q.get(name)
    if v is None or v == "":
        return None
    if len(v) > max_len:
        raise BadRequest(f"{name}: at most {max_len} characters")
    return v


def number(
    q: Mapping[str, str], name: str, lo: float = -math.inf, hi: float = math.inf
) -> float | None:
    v = q.get(name)
    if v is None or v == "":
        return None
    try:
        x = float(v)
    except ValueError:
        raise BadRequest(f"{name}: expected a number, got {v[:40]!r}") from None
    if not math.isfinite(x) or x < lo or x > hi:
        raise BadRequest(f"{name}: expected a number in [{lo}, {hi}], got {v[:40]!r}")
    return x


def integer(q: Mapping[str, str], name: str, default: int, lo: int = 0, hi: int = 10**9) -> int:
    v = q.get(name)
    if v is None or v == "":
        return default
    if not v.lstrip("-").isdigit():
        raise BadRequest(f"{name}: expected an integer, got {v[:40]!r}")
    x = int(v)
    if x < lo or x > hi:
        raise BadRequest(f"{name}: expected an integer in [{lo}, {hi}], got {x}")
    return x


def choice(q: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> list[str] | None:
    """A comma-separated list of allowed words (OR within the field), or None."""
    v = q.get(name)
    if v is None or v == "":
        return None
    items = [x.strip() for x in v.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad or not items:
        raise BadRequest(
            f"{name}: unknown value {bad[0] if bad else v!r}; one of {', '.join(allowed)}"
        )
    return items


def time_ms(q: Mapping[str, str], name: str) -> int | None:
    """ISO 8601 (``2024-01-02``, ``2024-01-02T03:04:05Z``, with an offset) or ms since epoch."""
    v = q.get(name)
    if v is None or v == "":
        return None
    if v.isdigit():
        return int(v)
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise BadRequest(
            f"{name}: expected an ISO 8601 time (2024-01-02T03:04:05Z) or ms since 1970, "
            f"got {v[:40]!r}"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def bbox(q: Mapping[str, str], name: str = "bbox") -> tuple[float, float, float, float] | None:
    """``lon_min,lat_min,lon_max,lat_max`` (GeoJSON order); lon_min > lon_max crosses 180."""
    v = q.get(name)
    if v is None or v == "":
        return None
    parts = v.split(",")
    try:
        vals = [float(x) for x in parts]
    except ValueError:
        vals = []
    if len(vals) != 4 or not all(math.isfinite(x) for x in vals):
        raise BadRequest(f"{name}: expected lon_min,lat_min,lon_max,lat_max, got {v[:60]!r}")
    lo0, la0, lo1, la1 = vals
    if not (-180 <= lo0 <= 180 and -180 <= lo1 <= 180 and -90 <= la0 <= la1 <= 90):
        raise BadRequest(f"{name}: longitudes in [-180, 180], latitudes in [-90, 90], south first")
    return lo0, la0, lo1, la1
