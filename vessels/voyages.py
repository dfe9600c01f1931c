"""Port visits and the voyages between them.

Port visits follow GFW pipe-anchorages (docs/references.md, "Port visits"): entry within 3 km of
a port or anchorage, exit beyond 4 km, and a visit counts only with a stop inside (speed below
0.2 kn) or an AIS silence of at least 4 h inside (a "port gap"). GFW grades visits by what was
seen: confidence 4 = entry, stop or gap, and exit; 3 = stop or gap with one of entry or exit;
2 = stop or gap alone (the data began or ended in port). Ports are the same list the detectors
use (searoute's UN/LOCODE ports, anchorages derived from the data, the user's ``--anchorages``).

A voyage is the time at sea of one physical vessel (a track segment) between two visits: from
the end of one to the start of the next. The first and last voyages of a vessel are open: their
origin or destination lies outside the data, and they say so (``from_port``/``to_port`` empty,
``complete`` false) rather than guess.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kernels.portvisits import port_visit_runs
from vessels.config import check_numbers
from vessels.errors import ConfigError
from vessels.geo import PortIndex
from vessels.tracks import Tracks

__all__ = [
    "PORT_VISITS_SCHEMA",
    "VOYAGES_SCHEMA",
    "PortVisitParams",
    "VoyageIndex",
    "port_calls",
]

I64 = npt.NDArray[np.int64]
HOUR_MS = 3_600_000
TIME = pa.timestamp("ms", tz="UTC")


@dataclass(frozen=True)
class PortVisitParams:
    """Defaults from GFW pipe-anchorages port visits (entry 3 km, exit 4 km, stop below 0.2 kn,
    port gap 4 h). ``min_duration_h``: GFW sets none (0); raise it to ignore short calls (GFW's
    own analyses often drop visits under 3 h). ``noise_m``: GPS jitter allowed when a stop is
    judged from positions because no speed was reported."""

    entry_km: float = 3.0
    exit_km: float = 4.0
    stop_kn: float = 0.2
    port_gap_h: float = 4.0
    min_duration_h: float = 0.0
    noise_m: float = 50.0

    def __post_init__(self) -> None:
        names = ("entry_km", "exit_km", "stop_kn", "port_gap_h", "min_duration_h", "noise_m")
        check_numbers(self, "port_visits", names)
        if self.exit_km < self.entry_km:
            raise ConfigError("port_visits.exit_km must be at least entry_km")


PORT_VISITS_SCHEMA = pa.schema(
    [
        ("visit_id", pa.string()),
        ("mmsi", pa.uint32()),
        ("port", pa.string()),
        ("port_code", pa.string()),
        ("port_lat", pa.float64()),
        ("port_lon", pa.float64()),
        ("start", TIME),
        ("end", TIME),
        ("duration_h", pa.float64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("confidence", pa.int8()),
        ("stopped", pa.bool_()),
        ("port_gap", pa.bool_()),
        ("entry_seen", pa.bool_()),
        ("exit_seen", pa.bool_()),
    ]
)

VOYAGES_SCHEMA = pa.schema(
    [
        ("voyage_id", pa.string()),
        ("mmsi", pa.uint32()),
        ("from_port", pa.string()),
        ("to_port", pa.string()),
        ("from_visit_id", pa.string()),
        ("to_visit_id", pa.string()),
        ("start", TIME),
        ("end", TIME),
        ("duration_h", pa.float64()),
        ("complete", pa.bool_()),
        ("positions", pa.int64()),
    ]
)


def _stable_id(kind: str, mmsi: int, start_ms: int) -> str:
    return hashlib.sha1(f"{kind}|{mmsi}|{start_ms}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class _Visits:
    """Kept visits, in segment then time order (rows into the tracks)."""

    seg: I64
    first: I64
    last: I64
    port: I64
    stopped: I64
    gapped: I64
    entered: I64
    exited: I64
    ids: list[str]


def _find_visits(tracks: Tracks, ports: PortIndex, p: PortVisitParams) -> _Visits:
    dist, idx = ports.nearest(tracks.lat, tracks.lon)
    runs = port_visit_runs(
        tracks.t,
        tracks.lat,
        tracks.lon,
        tracks.sog.astype(np.float64),
        dist,
        idx,
        tracks.seg_start,
        float(p.entry_km),
        float(p.exit_km),
        float(p.stop_kn),
        float(p.noise_m),
        int(p.port_gap_h * HOUR_MS),
    )
    keep = (runs[:, 4] == 1) | (runs[:, 5] == 1)
    dur = tracks.t[runs[:, 2]] - tracks.t[runs[:, 1]]
    keep &= dur >= p.min_duration_h * HOUR_MS
    runs = runs[keep]
    mmsi = tracks.seg_mmsi[runs[:, 0]]
    ids = [
        _stable_id("port_visit", int(m), int(tracks.t[f]))
        for m, f in zip(mmsi, runs[:, 1], strict=True)
    ]
    c = [runs[:, j].copy() for j in range(8)]
    return _Visits(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], ids=ids)


def port_calls(
    tracks: Tracks, ports: PortIndex, params: PortVisitParams = PortVisitParams()
) -> tuple[pa.Table, pa.Table]:
    """Every port visit and every voyage in ``tracks``: (PORT_VISITS_SCHEMA, VOYAGES_SCHEMA)."""
    v = _find_visits(tracks, ports, params)
    return _visits_table(tracks, ports, v), _voyages_table(tracks, ports, v)


def _visits_table(tracks: Tracks, ports: PortIndex, v: _Visits) -> pa.Table:
    n = len(v.ids)
    lat = np.empty(n)
    lon = np.empty(n)
    for k in range(n):
        lat[k] = tracks.lat[v.first[k] : v.last[k] + 1].mean()
        lon[k] = tracks.lon[v.first[k] : v.last[k] + 1].mean()
    start = tracks.t[v.first]
    end = tracks.t[v.last]
    return pa.table(
        {
            "visit_id": pa.array(v.ids, pa.string()),
            "mmsi": pa.array(tracks.seg_mmsi[v.seg], pa.uint32()),
            "port": pa.array([ports.name[i] for i in v.port], pa.string()),
            "port_code": pa.array([ports.code[i] for i in v.port], pa.string()),
            "port_lat": pa.array(ports.lat[v.port], pa.float64()),
            "port_lon": pa.array(ports.lon[v.port], pa.float64()),
            "start": pa.array(start, pa.int64()).cast(TIME),
            "end": pa.array(end, pa.int64()).cast(TIME),
            "duration_h": pa.array((end - start) / HOUR_MS, pa.float64()),
            "lat": pa.array(lat, pa.float64()),
            "lon": pa.array(lon, pa.float64()),
            "confidence": pa.array(2 + v.entered + v.exited, pa.int8()),
            "stopped": pa.array(v.stopped == 1),
            "port_gap": pa.array(v.gapped == 1),
            "entry_seen": pa.array(v.entered == 1),
            "exit_seen": pa.array(v.exited == 1),
        },
        schema=PORT_VISITS_SCHEMA,
    )


def _voyages_table(tracks: Tracks, ports: PortIndex, v: _Visits) -> pa.Table:
    """Legs of every segment: data start -> first visit, visit -> next visit, last visit -> data
    end (a segment without a visit is one open leg)."""
    rows: dict[str, list[object]] = {f.name: [] for f in VOYAGES_SCHEMA}
    k = 0
    for s in range(tracks.n_seg):
        a, b = int(tracks.seg_start[s]), int(tracks.seg_start[s + 1])
        if b <= a:
            continue
        mmsi = int(tracks.seg_mmsi[s])
        prev_row, prev = a, -1  # the leg starts at the segment's first row, origin unknown
        legs: list[tuple[int, int, int, int]] = []
        while k < len(v.ids) and v.seg[k] == s:
            legs.append((prev_row, int(v.first[k]), prev, k))
            prev_row, prev = int(v.last[k]), k
            k += 1
        legs.append((prev_row, b - 1, prev, -1))
        for lo, hi, frm, to in legs:
            start, end = int(tracks.t[lo]), int(tracks.t[hi])
            if end <= start:
                continue
            rows["voyage_id"].append(_stable_id("voyage", mmsi, start))
            rows["mmsi"].append(mmsi)
            rows["from_port"].append(None if frm < 0 else ports.name[v.port[frm]])
            rows["to_port"].append(None if to < 0 else ports.name[v.port[to]])
            rows["from_visit_id"].append(None if frm < 0 else v.ids[frm])
            rows["to_visit_id"].append(None if to < 0 else v.ids[to])
            rows["start"].append(start)
            rows["end"].append(end)
            rows["duration_h"].append((end - start) / HOUR_MS)
            rows["complete"].append(frm >= 0 and to >= 0)
            rows["positions"].append(hi - lo + 1)
    arrays = [
        pa.array(rows[f.name], pa.int64()).cast(TIME)
        if f.type == TIME
        else pa.array(rows[f.name], f.type)
        for f in VOYAGES_SCHEMA
    ]
    return pa.Table.from_arrays(arrays, schema=VOYAGES_SCHEMA)


@dataclass(frozen=True)
class VoyageIndex:
    """Which voyage a vessel was on at a time, and how long since its last port call."""

    mmsi: I64
    start: I64
    end: I64
    voyage_id: tuple[str, ...]
    from_port: tuple[str | None, ...]

    @classmethod
    def from_table(cls, table: pa.Table) -> VoyageIndex:
        order = np.lexsort(
            (table.column("start").cast(pa.int64()).to_numpy(), table.column("mmsi").to_numpy())
        )
        t = table.take(pa.array(order))
        return cls(
            mmsi=t.column("mmsi").to_numpy().astype(np.int64),
            start=t.column("start").cast(pa.int64()).to_numpy(),
            end=t.column("end").cast(pa.int64()).to_numpy(),
            voyage_id=tuple(t.column("voyage_id").to_pylist()),
            from_port=tuple(t.column("from_port").to_pylist()),
        )

    def at(self, mmsi: int, t_ms: int) -> tuple[str, str | None, float] | None:
        """(voyage_id, the port it left or None when unknown, days at sea since the voyage
        began) for the voyage of ``mmsi`` holding ``t_ms``; None when the vessel was in port.
        A voyage whose origin is unknown began with the data: its days are a lower bound."""
        lo = int(np.searchsorted(self.mmsi, mmsi, side="left"))
        hi = int(np.searchsorted(self.mmsi, mmsi, side="right"))
        for k in range(lo, hi):
            if self.start[k] <= t_ms <= self.end[k]:
                return self.voyage_id[k], self.from_port[k], (t_ms - self.start[k]) / (24 * HOUR_MS)
        return None
