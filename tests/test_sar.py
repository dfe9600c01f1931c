"""Satellite detection tables: every row accounted for, formats recognised, bad input clear."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.sar import read_detections
from vessels.errors import InputError, NoDataError

GFW = "gfw_sar_longline_ksat_radarsat2"


def test_gfw_radarsat2_every_detection_accounted(shared_data: Path) -> None:
    files = sorted((shared_data / GFW).glob("ksat-detections-*.csv"))
    res = read_detections(files)
    s = res.stats
    assert s.rows == 493 and s.accepted + sum(s.rejects.values()) == s.rows
    assert s.accepted == 493  # the published 320 + 173 detections are all vessels with positions
    assert res.scenes.num_rows == 24 and s.scenes_without_footprint == 0
    conf = res.detections.column("confidence").to_numpy()
    assert conf.min() >= 0 and conf.max() == 1.0  # Probability was in percent
    # the image time is the middle of ProductStartTime/StopTime
    first = res.scenes.to_pylist()[0]
    assert first["t"].isoformat().startswith("2019-08-10T04:18:18")
    # every detection id of GFW's match table is there
    import csv

    with open(shared_data / GFW / "all_detections_and_vessels.csv", encoding="utf-8") as fh:
        ids = {r["detect_id"] for r in csv.DictReader(fh) if r["detect_id"]}
    assert ids == set(res.detections.column("detection_id").to_pylist())


def test_xview3_labels_and_rejects(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text(
        "detect_lat,detect_lon,vessel_length_m,detect_id,scene_id,is_vessel,confidence\n"
        "10.0,20.0,45.5,a,S1A_IW_GRDH_1SDV_20200803T123456_x,True,HIGH\n"
        "10.1,20.1,,b,S1A_IW_GRDH_1SDV_20200803T123456_x,False,MEDIUM\n"
        "95.0,20.1,,c,S1A_IW_GRDH_1SDV_20200803T123456_x,,LOW\n"
        ",20.1,,d,S1A_IW_GRDH_1SDV_20200803T123456_x,,LOW\n"
        "10.2,20.2,,a,S1A_IW_GRDH_1SDV_20200803T123456_x,,LOW\n"
        "10.3,20.3,,e,no-time-here,,LOW\n",
        encoding="utf-8",
    )
    res = read_detections([p])
    assert res.stats.rejects == {
        "not_vessel": 1, "bad_position": 1, "no_position": 1, "duplicate_id": 1, "no_time": 1
    }  # fmt: skip
    assert res.detections.num_rows == 1
    row = res.detections.to_pylist()[0]
    assert row["confidence"] == 0.9 and row["length_m"] == 45.5
    assert row["t"].isoformat().startswith("2020-08-03T12:34:56")  # from the scene id


def test_geojson_scenes_and_column_mapping(tmp_path: Path) -> None:
    det = tmp_path / "d.csv"
    det.write_text(
        "ID,Y,X,when,sc,p\nq1,-46.0,-60.0,2024-03-02T04:33:51Z,S1,0.8\n", encoding="utf-8"
    )
    scenes = tmp_path / "s.geojson"
    scenes.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"scene_id": "S1", "t": "2024-03-02T04:33:51Z"},
         "geometry": {"type": "Polygon", "coordinates": [[[-61, -47], [-59, -47], [-59, -45],
                                                          [-61, -45], [-61, -47]]]}}]}),
        encoding="utf-8")  # fmt: skip
    res = read_detections(
        [det, scenes], columns="detection_id=ID,lat=Y,lon=X,t=when,scene_id=sc,confidence=p"
    )
    assert res.detections.column("detection_id").to_pylist() == ["q1"]
    assert res.scenes.column("footprint").to_pylist()[0].startswith("POLYGON")
    assert np.isnan(res.detections.column("length_m").to_numpy()[0])
    with pytest.raises(InputError, match="known"):
        read_detections([det], columns="latitude=Y")
    with pytest.raises(InputError, match="not found"):
        read_detections([det], columns="lat=NOPE")


def test_bad_files(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="--sar-columns"):
        read_detections([p])
    with pytest.raises(InputError, match="no such file"):
        read_detections([tmp_path / "missing.csv"])
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError):
        read_detections([bad])
    empty = tmp_path / "e.csv"
    empty.write_text("lat,lon\n", encoding="utf-8")
    with pytest.raises(NoDataError):
        read_detections([empty])
