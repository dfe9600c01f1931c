"""Vessel features against plain references on hand-made tracks; the PU model where the answer
is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tests.naive_detect import T0, H, positions_table, track
from vessels.errors import InputError
from vessels.events import Event, events_to_table
from vessels.geo import PortIndex, distance_to_shore_km
from vessels.pipeline.features import FEATURE_COLUMNS, FeatureParams, vessel_features
from vessels.pipeline.risk import RiskModelParams, fit_risk, read_known_cases
from vessels.registry import Registry
from vessels.tracks import build_tracks
from vessels.voyages import port_calls

PORTS = PortIndex(np.array([-38.0]), np.array([-57.5]), ("MAR DEL PLATA",), ("ARMDQ",))


def test_features_match_hand_counts() -> None:
    # vessel A: 10 h at 3 kn (fishing-like) far offshore, 10-min reports; vessel B: 10 h at 12 kn
    ta, la, loa = track(-45.0, -50.0, 10, 10, 3.0)
    tb, lb, lob = track(-45.5, -50.0, 10, 10, 12.0)
    pos = pa.concat_tables(
        [
            positions_table(701000001, T0 + ta, la, loa, 3.0),
            positions_table(412000002, T0 + tb, lb, lob, 12.0),
        ]
    )
    tracks, _ = build_tracks(pos)
    events = events_to_table(
        [
            Event("gap", 701000001, T0, T0 + 13 * H, -45.0, -50.0, 0.8),
            Event("gap", 701000001, T0, T0 + 14 * H, -45.0, -50.0, 0.2),  # coverage: not counted
            Event("encounter", 701000001, T0, T0 + 3 * H, -45.0, -50.0, 0.9, other_mmsi=412000002),
        ]
    )
    visits, voyages = port_calls(tracks, PORTS)
    reg = Registry(carrier_mmsi={412000002})
    f = vessel_features(tracks, events, visits, voyages, reg, PORTS).to_pylist()
    a, b = (next(r for r in f if r["mmsi"] == m) for m in (701000001, 412000002))
    assert [c[0] for c in FEATURE_COLUMNS] == list(f[0])
    assert a["flag"] == "AR" and b["flag"] == "CN"
    assert a["positions"] == 61 and a["observed_days"] == pytest.approx(10 / 24)
    assert a["slow_at_sea_hours"] == pytest.approx(10.0)  # every 10-min step at 3 kn
    assert b["slow_at_sea_hours"] == 0.0
    assert a["dark_hours"] == pytest.approx(13.0)  # the 0.2 coverage gap is left out
    assert a["encounters"] == 1 and a["carrier_encounters"] == 1 and b["carrier_encounters"] == 0
    assert a["no_port_call_seen"] and a["days_since_port"] is None
    shore = distance_to_shore_km(la, loa)
    assert a["high_seas_share"] == pytest.approx(float(np.mean(shore > 200 * 1.852)))
    # only Argentine ports count as home for an Argentine flag; none listed for China
    assert a["flag_port_km_median"] is not None and b["flag_port_km_median"] is None
    p = FeatureParams()
    assert (p.slow_min_kn, p.slow_max_kn) == (1.0, 5.0)


def _fleet(n: int, n_pos: int, seed: int) -> tuple[pa.Table, np.ndarray]:
    """Features where the cases differ: very long voyages, high-seas share, carrier meetings."""
    rng = np.random.default_rng(seed)
    case = np.zeros(n, bool)
    case[:n_pos] = True
    cols = {name: np.zeros(n) for name, *_ in FEATURE_COLUMNS}
    cols["longest_voyage_days"] = np.where(case, rng.uniform(60, 300, n), rng.uniform(2, 40, n))
    cols["high_seas_share"] = np.where(case, rng.uniform(0.3, 0.9, n), rng.uniform(0, 0.4, n))
    cols["carrier_encounters"] = np.where(case, rng.poisson(3, n), rng.poisson(0.1, n))
    cols["positions"] = rng.integers(100, 1000, n)
    table = pa.table(
        {
            name: pa.array(
                (200_000_000 + np.arange(n)) if name == "mmsi" else cols[name], pa.float64()
            ).cast(pa.uint32() if name == "mmsi" else pa.float64())
            for name, typ, _ in FEATURE_COLUMNS
            if pa.types.is_integer(typ) or pa.types.is_floating(typ)
        }
    )
    return table, case


def test_pu_model_ranks_hidden_cases_above_ordinary_vessels(tmp_path: Path) -> None:
    features, case = _fleet(600, 60, seed=3)
    mmsi = features.column("mmsi").to_numpy()
    known_rows = np.flatnonzero(case)[:30]  # half of the cases are known, half hidden
    p = tmp_path / "known.csv"
    p.write_text("mmsi,source\n" + "".join(f"{mmsi[i]},report {i}\n" for i in known_rows))
    cases = read_known_cases(p)
    res = fit_risk(features, cases, Registry(), RiskModelParams(n_bags=8, trees_per_bag=20))
    hidden = case & ~res.known
    ordinary = ~case
    # a hidden case outranks an ordinary vessel nearly always (the answer is known here)
    wins = (res.raw[hidden][:, None] > res.raw[ordinary][None, :]).mean()
    assert wins > 0.95
    assert res.summary["known_cases_in_data"] == 30
    assert res.summary["known_cases_sha256"] == cases.sha256
    assert res.risk.min() >= 0.0 and res.risk.max() <= 1.0
    top = int(np.argmax(res.raw * ~res.known))
    assert (
        "longest_voyage_days" in res.reasons[top]
        or "high_seas_share" in res.reasons[top]
        or ("carrier_encounters" in res.reasons[top])
    )


def test_known_cases_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("mmsi\n123\n")
    with pytest.raises(InputError, match="source"):
        read_known_cases(bad)
    few = tmp_path / "few.csv"
    few.write_text("mmsi,source\n999999999,x\n")
    features, _ = _fleet(50, 5, seed=1)
    with pytest.raises(InputError, match="known cases are in the data"):
        fit_risk(features, read_known_cases(few), Registry())


def test_investigate_with_known_cases_adds_model_risk(tmp_path: Path) -> None:
    """The plumbing on the sample scenario: model_risk beside the rule score, the model and the
    known-case file's SHA-256 in summary.json; without known cases no such column."""
    import csv
    import json

    import pyarrow.parquet as pq

    from vessels.pipeline.investigate import investigate

    sample = Path(__file__).resolve().parents[1] / "data_samples" / "scenario"
    plain = investigate([sample / "traffic.nmea"], tmp_path / "plain")
    assert "model_risk" not in pq.read_table(tmp_path / "plain" / "vessels.parquet").column_names
    # five vessels of the scenario with encounters stand in for published cases
    top = [v.mmsi for v in plain.vessels if v.counts.get("encounter")][:6]
    known = tmp_path / "known.csv"
    known.write_text("mmsi,source\n" + "".join(f"{m},test case\n" for m in top))
    res = investigate([sample / "traffic.nmea"], tmp_path / "model", known_cases=known)
    table = pq.read_table(tmp_path / "model" / "vessels.parquet")
    names = table.column_names
    assert names.index("model_risk") > names.index("risk_score")
    risk = table.column("model_risk").to_numpy()
    assert np.isfinite(risk).all() and (risk >= 0).all() and (risk <= 1).all()
    summary = json.loads((tmp_path / "model" / "summary.json").read_text())
    model = summary["risk_model"]
    assert model["known_cases_in_data"] == len(top)
    assert model["known_cases_sha256"] == read_known_cases(known).sha256
    with open(tmp_path / "model" / "vessels.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert "model_risk" in header and "model_reasons" in header
    assert res.summary["risk_model"]["oof_auc_known_vs_unlabelled"] >= 0.0


def test_every_feature_column_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "vessel-features.md").read_text()
    for name, typ, _ in FEATURE_COLUMNS:
        assert f"| `{name}` | {typ} |" in doc, name


def test_voyage_features_count_each_voyages_events() -> None:
    from tests.test_voyages import PORTS as TWO_PORTS
    from tests.test_voyages import _voyage
    from vessels.pipeline.features import VOYAGE_FEATURE_COLUMNS, voyage_features
    from vessels.pipeline.port_calls import add_voyages

    t, lat, lon, sog = _voyage(412000009)
    tracks, _ = build_tracks(positions_table(412000009, T0 + t, lat, lon, sog))
    _, voyages = port_calls(tracks, TWO_PORTS)
    first = voyages.to_pylist()[0]
    mid = int(first["start"].timestamp() * 1000) + 5 * H
    events = add_voyages(
        events_to_table(
            [
                Event("gap", 412000009, mid, mid + 12 * H, -40.0, -59.0, 0.8),
                Event("loitering", 412000009, mid, mid + 6 * H, -40.0, -59.0, 0.3),  # context
            ]
        ),
        voyages,
    )
    out = voyage_features(tracks, events, voyages, Registry()).to_pylist()
    assert [c[0] for c in VOYAGE_FEATURE_COLUMNS] == list(out[0])[-len(VOYAGE_FEATURE_COLUMNS) :]
    assert out[0]["dark_hours"] == pytest.approx(12.0) and out[0]["loitering_hours"] == 0.0
    assert out[1]["dark_hours"] == 0.0
    assert out[0]["high_seas_share"] == 0.0  # a coastal voyage of 300 km along 40 S
