"""Fusion benchmark: match 100,000 detections against 10 million AIS positions.

Synthetic, seeded: vessels on straight courses reporting every ~30 min for 10 days, scenes of
3 x 3 degrees at random times, each vessel inside detected with probability 0.8 (position
error ~100 m), plus dark detections. Prints the wall time of :func:`match_detections` (target
< 30 s), its precision/recall, and the same figures for the common baseline (pandas
``merge_asof`` to the nearest report + scipy cKDTree nearest within 1,500 m, Skylight's rule)
on a subset of scenes, with the ratio per scene.

    .venv/bin/python -m benchmarks.bench_fusion [--positions 10000000] [--detections 100000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.sar import DETECTIONS_SCHEMA, SCENES_SCHEMA, SarInput, SarStats
from vessels.fusion.matching import MatchParams, match_detections
from vessels.tracks import Tracks

H = 3_600_000
T0 = 1_700_000_000_000
DAYS = 10
M_PER_DEG = 111_195.0


def make_data(n_pos: int, n_det: int, seed: int = 0) -> tuple[Tracks, SarInput, dict[str, int]]:
    rng = np.random.default_rng(seed)
    per = 480  # one report per 30 min for 10 days
    n_v = max(1, n_pos // per)
    lat0 = rng.uniform(-20, 20, n_v)
    lon0 = rng.uniform(-20, 20, n_v)
    sog = rng.uniform(0, 14, n_v)
    cog = rng.uniform(0, 360, n_v)
    vlat = sog * 0.5144 * np.cos(np.radians(cog)) / M_PER_DEG  # deg per second
    vlon = sog * 0.5144 * np.sin(np.radians(cog)) / (M_PER_DEG * np.cos(np.radians(lat0)))
    dt = np.sort(rng.integers(0, DAYS * 24 * H, (n_v, per)), axis=1)
    t = (T0 + dt).reshape(-1)
    secs = dt / 1000.0
    lat = (lat0[:, None] + vlat[:, None] * (secs - secs[:, :1] * 0)).reshape(-1)
    lon = (lon0[:, None] + vlon[:, None] * secs).reshape(-1)
    n = t.shape[0]
    seg_mmsi = (200_000_000 + np.arange(n_v)).astype(np.uint32)
    tracks = Tracks(
        mmsi=np.repeat(seg_mmsi, per),
        seg=np.repeat(np.arange(n_v, dtype=np.int64), per),
        t=t.astype(np.int64),
        lat=lat,
        lon=lon,
        sog=np.repeat(sog, per).astype(np.float32),
        cog=np.repeat(cog, per).astype(np.float32),
        receiver=np.zeros(n, np.int32),
        is_sat=np.ones(n, np.int8),
        seg_start=np.arange(0, n + 1, per, dtype=np.int64),
        seg_mmsi=seg_mmsi,
    )
    # scenes until the detection budget is spent
    det_rows: dict[str, list] = {k: [] for k in ("id", "scene", "t", "lat", "lon", "truth")}
    scenes: dict[str, list] = {"scene_id": [], "t": [], "footprint": []}
    s = 0
    while len(det_rows["id"]) < n_det:
        ts = int(T0 + rng.integers(12 * H, (DAYS * 24 - 12) * H))
        clat, clon = rng.uniform(-15, 15, 2)
        sec = (ts - T0) / 1000.0
        plat, plon = lat0 + vlat * sec, lon0 + vlon * sec
        inside = np.flatnonzero((np.abs(plat - clat) < 1.5) & (np.abs(plon - clon) < 1.5))
        seen = inside[rng.random(inside.size) < 0.8]
        noise = rng.normal(0, 100.0 / M_PER_DEG, (2, seen.size))
        n_dark = max(1, seen.size // 5)
        dlat = np.r_[plat[seen] + noise[0], rng.uniform(clat - 1.5, clat + 1.5, n_dark)]
        dlon = np.r_[plon[seen] + noise[1], rng.uniform(clon - 1.5, clon + 1.5, n_dark)]
        truth = np.r_[seg_mmsi[seen].astype(np.int64), np.zeros(n_dark, np.int64)]
        sid = f"S{s}"
        for i in range(dlat.size):
            det_rows["id"].append(f"{sid}-{i}")
        det_rows["scene"] += [sid] * dlat.size
        det_rows["t"] += [ts] * dlat.size
        det_rows["lat"] += dlat.tolist()
        det_rows["lon"] += dlon.tolist()
        det_rows["truth"] += truth.tolist()
        b = (clon - 1.5, clat - 1.5, clon + 1.5, clat + 1.5)
        scenes["scene_id"].append(sid)
        scenes["t"].append(ts)
        scenes["footprint"].append(
            f"POLYGON(({b[0]} {b[1]}, {b[2]} {b[1]}, {b[2]} {b[3]}, {b[0]} {b[3]}, {b[0]} {b[1]}))"
        )
        s += 1
    nd = len(det_rows["id"])
    det = pa.table(
        {
            "detection_id": det_rows["id"],
            "scene_id": det_rows["scene"],
            "t": pa.array(det_rows["t"], pa.int64()).cast(DETECTIONS_SCHEMA.field("t").type),
            "lat": det_rows["lat"],
            "lon": det_rows["lon"],
            "length_m": np.full(nd, np.nan),
            "heading_deg": np.full(nd, np.nan),
            "confidence": np.full(nd, 0.9),
        },
        schema=DETECTIONS_SCHEMA,
    )
    sc = pa.table(
        {
            "scene_id": scenes["scene_id"],
            "t": pa.array(scenes["t"], pa.int64()).cast(SCENES_SCHEMA.field("t").type),
            "footprint": scenes["footprint"],
        },
        schema=SCENES_SCHEMA,
    )
    truth = dict(zip(det_rows["id"], det_rows["truth"], strict=True))
    return tracks, SarInput(det, sc, SarStats()), truth


def _pr(pred: dict[str, int], truth: dict[str, int]) -> tuple[float, float]:
    ais_pred = {k: v for k, v in pred.items() if v}
    ais_true = {k: v for k, v in truth.items() if v and k in pred}
    tp = sum(1 for k, v in ais_pred.items() if ais_true.get(k) == v)
    return tp / max(len(ais_pred), 1), tp / max(len(ais_true), 1)


def baseline(tracks: Tracks, sar: SarInput, scenes: list[str]) -> dict[str, int]:
    """Nearest report per vessel (merge_asof) + cKDTree nearest detection within 1,500 m."""
    from scipy.spatial import cKDTree

    pos = pd.DataFrame(
        {"t": tracks.t, "mmsi": tracks.mmsi.astype(np.int64), "lat": tracks.lat, "lon": tracks.lon}
    ).sort_values("t")
    det = sar.detections.to_pandas()
    det["t"] = det["t"].astype("int64") // 1_000_000 if det["t"].dtype.kind == "M" else det["t"]
    out: dict[str, int] = {}
    for sid in scenes:
        d = det[det["scene_id"] == sid]
        ts = int(sar.scenes.to_pandas().set_index("scene_id").loc[sid, "t"].value // 1_000_000)
        q = pd.DataFrame({"t": np.full(pos["mmsi"].nunique(), ts), "mmsi": pos["mmsi"].unique()})
        near = pd.merge_asof(
            q.sort_values("t"), pos, on="t", by="mmsi", direction="nearest", tolerance=12 * H
        ).dropna()
        c = np.cos(np.radians(d["lat"].mean()))
        tree = cKDTree(np.c_[near["lat"] * M_PER_DEG, near["lon"] * M_PER_DEG * c])
        dist, idx = tree.query(np.c_[d["lat"] * M_PER_DEG, d["lon"] * M_PER_DEG * c], k=1)
        mm = near["mmsi"].to_numpy()
        for det_id, dd, ii in zip(d["detection_id"], dist, idx, strict=True):
            out[det_id] = int(mm[ii]) if dd <= 1500 else 0
    return out


def merge_data(n_rows: int, seed: int = 0) -> pa.Table:
    """Messages each heard by two of four receivers, one receiver's clock 90 s ahead."""
    from vessels.schema import POSITIONS_SCHEMA

    rng = np.random.default_rng(seed)
    n_msg = n_rows // 2
    t = T0 + np.sort(rng.integers(0, 3 * 24 * H, n_msg))
    mm = rng.integers(200_000_000, 200_005_000, n_msg)
    lat, lon = rng.uniform(-10, 10, n_msg), rng.uniform(-10, 10, n_msg)
    first = rng.integers(0, 4, n_msg)
    second = (first + 1 + rng.integers(0, 3, n_msg)) % 4
    idx = np.r_[np.arange(n_msg), np.arange(n_msg)]
    r = np.r_[first, second]
    names = np.array(["A", "B", "C", "SLOW"])
    n = idx.size
    cols = {
        "mmsi": pa.array(mm[idx], pa.uint32()),
        "t": pa.array(t[idx] + np.where(r == 3, 90_000, 0), pa.int64()).cast(
            POSITIONS_SCHEMA.field("t").type
        ),
        "lat": lat[idx],
        "lon": lon[idx],
        "sog": pa.array(np.full(n, 5.0), pa.float32()),
        "cog": pa.array(np.full(n, 90.0), pa.float32()),
        "heading": pa.array(np.full(n, -1), pa.int16()),
        "nav_status": pa.array(np.zeros(n), pa.int8()),
        "msg_type": pa.array(np.ones(n), pa.uint8()),
        "receiver": pa.array(names[r]).dictionary_encode(),
        "is_sat": pa.array(np.zeros(n, bool)),
        "ais_second": pa.array((t[idx] // 1000) % 60, pa.int8()),
    }
    return pa.table(cols, schema=POSITIONS_SCHEMA)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="bench_fusion")
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--detections", type=int, default=100_000)
    ap.add_argument("--baseline-scenes", type=int, default=20)
    ap.add_argument("--merge-rows", type=int, default=2_000_000)
    args = ap.parse_args(argv or [])
    from ingest.merge import merge_positions

    merge_positions(merge_data(1000))  # compile
    table = merge_data(args.merge_rows)
    t0, c0 = time.perf_counter(), time.process_time()
    merged = merge_positions(table)
    mw, mc = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"ingest.merge_positions: {mw:.1f} s wall, {mc:.1f} s CPU for {table.num_rows:,} rows "
        f"({mw / table.num_rows * 1e6:.2f} us/row, {table.num_rows / mw / 1e6:.2f} M rows/s; "
        f"target >= 1 M rows/s; CPU time is the steadier figure on a busy machine): "
        f"{merged.summary()}"
    )
    t0 = time.perf_counter()
    tracks, sar, truth = make_data(args.positions, args.detections)
    print(
        f"data: {tracks.n:,} AIS positions of {tracks.n_seg:,} vessels, "
        f"{sar.detections.num_rows:,} detections in {sar.scenes.num_rows:,} scenes "
        f"(made in {time.perf_counter() - t0:.1f} s)"
    )
    small_tracks, small_sar, _ = make_data(20_000, 200, seed=1)
    match_detections(small_sar, small_tracks)  # compile (cached after the first run)
    t0 = time.perf_counter()
    res = match_detections(sar, tracks, params=MatchParams())
    wall = time.perf_counter() - t0
    pred = dict(
        zip(
            res.matches.column("detection_id").to_pylist(),
            [m or 0 for m in res.matches.column("mmsi").to_pylist()],
            strict=True,
        )
    )
    p, r = _pr(pred, truth)
    print(
        f"vessels match_detections: {wall:.1f} s for {sar.detections.num_rows:,} detections x "
        f"{tracks.n:,} positions (target < 30 s): {res.summary()}; AIS precision {p:.3f} "
        f"recall {r:.3f}"
    )
    scenes = sar.scenes.column("scene_id").to_pylist()[: args.baseline_scenes]
    t0 = time.perf_counter()
    base = baseline(tracks, sar, scenes)
    bwall = time.perf_counter() - t0
    bp, br = _pr(base, truth)
    ours = {k: pred[k] for k in base}
    op, orr = _pr(ours, truth)
    per_scene_base = bwall / len(scenes)
    per_scene_ours = wall / sar.scenes.num_rows
    print(
        f"baseline (pandas merge_asof + cKDTree 1,500 m, Skylight rule) on {len(scenes)} scenes: "
        f"{bwall:.1f} s = {per_scene_base:.3f} s/scene vs ours {per_scene_ours:.4f} s/scene "
        f"(x{per_scene_base / per_scene_ours:.0f}); precision/recall on those scenes: "
        f"baseline {bp:.3f}/{br:.3f}, ours {op:.3f}/{orr:.3f}"
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
