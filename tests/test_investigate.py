from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.investigate_fixtures import (
    EVIL_CSV,
    EVIL_HTML,
    events_for,
    positions_table,
    static_table,
)
from vessels.cli import main
from vessels.errors import InputError, NoDataError
from vessels.pipeline.investigate import OUTPUT_FILES, PipelineResult, run_pipeline, write_outputs

GAP, ENC_A, ENC_B, LOIT = 224_000_001, 224_000_002, 224_000_003, 224_000_004


def _pipeline() -> PipelineResult:
    pos = positions_table(n_vessels=6, gap_mmsi=GAP)
    st = static_table({GAP: ["OCEAN ONE", EVIL_HTML], ENC_A: [EVIL_CSV], ENC_B: ["REEFER STAR"]})
    return run_pipeline(pos, st, events=events_for(GAP, (ENC_A, ENC_B), LOIT))


def _write(p: PipelineResult, out: Path, config: dict | None = None) -> dict:
    _, summary = write_outputs(
        out,
        p,
        config=config or {},
        inputs=[],
        sar_inputs=[],
        carriers=None,
        started=time.perf_counter(),
        timings={},
    )
    return summary


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineResult, Path]:
    p = _pipeline()
    out = tmp_path_factory.mktemp("inv") / "out"
    _write(p, out)
    return p, out


def test_outputs_complete_and_ranked(result: tuple[PipelineResult, Path]) -> None:
    _, out = result
    assert sorted(x.name for x in out.iterdir()) == sorted(OUTPUT_FILES)
    rows = list(csv.DictReader((out / "vessels.csv").open(encoding="utf-8")))
    assert len(rows) == 6  # every vessel, flagged or not
    scores = [float(r["risk_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    # gap 0.8 x 0.9 > encounter 0.8 x 0.8 (both vessels) > loitering 0.8 x 0.6
    assert [int(r["mmsi"]) for r in rows[:4]] == [GAP, ENC_A, ENC_B, LOIT]
    top = rows[0]
    assert top["n_gap"] == "1" and "AIS gap" in top["top_reasons"]
    assert float(top["risk_score"]) == pytest.approx(0.72)
    assert top["flag"].startswith("ES") and top["ship_type"] == "Fishing"
    assert rows[-1]["risk_score"] == "0.0000" and rows[-1]["top_reasons"] == ""
    pt = pq.read_table(out / "vessels.parquet")
    assert pt.column("mmsi").to_pylist() == [int(r["mmsi"]) for r in rows]
    assert pt.column("name").to_pylist()[:2] == [EVIL_HTML, EVIL_CSV]  # data keeps true text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["flagged_vessels"] == 4
    assert summary["counts"]["events_by_type"]["dark_detection"] == 1
    assert summary["parameters"]["scoring"]["weight_gap"] == 0.8
    assert summary["software"]["name"] == "vessels" and "run_time_s" in summary


def test_hostile_names_are_inert_in_every_output(result: tuple[PipelineResult, Path]) -> None:
    _, out = result
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<IMG" not in html.upper().replace("\\U003CIMG", "")  # only as \u003c inside JSON
    assert "\\u003cIMG SRC=X ONERROR=ALERT(1)\\u003e" in html
    kml = (out / "events.kml").read_text(encoding="utf-8")
    assert "<b>" not in kml and "&lt;b&gt;" in kml
    # every CSV cell that starts with = + - @ is neutralised, in both CSV outputs
    for name in ("vessels.csv", "events.csv"):
        for row in csv.reader((out / name).open(encoding="utf-8")):
            for cell in row:
                assert not cell.startswith(("=", "+", "@")), (name, cell)
                if cell.startswith("-"):
                    float(cell)  # only negative numbers may start with a minus
    vrows = {r["mmsi"]: r for r in csv.DictReader((out / "vessels.csv").open(encoding="utf-8"))}
    assert vrows[str(ENC_A)]["name"] == "'" + EVIL_CSV
    assert vrows[str(GAP)]["name"] == EVIL_HTML  # harmless in CSV, kept as is
    gj = json.loads((out / "events.geojson").read_text(encoding="utf-8"))
    assert len(gj["features"]) == 5


def test_rerun_is_byte_identical(result: tuple[PipelineResult, Path], tmp_path: Path) -> None:
    _, out = result
    out2 = tmp_path / "again"
    _write(_pipeline(), out2)
    for name in OUTPUT_FILES:
        a, b = (out / name).read_bytes(), (out2 / name).read_bytes()
        if name == "summary.json":
            ja, jb = json.loads(a), json.loads(b)
            for j in (ja, jb):
                j.pop("run_time_s")
                j.pop("stage_seconds")
            assert ja == jb
        else:
            assert a == b, name


def test_interrupted_run_keeps_previous_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _pipeline()
    out = tmp_path / "out"
    _write(p, out)
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    def boom(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("dashboards.report.write_report", boom)
    with pytest.raises(KeyboardInterrupt):
        _write(p, out)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    assert [x.name for x in tmp_path.iterdir()] == ["out"]  # no partial folder left behind
    # a first run that fails leaves nothing that looks like a result
    with pytest.raises(KeyboardInterrupt):
        _write(p, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(InputError, match="non-empty folder"):
        _write(_pipeline(), tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "precious"


def test_profiles_history_and_same_imo() -> None:
    from vessels.pipeline.profiles import build_profiles

    st = static_table(
        {GAP: ["OCEAN ONE", "OCEAN TWO"], 412_000_001: ["OCEAN TWO"], ENC_A: ["X"]},
        imo={GAP: 9_074_729, 412_000_001: 9_074_729},
    )
    prof = build_profiles(st, {GAP, 412_000_001, ENC_A, 999})
    g = prof[GAP]
    assert [h["name"] for h in g.history] == ["OCEAN ONE", "OCEAN TWO"]
    assert g.name == "OCEAN TWO" and g.flag == "ES Spain" and g.ship_type == "Fishing"
    assert [o["mmsi"] for o in g.same_imo] == [412_000_001]
    assert g.same_imo[0]["flag"] == "CN China"  # one hull, two flags
    assert prof[412_000_001].same_imo[0]["mmsi"] == GAP
    assert prof[ENC_A].same_imo == [] and prof[999].history == []


def test_no_positions_is_a_clear_error() -> None:
    pos = positions_table(n_vessels=1).slice(0, 0)
    with pytest.raises(NoDataError, match="no position reports"):
        run_pipeline(pos, None, events=None)


def test_scoring_config_changes_ranking(tmp_path: Path) -> None:
    p = _pipeline()
    cfg = {"scoring": {"weight_gap": 0.1}}
    p2 = run_pipeline(positions_table(n_vessels=6, gap_mmsi=GAP), None, events=p.events, config=cfg)
    summary = _write(p2, tmp_path / "o", cfg)
    assert summary["top_vessels"][0]["mmsi"] == ENC_A
    assert summary["parameters"]["scoring"]["weight_gap"] == 0.1


# --- the command line ----------------------------------------------------------------------


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["investigate", str(tmp_path / "nope.nmea"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1 and "nope.nmea" in err and "no such file" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_cli_no_positions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # valid AIS, but only a static report (type 24A): vessels known, no position at all
    f = tmp_path / "static_only.nmea"
    f.write_text("\\c:1635724800*51\\!AIVDM,1,1,,A,H3EWp0A@E=@00000000000000000,0*06\n")
    rc = main(["investigate", str(f), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1 and "no position" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_cli_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "photo.jpg"
    f.write_bytes(bytes(range(256)) * 4)
    rc = main(["investigate", str(f), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1 and "photo.jpg" in err and "Traceback" not in err


def test_cli_bad_config(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "p.toml"
    cfg.write_text("[scoring]\nweight_gapp = 0.3\n")
    nm = shared_data / "aisdb_nmea_tagblock_20211101" / "test_data_20211101.nm4"
    rc = main(
        ["investigate", str(nm), "--config", str(cfg), "--out", str(tmp_path / "o"), "--quiet"]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "weight_gapp" in err and "Traceback" not in err


def test_cli_on_real_nmea(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nm = shared_data / "aisdb_nmea_tagblock_20211101" / "test_data_20211101.nm4"
    out = tmp_path / "o"
    rc = main(["investigate", str(nm), "--out", str(out), "--quiet"])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "vessels investigate:" in text and "positions of" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["inputs"][0]["sha256"] and summary["inputs"][0]["bytes"] == nm.stat().st_size
    assert summary["counts"]["vessels"] > 100
    ing = summary["counts"]["ingest"]  # every line of the file in one count (1,000 lines)
    assert ing["lines"] == 1000
    assert sum(ing["outcomes"].values()) + sum(ing["rejects"].values()) == 1000
    rows = list(csv.DictReader((out / "vessels.csv").open(encoding="utf-8")))
    assert len(rows) == summary["counts"]["vessels"]


def test_cli_missing_carrier_list(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nm = shared_data / "aisdb_nmea_tagblock_20211101" / "test_data_20211101.nm4"
    rc = main(
        [
            "investigate",
            str(nm),
            "--carriers",
            str(tmp_path / "c.csv"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "c.csv" in err and "carrier" in err and "Traceback" not in err


def test_find_carriers_beside_file_or_in_folder(tmp_path: Path) -> None:
    from vessels.pipeline.investigate import find_carriers

    (tmp_path / "traffic.nmea").write_text("")
    assert find_carriers([tmp_path / "traffic.nmea"]) is None
    (tmp_path / "carriers.csv").write_text("mmsi\n1\n")
    assert find_carriers([tmp_path / "traffic.nmea"]) == tmp_path / "carriers.csv"
    assert find_carriers([tmp_path]) == tmp_path / "carriers.csv"


def test_cli_port_list_removes_in_port_encounters_on_the_suez_queue(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The Ever Given queue (anonymised ids): ships moored side by side in Suez port basins look
    # like encounters "12 km from the nearest port", as Suez (EGSUZ) is not among the built-in
    # (searoute) ports. GFW's World Port Index list given with --anchorages knows it.
    from vessels.anchorages import read_anchorages_csv
    from vessels.geo import PortIndex

    suez = shared_data / "movingpandas_evergiven_suez" / "boat-positions.csv"
    wpi = shared_data / "gfw_ports_anchorages" / "WPI_ports.csv"
    common = [
        "investigate",
        str(suez),
        "--columns",
        "mmsi=ID,t=ais_pos_timestamp,lon=longitude,lat=latitude",
    ]
    found = {}
    for name, extra in (("plain", []), ("ports", ["--anchorages", str(wpi)])):
        out = tmp_path / name
        assert main([*common, *extra, "--out", str(out), "--quiet"]) == 0, capsys.readouterr()
        found[name] = pq.read_table(out / "events.parquet").to_pylist()
        summary = json.loads((out / "summary.json").read_text())
    assert summary["anchorages"]["sha256"] and summary["anchorages"]["bytes"] == wpi.stat().st_size
    enc_plain = [e for e in found["plain"] if e["type"] == "encounter"]
    enc_ports = [e for e in found["ports"] if e["type"] == "encounter"]
    assert len(enc_ports) < len(enc_plain)
    u = read_anchorages_csv(wpi)
    ports = PortIndex(u.lat, u.lon, u.name, tuple("" for _ in u.name))
    d_plain, _ = ports.nearest([e["lat"] for e in enc_plain], [e["lon"] for e in enc_plain])
    d_ports, _ = ports.nearest([e["lat"] for e in enc_ports], [e["lon"] for e in enc_ports])
    assert (d_plain < 10.0).any()  # in-port meetings were reported without the list
    assert (d_ports >= 10.0).all()  # and none is within GFW's 10 km of a listed port with it
    rc = main([*common, "--anchorages", str(tmp_path / "none.csv"), "--out", str(tmp_path / "x")])
    assert rc == 1 and "none.csv" in capsys.readouterr().err
