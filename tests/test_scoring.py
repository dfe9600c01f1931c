from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vessels.config import load_config
from vessels.errors import ConfigError
from vessels.events import Event, events_to_table
from vessels.pipeline.scoring import ScoringParams, score_vessels

T0 = 1_700_000_000_000
W = ScoringParams()  # the default weights: the tests follow them, never repeat them


def ev(type_: str, mmsi: int | None, score: float, k: int = 0, other: int | None = None) -> Event:
    return Event(
        type_,
        mmsi,
        T0 + k * 3_600_000,
        T0 + (k + 2) * 3_600_000,
        1.0,
        1.0,
        score,
        [f"{type_} reason {k}"],
        {},
        other_mmsi=other,
        id_key=str(k),
    )


def test_single_event_score_is_weight_times_score() -> None:
    s = score_vessels(events_to_table([ev("gap", 1, 0.8)]))
    assert s[1].score == pytest.approx(W.weight_gap * 0.8)
    assert s[1].counts == {"gap": 1}
    assert s[1].reasons[0].share == pytest.approx(s[1].score)
    assert s[1].reasons[0].text.startswith("1 AIS gap (longest 2.0 h): gap reason 0")


def test_noisy_or_and_shares_add_up() -> None:
    evs = [ev("gap", 1, 0.9, 0), ev("gap", 1, 0.7, 1), ev("loitering", 1, 0.6, 2)]
    s = score_vessels(events_to_table(evs))[1]
    ps = [W.weight_gap * 0.9, W.weight_gap * 0.7, W.weight_loitering * 0.6]
    assert s.score == pytest.approx(1 - math.prod(1 - p for p in ps), abs=1e-6)
    assert sum(r.share for r in s.reasons) == pytest.approx(s.score, abs=1e-5)
    assert [r.type for r in s.reasons] == ["gap", "loitering"]  # strongest first
    assert s.reasons[0].count == 2 and len(s.reasons[0].event_ids) == 2
    assert "2 AIS gaps" in s.reasons[0].text


def test_pair_events_count_for_both_vessels_and_carrier_bonus() -> None:
    table = events_to_table([ev("encounter", 1, 0.8, other=2)])
    plain = score_vessels(table)
    assert plain[1].score == plain[2].score == pytest.approx(W.weight_encounter * 0.8)
    bonus = score_vessels(table, carriers=frozenset({2}))
    # vessel 1 met a carrier: its encounter weighs more; the carrier itself gets no bonus
    with_bonus = W.weight_encounter + W.weight_carrier_bonus
    assert bonus[1].score == pytest.approx(with_bonus * 0.8)
    assert bonus[2].score == pytest.approx(W.weight_encounter * 0.8)


def test_threshold_and_dark_detection_without_vessel() -> None:
    below = W.min_event_score - 0.01
    table = events_to_table([ev("gap", 1, below), ev("dark_detection", None, 0.9, 1)])
    assert score_vessels(table) == {}
    assert 1 in score_vessels(table, ScoringParams(min_event_score=below - 0.01))


def test_weights_from_config_and_errors() -> None:
    p = load_config({"scoring": {"weight_loitering": 0.0, "top_reasons": 2}}).params(
        "scoring", ScoringParams
    )
    s = score_vessels(events_to_table([ev("loitering", 1, 0.9)]), p)
    assert s[1].score == 0.0
    with pytest.raises(ConfigError, match="unknown key"):
        load_config({"scoring": {"weight_gaps": 0.5}}).params("scoring", ScoringParams)
    with pytest.raises(ConfigError):
        load_config({"scoring": {"weight_gap": 1.5}}).params("scoring", ScoringParams)
    with pytest.raises(ConfigError):
        load_config({"scoring": {"top_reasons": 0}}).params("scoring", ScoringParams)


def test_weights_order_equal_confidence() -> None:
    # same detector confidence: a gap outweighs a rendezvous inferred from one image
    s = score_vessels(events_to_table([ev("dark_rendezvous", 1, 0.8), ev("gap", 2, 0.8)]))
    assert s[2].score > s[1].score


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["gap", "encounter", "loitering", "identity"]), st.floats(0.5, 1.0)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_score_bounded_monotone_and_explained(items: list[tuple[str, float]]) -> None:
    evs = [ev(t, 7, sc, k) for k, (t, sc) in enumerate(items)]
    s = score_vessels(events_to_table(evs))[7]
    assert 0.0 <= s.score <= 1.0
    assert sum(r.share for r in s.reasons) == pytest.approx(s.score, abs=1e-4)
    assert sum(s.counts.values()) == len(items)
    # one more event never lowers the score
    more = score_vessels(events_to_table([*evs, ev("gap", 7, 0.6, 99)]))[7]
    assert more.score >= s.score - 1e-9
