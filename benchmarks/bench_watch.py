"""`vessels watch` over localhost TCP as fast as a replay can send: sustained messages/s,
arrival-to-alert latency of the alerts that need no history (area entry/exit, watchlist,
identity conflicts), and memory over the run.

The scale-mode simulation (20,000 vessels in the open South Pacific, with gaps, encounters,
loitering and MMSIs broadcast by two ships) is encoded as NMEA type 1 sentences with tag-block
times, in time order. `vessels replay --speed 0` serves it; `vessels watch` reads it with
areas (boxes across the traffic) and a watchlist (1 % of the MMSIs), and writes the status JSON
the figures come from. Memory is the watch process's resident set, sampled every 0.5 s.

    python -m benchmarks.bench_watch                 # 1e7 messages, 20,000 vessels
    python -m benchmarks.bench_watch --positions 1000000 --vessels 2000
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from benchmarks._common import scale_data
from vessels.sim.nmea_encode import _motion_fields, pack_bits

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 500_000


def _armour(bits: np.ndarray) -> np.ndarray:
    six = bits.reshape(bits.shape[0], -1, 6) @ np.array([32, 16, 8, 4, 2, 1], dtype=np.uint8)
    ch = six.astype(np.uint8) + 48
    return np.where(ch > 87, ch + 8, ch).astype(np.uint8)


def _xor_hex(a: np.ndarray) -> np.ndarray:
    x = np.bitwise_xor.reduce(a, axis=1)
    hexd = np.frombuffer(b"0123456789ABCDEF", np.uint8)
    return np.stack([hexd[x >> 4], hexd[x & 15]], axis=1)


def encode_nmea(positions: Path, out: Path) -> int:
    """Positions (time order) to NMEA lines ``\\c:EPOCH*hh\\!AIVDM,1,1,,A,<28>,0*hh``."""
    table = pq.read_table(positions, columns=["mmsi", "t", "lat", "lon", "sog", "cog", "heading"])
    table = table.sort_by("t")
    n = table.num_rows
    with open(out, "wb") as fh:
        for a in range(0, n, CHUNK):
            tb = table.slice(a, CHUNK)
            k = tb.num_rows
            col = {c: tb.column(c).to_numpy(zero_copy_only=False) for c in tb.column_names}
            t_s = col["t"].astype("datetime64[s]").astype(np.int64)
            sog_i, cog_i, hdg = _motion_fields(
                np.asarray(col["sog"], np.float64),
                np.asarray(col["cog"], np.float64),
                np.nan_to_num(np.asarray(col["heading"], np.float64), nan=-1).astype(np.int64),
            )
            bits = pack_bits([
                (np.full(k, 1), 6), (np.zeros(k), 2), (col["mmsi"].astype(np.int64), 30),
                (np.zeros(k), 4), (np.full(k, -128), 8), (sog_i, 10), (np.zeros(k), 1),
                (np.round(col["lon"] * 600_000), 28), (np.round(col["lat"] * 600_000), 27),
                (cog_i, 12), (hdg, 9), (t_s % 60, 6), (np.zeros(k), 2), (np.zeros(k), 3),
                (np.zeros(k), 1), (np.zeros(k), 19),
            ])  # fmt: skip
            payload = _armour(bits)
            tag = np.frombuffer(b"".join(b"c:%d" % v for v in t_s.tolist()), np.uint8)
            tag = tag.reshape(k, -1)  # epochs of 10 digits: equal widths
            body = np.concatenate(
                [np.broadcast_to(np.frombuffer(b"AIVDM,1,1,,A,", np.uint8), (k, 13)), payload,
                 np.broadcast_to(np.frombuffer(b",0", np.uint8), (k, 2))], axis=1,
            )  # fmt: skip
            line = np.concatenate(
                [np.full((k, 1), ord("\\"), np.uint8), tag, np.full((k, 1), ord("*"), np.uint8),
                 _xor_hex(tag), np.full((k, 2), [ord("\\"), ord("!")], np.uint8), body,
                 np.full((k, 1), ord("*"), np.uint8), _xor_hex(body),
                 np.full((k, 1), ord("\n"), np.uint8)], axis=1,
            )  # fmt: skip
            fh.write(line.tobytes())
    return n


def _areas(path: Path, box: tuple[float, float, float, float]) -> None:
    """Six boxes across the simulated traffic (the scale box of vessels.sim.bulk)."""
    lat0, lat1, lon0, lon1 = box
    feats = []
    for i in range(6):
        la = lat0 + (lat1 - lat0) * (0.1 + 0.13 * i)
        lo = lon0 + (lon1 - lon0) * (0.1 + 0.13 * i)
        ring = [[lo, la], [lo + 2, la], [lo + 2, la + 2], [lo, la + 2], [lo, la]]
        feats.append({"type": "Feature", "properties": {"name": f"box {i + 1}"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--vessels", type=int, default=20_000)
    args = ap.parse_args()
    from vessels.sim.bulk import ScaleConfig

    data = scale_data(args.positions, args.vessels)
    work = Path(tempfile.gettempdir()) / f"vessels-bench-watch-{args.positions}-{args.vessels}"
    work.mkdir(exist_ok=True)
    nmea = work / "traffic.nmea"
    if not nmea.is_file():
        t = time.perf_counter()
        n = encode_nmea(data / "positions.parquet", nmea)
        print(f"encoded {n} messages to {nmea} in {time.perf_counter() - t:.1f} s (not counted)")
    with open(nmea, "rb") as fh:
        n_lines = sum(1 for _ in fh)
    areas = work / "areas.geojson"
    _areas(areas, ScaleConfig().box)
    mmsi = pq.read_table(data / "positions.parquet", columns=["mmsi"]).column("mmsi")
    uniq = np.unique(mmsi.to_numpy())
    watch = work / "watchlist.csv"
    watch.write_text("mmsi,list\n" + "".join(f"{m},bench\n" for m in uniq[::100].tolist()))
    metrics = work / "metrics.json"
    metrics.unlink(missing_ok=True)
    config = work / "watch.toml"
    config.write_text("[watch]\nstatus_interval_s = 0.5\n")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # warm the kernel cache first: a cold compile inside the timed run would stand in the
    # latencies of the messages that arrived meanwhile
    subprocess.run(
        [sys.executable, "-m", "vessels", "watch", str(ROOT / "data_samples/scenario/traffic.nmea"),
         "--alerts", os.devnull, "--quiet"], env=env, check=True,
    )  # fmt: skip
    replay = subprocess.Popen(
        [sys.executable, "-m", "vessels", "replay", str(nmea), "--port", str(port),
         "--speed", "0", "--quiet"], env=env,
    )  # fmt: skip
    time.sleep(2.0)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vessels", "watch", f"tcp://127.0.0.1:{port}",
         "--alerts", str(work / "alerts.jsonl"), "--areas", str(areas), "--watchlist", str(watch),
         "--metrics", str(metrics), "--config", str(config), "--exit-when-idle", "5", "--quiet"],
        env=env,
    )  # fmt: skip
    rss: list[tuple[float, float, int]] = []  # (s, MB, messages so far)
    while proc.poll() is None:
        time.sleep(0.5)
        done = 0
        try:
            st = json.loads(metrics.read_text())
            done = sum(s["messages"] for s in st["sources"].values())
        except (OSError, ValueError, KeyError):
            pass
        rss.append((time.perf_counter() - t0, _rss_mb(proc.pid), done))
    wall = time.perf_counter() - t0
    replay.kill()
    st = json.loads(metrics.read_text())
    src = next(iter(st["sources"].values()))
    msgs = src["messages"]
    busy = [r for r in rss if 0 < r[2] < msgs]
    rate = (busy[-1][2] - busy[0][2]) / (busy[-1][0] - busy[0][0]) if len(busy) > 2 else 0.0
    print(f"messages sent {n_lines:,}; read by watch {msgs:,}; rows {src['rows']:,}")
    print(f"watch wall {wall:.1f} s (includes 5 s idle wait and the final flush)")
    print(f"sustained rate while reading: {rate:,.0f} messages/s (target >= 100,000)")
    for kind, lat in sorted(st["latency"].items()):
        print(f"latency {kind}: n={int(lat['n'])} p50 {lat['p50_ms']:.0f} ms, "
              f"p99 {lat['p99_ms']:.0f} ms (arrival to alert)")  # fmt: skip
    peak = max(r[1] for r in rss) if rss else 0.0
    marks = [rss[int(len(rss) * f)] for f in (0.25, 0.5, 0.75)] if rss else []
    print(f"peak RSS {peak:,.0f} MB; at 25/50/75 % of the run: "
          + ", ".join(f"{m[1]:,.0f} MB" for m in marks))  # fmt: skip
    print(f"alerts: {st['alerts']}; late rows {st['late_rows']}")


if __name__ == "__main__":
    main()
