"""Two vessels in formation share their placement error: matched by relative geometry."""

from __future__ import annotations

from kernels.geo import destination
from tests.naive_fusion import make_tracks
from tests.test_fusion import _sar
from vessels.fusion.matching import MatchParams, match_detections

T = 1_700_000_000_000
MIN = 60_000
A, B = 211_000_001, 211_000_002


def _pair(speed_b_kn: float) -> tuple[list[tuple[int, int, float, float, float, float]], tuple]:
    """A heads east at 4 kn, B 300 m north of it (at ``speed_b_kn``); both reported 30 min
    before and after T. The detections lie 300 m north of where AIS places them (a shared
    error, e.g. both turned together), with SAR lengths that favour the swap (A 60 m seen as
    46 m, B 40 m seen as 54 m)."""
    rows = []
    a0 = (0.2, 0.2)
    b0 = destination(*a0, 0.0, 300.0)
    for dt in (-30 * MIN, 30 * MIN):
        rows.append((A, T + dt, *destination(*a0, 90.0, 4 * 1852 / 3600 * dt / 1000), 4.0, 90.0))
        d_b = speed_b_kn * 1852 / 3600 * dt / 1000
        rows.append((B, T + dt, *destination(*b0, 90.0, d_b), speed_b_kn, 90.0))
    det_a = destination(*a0, 0.0, 300.0)  # exactly where AIS places B
    det_b = destination(*b0, 0.0, 300.0)
    return rows, (det_a, det_b)


def _match(speed_b_kn: float, params: MatchParams | None = None) -> dict[str, object]:
    rows, (det_a, det_b) = _pair(speed_b_kn)
    sar = _sar([("dA", *det_a, 46.0), ("dB", *det_b, 54.0)], t=T)
    res = match_detections(sar, make_tracks(rows), lengths={A: 60.0, B: 40.0}, params=params)
    got = res.matches.select(["detection_id", "mmsi"]).to_pylist()
    return {r["detection_id"]: r["mmsi"] for r in got} | {"swaps": res.stats["formation_swaps"]}


def test_formation_resolves_swapped_pair() -> None:
    off = _match(4.0, MatchParams(formation_max_m=0.0))
    assert off["dA"] == B and off["dB"] == A  # lengths alone swap them
    on = _match(4.0)
    assert on["dA"] == A and on["dB"] == B and on["swaps"] == 1


def test_vessels_not_moving_together_are_left_alone() -> None:
    # B at 10 kn is no formation partner of A at 4 kn: their errors need not be shared
    got = _match(10.0)
    assert got["swaps"] == 0
    assert got["dA"] == B and got["dB"] == A
