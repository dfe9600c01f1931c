from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.naive_detect import T0, H, positions_table, track
from vessels.cli import main
from vessels.config import load_config
from vessels.errors import ConfigError

LAT, LON = -45.0, -55.0


@pytest.fixture(scope="module")
def positions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Vessel 1 silent for 20 h where 3 others are heard; a carrier drifting alone for 8 h."""
    t, lat, lon = track(LAT, LON, 60, 30, 3.0)
    keep = (t < 20 * H) | (t > 40 * H)
    tabs = [positions_table(412000001, T0 + t[keep], lat[keep], lon[keep], 3.0)]
    for k in range(3):
        t2, la2, lo2 = track(LAT + 0.1 + 0.1 * k, LON + 0.1, 60, 30, 2.0)
        tabs.append(positions_table(412000010 + k, T0 + t2, la2, lo2, 2.0))
    t3, la3, lo3 = track(LAT - 2, LON, 8, 10, 0.5)
    tabs.append(positions_table(636000001, T0 + t3, la3, lo3, 0.5))
    path = tmp_path_factory.mktemp("in") / "positions.parquet"
    pq.write_table(pa.concat_tables(tabs), path)
    return path


def test_detect_writes_every_format(
    positions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    carriers = tmp_path / "carriers.csv"
    carriers.write_text("mmsi\n636000001\n")
    out = tmp_path / "events.jsonl"
    rc = main(["detect", str(positions), "-o", str(out), "--carriers", str(carriers)])
    assert rc == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    types = {(r["type"], r["mmsi"]) for r in rows}
    assert ("gap", 412000001) in types and ("loitering", 636000001) in types
    assert all(0 <= r["score"] <= 1 and r["reasons"] and r["event_id"] for r in rows)
    err = capsys.readouterr().err
    assert "positions" in err and "gap 1" in err
    for ext in (".csv", ".parquet", ".geojson", ".kml"):
        o = tmp_path / f"events{ext}"
        assert main(["detect", str(positions), "-o", str(o), "--quiet", "--types", "gap"]) == 0
        assert o.stat().st_size > 0


def test_types_and_min_score_filter(positions: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    assert main(["detect", str(positions), "-o", str(out), "--types", "loitering", "--quiet"]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert {r["type"] for r in rows} == {"loitering"}
    assert main(["detect", str(positions), "-o", str(out), "--min-score", "0.99", "--quiet"]) == 0
    assert out.read_text() == ""


def test_config_file_changes_parameters(positions: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "p.toml"
    # [scoring] is not read by `detect` but is checked: one file serves every command
    cfg.write_text("[gap]\nmin_gap_h = 30\n\n[scoring]\nweight_gap = 0.5\n")
    out = tmp_path / "e.jsonl"
    assert main(["detect", str(positions), "-o", str(out), "--config", str(cfg), "--quiet"]) == 0
    assert "gap" not in {json.loads(x)["type"] for x in out.read_text().splitlines()}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--types", "gap,bogus"], "unknown detector type 'bogus'"),
        (["--config", "CFG"], "unknown key"),
        (["-o", "OUT.txt"], "unknown output format"),
        (["--carriers", "MISSING"], "no such file"),
        (["--min-score", "2"], "--min-score"),
    ],
)
def test_bad_options_are_clear_errors(
    positions: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[loitering]\nmax_speed_knots = 2\n")
    args = [a.replace("CFG", str(cfg)).replace("OUT", str(tmp_path / "o")) for a in args]
    args = [str(tmp_path / a) if a == "MISSING" else a for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "e.jsonl")]
    assert main(["detect", str(positions), *args]) == 1
    assert message in capsys.readouterr().err


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown table"):
        load_config({"gapp": {}})
    with pytest.raises(ConfigError, match="must be a number"):
        load_config({"gap": {"min_gap_h": "12"}})
    with pytest.raises(ConfigError, match="true or false"):
        load_config({"gap": {"naive": 1}})
    # every table is checked, also those of other commands; none is passed through unread
    with pytest.raises(ConfigError, match=r"\[scoring\] has unknown key"):
        load_config({"scoring": {"anything": 1}})
    for table in ("ingest", "watch", "serve"):  # a table is known once a feature reads it
        with pytest.raises(ConfigError, match=r"unknown (table|key)"):
            load_config({table: {"anything": 1}})
    cfg = load_config({"gap": {"min_gap_h": 6}, "tracks": {"max_speed_kn": 40}})
    assert cfg.tables["gap"].min_gap_h == 6.0 and cfg.tables["tracks"].max_speed_kn == 40.0


def test_real_marinecadastre_day(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "marinecadastre_20220103_vesselsummaryais" / "AISdata_2022-01-03.csv.xz"
    out = tmp_path / "mc.jsonl"
    assert main(["detect", str(src), "-o", str(out), "--types", "gap,loitering", "--quiet"]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    gaps = [r for r in rows if r["type"] == "gap"]
    # One US coastal day (terrestrial receivers, 10,630 MMSIs): a handful of >= 12 h silences
    # start over 50 nm out, nearly all explained by the coverage edge.
    assert 3 <= len(gaps) <= 40
    assert sum(r["score"] >= 0.5 for r in gaps) <= 3
    for r in gaps:
        ev = json.loads(r["evidence"]) if isinstance(r["evidence"], str) else r["evidence"]
        assert ev["distance_from_shore_km_off"] > 92.6 and ev["duration_h"] >= 12
