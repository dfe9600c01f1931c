"""What ``vessels simulate`` writes: every format, the SAR files, determinism to the byte,
the project's own readers on the output, and the scale mode."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from vessels.cli import main
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA
from vessels.sim import SimConfig, simulate
from vessels.sim.bulk import ScaleConfig, simulate_scale
from vessels.sim.writers import MARINECADASTRE, write_scenario

FILES = ("truth.json", "sar_detections.csv", "sar_scenes.geojson", "carriers.csv")


def test_cli_writes_byte_identical_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", "--seed", "3", "--days", "1", "--vessels", "20"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert "truth:" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "b"), "--quiet"]) == 0
    for name in ("traffic.nmea", *FILES):
        a, b = (tmp_path / d / name for d in ("a", "b"))
        assert a.read_bytes() == b.read_bytes(), name
        assert a.stat().st_size > 100


def test_make_samples_reproduces_data_samples(tmp_path: Path) -> None:
    """`make samples` (its recipe read from the Makefile) writes data_samples/ byte for byte."""
    root = Path(__file__).resolve().parents[1]
    recipe = (root / "Makefile").read_text().split("\nsamples:", 1)[1].split("\n\n", 1)[0]
    args = recipe.replace("\\\n", " ").split("vessels simulate", 1)[1].split()
    at = args.index("--out")
    committed = root / args[at + 1]
    args[at + 1] = str(tmp_path)
    assert main(["simulate", *args, "--quiet"]) == 0
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_outputs_readable_by_the_project(tmp_path: Path) -> None:
    from ingest import read_inputs
    from ingest.sar import read_detections
    from vessels.registry import read_vessel_list

    sc = simulate(SimConfig(seed=9, days=1, vessels=24))
    write_scenario(sc, tmp_path, "nmea")
    got = read_inputs([str(tmp_path / "traffic.nmea")])
    assert got.positions.num_rows == sc.positions.num_rows
    assert set(got.positions.column("mmsi").to_pylist()) == set(
        sc.positions.column("mmsi").to_pylist()
    )
    assert sum(got.stats.rejects.values()) > 0  # the damaged lines are counted, not lost silently
    sar = read_detections(
        [str(tmp_path / "sar_detections.csv"), str(tmp_path / "sar_scenes.geojson")]
    )
    assert sar.detections.num_rows == len(sc.sar.detections)
    assert sar.scenes.num_rows == len(sc.sar.scenes) and sar.stats.scenes_without_footprint == 0
    mmsis, _ = read_vessel_list(tmp_path / "carriers.csv")
    assert mmsis == {v.mmsi for v in sc.vessels if v.kind == "carrier"}
    gj = json.loads((tmp_path / "sar_scenes.geojson").read_text())
    assert [f["properties"]["scene_id"] for f in gj["features"]] == [
        s.scene_id for s in sc.sar.scenes
    ]
    ring = gj["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    from shapely.geometry import Point, Polygon

    poly = Polygon(ring)
    assert poly.exterior.is_ccw and poly.is_valid
    sc0 = sc.sar.scenes[0]
    assert poly.contains(Point(sc0.lon, sc0.lat))
    assert 150e3 < (poly.area * 111e3 * 111e3 * np.cos(np.radians(sc0.lat))) ** 0.5 < 300e3
    with open(tmp_path / "sar_detections.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "detection_id",
        "scene_id",
        "t",
        "lat",
        "lon",
        "length_m",
        "heading_deg",
        "confidence",
    ]
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert {d["detection_id"] for d in truth["sar"]["detections"]} == {
        r["detection_id"] for r in rows
    }


def test_csv_and_parquet_formats(tmp_path: Path) -> None:
    sc = simulate(SimConfig(seed=9, days=1, vessels=24))
    write_scenario(sc, tmp_path / "c", "csv")
    with open(tmp_path / "c" / "traffic.csv") as fh:
        r = csv.reader(fh)
        assert tuple(next(r)) == MARINECADASTRE
        assert sum(1 for _ in r) == sc.positions.num_rows
    from ingest import read_inputs

    got = read_inputs([str(tmp_path / "c" / "traffic.csv")])
    assert got.positions.num_rows == sc.positions.num_rows and not got.stats.rejects
    write_scenario(sc, tmp_path / "p", "parquet")
    pos = pq.read_table(tmp_path / "p" / "positions.parquet")
    assert pos.schema.equals(POSITIONS_SCHEMA) and pos.equals(sc.positions)
    assert pq.read_table(tmp_path / "p" / "static.parquet").schema.equals(STATIC_SCHEMA)


def test_bad_arguments_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--out", str(tmp_path), "--days", "0.1"]) == 1
    assert "--days" in capsys.readouterr().err
    assert main(["simulate", "--out", str(tmp_path), "--vessels", "3"]) == 1
    (tmp_path / "afile").write_text("x")
    assert main(["simulate", "--out", str(tmp_path / "afile")]) == 1
    assert "folder" in capsys.readouterr().err
    assert main(["simulate", "--scale", "--positions", "10", "--out", str(tmp_path)]) == 1


def test_scale_mode_small(tmp_path: Path) -> None:
    res = simulate_scale(
        ScaleConfig(seed=1, positions=60_000, vessels=300, chunk_vessels=100), tmp_path
    )
    f = pq.ParquetFile(tmp_path / "positions.parquet")
    assert f.schema_arrow.equals(POSITIONS_SCHEMA) and f.metadata.num_row_groups == 3
    pos = f.read()
    assert pos.num_rows == res.positions and 59_500 < res.positions <= 61_000
    truth = json.loads((tmp_path / "truth.json").read_text())
    types = {e["type"] for e in truth["events"]}
    assert {"gap", "encounter", "loitering", "identity"} <= types
    # a gap really is silent, and the encounter pair really is close
    from kernels.geo import haversine_m

    mm = pos.column("mmsi").to_numpy()
    t = pos.column("t").cast("int64").to_numpy()
    lat, lon = pos.column("lat").to_numpy(), pos.column("lon").to_numpy()
    from datetime import datetime

    def ms(s: str) -> int:
        return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)

    for e in truth["events"]:
        a, b = ms(e["start"]), ms(e["end"])
        if e["type"] == "gap":
            sel = (mm == e["mmsi"]) & (t > a) & (t < b)
            assert not sel.any() and b - a >= 12 * 3_600_000
        if e["type"] == "encounter":
            f_ = np.nonzero((mm == e["other_mmsi"]) & (t >= a) & (t <= b))[0]
            c_ = np.nonzero(mm == e["mmsi"])[0]
            for i in f_[:5]:
                la = np.interp(t[i], t[c_], lat[c_])
                lo = np.interp(t[i], t[c_], lon[c_])
                assert haversine_m(lat[i], lon[i], la, lo) < 500
    res2 = simulate_scale(
        ScaleConfig(seed=1, positions=60_000, vessels=300, chunk_vessels=100), tmp_path / "again"
    )
    assert pq.read_table(tmp_path / "again" / "positions.parquet").equals(pos)
    assert res2.events == res.events


def test_scale_truth_meets_the_definitions_near_islands(tmp_path: Path) -> None:
    # A box round the Pitcairn Islands: the truth must still hold only events that meet their
    # definitions, measured with the detectors' own shore grid: gaps start > 50 nm from
    # shore, loitering >= 20 nm offshore and >= 4 h of slow reports, encounters >= 2 h.
    from datetime import datetime

    from vessels.geo import distance_to_shore_km

    cfg = ScaleConfig(
        seed=3, positions=40_000, vessels=200, chunk_vessels=100, box=(-30.0, -20.0, -134.0, -124.0)
    )
    simulate_scale(cfg, tmp_path)
    pos = pq.read_table(tmp_path / "positions.parquet")
    truth = json.loads((tmp_path / "truth.json").read_text())
    mm = pos.column("mmsi").to_numpy()
    t = pos.column("t").cast("int64").to_numpy()
    lat, lon = pos.column("lat").to_numpy(), pos.column("lon").to_numpy()
    shore_km = distance_to_shore_km(lat, lon)
    assert (shore_km < 50 * 1.852).sum() > 100  # the islands are in play

    def ms(s: str) -> int:
        return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)

    kinds = set()
    for e in truth["events"]:
        a, b = ms(e["start"]), ms(e["end"])
        kinds.add(e["type"])
        own = mm == e["mmsi"]
        if e["type"] == "gap":
            i = np.flatnonzero(own & (t == a))
            assert i.size and shore_km[i[0]] > 50 * 1.852
        elif e["type"] == "loitering":
            sel = own & (t >= a) & (t <= b)
            assert b - a >= 4 * 3_600_000 and shore_km[sel].min() >= 20 * 1.852
        elif e["type"] == "encounter":
            assert b - a >= 2 * 3_600_000
    assert {"gap", "loitering", "encounter"} <= kinds
