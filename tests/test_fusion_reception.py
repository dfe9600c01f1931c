"""AIS off or just unheard at the image time: the reception test of the matching.

Hand-made neighbourhoods heard by hourly satellite passes; the kernel against its plain reference;
and the two failure modes the test fixes: a vessel that switched AIS off for a few hours around
the image was matched by interpolating across the silence (its dark detection lost), and a
silent AIS vessel the radar missed took a dark vessel's detection beside its interpolated path.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels.geo import destination
from kernels.match_reception import report_keys, silence_evidence
from tests.naive_fusion import make_tracks, silence_one
from tests.test_fusion import _sar, _shore
from vessels.fusion.broadcast import chance_from_evidence
from vessels.fusion.dark import dark_detections
from vessels.fusion.matching import MatchParams, match_detections

T = 1_700_000_000_000 + 25 * 60_000  # image time, mid-bin
H = 3_600_000
OLD = MatchParams(min_p_broadcasting=0.0)  # reception test off: the behaviour before it


def _fleet(
    silent: dict[int, tuple[float, float]], hole: tuple[float, float] | None = None
) -> tuple[list[tuple[int, int, float, float, float, float]], dict[int, tuple[float, float]]]:
    """Six vessels at 5 kn heading north near (0.3, 0.3), heard twice in every hourly pass from
    T-14 h to T+14 h; ``silent`` maps an MMSI to hours (from T) it is off; ``hole``: hours with
    no pass at all. Returns rows and each vessel's true position at T."""
    rows = []
    at_t: dict[int, tuple[float, float]] = {}
    for i in range(6):
        mmsi = 200_000_001 + i
        la0, lo0 = 0.3 + 0.04 * i, 0.3 + 0.05 * (i % 3)
        at_t[mmsi] = (la0, lo0)
        for m in range(-14, 15):
            if hole and hole[0] <= m <= hole[1]:
                continue
            for extra in (60_000, 180_000):
                tt = T + m * H + 7 * 60_000 + extra
                off = silent.get(mmsi)
                if off and off[0] * H < tt - T < off[1] * H:
                    continue
                la, lo = destination(la0, lo0, 0.0, 5 * 1852 / 3600 * (tt - T) / 1000)
                rows.append((mmsi, tt, la, lo, 5.0, 0.0))
    return rows, at_t


def test_silence_evidence_matches_reference() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for v in range(8):
        la, lo = rng.uniform(-1, 1), rng.uniform(179, 181) % 360 - 180  # across the antimeridian
        for tt in np.sort(rng.integers(T - 20 * H, T + 20 * H, 15)):
            rows.append((300_000_000 + v, int(tt), la + rng.normal(0, 0.2), lo, 3.0, 10.0))
    tr = make_tracks(rows)
    bin_ms, cell, win, side = 30 * 60_000, 0.5, 12 * H, 30 * 60_000
    t0 = int(tr.t.min()) - win
    keys = np.sort(report_keys(tr.t, tr.lat, tr.lon, t0, bin_ms, cell))
    n_seg = tr.seg_mmsi.shape[0]
    v_seg = np.repeat(np.arange(n_seg), 5).astype(np.int64)
    v_t = rng.integers(T - 10 * H, T + 10 * H, v_seg.shape[0]).astype(np.int64)
    v_lat = rng.uniform(-1, 1, v_seg.shape[0])
    v_lon = rng.uniform(179.5, 180.5, v_seg.shape[0]) % 360 - 180
    got = silence_evidence(keys, tr.seg_start, tr.t, tr.lat, tr.lon, v_seg, v_t, v_lat, v_lon,
                           t0, bin_ms, cell, win, side)  # fmt: skip
    checked = missed = 0
    for j in range(v_seg.shape[0]):
        ref = silence_one(tr.mmsi, tr.seg_start, tr.t, tr.lat, tr.lon, int(v_seg[j]), int(v_t[j]),
                          v_lat[j], v_lon[j], bin_ms, cell, win, side, t0)  # fmt: skip
        assert tuple(int(x) for x in got[j]) == tuple(int(x) for x in ref), j
        checked += got[j, 0] >= 0
        missed += got[j, 0] + got[j, 1] > 0
    assert checked > 20 and missed > 5  # most placements weighed, some missed opportunities


def test_chance_from_evidence_by_hand() -> None:
    # kb, ka, opp, hit, t_b, t_a, m_b, m_a
    ev = np.array(
        [
            [0, 0, 10, 9, T - 2 * H, T + 2 * H, -1, -1],  # nothing missed
            [2, 3, 10, 8, T - 3 * H, T + 4 * H, T - H, T + H],  # missed on both sides
            [4, 0, 10, 8, T - 5 * H, T + 3 * H, T - H, -1],  # missed before only
            [1, 0, 10, 4, T - 2 * H, T + H, T - H, -1],  # once, by a vessel often unheard
        ],
        dtype=np.int64,
    )
    p, k = chance_from_evidence(ev, np.full(4, T, dtype=np.int64), 0.05)
    assert p[0] == 1.0 and k[0] == 0
    like = (1 - 9 / 12) ** 5
    assert p[1] == pytest.approx(0.95 * like / (0.95 * like + 0.05)) and k[1] == 5
    like = (1 - 9 / 12) ** 4
    always = 0.95 * like / (0.95 * like + 0.05)
    assert p[2] == pytest.approx(always + (1 - always) * 1 / 4)  # back on in the last 4 h
    assert p[2] < 0.5 < p[3]  # four missed passes say "off"; one, by a weak receiver, does not


def test_ais_switched_off_around_the_image_stays_dark() -> None:
    """Failure mode 1: A (200000003) is off from T-4 h to T+3 h while its neighbours are heard
    every hour; its detection at T is a dark detection, not an interpolated match."""
    rows, at_t = _fleet({200_000_003: (-4.0, 3.0)})
    tracks = make_tracks(rows)
    dets = [(f"d{m}", la, lo, float("nan")) for m, (la, lo) in at_t.items()]
    sar = _sar(dets, t=T)
    new = match_detections(sar, tracks)
    old = match_detections(sar, tracks, params=OLD)
    got = dict(zip(new.matches.column("detection_id").to_pylist(),
                   new.matches.column("mmsi").to_pylist(), strict=True))  # fmt: skip
    was = dict(zip(old.matches.column("detection_id").to_pylist(),
                   old.matches.column("mmsi").to_pylist(), strict=True))  # fmt: skip
    assert was["d200000003"] == 200_000_003  # before: matched across the silence
    assert got["d200000003"] is None  # now: dark
    for m in at_t:
        if m != 200_000_003:
            assert got[f"d{m}"] == m  # the others still match
    proj = {r["mmsi"]: r for r in new.projections.to_pylist()}
    assert proj[200_000_003]["ais_gap"] and proj[200_000_003]["missed_receptions"] >= 4
    assert proj[200_000_003]["p_broadcasting"] < 0.5
    assert not any(r["ais_gap"] for m, r in proj.items() if m != 200_000_003)
    assert new.stats["in_ais_gap"] == 1
    # not "expected in the footprint but missed" either: it was not broadcasting
    assert 200_000_003 not in new.missed.column("mmsi").to_pylist()
    # the dark detection names the silent vessel as the ship it may be, without a penalty
    ev = {e.evidence["detection_id"]: e for e in dark_detections(new, shore_km=_shore)}
    assert set(ev) == {"d200000003"}
    assert ev["d200000003"].evidence["silent_ais_mmsi"] == 200_000_003
    assert ev["d200000003"].evidence["score_parts"]["isolation"] == 1.0


def test_revisit_hole_is_not_a_gap() -> None:
    """Everyone unheard from T-3 h to T+2 h (no satellite pass): silence, but no evidence of AIS
    off, so every vessel still matches (by interpolation across the hole)."""
    rows, at_t = _fleet({}, hole=(-3, 2))
    tracks = make_tracks(rows)
    sar = _sar([(f"d{m}", la, lo, float("nan")) for m, (la, lo) in at_t.items()], t=T)
    res = match_detections(sar, tracks)
    assert res.matches.column("mmsi").to_pylist() == [
        int(d[1:]) for d in res.matches.column("detection_id").to_pylist()
    ]
    assert not any(res.projections.column("ais_gap").to_pylist())
    assert min(res.projections.column("report_age_h").to_pylist()) > 1.5  # a real silence


def test_silent_vessel_missed_by_radar_does_not_take_dark_detection() -> None:
    """Failure mode 2: A is off from T-4 h to T+3 h and not detected; a dark vessel 1.5 km from
    A's interpolated place is. Before, A took that detection; now it stays dark, with no
    isolation penalty for A (a vessel in an AIS gap is no badly placed broadcaster)."""
    rows, at_t = _fleet({200_000_003: (-4.0, 3.0)})
    tracks = make_tracks(rows)
    la, lo = destination(*at_t[200_000_003], 90.0, 1500.0)
    dets = [(f"d{m}", a, b, float("nan")) for m, (a, b) in at_t.items() if m != 200_000_003]
    dets.append(("dark", la, lo, 45.0))
    sar = _sar(dets, t=T)
    old = match_detections(sar, tracks, params=OLD)
    new = match_detections(sar, tracks)

    def mmsi_of(res: object, did: str) -> object:
        m = res.matches  # type: ignore[attr-defined]
        return m.column("mmsi").to_pylist()[m.column("detection_id").to_pylist().index(did)]

    assert mmsi_of(old, "dark") == 200_000_003
    assert mmsi_of(new, "dark") is None
    ev = {e.evidence["detection_id"]: e for e in dark_detections(new, shore_km=_shore)}
    assert ev["dark"].evidence["score_parts"]["isolation"] == 1.0
    assert ev["dark"].evidence["silent_ais_mmsi"] == 200_000_003
    assert 1000 < ev["dark"].evidence["silent_ais_m"] < 2500
    assert ev["dark"].score >= 0.5
