"""The regional normal of silences (issue 13 item 1): where every vessel routinely goes unheard
for most of a day, such a silence is not a dark period; a much longer one still is."""

from __future__ import annotations

import pyarrow as pa

from detectors import run_detectors_full
from detectors.gap import GapParams
from detectors.regional import apply_regional_normal
from tests.explain_checks import assert_text_from_evidence
from tests.naive_detect import T0, H, positions_table, track
from vessels.events import events_to_table

LAT, LON = -45.0, -55.0  # Argentine high seas, about 500 km from shore


def _poor_coverage_fleet(n: int = 8, dark_mmsi: int | None = None) -> pa.Table:
    """``n`` vessels reporting every 30 min, each unheard 14 h a day (a satellite revisit
    pattern; staggered, so someone is always heard); ``dark_mmsi`` is also off for 38 h."""
    tabs = []
    for k in range(n):
        mmsi = 412_000_100 + k
        t, la, lo = track(LAT + 0.05 * k, LON, 96, 30, 3.0)
        hour = (t / H - 2 * k) % 24
        keep = hour >= 14  # unheard for 14 h of every 24
        if mmsi == dark_mmsi:
            keep &= (t < 54 * H) | (t > 92 * H)  # off at the end of a heard stretch
        tabs.append(positions_table(mmsi, T0 + t[keep], la[keep], lo[keep]))
    return pa.concat_tables(tabs)


def _gaps(tb: pa.Table) -> list:  # type: ignore[type-arg]
    res = run_detectors_full(tb, None, types=["gap"])
    return apply_regional_normal(res.events, res.tracks, GapParams())


def test_routine_silences_score_low_and_say_so() -> None:
    gaps = _gaps(_poor_coverage_fleet())
    assert len(gaps) >= 8  # every vessel, every day
    for g in gaps:
        reg = g.evidence["regional"]
        # seven other vessels, each unheard 14 h at a time: this one's 14 h is routine here
        assert reg["vessels"] == 7 and reg["routine"] is True
        assert 13.0 <= reg["typical_silence_h"] <= 14.5
        assert g.score <= GapParams().routine_max_score < 0.5
        assert any("routine in this region" in r for r in g.reasons)
    assert_text_from_evidence(events_to_table(gaps), "poor-coverage fleet")


def test_a_silence_longer_than_the_regional_normal_still_counts() -> None:
    gaps = _gaps(_poor_coverage_fleet(dark_mmsi=412_000_103))
    dark = [g for g in gaps if g.mmsi == 412_000_103 and g.duration_h > 30]
    assert len(dark) == 1
    g = dark[0]
    assert g.evidence["regional"]["routine"] is False and g.score >= 0.5
    assert any("Longer than is usual here" in r for r in g.reasons)


def test_too_few_vessels_give_no_regional_figure() -> None:
    gaps = _gaps(_poor_coverage_fleet(n=3))
    assert gaps
    for g in gaps:
        assert g.evidence["regional"]["typical_silence_h"] is None
        assert g.evidence["regional"]["routine"] is False
        assert any("Too few other vessels" in r for r in g.reasons)
