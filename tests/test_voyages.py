"""Port visits and voyages: the kernel against a plain reference, hand-made tracks, real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.portvisits import port_visit_runs
from tests import naive_voyages as nv
from tests.naive_detect import T0, H, positions_table, track
from vessels.errors import ConfigError
from vessels.geo import PortIndex
from vessels.tracks import build_tracks
from vessels.voyages import PortVisitParams, VoyageIndex, port_calls

KM_LON = 111.32 * np.cos(np.radians(-40.0))  # km per degree of longitude at 40 S

# two ports 300 km apart on the 40 S parallel
PORTS = PortIndex(
    lat=np.array([-40.0, -40.0]),
    lon=np.array([-60.0, -60.0 + 300 / KM_LON]),
    name=("ALPHA", "BRAVO"),
    code=("AAAAA", "BBBBB"),
)


def _voyage(mmsi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """In port ALPHA 6 h (stopped), 300 km at 10 kn to BRAVO, 6 h there, then back out 2 h."""
    t1, la1, lo1 = track(-40.0, -60.0, 6, 10, 0.0)
    t2, la2, lo2 = track(-40.0, -60.0, 300 / 18.52, 10, 10.0)
    t3, la3, lo3 = track(la2[-1], lo2[-1], 6, 10, 0.0)
    t4, la4, lo4 = track(la3[-1], lo3[-1], 2, 10, 10.0)
    parts_t = [t1, t2 + t1[-1] + 600_000]
    parts_t.append(t3 + parts_t[-1][-1] + 600_000)
    parts_t.append(t4 + parts_t[-1][-1] + 600_000)
    sog = np.r_[
        np.zeros(t1.size), np.full(t2.size, 10.0), np.zeros(t3.size), np.full(t4.size, 10.0)
    ]
    return np.concatenate(parts_t), np.r_[la1, la2, la3, la4], np.r_[lo1, lo2, lo3, lo4], sog


def test_hand_made_voyage_between_two_ports() -> None:
    t, lat, lon, sog = _voyage(412000001)
    tracks, _ = build_tracks(positions_table(412000001, T0 + t, lat, lon, sog))
    visits, voyages = port_calls(tracks, PORTS)
    assert visits.column("port").to_pylist() == ["ALPHA", "BRAVO"]
    # the data began in ALPHA (no entry seen) and the vessel left BRAVO (entry and exit seen)
    assert visits.column("confidence").to_pylist() == [3, 4]
    dur = visits.column("duration_h").to_pylist()
    assert dur[1] == pytest.approx(6.0 + 3 * 300 / 18.52 / 100, abs=0.5)  # 6 h plus the approach
    legs = voyages.to_pylist()
    assert [(v["from_port"], v["to_port"], v["complete"]) for v in legs] == [
        ("ALPHA", "BRAVO", True),
        ("BRAVO", None, False),
    ]
    assert legs[0]["duration_h"] == pytest.approx(300 / 18.52 - 2 * 3 / 18.52, abs=0.4)


def test_passing_a_port_without_stopping_is_no_visit() -> None:
    t, lat, lon = track(-40.0, -60.2, 6, 10, 10.0)  # passes ALPHA at 10 kn, never stops
    tracks, _ = build_tracks(positions_table(412000002, T0 + t, lat, lon, 10.0))
    visits, voyages = port_calls(tracks, PORTS)
    assert visits.num_rows == 0
    assert voyages.num_rows == 1 and not voyages.column("complete")[0].as_py()


def test_silence_in_port_counts_as_a_visit() -> None:
    """GFW's port gap: AIS off for 4 h or more inside the exit radius, no stop reported."""
    t = np.array([0, 600_000, 5 * H, 5 * H + 600_000], dtype=np.int64)
    lat = np.full(4, -40.0)
    lon = -60.0 + np.array([-0.01, 0.0, 0.0, 0.01])
    tracks, _ = build_tracks(positions_table(412000003, T0 + t, lat, lon, 3.0))
    visits, _ = port_calls(tracks, PORTS)
    assert visits.column("port_gap").to_pylist() == [True]
    assert visits.column("stopped").to_pylist() == [False]


def test_voyage_index_names_the_voyage_and_time_since_port() -> None:
    t, lat, lon, sog = _voyage(412000004)
    tracks, _ = build_tracks(positions_table(412000004, T0 + t, lat, lon, sog))
    _, voyages = port_calls(tracks, PORTS)
    idx = VoyageIndex.from_table(voyages)
    first = voyages.to_pylist()[0]
    mid = int(first["start"].timestamp() * 1000) + 5 * H
    vid, port, days = idx.at(412000004, mid)  # type: ignore[misc]
    assert vid == first["voyage_id"] and port == "ALPHA"
    assert days == pytest.approx(5.0 / 24)
    assert idx.at(999999999, mid) is None


def test_parameters_are_checked() -> None:
    with pytest.raises(ConfigError):
        PortVisitParams(entry_km=5.0, exit_km=4.0)
    with pytest.raises(ConfigError):
        PortVisitParams(stop_kn=-1.0)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_kernel_matches_plain_reference(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 40))
    cuts = (
        sorted(data.draw(st.lists(st.integers(1, n - 1), max_size=3, unique=True))) if n > 1 else []
    )
    seg_start = np.array([0, *cuts, n], dtype=np.int64)
    steps = data.draw(st.lists(st.integers(60_000, 6 * H), min_size=n, max_size=n))
    t = T0 + np.cumsum(steps).astype(np.int64)
    port_km = np.array(data.draw(st.lists(st.floats(0, 8), min_size=n, max_size=n)))
    sog = np.array(
        data.draw(
            st.lists(st.one_of(st.just(float("nan")), st.floats(0, 3)), min_size=n, max_size=n)
        )
    )
    lat = -40.0 + np.array(data.draw(st.lists(st.floats(-0.01, 0.01), min_size=n, max_size=n)))
    lon = np.full(n, -60.0)
    idx = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64)
    args = (t, lat, lon, sog, port_km, idx, seg_start, 3.0, 4.0, 0.2, 50.0, 4 * H)
    got = [tuple(int(x) for x in r) for r in port_visit_runs(*args)]
    assert got == nv.port_visit_runs(*args)


def test_suez_queue_port_visits_with_world_port_index(shared_data: Path) -> None:
    """The Ever Given queue (March 2021), with GFW's World Port Index as the port list."""
    from ingest.read import read_inputs
    from vessels.anchorages import read_anchorages_csv

    pos = read_inputs(
        [str(shared_data / "movingpandas_evergiven_suez" / "boat-positions.csv")],
        columns="id=ID,t=ais_pos_timestamp,lon=longitude,lat=latitude",
    ).positions
    tracks, _ = build_tracks(pos)
    wpi = read_anchorages_csv(shared_data / "gfw_ports_anchorages" / "WPI_ports.csv")
    ports = PortIndex(wpi.lat, wpi.lon, wpi.name, tuple("" for _ in wpi.name))
    visits, voyages = port_calls(tracks, ports)
    names = set(visits.column("port").to_pylist())
    # the queue waited at both ends of the canal: WPI names Port Said, Suez and El-Adabiya there
    assert names == {"BUR SAID (PORT SAID)", "AS SUWAYS", "EL-ADABIYA"}
    # ships that moored in Suez and left again make complete voyages between two calls
    assert voyages.filter(voyages.column("complete")).num_rows >= 1
    # every visit lies within the exit radius of its port
    from kernels.geo import haversine_m

    for row in visits.to_pylist():
        assert haversine_m(row["lat"], row["lon"], row["port_lat"], row["port_lon"]) < 4_000
    assert voyages.num_rows >= tracks.n_seg


def test_report_payload_carries_each_vessels_port_calls() -> None:
    from dashboards.report import ReportVessel, report_data
    from vessels.pipeline.outputs import port_calls_by_vessel

    t, lat, lon, sog = _voyage(412000005)
    tracks, _ = build_tracks(positions_table(412000005, T0 + t, lat, lon, sog))
    visits, _ = port_calls(tracks, PORTS)
    calls = port_calls_by_vessel(visits)[412000005]
    assert [c["port"] for c in calls] == ["ALPHA", "BRAVO"] and calls[0]["end"] < calls[1]["start"]
    data = report_data([ReportVessel(412000005, 0.9, port_calls=calls)], None, tracks, {})
    assert data["vessels"][0]["port_calls"] == calls
