"""Vessel profiles for the investigate outputs: latest identity and its history of changes.

Built straight from the static table (types 5, 19, 24 and CSV vessel rows) so the report works
whatever registry is installed; the flag state comes from the MMSI's MID (ITU-R M.585) and the
ship type text from ITU-R M.1371 (pyais' table). AIS text is cleaned of padding here and must
still be escaped by every writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from vessels.mid import flag_of
from vessels.textsafe import clean_ais_text

__all__ = ["Profile", "build_profiles", "ship_type_text"]

_HISTORY_KEYS = ("name", "callsign", "imo", "ship_type", "destination")
_MAX_HISTORY = 50  # rows of changes kept per vessel (a spoofer can change name every minute)


def ship_type_text(code: int | None) -> str | None:
    """Plain words for an ITU ship-and-cargo type code ("Fishing", "Tanker", ...)."""
    if code is None or code == 0:
        return None
    from pyais.constants import ShipType

    try:
        name = ShipType(int(code)).name
    except ValueError:
        return f"type {int(code)}"
    return name.replace("_", " ").replace("HazardousCategory", "hazardous cat.")


@dataclass
class Profile:
    mmsi: int
    name: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type_code: int | None = None
    flag_code: str | None = None
    flag_name: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)  # t in ms, one row per change
    names_seen: int = 0
    # other MMSIs that reported the same IMO number: a flag (MID) change of one hull, or a
    # stolen identity; each {"mmsi", "flag", "name", "first_seen", "last_seen"} (ms)
    same_imo: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ship_type(self) -> str | None:
        return ship_type_text(self.ship_type_code)

    @property
    def flag(self) -> str | None:
        if self.flag_code is None:
            return None
        return f"{self.flag_code} {self.flag_name}" if self.flag_name else self.flag_code


def _column(static: pa.Table, name: str) -> list[Any]:
    if name not in static.column_names:
        return [None] * static.num_rows
    return static.column(name).to_pylist()


def build_profiles(static: pa.Table | None, mmsis: set[int] | None = None) -> dict[int, Profile]:
    """{mmsi: Profile} for every MMSI in ``static`` (and, with no static data, in ``mmsis``)."""
    out: dict[int, Profile] = {}
    spans: dict[int, dict[int, list[int]]] = {}  # imo -> mmsi -> [first, last] report time
    if static is not None and static.num_rows:
        t = static.column("t").cast(pa.int64()).to_numpy(zero_copy_only=False)
        mm = static.column("mmsi").cast(pa.int64()).to_numpy(zero_copy_only=False)
        order = np.lexsort((t, mm))
        cols = {k: _column(static, k) for k in _HISTORY_KEYS}
        for i in order.tolist():
            m = int(mm[i])
            if mmsis is not None and m not in mmsis:
                continue
            p = out.get(m)
            if p is None:
                p = out[m] = Profile(mmsi=m)
            row: dict[str, Any] = {"t": int(t[i])}
            for k in _HISTORY_KEYS:
                v = cols[k][i]
                if isinstance(v, str):
                    v = clean_ais_text(v)
                row[k] = v
            # a type 24A carries only the name, 24B only callsign and type: fill from the last
            last = p.history[-1] if p.history else None
            if last is not None:
                for k in _HISTORY_KEYS:
                    if row[k] is None:
                        row[k] = last[k]
            if last is None or any(row[k] != last[k] for k in _HISTORY_KEYS):
                if last is not None and row["name"] != last["name"]:
                    p.names_seen += 1
                if len(p.history) < _MAX_HISTORY:
                    p.history.append(row)
            if row["imo"]:
                span = spans.setdefault(int(row["imo"]), {}).setdefault(m, [row["t"], row["t"]])
                span[1] = row["t"]  # rows are in time order per MMSI
            p.name = row["name"] or p.name
            p.callsign = row["callsign"] or p.callsign
            p.imo = row["imo"] or p.imo
            p.ship_type_code = row["ship_type"] or p.ship_type_code
    for m in mmsis or ():
        out.setdefault(m, Profile(mmsi=m))
    _link_same_imo(out, spans)
    for m, p in out.items():
        f = flag_of(m)
        if f is not None:
            p.flag_code, p.flag_name = f
        if p.history or p.name:
            p.names_seen = max(p.names_seen + (1 if p.history else 0), 1 if p.name else 0)
    return out


def _link_same_imo(profiles: dict[int, Profile], spans: dict[int, dict[int, list[int]]]) -> None:
    """Fill ``same_imo``: every other MMSI whose static reports carried one of this one's IMOs."""
    for by_mmsi in spans.values():
        if len(by_mmsi) < 2:
            continue
        for m in by_mmsi:
            if m not in profiles:
                continue
            for other, (first, last) in sorted(by_mmsi.items(), key=lambda kv: (kv[1][0], kv[0])):
                if other == m:
                    continue
                f = flag_of(other)
                profiles[m].same_imo.append(
                    {
                        "mmsi": other,
                        "flag": f"{f[0]} {f[1]}" if f else None,
                        "name": profiles[other].name if other in profiles else None,
                        "first_seen": first,
                        "last_seen": last,
                    }
                )
