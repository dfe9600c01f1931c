"""Out-of-core detection (partitions spilled to disk, one task at a time in this process)
equals the single-process run, event for event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import detectors
from tests.naive_detect import T0, H, positions_table
from tests.test_distributed import CONFIG, NARROW, assert_same_events
from vessels.scale import ScaleParams, detect_out_of_core
from vessels.scale.local import LocalClient, LocalFuture
from vessels.sim import SimConfig, simulate
from vessels.sim.bulk import ScaleConfig, simulate_scale


@pytest.fixture(scope="module")
def scenario() -> Any:
    return simulate(SimConfig(seed=11, days=3, vessels=60, n_encounters=6, n_identity=2))


def test_scenario_out_of_core_equals_single_process(scenario: Any, tmp_path: Path) -> None:
    single = detectors.run_detectors_full(scenario.positions, scenario.static, config=CONFIG)
    res = detect_out_of_core(
        scenario.positions,
        scenario.static,
        config=CONFIG,
        n_partitions=5,
        n_windows=6,
        n_bands=3,
        scale=NARROW,
        spill_root=tmp_path,
    )
    assert all(single.counts()[t] >= 1 for t in ("gap", "loitering", "encounter", "identity"))
    assert (res.n_partitions, res.n_windows, res.n_bands) == (5, 6, 3)
    assert res.removed == single.removed
    assert_same_events(res.events, single.events)
    assert list(tmp_path.iterdir()) == []  # the spill folder is gone


def test_scale_scenario_in_several_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk simulator's scenario split into three Parquet files, read by row groups of
    2,000 rows into 4 or more partitions, with the stream-form detectors sliced as above
    ``SLICE_ROWS``."""
    simulate_scale(ScaleConfig(seed=5, positions=60_000, vessels=300, days=2.0), tmp_path)
    pos = pq.read_table(tmp_path / "positions.parquet")
    static = pq.read_table(tmp_path / "static.parquet")
    files = []
    third = pos.num_rows // 3
    for k in range(3):
        files.append(str(tmp_path / f"day-{k}.parquet"))
        piece = pos.slice(k * third, third if k < 2 else pos.num_rows - 2 * third)
        pq.write_table(piece, files[-1], row_group_size=7_000)
    monkeypatch.setattr(detectors, "SLICE_ROWS", 25_000)
    single = detectors.run_detectors_full(
        pos, static, carriers=tmp_path / "carriers.csv", config=CONFIG
    )
    res = detect_out_of_core(
        files,
        static,
        carriers=tmp_path / "carriers.csv",
        config=CONFIG,
        scale=ScaleParams(rows_per_partition=15_000, rows_per_read=2_000, slice_rows=25_000),
        spill_root=tmp_path,
    )
    assert res.n_partitions >= 4 and res.n_positions == pos.num_rows
    assert sum(single.counts().values()) >= 10
    assert_same_events(res.events, single.events)


def test_local_futures_run_once_and_forget_their_inputs() -> None:
    calls: list[str] = []

    def big() -> pa.Table:
        calls.append("big")
        return pa.table({"x": list(range(1000))})

    client = LocalClient()
    a = client.submit(big)
    b = client.submit(lambda t: t.num_rows, a)
    c = client.submit(lambda t: t.num_rows * 2, a)
    assert client.gather([b, c]) == [1000, 2000]
    assert calls == ["big"]  # computed once, when first needed
    assert b._args is None and c._args is None  # nothing keeps the table alive through them
    (s,) = client.scatter([5])
    assert isinstance(s, LocalFuture) and s.result() == 5


def test_class_b_reports_count_as_in_a_single_process(tmp_path: Path) -> None:
    """A class B set with an unallocated MMSI: its invalid-MMSI event scores half (the
    partition tells which MMSIs sent type 18 reports; tracks do not carry the type)."""
    t = T0 + np.arange(0, 12 * H, 600_000, dtype=np.int64)
    b = positions_table(200_000_001, t, -45.0 + 0.001 * np.arange(t.size), -30.0, sog=6.0)
    b = b.append_column("msg_type", pa.array(np.full(t.size, 18, np.uint8)))
    a = positions_table(412_000_009, t, -44.0, -31.0 + 0.001 * np.arange(t.size), sog=6.0)
    a = a.append_column("msg_type", pa.array(np.full(t.size, 1, np.uint8)))
    pos = pa.concat_tables([a, b])
    single = detectors.run_detectors_full(pos, None, types=["identity"])
    res = detect_out_of_core(pos, None, types=["identity"], n_partitions=3, spill_root=tmp_path)
    flagged = [e for e in single.events if e.mmsi == 200_000_001]
    assert flagged and flagged[0].evidence["class_b"] is True
    assert_same_events(res.events, single.events)


def test_cli_out_of_core_writes_the_same_events(
    scenario: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vessels.cli import main

    src = tmp_path / "in"
    src.mkdir()
    half = scenario.positions.num_rows // 2
    pq.write_table(scenario.positions.slice(0, half), src / "a.parquet")
    pq.write_table(scenario.positions.slice(half), src / "b.parquet")
    a, b = tmp_path / "mem.jsonl", tmp_path / "disk.jsonl"
    assert main(["detect", str(src), "-o", str(a), "--quiet"]) == 0
    spill = tmp_path / "spill"
    spill.mkdir()
    assert main(["detect", str(src), "-o", str(b), "--out-of-core", "--spill-dir", str(spill)]) == 0
    assert "out of core" in capsys.readouterr().err
    assert b.read_text() == a.read_text() != ""
    assert list(spill.iterdir()) == []


def test_cluster_with_partitions_on_disk(scenario: Any, tmp_path: Path) -> None:
    """``spill_dir`` on a dask cluster: workers build and keep partitions in a shared folder."""
    from distributed import Client, LocalCluster

    from vessels.scale import detect_distributed_full

    single = detectors.run_detectors_full(scenario.positions, scenario.static, config=CONFIG)
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
        res = detect_distributed_full(
            scenario.positions,
            scenario.static,
            client=c,
            config=CONFIG,
            n_partitions=4,
            n_windows=3,
            n_bands=2,
            scale=NARROW,
            spill_dir=tmp_path,
        )
    assert list((tmp_path / "tracks").iterdir())  # the partitions lived on disk
    assert_same_events(res.events, single.events)
