"""Benchmark: the simulator's scale mode, the scenario simulator, and its AIS encoder vs pyais.

Prints (1) scale mode: wall time and positions per second for writing N positions of V vessels
to Parquet (the issue asks for 10 million in under 2 minutes on 2 cores), (2) a full scenario
(60 vessels, 3 days: motion, reception, SAR, truth, NMEA) and (3) encoding type 1 messages with
the project's vectorised encoder against pyais's ``encode_dict`` on the same values, as a ratio.

Run: .venv/bin/python -m benchmarks.bench_simulate [--positions N] [--vessels V]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

import numpy as np


def bench_scale(positions: int, vessels: int) -> None:
    from vessels.sim.bulk import ScaleConfig, simulate_scale

    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        res = simulate_scale(ScaleConfig(seed=1, positions=positions, vessels=vessels), d)
        dt = time.perf_counter() - t
    print(
        f"scale mode: {res.positions:,} positions, {vessels:,} vessels, {res.events} truth "
        f"events in {dt:.1f} s = {res.positions / dt / 1e6:.2f} M positions/s "
        f"(target: 10 M in < 120 s)"
    )


def bench_scenario() -> None:
    from vessels.sim import SimConfig, simulate
    from vessels.sim.writers import nmea_lines

    simulate(SimConfig(seed=0, days=1, vessels=20))  # warm caches (shore grid, ports)
    t = time.perf_counter()
    sc = simulate(SimConfig(seed=7, days=3, vessels=60))
    t1 = time.perf_counter()
    lines = nmea_lines(sc)
    t2 = time.perf_counter()
    print(
        f"scenario 60 vessels x 3 days: simulate {t1 - t:.2f} s, {len(sc.messages):,} "
        f"receptions; NMEA {len(lines):,} lines in {t2 - t1:.2f} s"
    )


def bench_encoder(n: int = 20_000) -> None:
    from pyais.encode import encode_dict

    from vessels.sim.nmea_encode import encode_type1, sentences

    rng = np.random.default_rng(0)
    mmsi = rng.integers(200_000_000, 775_999_999, n)
    nav = rng.integers(0, 16, n)
    sog = np.round(rng.uniform(0, 30, n), 1)
    # positions on the AIS grid (1/10000 minute), as the simulator quantises them
    lon = np.round(rng.uniform(-180, 180, n) * 600_000) / 600_000
    lat = np.round(rng.uniform(-90, 90, n) * 600_000) / 600_000
    cog = np.round(rng.uniform(0, 359.9, n), 1)
    hdg = rng.integers(0, 360, n)
    sec = rng.integers(0, 60, n)
    t = time.perf_counter()
    ours = [
        sentences(p, 0, "A", None)[0] for p in encode_type1(mmsi, nav, sog, lon, lat, cog, hdg, sec)
    ]
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    ref = [
        encode_dict(
            {
                "msg_type": 1,
                "mmsi": int(mmsi[i]),
                "status": int(nav[i]),
                "turn": -128,
                "speed": float(sog[i]),
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "course": float(cog[i]),
                "heading": int(hdg[i]),
                "second": int(sec[i]),
                "maneuver": 0,
            },
            talker_id="AI",
            sentence_type="VDM",
        )[0]
        for i in range(n)
    ]
    t_ref = time.perf_counter() - t
    same = sum(a == b for a, b in zip(ours, ref, strict=False))
    print(
        f"encoder, {n:,} type 1 sentences: vessels {t_ours:.3f} s ({n / t_ours:,.0f}/s), "
        f"pyais {t_ref:.3f} s ({n / t_ref:,.0f}/s): {t_ref / t_ours:.1f}x faster; "
        f"{same:,}/{n:,} sentences identical"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--vessels", type=int, default=20_000)
    a = ap.parse_args()
    bench_encoder()
    bench_scenario()
    bench_scale(a.positions, a.vessels)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
