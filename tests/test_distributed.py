"""detect_distributed on a dask LocalCluster equals detectors.run_detectors, event for event."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import Client, LocalCluster

import detectors
from tests.naive_detect import T0, H, positions_table
from vessels.errors import ConfigError, InputError, NoDataError
from vessels.events import Event, table_to_events
from vessels.scale import ScaleParams, detect_distributed, detect_distributed_full
from vessels.sim import SimConfig, simulate

#: Exercise the anchorage reduction (the default needs 20 vessels in one place) and every gap.
CONFIG: dict[str, Any] = {
    "context": {"anchorage_min_vessels": 2, "anchorage_min_stay_h": 4.0},
    "gap": {"naive": True},
}
#: Windows far narrower than the margins: nearly every encounter crosses window edges.
NARROW = ScaleParams(min_window_margins=0.05)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address=":0",
            worker_dashboard_address=":0",
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def scenario() -> Any:
    return simulate(SimConfig(seed=11, days=3, vessels=60, n_encounters=6, n_identity=2))


def _key(e: Event) -> tuple[Any, ...]:
    return (
        e.event_id,
        e.type,
        e.mmsi,
        e.other_mmsi,
        e.start_ms,
        e.end_ms,
        e.lat,
        e.lon,
        tuple(e.reasons),
        json.dumps(e.evidence, sort_keys=True, default=str),
    )


def assert_same_events(got: list[Event], want: list[Event]) -> None:
    g = sorted(got, key=lambda e: e.event_id)
    w = sorted(want, key=lambda e: e.event_id)
    assert [e.event_id for e in g] == [e.event_id for e in w]
    for a, b in zip(g, w, strict=True):
        assert _key(a) == _key(b)
        assert math.isclose(a.score, b.score, abs_tol=1e-9)


def test_simulated_scenario_equals_single_process(client: Client, scenario: Any) -> None:
    single = detectors.run_detectors_full(scenario.positions, scenario.static, config=CONFIG)
    res = detect_distributed_full(
        scenario.positions,
        scenario.static,
        client=client,
        config=CONFIG,
        n_partitions=5,
        n_windows=6,
        n_bands=3,
        scale=NARROW,
    )
    counts = single.counts()
    assert all(counts[t] >= 1 for t in ("gap", "loitering", "encounter", "identity")), counts
    assert single.ctx.n_anchorages >= 1  # the global anchorage reduction is exercised
    assert (res.n_partitions, res.n_windows, res.n_bands) == (5, 6, 3)
    assert res.removed == single.removed
    assert res.n_rows == single.tracks.n
    assert_same_events(res.events, single.events)


def test_table_api_matches_run_detectors(client: Client, scenario: Any) -> None:
    types = ["encounter", "gap"]
    want = detectors.run_detectors(scenario.positions, scenario.static, types=types)
    got = detect_distributed(
        scenario.positions, scenario.static, client=client, types=types, n_partitions=3
    )
    assert got.schema == want.schema
    assert got.num_rows == want.num_rows > 0
    assert set(got.column("type").to_pylist()) == {"encounter", "gap"}
    assert_same_events(table_to_events(got), table_to_events(want))


def _pair(mmsi: int, lat0: float, t: np.ndarray, dlat: np.ndarray) -> pa.Table:
    lat = lat0 + dlat
    lon = np.full(t.size, -30.0) + 0.001 * np.sin(t / (7 * H))  # drifting, about 100 m
    return positions_table(mmsi, t, lat, lon, sog=0.5)


def test_long_merged_encounter_across_many_windows(client: Client) -> None:
    """Two vessels 200 m apart for 30 h, apart for 2 h, together again for 8 h (GFW merges
    runs less than 4 h apart): one encounter of 40 h, longer than any window margin."""
    t = T0 + np.arange(0, 40 * H, 10 * 60_000, dtype=np.int64)
    rel = (t - T0) / H
    apart = (rel >= 30) & (rel < 32)
    a = _pair(412_000_001, -45.0, t, np.zeros(t.size))
    b = _pair(412_000_002, -45.0, t, np.where(apart, 0.05, 0.0018))  # 5.5 km vs 200 m
    c = _pair(412_000_003, -44.0, t, 0.01 * rel)  # lone vessels under way, west and east
    d = positions_table(412_000_004, t, -40.0 + 0.01 * rel, 10.0 + 0.0 * rel, sog=0.5)
    pos = pa.concat_tables([a, b, c, d])
    single = detectors.run_detectors_full(pos, None, types=["encounter"])
    assert len(single.events) == 1  # slots on the absolute 10-minute grid: within a step
    assert single.events[0].end_ms - single.events[0].start_ms >= 40 * H - 2 * 600_000
    res = detect_distributed_full(
        pos, None, client=client, types=["encounter"], n_windows=10, n_bands=2, scale=NARROW
    )
    assert (
        res.n_bands == 2 and res.window_reruns >= 1
    )  # the windows that own it had to reach further
    assert_same_events(res.events, single.events)


def test_stream_slices_match_the_single_process_ones(
    client: Client, scenario: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``SLICE_ROWS`` the single-process run feeds identity and encounter in time slices;
    the distributed run cuts each partition at the same global times, so even the evidence
    that the stream forms assemble chunk by chunk is identical."""
    n = scenario.positions.num_rows
    monkeypatch.setattr(detectors, "SLICE_ROWS", n // 4)
    single = detectors.run_detectors_full(scenario.positions, scenario.static)
    res = detect_distributed_full(
        scenario.positions,
        scenario.static,
        client=client,
        n_partitions=3,
        scale=ScaleParams(slice_rows=n // 4),
    )
    assert single.counts()["identity"] >= 1
    assert_same_events(res.events, single.events)


def test_parquet_path_read_on_process_workers(tmp_path: Path, scenario: Any) -> None:
    """Workers in their own processes read a Parquet file by row groups (nothing of it passes
    through the client) and everything they exchange survives pickling."""
    path = tmp_path / "positions.parquet"
    pq.write_table(scenario.positions, path, row_group_size=4000)
    assert pq.ParquetFile(path).metadata.num_row_groups >= 3
    single = detectors.run_detectors_full(scenario.positions, scenario.static)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            worker_dashboard_address=":0",
        ) as cluster,
        Client(cluster) as c,
    ):
        res = detect_distributed_full(
            str(path),
            scenario.static,
            client=c,
            n_windows=4,
            scale=ScaleParams(rows_per_read=5000, min_window_margins=0.5),
        )
    assert res.n_positions == scenario.positions.num_rows
    assert_same_events(res.events, single.events)


def test_errors_are_clear(client: Client, tmp_path: Path, scenario: Any) -> None:
    empty = scenario.positions.slice(0, 0)
    with pytest.raises(NoDataError, match="no positions"):
        detect_distributed(empty, None, client=client)
    with pytest.raises(ConfigError, match="unknown detector type"):
        detect_distributed(scenario.positions, None, client=client, types=["teleport"])
    with pytest.raises(InputError, match="no such input file"):
        detect_distributed(str(tmp_path / "missing.parquet"), None, client=client)
    with pytest.raises(ConfigError, match="Client or a scheduler address"):
        detect_distributed(scenario.positions, None, client="")  # type: ignore[arg-type]
    bad = positions_table(0, T0 + np.arange(5) * H, -45.0, -30.0)  # MMSI 0 only
    with pytest.raises(NoDataError, match="every position was removed"):
        detect_distributed(bad, None, client=client)


def test_cli_glue_reads_nmea_on_the_workers(client: Client) -> None:
    """``vessels detect --scheduler ADDRESS`` on the committed sample NMEA file (read by a
    worker) gives the events of the single-process command."""
    import argparse

    from ingest import read_inputs
    from vessels.cli.detect_dask import add_arguments, detect_command, wants_cluster

    sample = Path(__file__).resolve().parents[1] / "data_samples" / "scenario"
    nmea, carriers = sample / "traffic.nmea", sample / "carriers.csv"
    ap = argparse.ArgumentParser()
    add_arguments(ap)
    args = ap.parse_args(["--scheduler", client.scheduler.address])
    assert wants_cluster(args) and not wants_cluster(ap.parse_args([]))
    args.carriers = str(carriers)
    events, summary = detect_command(args, [nmea], None)
    data = read_inputs([str(nmea)])
    single = detectors.run_detectors_full(data.positions, data.static, carriers=carriers)
    assert len(single.events) > 10
    assert_same_events(events, single.events)
    assert f"{single.tracks.n} positions" in summary and "dask workers" in summary
    with pytest.raises(SystemExit):  # one or the other, not both
        ap.parse_args(["--scheduler", "tcp://x:1", "--workers", "2"])
