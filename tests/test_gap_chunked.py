"""Streaming equals batch: gap and loitering fed in time-ordered chunks give the same events."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pyarrow as pa
import pytest

from detectors import load_spec
from detectors.base import build_context, run_chunked
from tests.naive_detect import T0, H, positions_table
from vessels.events import Event, events_to_table
from vessels.geo import port_index
from vessels.registry import Registry
from vessels.tracks import build_tracks


def random_fleet(seed: int, n_vessels: int = 25, days: float = 4.0) -> tuple[pa.Table, set[int]]:
    """Vessels near 45S 55W alternating transit and drifting, with dark periods and
    satellite-like reporting (irregular intervals, duplicates from a second receiver)."""
    rng = np.random.default_rng(seed)
    tabs = []
    carriers = set()
    for v in range(n_vessels):
        mmsi = 412_000_000 + v
        if v % 5 == 0:
            carriers.add(mmsi)
        t = np.cumsum(rng.exponential(rng.choice([0.2, 0.5, 1.5]) * H, 400)).astype(np.int64)
        t = t[t < days * 24 * H]
        # AIS off for a while
        if rng.random() < 0.6:
            a = rng.uniform(0, days * 24 - 30) * H
            t = t[(t < a) | (t > a + rng.uniform(5, 30) * H)]
        n = t.size
        if n < 2:
            continue
        speed = np.where(np.sin(t / (rng.uniform(5, 15) * H) + v) > 0.3, 0.6, 11.0)
        dt_h = np.diff(t, prepend=t[0]) / H
        dist_deg = np.cumsum(speed * dt_h) * 1852 / 111_320
        heading = rng.uniform(0, 2 * np.pi)
        lat = -45.0 + rng.uniform(-1, 1) + dist_deg * np.cos(heading)
        lon = -55.0 + rng.uniform(-1, 1) + dist_deg * np.sin(heading) / np.cos(np.radians(45))
        sog = (speed + rng.normal(0, 0.1, n)).astype(np.float32)
        tab = positions_table(mmsi, T0 + t, lat, lon, sog, is_sat=rng.random(n) < 0.8)
        dup = rng.random(n) < 0.1  # the same report heard by a second receiver
        tabs += [
            tab,
            positions_table(
                mmsi, T0 + t[dup] + 500, lat[dup], lon[dup], sog[dup], receiver="shore"
            ),
        ]
    tb = pa.concat_tables(tabs, promote_options="permissive")
    return tb, carriers


def _key(e: Event) -> tuple[str, float, str]:
    return e.event_id, e.score, json.dumps(e.evidence, sort_keys=True, default=str)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chunked_equals_batch(seed: int) -> None:
    tb, carriers = random_fleet(seed)
    reg = Registry(carrier_mmsi=carriers)
    specs = [load_spec("gap"), load_spec("loitering")]
    tracks, _ = build_tracks(tb)
    ctx = build_context(tracks, reg, ports=port_index())
    batch = [e for s in specs for e in s.detect(tracks, ctx)]
    assert {e.type for e in batch} == {"gap", "loitering"}  # the fleet exercises both

    tb = tb.sort_by("t")
    rng = np.random.default_rng(seed)
    cuts = np.unique(np.r_[0, rng.integers(1, tb.num_rows, 12), tb.num_rows])
    chunks = [tb.slice(a, b - a) for a, b in itertools.pairwise(cuts)]
    removed: dict[str, int] = {}
    streamed = [
        e for out in run_chunked(chunks, specs, reg, port_index(), removed=removed) for e in out
    ]
    assert sorted(map(_key, streamed)) == sorted(map(_key, batch))
    assert removed["duplicate"] == build_tracks(tb)[1]["duplicate"]
    # the table built from either is identical too
    assert events_to_table(streamed).equals(events_to_table(batch))


def test_detect_stream_library_call() -> None:
    from detectors import detect_stream, run_detectors_full

    tb, _ = random_fleet(4, n_vessels=10)
    tb = tb.sort_by("t")
    chunks = [tb.slice(i, 500) for i in range(0, tb.num_rows, 500)]
    streamed = [e for out in detect_stream(chunks, None, types=["gap"]) for e in out]
    batch = run_detectors_full(tb, None, types=["gap"]).events
    assert streamed and sorted(map(_key, streamed)) == sorted(map(_key, batch))


def test_stream_capable_detectors_in_time_slices_equal_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Big inputs go to detectors with a stream form in time slices (bounded memory)."""
    import detectors
    from tests.naive_detect import track

    tb, _ = random_fleet(5, n_vessels=12)
    t, la, lo = track(-45.0, -55.0, 6, 5, 0.5)  # two vessels drifting 200 m apart for 6 h
    pair = pa.concat_tables(
        [
            positions_table(636000001, T0 + 10 * H + t, la, lo, 0.5),
            positions_table(412999999, T0 + 10 * H + t + 30_000, la + 0.0018, lo, 0.5),
        ]
    )
    tb = pa.concat_tables([tb, pair], promote_options="permissive")
    types = ["encounter", "identity"]
    whole = detectors.run_detectors_full(tb, None, types=types).events
    monkeypatch.setattr(detectors, "SLICE_ROWS", 300)
    sliced = detectors.run_detectors_full(tb, None, types=types).events
    assert any(e.type == "encounter" for e in whole)

    def ids(evs: list[Event]) -> list[tuple[str, float, int, int]]:
        # evidence left out: the encounter stream counts one report differently at a slice
        # boundary (reported to its owner); ids, scores and times must agree
        return sorted((e.event_id, e.score, e.start_ms, e.end_ms) for e in evs)

    assert ids(sliced) == ids(whole)
