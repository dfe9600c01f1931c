"""The notebook API as a user calls it: types, columns, CRS, GeoParquet round trips, and the
walkthrough in docs/notebook.md executed cell by cell."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pytest

import vessels as vs
from vessels.errors import InputError
from vessels.eventio import read_events, write_events
from vessels.geoframes import write_geoparquet

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data_samples" / "scenario" / "traffic.nmea"


@pytest.fixture(scope="module")
def detection() -> tuple[object, vs.api.Detection]:
    pos = vs.read([SAMPLE])
    return pos, vs.detect(pos, types=["gap", "encounter", "loitering"])


def test_read_and_detect_give_tables_and_geodataframes(detection: tuple[object, object]) -> None:
    pos, res = detection
    assert isinstance(pos.positions, pa.Table) and pos.positions.num_rows > 10_000  # type: ignore[attr-defined]
    assert isinstance(res.events, pa.Table)  # type: ignore[attr-defined]
    types = set(res.events.column("type").to_pylist())  # type: ignore[attr-defined]
    assert types <= {"gap", "encounter", "loitering"} and "encounter" in types
    gdf = res.to_geodataframe()  # type: ignore[attr-defined]
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 4326
    assert len(gdf) == res.events.num_rows  # type: ignore[attr-defined]
    row = gdf.iloc[0]
    assert row.geometry.x == pytest.approx(row["lon"]) and row.geometry.y == pytest.approx(
        row["lat"]
    )
    assert isinstance(row["evidence"], dict) and str(gdf["start"].dtype).startswith("datetime64")


def test_tracks_never_cross_a_silence(detection: tuple[object, object]) -> None:
    pos, _ = detection
    tracks = vs.tracks_geodataframe(pos, max_gap_h=2.0)
    assert tracks.crs.to_epsg() == 4326
    assert set(tracks.geom_type) <= {"LineString", "Point"}
    # each piece's reports are no more than 2 h apart: rebuild one piece from the positions
    one = tracks[tracks.geom_type == "LineString"].iloc[0]
    t = pos.positions.filter(pa.compute.equal(pos.positions.column("mmsi"), one["mmsi"]))  # type: ignore[attr-defined]
    assert len(one.geometry.coords) == one["reports"] <= t.num_rows
    steps = np.diff(tracks[tracks["mmsi"] == one["mmsi"]]["start"].astype("int64").to_numpy())
    assert (steps >= 0).all()
    # consecutive pieces of one segment are separated by a silence longer than 2 h
    seg = tracks[(tracks["mmsi"] == one["mmsi"]) & (tracks["segment"] == one["segment"])]
    gaps = (seg["start"].iloc[1:].to_numpy() - seg["end"].iloc[:-1].to_numpy()) / np.timedelta64(
        1, "h"
    )
    assert (gaps > 2.0).all()


def test_events_geoparquet_round_trip(tmp_path: Path, detection: tuple[object, object]) -> None:
    _, res = detection
    path = write_events(res.events, tmp_path / "events.geoparquet")  # type: ignore[attr-defined]
    back = gpd.read_parquet(path)
    assert back.crs.to_epsg() == 4326 and len(back) == res.events.num_rows  # type: ignore[attr-defined]
    again = read_events(path)
    assert again.column("event_id").to_pylist() == res.events.column("event_id").to_pylist()  # type: ignore[attr-defined]
    assert again.column("evidence").to_pylist() == res.events.column("evidence").to_pylist()  # type: ignore[attr-defined]
    tr = res.tracks_geodataframe()  # type: ignore[attr-defined]
    write_geoparquet(tr, tmp_path / "tracks.geoparquet")
    tr2 = gpd.read_parquet(tmp_path / "tracks.geoparquet")
    assert tr2.geometry.equals(tr.geometry) and tr2.crs == tr.crs


def test_bad_positions_are_a_clear_error() -> None:
    with pytest.raises(InputError, match="mmsi, t, lat, lon"):
        vs.detect(__import__("pandas").DataFrame({"mmsi": [1], "lat": [0.0]}))
    with pytest.raises(InputError, match="not int"):
        vs.detect(3)


def test_notebook_walkthrough_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every python block of docs/notebook.md, in order, in one namespace (as a notebook)."""
    text = (ROOT / "docs" / "notebook.md").read_text(encoding="utf-8")
    cells = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(cells) >= 4
    monkeypatch.chdir(ROOT)  # the walkthrough reads data_samples/ and writes out/notebook/
    ns: dict[str, object] = {}
    for cell in cells:
        exec(compile(cell, "docs/notebook.md", "exec"), ns)
    assert (ROOT / "out" / "notebook" / "voyages.parquet").is_file()
