from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.report import (
    ReportParams,
    ReportVessel,
    build_report_html,
    land_mask,
    traffic_density,
)
from kernels.decimate import decimate_tracks
from tests import naive_report
from tests.investigate_fixtures import EVIL_CSV, EVIL_HTML, events_for, positions_table
from vessels.config import load_config
from vessels.errors import ConfigError
from vessels.tracks import Tracks, build_tracks


def _data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="vessels-data">(.*?)</script>', html, re.S)
    assert m is not None
    return json.loads(m.group(1))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 40), min_size=1, max_size=6),
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 0.05),
)
def test_decimate_matches_reference(lens: list[int], seed: int, tol: float) -> None:
    rng = np.random.default_rng(seed)
    n = sum(lens)
    seg_start = np.r_[0, np.cumsum(lens)].astype(np.int64)
    t = np.concatenate([np.cumsum(rng.integers(1, 4 * 3_600_000, k)) for k in lens]).astype(
        np.int64
    )
    lat = rng.uniform(-0.1, 0.1, n).cumsum() / 5
    lon = (rng.uniform(-0.1, 0.1, n).cumsum() / 5 + 179.95 + 180) % 360 - 180  # crosses 180
    keep, piece = decimate_tracks(t, lat, lon, seg_start, 2 * 3_600_000, tol)
    rk, rp = naive_report.decimate_tracks(t, lat, lon, seg_start, 2 * 3_600_000, tol)
    assert keep.tolist() == rk and piece.tolist() == rp


def test_decimate_hand_made_gap_and_ends() -> None:
    # a straight slow track: interior points dropped, except around the 3 h silence
    t = np.array([0, 60, 120, 180, 180 + 3 * 3600, 180 + 3 * 3600 + 60], dtype=np.int64) * 1000
    lat = np.zeros(6)
    lon = np.array([0.0, 1e-4, 2e-4, 3e-4, 4e-4, 5e-4])
    keep, piece = decimate_tracks(t, lat, lon, np.array([0, 6]), 2 * 3_600_000, 1.0)
    assert keep.tolist() == [True, False, False, True, True, True]
    assert piece.tolist() == [True, False, False, False, True, False]
    # zero tolerance keeps every moving point; an empty segment is fine
    keep, _ = decimate_tracks(t, lat, lon, np.array([0, 0, 6]), 2 * 3_600_000, 0.0)
    assert keep.all()


def test_land_mask_has_land_and_sea() -> None:
    # the Strait of Gibraltar: Spain and Morocco around sea
    m = land_mask(35.5, 36.5, -6.5, -5.0, 300, 0.01)
    bits = np.unpackbits(np.frombuffer(base64.b64decode(m["bits"]), np.uint8)).reshape(m["h"], -1)
    land = bits[:, : m["w"]].astype(bool)
    assert 0.2 < land.mean() < 0.8
    h, w = land.shape
    assert land[0, w // 2] and land[-1, w // 2]  # Spain in the north, Morocco in the south
    assert not land[h // 2, w // 2]  # the strait between them
    assert not land[: h // 10, : w // 10].any()  # the Gulf of Cadiz (north-west corner)


def _report(n_vessels: int = 6, **kw: object) -> tuple[str, list[ReportVessel]]:
    tracks, _ = build_tracks(positions_table(n_vessels=n_vessels, gap_mmsi=224_000_001))
    events = events_for(224_000_001, (224_000_002, 224_000_003), 224_000_004)
    vessels = [
        ReportVessel(
            224_000_001,
            0.54,
            name=EVIL_HTML,
            counts={"gap": 1},
            reasons=[(f"gap {EVIL_HTML}", 0.54)],
            history=[
                {
                    "t": 0,
                    "name": EVIL_HTML,
                    "callsign": "</script>",
                    "imo": None,
                    "ship_type": None,
                    "destination": EVIL_CSV,
                }
            ],
        ),
        ReportVessel(
            224_000_002, 0.56, name=EVIL_CSV, counts={"encounter": 1}, reasons=[("enc", 0.56)]
        ),
        ReportVessel(
            224_000_004, 0.24, name=None, counts={"loitering": 1}, reasons=[("loit", 0.24)]
        ),
    ]
    html = build_report_html(vessels, events, tracks, {"title": "t <b>"}, ReportParams(**kw))  # type: ignore[arg-type]
    return html, vessels


def test_report_is_self_contained_safe_and_deterministic() -> None:
    html, _ = _report()
    assert html == _report()[0]  # same inputs, same bytes
    # AIS text never appears as markup: only inside the JSON block, with < and > escaped
    assert "<IMG" not in html and '</script>"' not in html
    assert html.count("</script>") == 2
    assert "<b>" not in html.split('id="vessels-data"')[0].split("<title>")[1]
    data = _data(html)
    assert data["vessels"][0]["name"] == EVIL_CSV  # sorted by score
    names = {v["name"] for v in data["vessels"]}
    assert EVIL_HTML in names
    # no network: no http(s) URL anywhere, no external src/href
    assert not re.search(r"(src|href)\s*=", html)
    assert "http://" not in html and "https://" not in html
    # the CSP allows exactly the inline script and style by hash, no eval
    csp = unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    )  # type: ignore[union-attr]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert "innerHTML" not in script and "eval(" not in script and "new Function" not in script


def test_report_tracks_and_events_payload() -> None:
    html, _ = _report()
    data = _data(html)
    tr = data["tracks"]
    lat = np.frombuffer(base64.b64decode(tr["lat"]), "<i4")
    piece = np.frombuffer(base64.b64decode(tr["piece"]), np.uint8)
    assert lat.size == tr["n"] > 0 and piece.size == tr["n"]
    v1 = next(v for v in data["vessels"] if v["mmsi"] == 224_000_001)
    off, cnt = v1["track"]
    # the 12 h silence of vessel 1 breaks its track into two pieces
    assert int(piece[off : off + cnt].sum()) == 2
    # partner 224000003 of the encounter is drawn though not listed
    assert "224000003" in data["partners"]
    ev_types = sorted(e["type"] for e in data["events"])
    assert ev_types == [
        "dark_detection",
        "encounter",
        "gap",
        "loitering",
    ]  # not the weak one? it is kept
    assert all(isinstance(e["evidence"], dict) for e in data["events"])


def test_report_point_budget() -> None:
    html, _ = _report(n_vessels=6, max_points=100)
    data = _data(html)
    assert data["tracks"]["n"] <= 100
    assert data["meta"]["raw_points"] > 500


def test_report_params_checked() -> None:
    with pytest.raises(ConfigError):
        load_config({"report": {"max_vessel": 3}}).params("report", ReportParams)
    with pytest.raises(ConfigError):
        ReportParams(max_points=1)


def test_report_without_flagged_vessels() -> None:
    tracks, _ = build_tracks(positions_table(n_vessels=2))
    html = build_report_html([], None, tracks, {"title": "quiet sea"})
    data = _data(html)
    assert data["vessels"] == [] and data["events"] == [] and data["tracks"]["n"] == 0
    # the map still covers the data's area, with land from the coastline grid
    lat0, lat1, lon0, lon1 = data["bbox"]
    assert lat0 < 4.0 < lat1 and lon0 < -7.0 < lon1
    assert data["land"]["w"] > 10 and data["land"]["h"] > 10


def test_traffic_density_layer() -> None:
    tracks, _ = build_tracks(positions_table(n_vessels=3, hours=6))
    d = traffic_density(tracks.lat, tracks.lon, (3.0, 6.0, -9.0, -5.0), 100)
    assert (d["w"], d["h"]) == (100, 75)
    px = np.frombuffer(base64.b64decode(d["counts"]), np.uint8).reshape(d["h"], d["w"])
    assert px.max() == 255 and 0 < (px > 0).sum() < px.size
    # rows run north to south: one report near the north-west corner lands in the top-left
    one = Tracks(
        mmsi=np.array([1], np.uint32),
        seg=np.zeros(1, np.int64),
        t=np.zeros(1, np.int64),
        lat=np.array([5.9]),
        lon=np.array([-8.9]),
        sog=np.zeros(1, np.float32),
        cog=np.zeros(1, np.float32),
        receiver=np.zeros(1, np.int32),
        is_sat=np.zeros(1, np.int8),
        seg_start=np.array([0, 1]),
        seg_mmsi=np.array([1], np.uint32),
    )
    d1 = traffic_density(one.lat, one.lon, (3.0, 6.0, -9.0, -5.0), 100)
    px1 = np.frombuffer(base64.b64decode(d1["counts"]), np.uint8).reshape(d1["h"], d1["w"])
    assert list(zip(*np.nonzero(px1), strict=True)) == [(2, 2)]
    assert traffic_density(None, None, (0.0, 1.0, 0.0, 1.0), 10)["counts"] == ""
