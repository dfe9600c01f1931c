"""Scale mode: tens of millions of positions straight into Parquet, vectorised, with truth.

No per-message Python objects: each chunk of vessels is generated with whole-array NumPy
(exponential report intervals, random-walk headings, cumulative sums per vessel) and written as
one Parquet row group. Ships sail the open South Pacific (no land within a track; a track that
would touch land is moved). Injected events keep their truth so detection can be scored at scale:
gaps (>= 12 h with AIS off, far offshore), carrier-fishing encounters (< 500 m, slow, 2.5-5 h)
with the carrier loitering around them, carriers loitering alone, and shared-MMSI identity
conflicts between ships thousands of km apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from vessels.atomic import atomic_path, atomic_write
from vessels.errors import ConfigError
from vessels.geo import distance_to_shore_km, port_index
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA
from vessels.sim.truth import TRUTH_VERSION, iso

__all__ = ["ScaleConfig", "ScaleResult", "simulate_scale"]

M_PER_DEG = 111_195.0
KN = 1852.0 / 3600.0
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ScaleConfig:
    seed: int = 0
    positions: int = 10_000_000
    vessels: int = 20_000
    days: float = 3.0
    start: str = "2024-03-01T00:00:00Z"
    box: tuple[float, float, float, float] = (-48.0, -30.0, -132.0, -108.0)  # open South Pacific
    chunk_vessels: int = 1000  # vessels per Parquet row group
    gap_share: float = 0.02  # of vessels, each with one >= 12 h AIS-off period
    encounter_share: float = 0.01  # of vessels are carriers meeting a fishing vessel
    loiter_share: float = 0.005  # carriers loitering alone
    identity_share: float = 0.002  # MMSIs broadcast by two ships

    def __post_init__(self) -> None:
        if self.vessels < 10 or self.positions < self.vessels * 20:
            raise ConfigError("--scale needs at least 10 vessels and 20 positions per vessel")


@dataclass
class ScaleResult:
    positions: int
    vessels: int
    events: int
    paths: list[Path]


#: Definitions the truth applies to what was reported (see :mod:`vessels.sim.labels`).
ENCOUNTER_MIN_MS = 2 * 3_600_000  # GFW: >= 2 h
LOITER_MIN_MS = 4 * 3_600_000  # GFW carrier loitering: >= 4 h
MIN_REPORTS = 3  # each ship heard this often during the event
GAP_MIN_SHORE_KM = 50 * 1.852
LOITER_MIN_SHORE_KM = 20 * 1.852
ENCOUNTER_MIN_PORT_KM = 10.0  # GFW: >= 10 km from ports and anchorages


def _loitering(mmsi: int, tc: I64, slow: npt.NDArray[np.bool_], row0: int) -> list[dict[str, Any]]:
    """The carrier's slow reports as a loitering truth event, when they span >= 4 h."""
    lc = np.nonzero(slow)[0]
    if lc.size < MIN_REPORTS or tc[lc[-1]] - tc[lc[0]] < LOITER_MIN_MS:
        return []
    return [
        {
            "type": "loitering",
            "mmsi": mmsi,
            "other_mmsi": None,
            "start_ms": int(tc[lc[0]]),
            "end_ms": int(tc[lc[-1]]),
            "params": {},
            "_rows": [row0 + int(k) for k in lc],
        }
    ]


def _offshore(e: dict[str, Any], shore: F64, lat: F64, lon: F64) -> bool:
    """Whether a truth event meets its definition's distance from shore or port (and drops
    the row references it carried for this test)."""
    if e["type"] == "gap":
        return bool(shore[e.pop("_row")] > GAP_MIN_SHORE_KM)
    rows = e.pop("_rows", None)
    if rows is not None:
        return bool(np.min(shore[rows]) >= LOITER_MIN_SHORE_KM)
    rows = e.pop("_port_rows", None)
    if rows is not None:
        return bool(np.min(port_index().nearest(lat[rows], lon[rows])[0]) >= ENCOUNTER_MIN_PORT_KM)
    return True


def _seg_cumsum(x: F64, starts: I64) -> F64:
    """Cumulative sum restarting at each segment start (segments are contiguous)."""
    c = np.cumsum(x)
    base = np.repeat(c[starts] - x[starts], np.diff(np.r_[starts, x.shape[0]]))
    return c - base


def _chunk(
    cfg: ScaleConfig, ci: int, v0: int, nv: int, per: I64, t0: int, rng: np.random.Generator
) -> tuple[pa.Table, list[dict[str, Any]], dict[str, Any]]:
    counts = per[v0 : v0 + nv]
    n = int(counts.sum())
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    vidx = np.repeat(np.arange(nv), counts)
    span_ms = cfg.days * 86_400_000
    kind = rng.choice(3, nv, p=[0.5, 0.4, 0.1])  # 0 fishing, 1 cargo, 2 carrier
    speed_v = np.where(kind == 0, rng.uniform(2, 5, nv), rng.uniform(10, 15, nv))
    mmsi = (
        np.array([412, 636, 352, 701, 224, 440])[rng.integers(0, 6, nv)] * 1_000_000
        + 100_000 * (ci % 10)
        + np.arange(v0, v0 + nv) % 100_000
    ).astype(np.int64)
    # report times: exponential intervals filling the scenario
    mean_dt = span_ms / counts
    dts = rng.exponential(1.0, n) * mean_dt[vidx]
    dts[starts] = rng.uniform(0, 0.05 * span_ms, nv)
    # whole seconds, as AIS receivers stamp them (and as truth.json writes times)
    t = ((t0 + _seg_cumsum(dts, starts)) // 1000 * 1000).astype(np.int64)
    head = rng.uniform(0, 360, nv)[vidx] + _seg_cumsum(
        rng.normal(0, np.where(kind == 0, 12, 1.5)[vidx]), starts
    )
    sog = np.clip(speed_v[vidx] + rng.normal(0, 0.3, n), 0.0, 20.0)
    step = np.r_[0.0, np.diff(t) / 1000.0]
    step[starts] = 0.0
    dn = _seg_cumsum(sog * KN * step * np.cos(np.radians(head)), starts)
    de = _seg_cumsum(sog * KN * step * np.sin(np.radians(head)), starts)
    events: list[dict[str, Any]] = []
    keep = np.ones(n, dtype=bool)

    # encounters: carrier slows for a window; a fishing vessel lies alongside within it
    carriers = np.nonzero(kind == 2)[0]
    fishers = np.nonzero(kind == 0)[0]
    n_enc = min(len(carriers), len(fishers), max(1, int(cfg.encounter_share * nv)))
    lat0 = rng.uniform(cfg.box[0] + 3, cfg.box[1] - 3, nv)
    lon0 = rng.uniform(cfg.box[2] + 3, cfg.box[3] - 3, nv)
    lat = lat0[vidx] + dn / M_PER_DEG
    lon = lon0[vidx] + de / (M_PER_DEG * np.cos(np.radians(lat0[vidx])))
    for c, f in zip(carriers[:n_enc], fishers[:n_enc], strict=False):
        cs = slice(starts[c], starts[c] + counts[c])
        fs = slice(starts[f], starts[f] + counts[f])
        tc, tf = t[cs], t[fs]
        w0 = int(rng.uniform(tc[0] + 0.2 * span_ms, tc[0] + 0.6 * span_ms))
        w1 = w0 + int(rng.uniform(2.5, 5) * 3_600_000)
        l0, l1 = w0 - 3_600_000, w1 + 3_600_000
        # the carrier drifts at < 1 kn from l0 to l1: rebuild its positions after l0
        slow = (tc >= l0) & (tc <= l1)
        sc = sog[cs].copy()
        sc[slow] = rng.uniform(0.2, 0.9, slow.sum())
        sog[cs] = sc
        st = np.r_[0.0, np.diff(tc) / 1000.0]
        hd = head[cs]
        lat[cs] = lat0[c] + np.cumsum(sc * KN * st * np.cos(np.radians(hd))) / M_PER_DEG
        lon[cs] = lon0[c] + np.cumsum(sc * KN * st * np.sin(np.radians(hd))) / (
            M_PER_DEG * np.cos(np.radians(lat0[c]))
        )
        clat = np.interp(tf, tc, lat[cs])
        clon = np.interp(tf, tc, lon[cs])
        off_n, off_e = rng.uniform(-200, 200, 2)
        inw = (tf >= w0) & (tf <= w1)
        if inw.sum() < 3:
            continue
        flat, flon = lat[fs].copy(), lon[fs].copy()
        tgt_lat = clat + off_n / M_PER_DEG
        tgt_lon = clon + off_e / (M_PER_DEG * np.cos(np.radians(clat)))
        i0, i1 = np.nonzero(inw)[0][[0, -1]]
        pre, post = np.arange(len(tf)) < i0, np.arange(len(tf)) > i1
        # translate the fishing vessel's own track so it arrives and leaves without jumping
        flat[pre] += tgt_lat[i0] - flat[i0]
        flon[pre] += tgt_lon[i0] - flon[i0]
        flat[post] += tgt_lat[i1] - flat[i1]
        flon[post] += tgt_lon[i1] - flon[i1]
        flat[inw], flon[inw] = tgt_lat[inw], tgt_lon[inw]
        lat[fs], lon[fs] = flat, flon
        sf = sog[fs].copy()
        sf[inw] = sc[np.clip(np.searchsorted(tc, tf[inw]), 0, len(tc) - 1)]
        sog[fs] = sf
        # The fishing vessel is alongside from its first report in the window to its last:
        # the meeting is an encounter only when that lasts the definition's 2 h and the carrier
        # was heard >= 3 times meanwhile (truth by definition, not by intent).
        c_in = int(np.count_nonzero((tc >= tf[i0]) & (tc <= tf[i1])))
        if tf[i1] - tf[i0] >= ENCOUNTER_MIN_MS and c_in >= MIN_REPORTS:
            events.append(
                {
                    "type": "encounter",
                    "mmsi": int(mmsi[c]),
                    "other_mmsi": int(mmsi[f]),
                    "start_ms": int(tf[i0]),
                    "end_ms": int(tf[i1]),
                    "params": {},
                    "_port_rows": [int(starts[c]) + int(k) for k in np.nonzero(slow)[0]],
                }
            )
        events += _loitering(int(mmsi[c]), tc, slow, int(starts[c]))
    # carriers loitering alone
    for c in carriers[n_enc : n_enc + max(1, int(cfg.loiter_share * nv))]:
        cs = slice(starts[c], starts[c] + counts[c])
        tc = t[cs]
        l0 = int(rng.uniform(tc[0] + 0.2 * span_ms, tc[0] + 0.6 * span_ms))
        l1 = l0 + int(rng.uniform(5, 10) * 3_600_000)
        slow = (tc >= l0) & (tc <= l1)
        if slow.sum() < 3:
            continue
        sc = sog[cs].copy()
        sc[slow] = rng.uniform(0.2, 0.9, slow.sum())
        sog[cs] = sc
        st = np.r_[0.0, np.diff(tc) / 1000.0]
        hd = head[cs]
        lat[cs] = lat0[c] + np.cumsum(sc * KN * st * np.cos(np.radians(hd))) / M_PER_DEG
        lon[cs] = lon0[c] + np.cumsum(sc * KN * st * np.sin(np.radians(hd))) / (
            M_PER_DEG * np.cos(np.radians(lat0[c]))
        )
        events += _loitering(int(mmsi[c]), tc, slow, int(starts[c]))
    # gaps: AIS off for 14-30 h in the open ocean (always > 50 nm from shore here)
    busy = {e["mmsi"] for e in events} | {e["other_mmsi"] for e in events}
    cand = [v for v in np.nonzero(kind != 2)[0] if int(mmsi[v]) not in busy]
    for v in cand[: max(1, int(cfg.gap_share * nv))]:
        vs = slice(starts[v], starts[v] + counts[v])
        tv = t[vs]
        g0 = int(rng.uniform(tv[0] + 0.15 * span_ms, tv[0] + 0.45 * span_ms))
        g1 = g0 + int(rng.uniform(14, 30) * 3_600_000)
        off = (tv > g0) & (tv < g1)
        before, after = np.nonzero(tv <= g0)[0], np.nonzero(tv >= g1)[0]
        if not before.size or not after.size:
            continue
        k = keep[vs]
        k[off] = False
        keep[vs] = k
        events.append(
            {
                "type": "gap",
                "mmsi": int(mmsi[v]),
                "other_mmsi": None,
                "start_ms": int(tv[before[-1]]),
                "end_ms": int(tv[after[0]]),
                "params": {},
                "_row": int(starts[v] + before[-1]),
            }
        )
    # identity: a second ship far away broadcasts the MMSI of the first
    busy = {e["mmsi"] for e in events} | {e["other_mmsi"] for e in events}
    free = [v for v in np.nonzero(kind == 1)[0] if int(mmsi[v]) not in busy]
    n_id = max(1, int(cfg.identity_share * nv))
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for a in free:
        if len(pairs) >= n_id:
            break
        if a in used:
            continue
        # the clone sails at least ~800 km away (8 degrees of latitude plus longitude)
        far = [
            b
            for b in free
            if b not in used and b != a and abs(lat0[a] - lat0[b]) + abs(lon0[a] - lon0[b]) >= 8
        ]
        if far:
            pairs.append((int(a), int(far[0])))
            used |= {int(a), int(far[0])}
    for ia, ib in pairs:
        ta = t[starts[ia] : starts[ia] + counts[ia]]
        tb = t[starts[ib] : starts[ib] + counts[ib]]
        mmsi[ib] = mmsi[ia]
        events.append(
            {
                "type": "identity",
                "mmsi": int(mmsi[ia]),
                "other_mmsi": None,
                "start_ms": int(max(ta[0], tb[0])),
                "end_ms": int(min(ta[-1], tb[-1])),
                "params": {},
            }
        )
    # a ship whose track touches land (an island: the box is open ocean) is left out, with
    # its partner and its events, rather than bent round it
    shore = distance_to_shore_km(lat, lon)
    bad = {int(mmsi[v]) for v in np.unique(vidx[shore < 5.0])}
    bad |= {e["other_mmsi"] for e in events if e["mmsi"] in bad and e["other_mmsi"]}
    bad |= {e["mmsi"] for e in events if e["other_mmsi"] in bad}
    if bad:
        keep &= ~np.isin(mmsi[vidx], list(bad))
        events = [e for e in events if e["mmsi"] not in bad and e["other_mmsi"] not in bad]
    # The box is open ocean but not empty (islands), so the shore rules of the definitions
    # are applied with the same distance-to-shore grid and port list the detectors use: a gap
    # is a disabling event only when it starts > 50 nm from shore (Welch et al. 2022),
    # loitering only >= 20 nm offshore (GFW carrier loitering), an encounter >= 10 km from
    # any port (GFW pipe-encounters)
    events = [e for e in events if _offshore(e, shore, lat, lon)]
    lon = (lon + 180.0) % 360.0 - 180.0
    cog = np.mod(head, 360.0)
    sel = np.nonzero(keep)[0]
    recv = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(sel.size, np.int32)), pa.array(["SAT-AIS-1"])
    )
    table = pa.Table.from_arrays(
        [
            pa.array(mmsi[vidx][sel].astype(np.uint32)),
            pa.array(t[sel], pa.int64()).cast(POSITIONS_SCHEMA.field("t").type),
            pa.array(np.round(lat[sel], 6)),
            pa.array(np.round(lon[sel], 6)),
            pa.array(np.round(sog[sel], 1).astype(np.float32)),
            pa.array(np.round(cog[sel], 1).astype(np.float32)),
            pa.array(np.round(cog[sel]).astype(np.int16) % 360),
            pa.array(np.where(kind[vidx][sel] == 0, 7, 0).astype(np.int8)),
            pa.array(np.ones(sel.size, np.uint8)),
            recv,
            pa.array(np.ones(sel.size, bool)),
            pa.array(((t[sel] // 1000) % 60).astype(np.int8)),
        ],
        schema=POSITIONS_SCHEMA,
    )
    meta = {"mmsi": mmsi, "kind": kind, "t_first": t[starts]}
    return table, events, meta


def simulate_scale(cfg: ScaleConfig, out: str | Path) -> ScaleResult:
    """Write positions.parquet, static.parquet, carriers.csv and truth.json into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = int(dt.datetime.fromisoformat(cfg.start.replace("Z", "+00:00")).timestamp() * 1000)
    # a little more than asked for: the injected gaps cut some reports out again
    wanted = int(cfg.positions * (1 + cfg.gap_share))
    base, extra = divmod(wanted, cfg.vessels)
    per = np.full(cfg.vessels, base, dtype=np.int64)
    per[:extra] += 1
    n_chunks = -(-cfg.vessels // cfg.chunk_vessels)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(n_chunks)]
    events: list[dict[str, Any]] = []
    static_rows: dict[str, list[Any]] = {f.name: [] for f in STATIC_SCHEMA}
    carriers: list[int] = []
    total = 0
    with atomic_path(out / "positions.parquet") as tmp:
        writer = pq.ParquetWriter(tmp, POSITIONS_SCHEMA, compression="zstd")
        try:
            for ci in range(n_chunks):
                v0 = ci * cfg.chunk_vessels
                nv = min(cfg.chunk_vessels, cfg.vessels - v0)
                table, evs, meta = _chunk(cfg, ci, v0, nv, per, t0, rngs[ci])
                writer.write_table(table, row_group_size=table.num_rows)
                total += table.num_rows
                events += evs
                seen: set[int] = set()
                for m, k, tf in zip(
                    meta["mmsi"].tolist(),
                    meta["kind"].tolist(),
                    meta["t_first"].tolist(),
                    strict=False,
                ):
                    if m in seen:
                        continue
                    seen.add(m)
                    if k == 2:
                        carriers.append(m)
                    row = {
                        "mmsi": m,
                        "t": tf,
                        "msg_type": 5,
                        "imo": None,
                        "callsign": None,
                        "name": f"SIM {m}",
                        "ship_type": (30, 70, 70)[k],
                        "to_bow": 60,
                        "to_stern": 40,
                        "to_port": 8,
                        "to_starboard": 8,
                        "destination": None,
                        "receiver": "SAT-AIS-1",
                    }
                    for key, val in row.items():
                        static_rows[key].append(val)
        finally:
            writer.close()
    arrays = []
    for f in STATIC_SCHEMA:
        if f.name == "t":
            arrays.append(pa.array(static_rows["t"], pa.int64()).cast(f.type))
        elif f.name == "receiver":
            arrays.append(pa.array(static_rows["receiver"]).dictionary_encode().cast(f.type))
        else:
            arrays.append(pa.array(static_rows[f.name], f.type))
    with atomic_path(out / "static.parquet") as tmp:
        pq.write_table(pa.Table.from_arrays(arrays, schema=STATIC_SCHEMA), tmp, compression="zstd")
    with atomic_write(out / "carriers.csv") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["mmsi", "source"])
        for m in sorted(carriers):
            w.writerow([m, "simulated registry"])
    events.sort(key=lambda e: (e["start_ms"], e["type"], e["mmsi"] or 0))
    doc = {
        "version": TRUTH_VERSION,
        "seed": cfg.seed,
        "params": {
            "scale": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
        },
        "events": [
            {
                "type": e["type"],
                "mmsi": e["mmsi"],
                "other_mmsi": e["other_mmsi"],
                "start": iso(e["start_ms"]),
                "end": iso(e["end_ms"]),
                "params": e["params"],
            }
            for e in events
        ],
        "sar": {"detections": [], "missed": []},
    }
    with atomic_write(out / "truth.json") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write("\n")
    paths = [out / n for n in ("positions.parquet", "static.parquet", "carriers.csv", "truth.json")]
    return ScaleResult(total, cfg.vessels, len(events), paths)
