"""``simulate(SimConfig) -> Scenario``: the whole scenario in memory (no files)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA
from vessels.sim.fleet import Vessel
from vessels.sim.geography import Geography, geography
from vessels.sim.labels import LabelParams, label
from vessels.sim.params import SimConfig
from vessels.sim.plans import Injected, Plans
from vessels.sim.receivers import Messages, Pass, receive, satellite_passes
from vessels.sim.sar import SarResult, simulate_sar

__all__ = ["Scenario", "iso_ms", "simulate"]


def iso_ms(t_ms: int) -> str:
    """ISO 8601 UTC with a Z, to the second (the simulator's grid is whole seconds)."""
    return dt.datetime.fromtimestamp(t_ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_start(s: str) -> int:
    t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return int(t.timestamp() * 1000)


@dataclass
class Scenario:
    """A simulated scenario: what receivers got, and what really happened."""

    config: SimConfig
    geo: Geography
    t0_ms: int
    vessels: list[Vessel]  # physical ships with their true tracks
    injected: list[Injected]
    passes: list[Pass]
    messages: Messages  # every reception, in delivery order
    corrupt: npt.NDArray[np.int8]  # per message: 0 fine, 1 bad checksum, 2 truncated
    positions: pa.Table  # POSITIONS_SCHEMA: what a correct decoder reads from the traffic
    static: pa.Table  # STATIC_SCHEMA
    sar: SarResult
    truth: dict[str, Any]  # the truth.json document

    @property
    def times_ms(self) -> npt.NDArray[np.int64]:
        n = self.vessels[0].track.n
        return self.t0_ms + np.arange(n, dtype=np.int64) * self.config.step_s * 1000

    def vessel(self, vid: int) -> Vessel:
        return self.vessels[vid]

    def events(self, type_: str) -> list[dict[str, Any]]:
        return [e for e in self.truth["events"] if e["type"] == type_]


def quantise(msg: Messages) -> dict[str, npt.NDArray[Any]]:
    """Field values as an AIS position report carries them (1/10000 min, 0.1 kn, 0.1 deg)."""
    return {
        "lat": np.round(msg.lat * 600_000) / 600_000,
        "lon": np.round(msg.lon * 600_000) / 600_000,
        "sog": np.minimum(np.round(msg.sog * 10), 1022) / 10,
        "cog": (np.round(msg.cog * 10) % 3600) / 10,
        "heading": msg.heading.astype(np.int64),
    }


def _positions(sc_msgs: Messages, ok: npt.NDArray[np.bool_], cls_b: dict[int, bool]) -> pa.Table:
    m = sc_msgs.take(np.nonzero(ok & (sc_msgs.kind == 0))[0])
    q = quantise(m)
    msg_type = np.array([18 if cls_b[int(x)] else 1 for x in m.vid], dtype=np.uint8)
    rcv = pa.DictionaryArray.from_arrays(
        pa.array(m.receiver, pa.int32()), pa.array(list(m.receivers), pa.string())
    )
    is_sat = np.array([name in m.sat_receivers for name in m.receivers])[m.receiver]
    nav = np.where(msg_type == 18, 15, m.nav).astype(np.int8)
    cols = {
        "mmsi": pa.array(m.mmsi.astype(np.uint32)),
        "t": pa.array(m.rx_ms, pa.int64()).cast(POSITIONS_SCHEMA.field("t").type),
        "lat": pa.array(q["lat"]),
        "lon": pa.array(q["lon"]),
        "sog": pa.array(q["sog"].astype(np.float32)),
        "cog": pa.array(q["cog"].astype(np.float32)),
        "heading": pa.array(q["heading"].astype(np.int16)),
        "nav_status": pa.array(nav),
        "msg_type": pa.array(msg_type),
        "receiver": rcv,
        "is_sat": pa.array(is_sat),
        "ais_second": pa.array(((m.emit_ms // 1000) % 60).astype(np.int8)),
    }
    return pa.Table.from_arrays([cols[f.name] for f in POSITIONS_SCHEMA], schema=POSITIONS_SCHEMA)


def static_rows(vessels: list[Vessel], geo: Geography) -> dict[int, dict[str, Any]]:
    """What each ship says about itself in type 5 / type 24 (by vid)."""
    out: dict[int, dict[str, Any]] = {}
    for v in vessels:
        bow = int(round(v.length_m * 0.6))
        port_w = int(round(v.beam_m / 2))
        dest = "FISHING GROUND" if v.kind == "fishing" else geo.ports[v.vid % len(geo.ports)].name
        out[v.vid] = {
            "imo": v.imo or None,
            "callsign": v.callsign or None,
            "name": v.name,
            "ship_type": v.ship_type or None,
            "to_bow": bow,
            "to_stern": int(v.length_m) - bow,
            "to_port": port_w,
            "to_starboard": int(v.beam_m) - port_w,
            "destination": dest.upper()[:20] if v.ais_class == "A" else None,
        }
    return out


def _static(msgs: Messages, ok: npt.NDArray[np.bool_], info: dict[int, dict[str, Any]]) -> pa.Table:
    m = msgs.take(np.nonzero(ok & (msgs.kind != 0))[0])
    rows: dict[str, list[Any]] = {f.name: [] for f in STATIC_SCHEMA}
    for i in range(len(m)):
        d = info[int(m.vid[i])]
        parts = ("A", "B") if m.kind[i] == 24 else ("",)
        for part in parts:
            rows["mmsi"].append(int(m.mmsi[i]))
            rows["t"].append(int(m.rx_ms[i]))
            rows["msg_type"].append(int(m.kind[i]))
            a_only = part == "A"
            rows["imo"].append(None if part else d["imo"])
            rows["callsign"].append(None if a_only else d["callsign"])
            rows["name"].append(d["name"] if part != "B" else None)
            for f in ("ship_type", "to_bow", "to_stern", "to_port", "to_starboard"):
                rows[f].append(None if a_only else d[f])
            rows["destination"].append(None if part else d["destination"])
            rows["receiver"].append(m.receivers[int(m.receiver[i])])
    arrays = []
    for f in STATIC_SCHEMA:
        if f.name == "t":
            arrays.append(pa.array(rows["t"], pa.int64()).cast(f.type))
        elif f.name == "receiver":
            arrays.append(pa.array(rows["receiver"], pa.string()).dictionary_encode().cast(f.type))
        else:
            arrays.append(pa.array(rows[f.name], f.type))
    return pa.Table.from_arrays(arrays, schema=STATIC_SCHEMA)


def simulate(cfg: SimConfig) -> Scenario:
    """Run a scenario. The same config gives the same scenario, bit for bit."""
    geo = geography(cfg.region)
    t0 = _parse_start(cfg.start)
    ss = np.random.SeedSequence(cfg.seed)
    r_plan, r_recv, r_sar, r_bad = (np.random.default_rng(s) for s in ss.spawn(4))
    b = Plans(cfg, geo, r_plan)
    vessels = b.build()
    n = b.n
    passes = satellite_passes(cfg, t0, n, r_recv)
    msgs = receive(cfg, geo, vessels, t0, passes, r_recv)
    # damage a few lines as real feeds have them: bad checksums and truncated lines
    bad = r_bad.random(len(msgs)) < cfg.corrupt_share
    corrupt = np.where(bad, r_bad.integers(1, 3, len(msgs)), 0).astype(np.int8)
    ok = corrupt == 0
    cls_b = {v.vid: v.ais_class == "B" for v in vessels}
    positions = _positions(msgs, ok, cls_b)
    static = _static(msgs, ok, static_rows(vessels, geo))

    wanted = []
    for inj in b.injected:
        if inj.type == "dark_rendezvous":
            k = (inj.k0 + inj.k1) // 2
            c = vessels[inj.vids[0]].track
            wanted.append((k, float(c.lat[k]), float(c.lon[k])))
    sar = simulate_sar(vessels, geo, t0, cfg.step_s, n, wanted, cfg.sar_scenes_per_day, r_sar)
    from vessels.sim.truth import build_truth

    pos_ok = ok & (msgs.kind == 0)
    steps = (msgs.emit_ms[pos_ok] - t0) // (cfg.step_s * 1000)
    seen = {int(v): np.unique(steps[msgs.vid[pos_ok] == v]) for v in np.unique(msgs.vid[pos_ok])}
    labelled = label(vessels, b.injected, geo, t0, cfg.step_s, LabelParams(), seen)
    truth = build_truth(cfg, geo, t0, vessels, b.injected, passes, sar, labelled)
    return Scenario(
        cfg, geo, t0, vessels, b.injected, passes, msgs, corrupt, positions, static, sar, truth
    )
