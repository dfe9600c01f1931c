"""Encounters through the project's chunked streaming runner equal the batch result."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors.base import build_context, load_spec, run_chunked
from detectors.encounter import detect
from vessels.geo import port_index
from vessels.registry import build_registry
from vessels.sim import SimConfig, simulate
from vessels.tracks import build_tracks

H = 3_600_000


def _key(e):  # type: ignore[no-untyped-def]
    return (e.event_id, e.end_ms, round(e.score, 6), e.evidence["points"])


def test_chunked_runner_equals_batch(tmp_path: Path) -> None:
    sc = simulate(SimConfig(seed=5, days=3, vessels=60))
    pos = sc.positions.sort_by("t")
    reg = build_registry(sc.static)
    reg.carrier_mmsi |= {v.mmsi for v in sc.vessels if v.kind == "carrier" and v.mmsi}
    ports = port_index()
    tracks, _ = build_tracks(pos)
    batch = detect(tracks, build_context(tracks, reg, ports=ports))
    assert len(batch) >= 2
    t = pos.column("t").cast(pa.int64()).to_numpy()
    edges = np.arange(t.min(), t.max() + 6 * H, 6 * H)
    chunks = [
        pos.filter(
            pc.and_(
                pc.greater_equal(pos["t"].cast(pa.int64()), int(a)),
                pc.less(pos["t"].cast(pa.int64()), int(b)),
            )
        )
        for a, b in itertools.pairwise(edges)
    ]
    got = [e for out in run_chunked(chunks, [load_spec("encounter")], reg, ports) for e in out]
    assert sorted(map(_key, got)) == sorted(map(_key, batch))


def test_identity_through_the_runner_matches_batch() -> None:
    from detectors.identity import detect as detect_identity

    sc = simulate(SimConfig(seed=4, days=3, vessels=60))
    pos = sc.positions.sort_by("t")
    reg = build_registry(sc.static)
    ports = port_index()
    tracks, _ = build_tracks(pos)
    batch = [
        e
        for e in detect_identity(tracks, build_context(tracks, reg, ports=ports))
        if e.evidence["kind"] == "shared_mmsi"
    ]
    tt = pos["t"].cast(pa.int64())
    t = tt.to_numpy()
    edges = np.arange(t.min(), t.max() + 6 * H, 6 * H)
    chunks = [
        pos.filter(pc.and_(pc.greater_equal(tt, int(a)), pc.less(tt, int(b))))
        for a, b in itertools.pairwise(edges)
    ]
    got = [
        e
        for out in run_chunked(chunks, [load_spec("identity")], reg, ports)
        for e in out
        if e.evidence["kind"] == "shared_mmsi"
    ]
    assert len(batch) >= 1
    assert sorted(e.mmsi for e in got) == sorted(e.mmsi for e in batch)
    for g in got:
        b = next(x for x in batch if x.mmsi == g.mmsi)
        overlap = min(g.end_ms, b.end_ms) - max(g.start_ms, b.start_ms)
        # chunk-local segmentation may see the second ship a little later: 80 % agreement
        assert overlap >= 0.8 * (b.end_ms - b.start_ms)
        assert abs(g.score - b.score) < 0.05
