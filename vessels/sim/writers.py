"""Write a scenario: traffic (tag-blocked NMEA, MarineCadastre CSV or canonical Parquet),
``truth.json``, SAR detections and scene footprints, and the carrier list. All atomic."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from vessels.atomic import atomic_path, atomic_write
from vessels.errors import ConfigError
from vessels.sim.core import Scenario, quantise, static_rows
from vessels.sim.nmea_encode import (
    encode_type1,
    encode_type5,
    encode_type18,
    encode_type24,
    sentences,
    tag_block,
)
from vessels.sim.truth import iso

__all__ = ["FORMATS", "nmea_lines", "write_scenario"]

FORMATS = ("nmea", "csv", "parquet")


def nmea_lines(sc: Scenario) -> list[str]:
    """Every received message as tag-blocked sentences, in delivery order, damage included."""
    m = sc.messages
    q = quantise(m)
    info = static_rows(sc.vessels, sc.geo)
    cls_b = np.array([v.ais_class == "B" for v in sc.vessels])[m.vid]
    second = (m.emit_ms // 1000) % 60
    n = len(m)
    payload: list[list[tuple[str, int]]] = [[] for _ in range(n)]
    pos = np.nonzero(m.kind == 0)[0]
    a = pos[~cls_b[pos]]
    b = pos[cls_b[pos]]
    for idx, pl in zip(
        a,
        encode_type1(
            m.mmsi[a],
            m.nav[a].astype(np.int64),
            q["sog"][a],
            q["lon"][a],
            q["lat"][a],
            q["cog"][a],
            q["heading"][a],
            second[a],
        ),
        strict=False,
    ):
        payload[idx] = [(pl, 0)]
    for idx, pl in zip(
        b,
        encode_type18(
            m.mmsi[b],
            q["sog"][b],
            q["lon"][b],
            q["lat"][b],
            q["cog"][b],
            q["heading"][b],
            second[b],
        ),
        strict=False,
    ):
        payload[idx] = [(pl, 0)]
    for kind in (5, 24):
        s = np.nonzero(m.kind == kind)[0]
        if not s.size:
            continue
        rows = [info[int(v)] for v in m.vid[s]]

        def col(name: str, rows: list[dict[str, Any]] = rows) -> Any:
            return np.array([r[name] or 0 for r in rows], dtype=np.int64)

        if kind == 5:
            pls, fill = encode_type5(
                m.mmsi[s],
                col("imo"),
                [r["callsign"] for r in rows],
                [r["name"] for r in rows],
                col("ship_type"),
                col("to_bow"),
                col("to_stern"),
                col("to_port"),
                col("to_starboard"),
                [r["destination"] for r in rows],
            )
            for idx, pl in zip(s, pls, strict=False):
                payload[idx] = [(pl, fill)]
        else:
            pa_, pb_ = encode_type24(
                m.mmsi[s],
                [r["name"] for r in rows],
                col("ship_type"),
                [r["callsign"] for r in rows],
                col("to_bow"),
                col("to_stern"),
                col("to_port"),
                col("to_starboard"),
            )
            for idx, x, y in zip(s, pa_, pb_, strict=False):
                payload[idx] = [(x, 0), (y, 0)]
    rng = np.random.default_rng(np.random.SeedSequence([sc.config.seed, 11]))
    seq = dict.fromkeys(range(len(m.receivers)), 0)
    lines: list[str] = []
    for i in range(n):
        rcv = int(m.receiver[i])
        name = m.receivers[rcv]
        tb = tag_block(name, int(m.rx_ms[i] // 1000))
        channel = "B" if cls_b[i] else "AB"[int(m.emit_ms[i] // 1000) % 2]
        out: list[str] = []
        for pl, fill in payload[i]:
            sid = None
            if len(pl) > 60:
                sid = seq[rcv]
                seq[rcv] = (seq[rcv] + 1) % 10
            out.extend(tb + s for s in sentences(pl, fill, channel, sid))
        damage = int(sc.corrupt[i])
        if damage:
            j = int(rng.integers(len(out)))
            line = out[j]
            if damage == 1:  # one payload character changed in transit: the checksum fails
                star = line.rindex("*")
                k = int(rng.integers(len(line) - 20, star - 3))
                c = line[k]
                line = line[:k] + ("0" if c != "0" else "1") + line[k + 1 :]
            else:  # the line was cut short (a dropped connection)
                line = line[: int(rng.integers(len(line) // 3, len(line) - 4))]
            out[j] = line
        lines.extend(out)
    return lines


MARINECADASTRE = (
    "MMSI",
    "BaseDateTime",
    "LAT",
    "LON",
    "SOG",
    "COG",
    "Heading",
    "VesselName",
    "IMO",
    "CallSign",
    "VesselType",
    "Status",
    "Length",
    "Width",
    "Draft",
    "Cargo",
    "TransceiverClass",
)


def _write_csv(sc: Scenario, path: Path) -> None:
    """MarineCadastre columns (US AIS archive): one row per received position."""
    pos = sc.positions
    info = {
        v.mmsi: (v, r)
        for v, r in zip(sc.vessels, static_rows(sc.vessels, sc.geo).values(), strict=False)
        if v.mmsi and v.clone_of is None
    }
    with atomic_write(path) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(MARINECADASTRE)
        cols = {
            c: pos.column(c).to_pylist()
            for c in ("mmsi", "lat", "lon", "sog", "cog", "heading", "nav_status", "msg_type")
        }
        t = pos.column("t").cast("int64").to_numpy()
        for i in range(pos.num_rows):
            v, r = info[cols["mmsi"][i]]
            w.writerow(
                [
                    cols["mmsi"][i],
                    iso(int(t[i]))[:-1],
                    f"{cols['lat'][i]:.5f}",
                    f"{cols['lon'][i]:.5f}",
                    f"{cols['sog'][i]:.1f}",
                    f"{cols['cog'][i]:.1f}",
                    511 if cols["heading"][i] < 0 else cols["heading"][i],
                    r["name"],
                    f"IMO{r['imo']}" if r["imo"] else "",
                    r["callsign"] or "",
                    r["ship_type"] or "",
                    cols["nav_status"][i],
                    int(v.length_m),
                    int(v.beam_m),
                    "",
                    "",
                    "B" if cols["msg_type"][i] == 18 else "A",
                ]
            )


def _write_sar(sc: Scenario, out: Path) -> None:
    with atomic_write(out / "sar_detections.csv") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ["detection_id", "scene_id", "t", "lat", "lon", "length_m", "heading_deg", "confidence"]
        )
        for d in sc.sar.detections:
            w.writerow(
                [
                    d["detection_id"],
                    d["scene_id"],
                    iso(d["t_ms"]),
                    f"{d['lat']:.6f}",
                    f"{d['lon']:.6f}",
                    d["length_m"],
                    d["heading_deg"],
                    d["confidence"],
                ]
            )
    feats = []
    for s in sc.sar.scenes:
        ring = [[round(lo, 6), round(la, 6)] for la, lo in s.corners()]
        # corners() already runs anticlockwise (RFC 7946 wants that for outer rings)
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"scene_id": s.scene_id, "t": iso(s.t_ms)},
            }
        )
    with atomic_write(out / "sar_scenes.geojson") as fh:
        json.dump({"type": "FeatureCollection", "features": feats}, fh, sort_keys=True)
        fh.write("\n")


def write_scenario(sc: Scenario, out: str | Path, fmt: str = "nmea") -> list[Path]:
    """Write every output file of ``sc`` into ``out``; returns the paths written."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if fmt == "nmea":
        p = out / "traffic.nmea"
        with atomic_write(p) as fh:
            fh.write("\n".join(nmea_lines(sc)) + "\n")
        written.append(p)
    elif fmt == "csv":
        p = out / "traffic.csv"
        _write_csv(sc, p)
        written.append(p)
    else:
        for name, table in (("positions.parquet", sc.positions), ("static.parquet", sc.static)):
            with atomic_path(out / name) as tmp:
                pq.write_table(table, tmp, compression="zstd")
            written.append(out / name)
    with atomic_write(out / "truth.json") as fh:
        json.dump(sc.truth, fh, indent=1, sort_keys=True)
        fh.write("\n")
    _write_sar(sc, out)
    with atomic_write(out / "carriers.csv") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["mmsi", "imo", "name", "callsign", "flag_mid", "source"])
        listed = (v for v in sc.vessels if v.kind == "carrier" and v.registered)
        for v in sorted(listed, key=lambda v: v.mmsi):
            w.writerow([v.mmsi, v.imo or "", v.name, v.callsign, v.flag_mid, "simulated registry"])
    written += [
        out / n for n in ("truth.json", "sar_detections.csv", "sar_scenes.geojson", "carriers.csv")
    ]
    return written
