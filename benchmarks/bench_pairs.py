"""Benchmark: resample + neighbour search + encounter detection at scale, with a peer.

10 million positions of 20,000 vessels over one day (a report every ~2.9 min), random walks
spread over a 20 x 20 degree sea with 300 injected slow encounters. Prints the time of each
stage, positions per second, and the neighbour search against scipy's cKDTree (per-slot
``query_pairs`` on unit vectors, the usual Python way) on the same resampled points.

Run: .venv/bin/python -m benchmarks.bench_pairs [--positions N] [--vessels V]
"""

from __future__ import annotations

import argparse
import itertools
import math
import resource
import time

import numpy as np

from detectors.encounter import EncounterParams, detect
from kernels.neighbors import close_pairs
from kernels.resample import resample_tracks
from vessels.tracks import Tracks

DAY = 86_400_000


def make_tracks(n_pos: int, n_vessels: int, seed: int = 7) -> tuple[Tracks, int]:
    rng = np.random.default_rng(seed)
    per = n_pos // n_vessels
    n = per * n_vessels
    seg = np.repeat(np.arange(n_vessels, dtype=np.int64), per)
    dt = rng.exponential(DAY / per, n).astype(np.int64) + 1000
    dt[::per] = rng.integers(0, 600_000, n_vessels)
    t = np.cumsum(dt.reshape(n_vessels, per), axis=1).reshape(-1) + 1_700_000_000_000
    lat0 = rng.uniform(-50, -30, n_vessels)
    lon0 = rng.uniform(-70, -50, n_vessels)
    kn = rng.choice([0.5, 3.0, 10.0, 14.0], n_vessels, p=[0.2, 0.3, 0.3, 0.2])
    brg = rng.uniform(0, 2 * math.pi, n_vessels)
    el_h = (t - t[seg * per]) / 3.6e6
    d_deg = np.repeat(kn, per) * 1.852 * el_h / 111.2
    lat = np.repeat(lat0, per) + d_deg * np.cos(np.repeat(brg, per))
    lon = np.repeat(lon0, per) + d_deg * np.sin(np.repeat(brg, per)) / np.cos(np.radians(lat))
    # 300 pairs: vessel 2k+1 shadows vessel 2k (slow) 100-300 m away for the whole day
    n_pairs = min(300, n_vessels // 4)
    k = np.arange(n_pairs) * 2
    for v in k:
        a, b = v * per, (v + 1) * per
        kn_slow = 0.4
        d = kn_slow * 1.852 * el_h[a:b] / 111.2
        lat[a:b] = lat0[v] + d
        lon[a:b] = lon0[v]
        lat[b : b + per] = lat0[v] + 0.002 + kn_slow * 1.852 * el_h[b : b + per] / 111.2
        lon[b : b + per] = lon0[v]
    lat += rng.normal(0, 1e-4, n)
    starts = np.arange(0, n + 1, per, dtype=np.int64)
    mm = (412_000_000 + np.arange(n_vessels)).astype(np.uint32)
    tr = Tracks(
        mmsi=np.repeat(mm, per),
        seg=seg,
        t=t,
        lat=lat,
        lon=lon,
        sog=np.full(n, np.nan, np.float32),
        cog=np.full(n, np.nan, np.float32),
        receiver=np.full(n, -1, np.int32),
        is_sat=np.full(n, -1, np.int8),
        seg_start=starts,
        seg_mmsi=mm,
    )
    return tr, n_pairs


def peer_ckdtree(slot: np.ndarray, lat: np.ndarray, lon: np.ndarray, max_m: float) -> int:
    from scipy.spatial import cKDTree

    la, lo = np.radians(lat), np.radians(lon)
    xyz = np.c_[np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]
    chord = 2 * math.sin(max_m / 6_371_008.8 / 2)
    order = np.argsort(slot, kind="stable")
    s = slot[order]
    bounds = np.flatnonzero(np.r_[True, s[1:] != s[:-1], True])
    total = 0
    for a, b in itertools.pairwise(bounds):
        total += len(cKDTree(xyz[order[a:b]]).query_pairs(chord, output_type="ndarray"))
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--vessels", type=int, default=20_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    tr, injected = make_tracks(args.positions, args.vessels)
    print(
        f"data: {tr.n:,} positions, {tr.n_seg:,} vessels ({time.perf_counter() - t0:.1f} s to make)"
    )
    # warm the JIT cache on a tiny input so compile time is not counted
    small, _ = make_tracks(20_000, 100)
    detect(small, None, EncounterParams(parallel=True))
    detect(small, None, EncounterParams(parallel=False))
    for parallel in (False, True):
        t1 = time.perf_counter()
        _offs, rseg, rt, rla, rlo, _rsp, _ = resample_tracks(
            tr.t, tr.lat, tr.lon, tr.seg_start, 600_000, 3_600_000, parallel=parallel
        )
        t2 = time.perf_counter()
        i, _j, _d = close_pairs(rt, rla, rlo, rseg, 500.0, parallel=parallel, slot_step=600_000)
        t3 = time.perf_counter()
        tag = "parallel" if parallel else "serial  "
        print(
            f"{tag}: resample {t2 - t1:.2f} s ({tr.n / (t2 - t1) / 1e6:.1f} M positions/s -> "
            f"{rt.size:,} slots); neighbour search {t3 - t2:.2f} s ({i.size:,} close pairs)"
        )
    t4 = time.perf_counter()
    ev = detect(tr, None, EncounterParams(parallel=True))
    t5 = time.perf_counter()
    print(
        f"encounter detect (resample + neighbours + runs + events): {t5 - t4:.2f} s, "
        f"{tr.n / (t5 - t4) / 1e6:.1f} M positions/s; {len(ev)} encounters "
        f"({injected} injected)"
    )
    sl = rt < rt.min() + 24 * 600_000  # peer on the first 4 h of slots (it is slow)
    t6 = time.perf_counter()
    ours = close_pairs(rt[sl], rla[sl], rlo[sl], rseg[sl], 500.0, slot_step=600_000)[0].size
    t7 = time.perf_counter()
    peer = peer_ckdtree(rt[sl], rla[sl], rlo[sl], 500.0)
    t8 = time.perf_counter()
    print(
        f"neighbour search on {int(sl.sum()):,} slots' points: ours {t7 - t6:.3f} s "
        f"({ours:,} pairs), scipy cKDTree per slot {t8 - t7:.3f} s ({peer:,} pairs); "
        f"ratio {(t8 - t7) / max(t7 - t6, 1e-9):.1f}x"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
