"""Grow a :class:`vessels.registry.Registry` from static reports as they arrive."""

from __future__ import annotations

import pyarrow as pa

from vessels.registry import Registry, build_registry

__all__ = ["add_static"]


def add_static(reg: Registry, static: pa.Table) -> None:
    """Add the static reports of ``static`` (later than those already added) to ``reg`` in
    place, by the rules of :func:`vessels.registry.build_registry`."""
    if static.num_rows == 0:
        return
    new = build_registry(static)
    reg.class_b |= new.class_b
    for mmsi, imo_bad in new.invalid_imo.items():
        reg.invalid_imo[mmsi] = reg.invalid_imo.get(mmsi, 0) + imo_bad
    for mmsi, rec in new.latest.items():
        latest = reg.latest.setdefault(mmsi, dict.fromkeys(rec))
        for k, v in rec.items():
            if v is not None:
                latest[k] = v
    for mmsi, hist in new.changes.items():
        mine = reg.changes.setdefault(mmsi, [])
        for h in hist:
            cur = mine[-1] if mine else None
            ident = {k: h.get(k) for k in ("name", "callsign", "imo", "ship_type")}
            same = cur is not None and all(
                v is None or cur.get(k) is None or cur.get(k) == v for k, v in ident.items()
            )
            if cur is not None and same:
                for k, v in ident.items():
                    if v is not None and cur.get(k) is None:
                        cur[k] = v
                cur["last_seen"] = h["last_seen"]
                cur["reports"] += h["reports"]
            else:
                mine.append(dict(h))
