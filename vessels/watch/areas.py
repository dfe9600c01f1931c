"""Areas (GeoJSON polygons with names) and watchlists (CSV of MMSI / IMO / name with a list
label) for ``vessels watch``.

Areas are indexed with a shapely STRtree; a point on a boundary counts as inside. A watchlist
row names a vessel by MMSI, IMO number or name (any of them); IMO numbers and names are tied
to MMSIs as static reports arrive (AIS text is attacker-controlled: a name match is a lead,
the alert says which field matched).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import shapely
from shapely.strtree import STRtree

from vessels.errors import InputError

__all__ = ["Areas", "Watchlist"]


def _name_of(props: dict[str, Any] | None, i: int) -> str:
    for key in ("name", "NAME", "Name", "title", "id", "ID"):
        v = (props or {}).get(key)
        if v not in (None, ""):
            return str(v)
    return f"area {i + 1}"


@dataclass
class Areas:
    names: list[str]
    geoms: list[Any]
    tree: STRtree

    @classmethod
    def read(cls, path: str | Path) -> Areas:
        p = Path(path)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InputError("no such areas file", str(p)) from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"not a readable GeoJSON file ({exc})", str(p)) from exc
        feats = doc.get("features") if isinstance(doc, dict) else None
        if isinstance(doc, dict) and doc.get("type") == "Feature":
            feats = [doc]
        if not isinstance(feats, list):
            raise InputError("GeoJSON has no features (want a FeatureCollection)", str(p))
        names: list[str] = []
        geoms: list[Any] = []
        for i, f in enumerate(feats):
            geom = f.get("geometry") if isinstance(f, dict) else None
            kind = geom.get("type") if isinstance(geom, dict) else None
            if kind not in ("Polygon", "MultiPolygon"):
                raise InputError(
                    f"feature {i + 1}: areas must be Polygon or MultiPolygon, got {kind}", str(p)
                )
            try:
                g = shapely.geometry.shape(geom)
            except (ValueError, TypeError, AttributeError) as exc:
                raise InputError(f"feature {i + 1}: invalid geometry ({exc})", str(p)) from exc
            if not g.is_valid:
                g = shapely.make_valid(g)
            names.append(_name_of(f.get("properties"), i))
            geoms.append(g)
        if not geoms:
            raise InputError("GeoJSON holds no polygons", str(p))
        return cls(names, geoms, STRtree(geoms))

    def hits(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(point index, area index) pairs of the points inside an area."""
        if lat.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        # only points inside some area's bounding box go to shapely (most are in none)
        b = self.bounds
        near = np.zeros(lat.size, bool)
        for x0, y0, x1, y1 in b:
            near |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        idx = np.flatnonzero(near)
        if idx.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        res = self.tree.query(shapely.points(lon[idx], lat[idx]), predicate="intersects")
        return idx[res[0]].astype(np.int64), res[1].astype(np.int64)

    @property
    def bounds(self) -> npt.NDArray[np.float64]:
        """(minx, miny, maxx, maxy) per area; one box around all when there are many."""
        b = shapely.bounds(np.asarray(self.geoms, dtype=object))
        if len(b) > 32:
            return np.array([[b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()]])
        return np.asarray(b, np.float64)

    def names_at(self, lat: float | None, lon: float | None) -> list[str]:
        if lat is None or lon is None or not np.isfinite(lat) or not np.isfinite(lon):
            return []
        _, a = self.hits(np.array([lat]), np.array([lon]))
        return sorted({self.names[int(i)] for i in a})


def _norm_name(s: str) -> str:
    return " ".join(s.upper().split())


@dataclass
class Watchlist:
    by_mmsi: dict[int, set[str]] = field(default_factory=dict)
    by_imo: dict[int, set[str]] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)
    # MMSIs tied to listed IMO numbers / names by static reports: mmsi -> {label: "imo"/"name"}
    learned: dict[int, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str | Path) -> Watchlist:
        p = Path(path)
        wl = cls()
        try:
            with open(p, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
                if not {"mmsi", "imo", "name"} & set(cols):
                    raise InputError(
                        f"watchlist needs an 'mmsi', 'imo' or 'name' column; found {list(cols)}",
                        str(p),
                    )
                lab = cols.get("list") or cols.get("label")
                for row in reader:
                    label = (row.get(lab) or "").strip() if lab else ""
                    label = label or p.stem
                    for key, target in (("mmsi", wl.by_mmsi), ("imo", wl.by_imo)):
                        raw = (row.get(cols[key]) or "").strip() if key in cols else ""
                        if raw.isdigit() and int(raw) > 0:
                            target.setdefault(int(raw), set()).add(label)
                    nm = (row.get(cols["name"]) or "").strip() if "name" in cols else ""
                    if nm:
                        wl.by_name.setdefault(_norm_name(nm), set()).add(label)
        except FileNotFoundError as exc:
            raise InputError("no such watchlist file", str(p)) from exc
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"cannot read the watchlist ({exc})", str(p)) from exc
        if not (wl.by_mmsi or wl.by_imo or wl.by_name):
            raise InputError("watchlist names no vessel", str(p))
        return wl

    def learn(self, static: pa.Table) -> list[tuple[int, str, str]]:
        """Tie MMSIs to listed IMO numbers and names from static reports; the new ties
        (mmsi, label, matched field)."""
        if static.num_rows == 0 or not (self.by_imo or self.by_name):
            return []
        new: list[tuple[int, str, str]] = []
        mm = static.column("mmsi").to_pylist()
        imo = static.column("imo").to_pylist() if self.by_imo else [None] * len(mm)
        nm = static.column("name").to_pylist() if self.by_name else [None] * len(mm)
        for m, i, n in zip(mm, imo, nm, strict=True):
            hits: list[tuple[str, str]] = []
            if i is not None and i in self.by_imo:
                hits += [(lab, "imo") for lab in self.by_imo[i]]
            if n and _norm_name(n) in self.by_name:
                hits += [(lab, "name") for lab in self.by_name[_norm_name(n)]]
            for lab, how in hits:
                known = self.learned.setdefault(int(m), {})
                if lab not in known:
                    known[lab] = how
                    new.append((int(m), lab, how))
        return new

    def labels(self, mmsi: int | None) -> list[str]:
        if mmsi is None:
            return []
        out = set(self.by_mmsi.get(mmsi, ())) | set(self.learned.get(mmsi, {}))
        return sorted(out)

    def watched(self) -> set[int]:
        return set(self.by_mmsi) | set(self.learned)
