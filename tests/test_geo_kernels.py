from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.geo import destination, haversine_array_m, haversine_m, step_distance_speed
from tests import naive

lat = st.floats(-89.9, 89.9)
lon = st.floats(-180.0, 179.999)


@settings(max_examples=300, deadline=None)
@given(lat, lon, lat, lon)
def test_haversine_matches_reference(a: float, b: float, c: float, d: float) -> None:
    assert math.isclose(haversine_m(a, b, c, d), naive.haversine_m(a, b, c, d), abs_tol=1e-6)


def test_haversine_known_values() -> None:
    # one degree of latitude is ~111.2 km; across the antimeridian the short way round
    assert abs(haversine_m(0, 0, 1, 0) - 111_195) < 5
    assert abs(haversine_m(0, 179.5, 0, -179.5) - 111_195) < 5


@settings(max_examples=200, deadline=None)
@given(lat, lon, st.floats(0, 359.9), st.floats(0, 200_000))
def test_destination_round_trip(a: float, b: float, brg: float, dist: float) -> None:
    lat2, lon2 = destination(a, b, brg, dist)
    assert -180 <= lon2 < 180
    assert abs(haversine_m(a, b, lat2, lon2) - dist) < 1e-3 * max(dist, 1.0) + 1e-3


def test_step_distance_speed() -> None:
    lat = np.array([0.0, 0.0, 0.0, 0.0])
    lon = np.array([0.0, 1.0 / 60, 1.0 / 60, 2.0 / 60])  # 1 nm steps at the equator
    t = np.array([0, 3_600_000, 3_600_000, 7_200_000], dtype=np.int64)
    dist, spd = step_distance_speed(lat, lon, t)
    assert abs(spd[0] - 1.0) < 0.01
    assert spd[1] == 0.0  # same time, same place
    assert np.isnan(spd[3]) and np.isnan(dist[3])
    arr = haversine_array_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    assert np.allclose(arr, dist[:-1])
