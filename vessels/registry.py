"""The vessel registry: who each MMSI says it is, and how that changed.

Built from static reports (AIS types 5, 19, 24 or CSV vessel rows): per MMSI the latest and the
history of name, callsign, IMO (check digit validated), ship type and dimensions; the flag state
from the MMSI's MID; carriers (reefers) from a supplied list such as GFW's
``transshipment-vessels.csv`` (Miller et al. 2018) or the simulator's ``carriers.csv``.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vessels.errors import InputError
from vessels.mid import flag_of, mmsi_kind
from vessels.textsafe import clean_ais_text

__all__ = [
    "CLASS_B_TYPES",
    "Registry",
    "build_registry",
    "class_b_mmsis",
    "imo_valid",
    "read_vessel_list",
]

#: ITU-R M.1371 ship-and-cargo type 30 is "fishing".
FISHING_SHIP_TYPES = frozenset({30})
# gear names as GFW / Skylight filter them: "BUOY", a "NET" word, battery voltages ("12V")
_GEAR_NAME = re.compile(r"\bBUOY(?:\d|\b)|\bNET\b|\b\d{1,2}(?:\.\d)?V\b")
_FIELDS = ("name", "callsign", "imo", "ship_type", "length_m", "width_m")


def imo_valid(imo: int | None) -> bool:
    """IMO number check digit: 7 digits, sum of the first six times 7..2, mod 10 = the last."""
    if imo is None or not 1_000_000 <= imo <= 9_999_999:
        return False
    d = [int(c) for c in str(imo)]
    return sum(x * w for x, w in zip(d[:6], range(7, 1, -1), strict=True)) % 10 == d[6]


def _open_text(path: Path) -> io.TextIOWrapper:
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def read_vessel_list(path: str | Path) -> tuple[set[int], set[int]]:
    """MMSIs and IMO numbers listed in a CSV with an ``mmsi`` (or ``ssvid``) and/or ``imo`` column."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such vessel list file", str(p))
    mmsis: set[int] = set()
    imos: set[int] = set()
    with _open_text(p) as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
        mcol = cols.get("mmsi") or cols.get("ssvid")
        icol = cols.get("imo")
        if mcol is None and icol is None:
            raise InputError(
                f"vessel list needs an 'mmsi' (or 'ssvid') or 'imo' column; found {list(cols)}",
                str(p),
            )
        for row in reader:
            for col, target in ((mcol, mmsis), (icol, imos)):
                if col is None:
                    continue
                raw = (row.get(col) or "").strip()
                try:
                    v = int(float(raw))
                except ValueError:
                    continue
                if v > 0:
                    target.add(v)
    return mmsis, imos


@dataclass
class Registry:
    """Identity of each MMSI. ``latest[mmsi]`` has the fields of ``_FIELDS`` (None if unknown)."""

    latest: dict[int, dict[str, Any]] = field(default_factory=dict)
    changes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    carrier_mmsi: set[int] = field(default_factory=set)
    carrier_imo: set[int] = field(default_factory=set)
    fishing_mmsi: set[int] = field(default_factory=set)
    invalid_imo: dict[int, int] = field(default_factory=dict)  # reports with a bad check digit
    # MMSIs heard with class B messages (18/19 positions, 19/24 static): their sets are cheap
    # and often carry invalid numbers (OpenCPN #4404), which identity checks weigh less
    class_b: set[int] = field(default_factory=set)
    # the input's own vessel id of each pseudo-MMSI (ids that are not MMSIs, see ingest.ids)
    ids: dict[int, str] = field(default_factory=dict)

    def is_carrier(self, mmsi: int) -> bool:
        if mmsi in self.carrier_mmsi:
            return True
        imo = self.latest.get(mmsi, {}).get("imo")
        return imo is not None and imo in self.carrier_imo

    def is_fishing(self, mmsi: int) -> bool:
        if mmsi in self.fishing_mmsi:
            return True
        return self.latest.get(mmsi, {}).get("ship_type") in FISHING_SHIP_TYPES

    def is_gear(self, mmsi: int) -> bool:
        """Fishing gear / buoy: MMSI 99xxxxxxx or a name with '%', 'BUOY' or 'NET' (GFW, Skylight)."""
        if mmsi_kind(mmsi) == "aton" or 990_000_000 <= mmsi <= 999_999_999:
            return True
        name = (self.latest.get(mmsi, {}).get("name") or "").upper()
        return "%" in name or _GEAR_NAME.search(name) is not None

    def name(self, mmsi: int) -> str | None:
        v = self.latest.get(mmsi, {}).get("name")
        return str(v) if v else None

    def flag(self, mmsi: int) -> str | None:
        f = flag_of(mmsi)
        return f[0] if f else None

    def info(self, mmsi: int) -> dict[str, Any]:
        """Everything known about an MMSI, ready for evidence JSON."""
        d: dict[str, Any] = {k: None for k in _FIELDS}
        d.update(self.latest.get(mmsi, {}))
        f = flag_of(mmsi)
        d["mmsi"] = mmsi
        d["flag"] = f[0] if f else None
        d["flag_name"] = f[1] if f else None
        d["mmsi_kind"] = mmsi_kind(mmsi)
        d["is_carrier"] = self.is_carrier(mmsi)
        d["is_fishing"] = self.is_fishing(mmsi)
        d["n_identities"] = len(self.changes.get(mmsi, []))
        if mmsi in self.ids:
            d["id"] = self.ids[mmsi]
        return d

    def label(self, mmsi: int) -> str:
        """'NAME (MMSI 123456789, carrier)' for reasons (:func:`vessels.explain.vessel_label`)."""
        from vessels.explain.words import vessel_label

        return vessel_label(self.info(mmsi))

    def history(self, mmsi: int) -> list[dict[str, Any]]:
        """Distinct identities in time order: fields, ``first_seen``/``last_seen`` (ms), ``reports``."""
        return [dict(h) for h in self.changes.get(mmsi, [])]


def _int_or_none(v: Any) -> int | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if np.isnan(f) or f <= 0:
        return None
    return int(f)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = clean_ais_text(str(v))
    return s.strip() or None if s else None


#: AIS message types only class B equipment sends (ITU-R M.1371: 18/19 positions, 24 static).
CLASS_B_TYPES = (18, 19, 24)


def class_b_mmsis(table: pa.Table | None) -> set[int]:
    """MMSIs of ``table`` (positions or static, with ``mmsi`` and ``msg_type``) that sent a
    class B message; empty when the table has no ``msg_type``."""
    if table is None or table.num_rows == 0 or "msg_type" not in table.column_names:
        return set()
    sel = pc.is_in(table.column("msg_type").cast(pa.int64()), pa.array(CLASS_B_TYPES, pa.int64()))
    sel = pc.fill_null(sel, False)
    mm = pc.unique(table.column("mmsi").filter(sel)).to_pylist()
    return {int(x) for x in mm if x is not None}


def build_registry(
    static: pa.Table | None,
    carriers: str | Path | None = None,
    fishing: str | Path | None = None,
) -> Registry:
    """Registry from a static table (STATIC_SCHEMA) and optional carrier / fishing vessel lists."""
    reg = Registry()
    if carriers is not None:
        reg.carrier_mmsi, reg.carrier_imo = read_vessel_list(carriers)
    if fishing is not None:
        reg.fishing_mmsi, _ = read_vessel_list(fishing)
    if static is None or static.num_rows == 0:
        return reg
    cols = set(static.column_names)
    if "mmsi" not in cols:
        raise InputError(f"static table has no 'mmsi' column (columns: {sorted(cols)})")
    reg.class_b |= class_b_mmsis(static)
    want = [c for c in ("mmsi", "t", "imo", "callsign", "name", "ship_type") if c in cols]
    want += [c for c in ("to_bow", "to_stern", "to_port", "to_starboard") if c in cols]
    tb = static.select(want)
    if "t" in cols:
        tb = tb.sort_by([("mmsi", "ascending"), ("t", "ascending")])
        tb = tb.set_column(
            tb.column_names.index("t"),
            "t",
            tb.column("t").cast(pa.timestamp("ms")).cast(pa.int64()),
        )
    rows = tb.to_pydict()
    n = tb.num_rows
    get = {c: rows.get(c, [None] * n) for c in want}
    for i in range(n):
        mmsi = int(get["mmsi"][i])
        t = get["t"][i] if "t" in get else None
        imo = _int_or_none(get["imo"][i]) if "imo" in get else None
        if imo is not None and not imo_valid(imo):
            reg.invalid_imo[mmsi] = reg.invalid_imo.get(mmsi, 0) + 1
            imo = None
        rec: dict[str, Any] = {
            "name": _text(get["name"][i]) if "name" in get else None,
            "callsign": _text(get["callsign"][i]) if "callsign" in get else None,
            "imo": imo,
            "ship_type": _int_or_none(get["ship_type"][i]) if "ship_type" in get else None,
        }
        if "to_bow" in get:
            a, b = _int_or_none(get["to_bow"][i]), _int_or_none(get.get("to_stern", [None] * n)[i])
            c, d = (
                _int_or_none(get.get("to_port", [None] * n)[i]),
                _int_or_none(get.get("to_starboard", [None] * n)[i]),
            )
            rec["length_m"] = (a or 0) + (b or 0) or None
            rec["width_m"] = (c or 0) + (d or 0) or None
        latest = reg.latest.setdefault(mmsi, {k: None for k in _FIELDS})
        for k, v in rec.items():
            if v is not None:
                latest[k] = v
        # An identity is (name, callsign, IMO, type); type 24A/24B report halves separately,
        # so only fields present in this report are compared with the current identity.
        hist = reg.changes.setdefault(mmsi, [])
        ident = {k: rec[k] for k in ("name", "callsign", "imo", "ship_type")}
        cur = hist[-1] if hist else None
        same = cur is not None and all(
            v is None or cur.get(k) is None or cur.get(k) == v for k, v in ident.items()
        )
        if cur is not None and same:
            for k, v in ident.items():
                if v is not None and cur.get(k) is None:
                    cur[k] = v
            cur["last_seen"] = t
            cur["reports"] += 1
        elif any(v is not None for v in ident.values()):
            hist.append({**ident, "first_seen": t, "last_seen": t, "reports": 1})
    return reg
