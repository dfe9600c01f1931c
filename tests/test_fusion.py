"""Detection-to-AIS matching, dark events, and the fuse command on simulated scenes."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detectors.gap import GapParams
from ingest.sar import DETECTIONS_SCHEMA, SCENES_SCHEMA, SarInput, SarStats, read_detections
from kernels.geo import destination
from tests.naive_fusion import make_tracks
from vessels.evaluate.matches import match_accuracy
from vessels.events import Event
from vessels.fusion.dark import DarkParams, dark_detections, dark_rendezvous, enrich_gaps
from vessels.fusion.matching import MatchParams, match_detections

T = 1_700_000_000_000
H = 3_600_000
FOOT = "POLYGON((-1 -1, 1 -1, 1 1, -1 1, -1 -1))"


def _sar(
    dets: list[tuple[str, float, float, float]], t: int = T, foot: str | None = FOOT
) -> SarInput:
    n = len(dets)
    det = pa.table(
        {
            "detection_id": [d[0] for d in dets], "scene_id": ["S"] * n,
            "t": pa.array([t] * n, pa.int64()).cast(DETECTIONS_SCHEMA.field("t").type),
            "lat": [d[1] for d in dets], "lon": [d[2] for d in dets],
            "length_m": [d[3] for d in dets], "heading_deg": [float("nan")] * n,
            "confidence": [0.9] * n,
        },
        schema=DETECTIONS_SCHEMA,
    )  # fmt: skip
    sc = pa.table(
        {"scene_id": ["S"], "t": pa.array([t], pa.int64()).cast(SCENES_SCHEMA.field("t").type),
         "footprint": [foot]},
        schema=SCENES_SCHEMA,
    )  # fmt: skip
    return SarInput(det, sc, SarStats())


def _shore(lat: object, lon: object) -> np.ndarray:
    return np.full(np.asarray(lat).shape, 500.0)  # open ocean


def _straight(mmsi: int, lat: float, lon: float, sog: float, cog: float, every_min: int = 10):
    rows = []
    for k in range(-12, 13):
        tt = T + k * every_min * 60_000 + 17_000
        la, lo = destination(lat, lon, cog, sog * 1852 / 3600 * (tt - T) / 1000)
        rows.append((mmsi, tt, la, lo, sog, cog))
    return rows


def test_random_scene_precision_recall() -> None:
    rng = np.random.default_rng(0)
    rows, dets, truth = [], [], []
    for v in range(120):
        lat, lon = rng.uniform(-0.9, 0.9, 2)
        rows += _straight(200_000_000 + v, lat, lon, rng.uniform(0, 12), rng.uniform(0, 360))
        if rng.random() < 0.9:
            la, lo = destination(lat, lon, rng.uniform(0, 360), abs(rng.normal(0, 100)))
            dets.append((f"d{v}", la, lo, float("nan")))
            truth.append({"detection_id": f"d{v}", "scene_id": "S", "mmsi": 200_000_000 + v})
    for k in range(10):
        dets.append((f"x{k}", *rng.uniform(-0.9, 0.9, 2), float("nan")))
        truth.append({"detection_id": f"x{k}", "scene_id": "S", "mmsi": None})
    res = match_detections(_sar(dets), make_tracks(rows))
    acc = match_accuracy(res, {"sar": {"detections": truth, "missed": []}})
    assert acc.ais_precision >= 0.97 and acc.ais_recall >= 0.97
    assert acc.dark_precision >= 0.9 and acc.dark_recall >= 0.9
    # undetected vessels in the footprint are reported as missed
    assert res.missed.num_rows >= 120 - len(truth) + 10 - 3
    greedy = match_detections(
        _sar(dets), make_tracks(rows), params=MatchParams(assignment="greedy")
    )
    assert greedy.stats["matched"] >= res.stats["matched"] - 3


def test_lengths_resolve_two_vessels_side_by_side() -> None:
    rows = _straight(1, 0.0, 0.0, 0.5, 90) + _straight(2, 0.0, 0.002, 0.5, 90)  # 220 m apart
    lengths = {1: 200.0, 2: 30.0}
    # detections swapped in position relative to the AIS, lengths tell them apart
    dets = [("long", 0.0, 0.0021, 190.0), ("short", 0.0, 0.0001, 28.0)]
    res = match_detections(_sar(dets), make_tracks(rows), lengths=lengths)
    got = dict(zip(res.matches.column("detection_id").to_pylist(),
                   res.matches.column("mmsi").to_pylist(), strict=True))  # fmt: skip
    assert got == {"long": 1, "short": 2}
    res0 = match_detections(_sar(dets), make_tracks(rows))
    got0 = dict(zip(res0.matches.column("detection_id").to_pylist(),
                    res0.matches.column("mmsi").to_pylist(), strict=True))  # fmt: skip
    assert got0 == {"long": 2, "short": 1}  # without lengths, distance decides


def test_vessel_outside_footprint_and_silent_vessel_not_matched() -> None:
    rows = _straight(1, 1.3, 0.0, 0.0, 0)  # well outside the footprint
    silent = [(2, T - 14 * H, 0.5, 0.5, 0.0, 0.0), (2, T + 14 * H, 0.5, 0.5, 0.0, 0.0)]
    dets = [("a", 1.3, 0.0, float("nan")), ("b", 0.5, 0.5, float("nan"))]
    res = match_detections(_sar(dets, foot="POLYGON((-1 -1, 1 -1, 1 1, -1 1, -1 -1))"),
                           make_tracks(rows + silent))  # fmt: skip
    assert res.matches.column("mmsi").to_pylist() == [None, None]
    assert res.missed.num_rows == 0


def test_dark_events_and_gap_enrichment() -> None:
    carrier = [(9, T + k * 20 * 60_000, -30.0, 10.0, 0.3, 0.0) for k in range(-12, 13)]
    partner = [(7, T - 20 * H, -30.5, 10.0, 4.0, 0.0), (7, T + 20 * H, -29.5, 10.0, 4.0, 0.0)]
    tracks = make_tracks(carrier + partner)
    dets = [("beside", -30.0, 10.004, float("nan")), ("carrier", -30.0, 10.0, float("nan")),
            ("alone", -29.0, 11.0, float("nan"))]  # fmt: skip
    res = match_detections(_sar(dets, foot=None), tracks)
    assert res.matches.column("mmsi").to_pylist()[1] == 9
    dd = dark_detections(res, shore_km=_shore)
    assert sorted(e.evidence["detection_id"] for e in dd) == ["alone", "beside"]
    assert all(e.mmsi is None and e.score > 0.5 for e in dd)
    rv = dark_rendezvous(res, tracks, shore_km=_shore)
    assert len(rv) == 1 and rv[0].mmsi == 9 and rv[0].evidence["detection_id"] == "beside"
    assert rv[0].evidence["partner_mmsi"] == 7
    assert rv[0].start_ms <= T <= rv[0].end_ms and rv[0].score > 0.5
    # gaps as the gap detector stores them: the text is regenerated from this evidence
    gap_evidence = {
        "duration_h": 40.0,
        "distance_nm": 60.0,
        "implied_speed_kn": 1.5,
        "distance_from_shore_km_off": 400.0,
        "positions_before_12h": 20,
        "cell_positions_per_vessel_day": 30.0,
        "cell_vessel_hours_during_gap": 50,
        "data_hole_h": 0.0,
        "meets_gap_rule": True,
        "rule": asdict(GapParams()),
    }
    gap = Event("gap", 7, T - 20 * H, T + 20 * H, -30.0, 10.0, 0.6, ["silent"], gap_evidence)
    other = Event("gap", 9, T - 40 * H, T - 30 * H, -30.0, 10.0, 0.6, ["silent"], gap_evidence)
    out = enrich_gaps([gap, other], res, tracks)
    boost = DarkParams().gap_score_boost  # the gap's 0.6 raised by imagery: 1 - 0.4 * (1 - boost)
    assert out[0].score == pytest.approx(1 - (1 - gap.score) * (1 - boost))
    assert out[0].evidence["imagery"]["detection_id"] in (
        "beside", "alone")  # fmt: skip
    assert out[1] is other
    near_shore = dark_detections(res, shore_km=lambda la, lo: np.full(np.shape(la), 0.2))
    assert all(e.score < 0.5 for e in near_shore)
    with pytest.raises(Exception, match="gap_score_boost"):
        DarkParams(gap_score_boost=2.0)


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vessels.cli import main

    out = tmp_path_factory.mktemp("scenario")
    rc = main(["simulate", "--out", str(out), "--seed", "7", "--days", "3", "--vessels", "60",
               "--format", "parquet", "--quiet"])  # fmt: skip
    assert rc == 0
    return out


def test_simulated_scenes_meet_targets(scenario: Path) -> None:
    from vessels.evaluate.events import evaluate, load_truth
    from vessels.fusion.fuse import fuse_tables

    sar = read_detections([scenario / "sar_detections.csv", scenario / "sar_scenes.geojson"])
    res = fuse_tables(
        pq.read_table(scenario / "positions.parquet"), pq.read_table(scenario / "static.parquet"),
        sar, carriers=scenario / "carriers.csv",
    )  # fmt: skip
    acc = match_accuracy(res.match, scenario / "truth.json")
    assert acc.ais_precision >= 0.95 and acc.ais_recall >= 0.95, acc.summary()
    assert acc.dark_precision >= 0.9 and acc.dark_recall >= 0.9, acc.summary()
    ev = evaluate(res.events, load_truth(scenario / "truth.json"),
                  types=("dark_detection", "dark_rendezvous"))  # fmt: skip
    d = ev.as_dict()
    text = json.dumps(d)
    for typ in ("dark_detection", "dark_rendezvous"):
        assert d[typ]["precision"] >= 0.9 and d[typ]["recall"] >= 0.9, text
    # the simulator's shifted-clock receiver is found
    params = json.loads((scenario / "truth.json").read_text())["params"]
    shifted = set(params.get("receiver_clock_offsets_s", {}))
    assert res.merge is not None  # the scenario has several receivers: they were merged
    assert shifted and shifted <= set(res.merge.clock.column("receiver").to_pylist())


def test_fuse_command(scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vessels.cli import main
    from vessels.eventio import read_events

    out = tmp_path / "ev.jsonl"
    rc = main(["fuse", str(scenario / "positions.parquet"), "--sar",
               str(scenario / "sar_detections.csv"), str(scenario / "sar_scenes.geojson"),
               "-o", str(out), "--matches", str(tmp_path / "m.csv"), "--missed",
               str(tmp_path / "missed.parquet"), "--truth", str(scenario / "truth.json")])  # fmt: skip
    assert rc == 0
    text = capsys.readouterr().out
    assert "precision" in text and "matched to AIS" in text
    types = set(read_events(out).column("type").to_pylist())
    assert {"dark_detection", "dark_rendezvous"} <= types
    # one row per detection, matched or not, under a header
    n_detections = read_detections([scenario / "sar_detections.csv"]).detections.num_rows
    assert (tmp_path / "m.csv").read_text().count("\n") == 1 + n_detections
    assert main(["fuse", str(scenario / "positions.parquet"), "--sar", str(tmp_path / "no.csv"),
                 "-o", str(out)]) == 1  # fmt: skip


def test_empty_inputs_and_formula_cells(tmp_path: Path) -> None:
    from vessels.cli.fuse import write_table

    rows = _straight(1, 0.0, 0.0, 5.0, 45)
    res = match_detections(_sar([]), make_tracks(rows))  # a scene with nothing detected
    assert res.matches.num_rows == 0 and res.missed.num_rows == 1  # the vessel was missed
    assert res.missed.column("mmsi").to_pylist() == [1]
    assert dark_detections(res, shore_km=_shore) == []
    far = match_detections(_sar([("d", 0.0, 0.0, float("nan"))], t=T + 48 * H), make_tracks(rows))
    assert far.matches.column("mmsi").to_pylist() == [None] and far.projections.num_rows == 0
    evil = match_detections(_sar([("=HYPERLINK(1)", 5.0, 5.0, float("nan"))]), make_tracks(rows))
    write_table(evil.matches, tmp_path / "m.csv")
    text = (tmp_path / "m.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text
    with pytest.raises(Exception, match="assignment"):
        MatchParams(assignment="magic")


def test_heading_and_buoy_length_decide_between_close_vessels() -> None:
    # two vessels 300 m apart steaming at 10 kn, one north, one east; the detection between
    # them points east (or west: bow and stern look alike)
    rows = _straight(1, 0.0, 0.0, 10.0, 0.0, every_min=5) + _straight(
        2, 0.0, 0.0027, 10.0, 90.0, every_min=5
    )
    sar = _sar([("d", 0.0, 0.00135, float("nan"))])
    det = sar.detections.set_column(
        sar.detections.schema.get_field_index("heading_deg"), "heading_deg",
        pa.array([271.0]),
    )  # fmt: skip
    res = match_detections(SarInput(det, sar.scenes, SarStats()), make_tracks(rows))
    assert res.matches.column("mmsi").to_pylist() == [2]
    assert res.matches.column("ais_silence_h").to_pylist()[0] == pytest.approx(5 / 60)
    north = det.set_column(det.schema.get_field_index("heading_deg"), "heading_deg",
                           pa.array([181.0]))  # fmt: skip
    res = match_detections(SarInput(north, sar.scenes, SarStats()), make_tracks(rows))
    assert res.matches.column("mmsi").to_pylist() == [1]
    # a 40 m detection right on a gear buoy (99 block, no length reported) stays unmatched
    buoy = [(991_234_567, T + k * 30 * 60_000, 0.5, 0.5, 0.1, 0.0) for k in range(-6, 7)]
    res = match_detections(_sar([("b", 0.5, 0.5005, 40.0)]), make_tracks(buoy))
    assert res.matches.column("mmsi").to_pylist() == [None]
    res = match_detections(_sar([("b", 0.5, 0.5005, float("nan"))]), make_tracks(buoy))
    assert res.matches.column("mmsi").to_pylist() == [991_234_567]  # unknown length: matched


def test_rendezvous_detection_goes_to_nearest_slow_vessel_only() -> None:
    a = [(9, T + k * 20 * 60_000, -30.0, 10.0, 0.3, 0.0) for k in range(-12, 13)]
    b = [(8, T + k * 20 * 60_000, -30.0, 10.012, 0.3, 0.0) for k in range(-12, 13)]  # 1.2 km
    buoy = [(990_000_001, T + k * 20 * 60_000, -30.0, 10.005, 0.0, 0.0) for k in range(-12, 13)]
    tracks = make_tracks(a + b + buoy)
    res = match_detections(_sar([("p", -30.0, 10.0045, 60.0)], foot=None), tracks,
                           lengths={8: 200.0, 9: 200.0})  # fmt: skip
    assert res.matches.column("mmsi").to_pylist() == [None]  # a 60 m ship is not the buoy
    rv = dark_rendezvous(res, tracks, shore_km=_shore, is_carrier=lambda m: m in (8, 9))
    assert [e.mmsi for e in rv] == [9] and rv[0].score > 0.5
    plain = dark_rendezvous(res, tracks, shore_km=_shore)  # not a carrier: weaker evidence
    assert [e.mmsi for e in plain] == [9] and plain[0].score < rv[0].score
