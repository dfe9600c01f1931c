"""detectors.identity: shared MMSIs (via the real segmenter), jumps, invalid MMSIs, changes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from detectors.base import DetectContext, build_context
from detectors.identity import IdentityParams, IdentityStream, detect
from detectors.identity_checks import invalid_mmsi_reason
from kernels.geo import destination
from vessels.errors import ConfigError
from vessels.registry import Registry, build_registry
from vessels.tracks import build_tracks

H = 3_600_000
T0 = 1_700_000_000_000 - 1_700_000_000_000 % H
SHARED, GLITCHY, NORMAL, RENAMED = 412_000_001, 412_000_002, 412_000_003, 412_000_004


def _ship(
    mmsi: int, lat: float, lon: float, t0: int, hours: float, kn: float, every_s: int
) -> list[tuple[int, int, float, float]]:
    rows = []
    for k in range(int(hours * 3600 / every_s) + 1):
        la, lo = destination(lat, lon, 60.0, kn * 1852 / 3600 * k * every_s)
        rows.append((mmsi, t0 + k * every_s * 1000, la, lo))
    return rows


def _positions(rows: list[tuple[int, int, float, float]]) -> pa.Table:
    return pa.table(
        {
            "mmsi": pa.array([r[0] for r in rows], pa.uint32()),
            "t": pa.array([r[1] for r in rows], pa.timestamp("ms", tz="UTC")),
            "lat": pa.array([r[2] for r in rows], pa.float64()),
            "lon": pa.array([r[3] for r in rows], pa.float64()),
        }
    )


def _scene() -> list[tuple[int, int, float, float]]:
    rows = _ship(SHARED, -44.0, -60.0, T0, 10.0, 10.0, 180)
    rows += _ship(SHARED, -40.0, -55.0, T0 + 3 * H, 5.0, 8.0, 300)  # a second ship, 600 km away
    g = _ship(GLITCHY, -30.0, 10.0, T0, 10.0, 12.0, 180)
    g[100] = (GLITCHY, g[100][1], -33.0, 10.0)  # one report 330 km off the track
    rows += g
    rows += _ship(NORMAL, 10.0, 179.95, T0, 10.0, 14.0, 120)  # crosses the antimeridian
    rows += _ship(123_456_789, 5.0, 100.0, T0, 2.0, 5.0, 300)
    rows += _ship(41_234_567, 5.1, 100.0, T0, 2.0, 5.0, 300)
    rows += _ship(RENAMED, 0.0, 0.5, T0, 2.0, 5.0, 300)
    return rows


def _no_registry(class_b: set[int] | None = None) -> DetectContext:
    """A context with no static data; ``class_b``: MMSIs seen sending class B reports."""
    ctx = build_context(None, Registry())
    ctx.class_b |= class_b or set()
    return ctx


def _registry() -> DetectContext:
    names = ["ALPHA", "BETA", "ALPHA", "GAMMA"]
    imos = [9074729, 9074729, 9074729, 9176187]  # valid check digits; the last differs
    static = pa.table(
        {
            "mmsi": pa.array([RENAMED] * 4 + [SHARED] * 4, pa.uint32()),
            "t": pa.array(
                [T0 + k * H for k in range(4)] + [T0 + 3 * H + k * 600_000 for k in range(4)],
                pa.timestamp("ms", tz="UTC"),
            ),
            "name": ["ALPHA", "BETA", "ALPHA", "GAMMA", "SEA ONE", "SEA TWO", "SEA ONE", "SEA TWO"],
            "imo": pa.array(imos + [None] * 4, pa.uint32()),
        }
    )
    del names
    return build_context(None, build_registry(static))


def _by_kind(events: list) -> dict[str, list]:  # type: ignore[type-arg]
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for e in events:
        out.setdefault(e.evidence["kind"], []).append(e)
    return out


def test_shared_mmsi_found_over_the_overlap() -> None:
    tracks, _ = build_tracks(_positions(_scene()))
    ev = _by_kind(detect(tracks, _registry()))
    shared = ev["shared_mmsi"]
    assert [e.mmsi for e in shared] == [SHARED]
    e = shared[0]
    assert abs(e.start_ms - (T0 + 3 * H)) <= 600_000
    assert abs(e.end_ms - (T0 + 8 * H)) <= 600_000
    assert e.score >= 0.8
    assert e.evidence["median_separation_km"] > 300
    assert e.evidence["names"] == ["SEA ONE", "SEA TWO"]
    # the name alternation of the two ships is part of this event, not an identity change
    assert all(c.mmsi != SHARED for c in ev.get("identity_change", []))


def test_glitch_is_a_low_score_jump_not_a_shared_mmsi() -> None:
    tracks, _ = build_tracks(_positions(_scene()))
    ev = _by_kind(detect(tracks, _registry()))
    jumps = ev["impossible_jump"]
    assert [e.mmsi for e in jumps] == [GLITCHY]
    assert jumps[0].score < 0.5
    assert jumps[0].evidence["max_offset_km"] > 300
    assert all(e.mmsi not in (GLITCHY, NORMAL) for e in ev["shared_mmsi"])


def test_invalid_mmsis_and_identity_changes() -> None:
    tracks, _ = build_tracks(_positions(_scene()))
    ev = _by_kind(detect(tracks, _registry()))
    inv = {e.mmsi: e for e in ev["invalid_mmsi"]}
    assert set(inv) == {123_456_789, 41_234_567}
    assert inv[123_456_789].evidence["check"] == "placeholder"
    assert all(e.score < 0.5 for e in inv.values())
    ch = ev["identity_change"]
    assert [e.mmsi for e in ch] == [RENAMED]
    assert ch[0].evidence["changes"] == 3 and ch[0].evidence["imo_changed"]
    assert ch[0].score >= 0.5
    assert "GAMMA" in ch[0].reasons[0]
    # with class B known, invalid numbers score lower still
    s = IdentityStream(_no_registry(class_b={41_234_567}))
    s.update(tracks)
    low = {e.mmsi: e.score for e in s.flush() if e.evidence["kind"] == "invalid_mmsi"}
    assert low[41_234_567] < inv[41_234_567].score


@pytest.mark.parametrize(
    ("mmsi", "code"),
    [
        (412_000_001, None),
        (99_999_999, "not_9_digits"),
        (111_111_111, "placeholder"),
        (199_123_456, "bad_format"),
        (200_123_456, "unallocated_mid"),
        (992_351_001, None),
        (970_123_456, None),
        (1_000_000_000, "not_9_digits"),
        (3_669_881, None),
        (12_345_678, "placeholder"),
    ],
)
def test_invalid_mmsi_rules(mmsi: int, code: str | None) -> None:
    r = invalid_mmsi_reason(mmsi)
    assert (r[0] if r else None) == code


def test_streaming_joins_a_conflict_split_across_chunks() -> None:
    rows = sorted(_scene(), key=lambda r: r[1])
    batch = [
        e
        for e in detect(build_tracks(_positions(rows))[0], _registry())
        if e.evidence["kind"] == "shared_mmsi"
    ]
    s = IdentityStream(_registry())
    got = []
    for k in range(0, 12, 4):
        chunk = [r for r in rows if T0 + k * H <= r[1] < T0 + (k + 4) * H]
        if chunk:
            got += s.update(build_tracks(_positions(chunk))[0])
    got += s.flush()
    shared = [e for e in got if e.evidence["kind"] == "shared_mmsi"]
    assert len(shared) == 1 and len(batch) == 1
    assert shared[0].event_id == batch[0].event_id
    assert abs(shared[0].end_ms - batch[0].end_ms) <= 600_000


def test_params_and_empty() -> None:
    with pytest.raises(ConfigError):
        IdentityParams(min_overlap_h=-1)
    empty, _ = build_tracks(_positions([]))
    assert detect(empty, None) == []
    assert np.isscalar(IdentityParams().min_separation_km)


def test_stream_forgets_silent_mmsis_and_reports_them_once() -> None:
    # Ten days of hourly chunks, 10 new MMSIs an hour, each heard for that hour only (nine of
    # them invalid): the per-MMSI state stays at the last hours' fleet, and every invalid MMSI
    # is reported exactly once, when it is forgotten, as in batch.
    from tests.naive_pairs import make_tracks

    p = IdentityParams(forget_after_h=6.0)
    s = IdentityStream(_no_registry(), p)
    rows_all: list[tuple[int, int, float, float]] = []
    sizes, got = [], []
    for hour in range(240):
        rows = []
        for k in range(10):
            m = 200_000_000 + hour * 10 + k if k else 412_000_000 + hour * 10  # MID 200: none
            rows += [(m, T0 + hour * H + j * 600_000, 1.0 + k, 2.0) for j in range(6)]
        rows_all += rows
        got += s.update(make_tracks(rows))
        sizes.append(s.state_size())
    got += s.flush()
    inv = sorted(e.mmsi for e in got if e.evidence["kind"] == "invalid_mmsi")
    batch = sorted(
        e.mmsi
        for e in detect(make_tracks(rows_all), _no_registry())
        if e.evidence["kind"] == "invalid_mmsi"
    )
    assert inv == batch and len(inv) == 240 * 9
    assert max(sizes) <= 10 * 8  # the MMSIs of the last 6-8 hours, not the 2,400 seen
    with pytest.raises(ConfigError):
        IdentityParams(forget_after_h=-1.0)


def test_class_b_known_from_messages_halves_the_invalid_score() -> None:
    # the runner fills DetectContext.class_b from msg_type 18/19 positions and 19/24 static
    from detectors import run_detectors_full

    rows = _ship(200_123_456, 1.0, 2.0, T0, 3.0, 5.0, 300) + _ship(
        200_123_457, 3.0, 2.0, T0, 3.0, 5.0, 300
    )
    pos = _positions(rows)
    msg = [18 if r[0] == 200_123_456 else 1 for r in rows]
    pos = pos.append_column("msg_type", pa.array(msg, pa.uint8()))
    res = run_detectors_full(pos, None, types=["identity"])
    assert res.ctx.class_b == {200_123_456}
    score = {e.mmsi: e.score for e in res.events if e.evidence["kind"] == "invalid_mmsi"}
    assert score[200_123_456] == pytest.approx(score[200_123_457] / 2)
    static = pa.table(
        {"mmsi": pa.array([200_123_457], pa.uint32()), "msg_type": pa.array([24], pa.uint8())}
    )
    assert build_registry(static).class_b == {200_123_457}
