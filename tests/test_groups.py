"""Meetings of three or more vessels marked on their pairwise encounters (detectors.groups)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.groups import mark_meetings
from vessels.events import Event

H = 3_600_000


def enc(a: int, b: int, start_h: float, end_h: float) -> Event:
    return Event(
        type="encounter",
        mmsi=a,
        other_mmsi=b,
        start_ms=int(start_h * H),
        end_ms=int(end_h * H),
        lat=0.0,
        lon=0.0,
        score=0.6,
        reasons=["pair"],
        evidence={
            "duration_h": end_h - start_h,
            "median_distance_m": 120.0,
            "median_speed_kn": 0.8,
            "distance_from_shore_km": 200.0,
            "distance_from_port_km": 210.0,
            "nearest_port": None,
            "possible_transshipment": False,
            "n_runs": 1,
            "vessel": {"mmsi": a, "name": None, "is_carrier": False, "is_fishing": False},
            "other_vessel": {"mmsi": b, "name": None, "is_carrier": False, "is_fishing": False},
            "rule": {"max_distance_m": 500.0, "merge_gap_h": 2.0},
        },
    )


def meetings(events: list[Event]) -> dict[str, tuple[int, ...]]:
    return {
        e.event_id: tuple(e.evidence["meeting"]["vessels"])
        for e in events
        if "meeting" in e.evidence
    }


def test_three_vessels_at_once_are_one_meeting_and_nothing_else_changes() -> None:
    evs = [
        enc(1, 2, 0, 10),  # carrier 1 with 2 ...
        enc(1, 3, 5, 12),  # ... and with 3 while 2 is still alongside
        enc(4, 5, 0, 5),  # another pair, no shared vessel
        enc(1, 6, 20, 25),  # 1 again, but later: not the same meeting
        Event("gap", 7, 0, 10 * H, 0.0, 0.0, 0.9),
    ]
    out = mark_meetings(evs)
    assert meetings(out) == {evs[0].event_id: (1, 2, 3), evs[1].event_id: (1, 2, 3)}
    m = out[0].evidence["meeting"]
    assert (m["n_vessels"], m["n_pairs"], m["start_ms"], m["end_ms"]) == (3, 2, 0, 12 * H)
    assert out[0].evidence["meeting"]["id"] == out[1].evidence["meeting"]["id"]
    assert out[0].reasons[-1].startswith("Part of a meeting of 3 vessels")
    for a, b in zip(evs, out, strict=True):
        assert (a.event_id, a.score, a.start_ms, a.end_ms) == (
            b.event_id,
            b.score,
            b.start_ms,
            b.end_ms,
        )
    assert "meeting" not in evs[0].evidence  # the input is not changed
    assert out[2] is evs[2] and out[3] is evs[3] and out[4] is evs[4]


def test_touching_end_and_start_is_no_overlap() -> None:
    out = mark_meetings([enc(1, 2, 0, 5), enc(2, 3, 5, 9)])
    assert meetings(out) == {}


def _plain(events: list[Event]) -> dict[str, tuple[int, ...]]:
    """Every pair of encounters compared: union of those sharing a vessel and overlapping."""
    n = len(events)
    comp = list(range(n))

    def root(i: int) -> int:
        while comp[i] != i:
            i = comp[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            a, b = events[i], events[j]
            shared = {a.mmsi, a.other_mmsi} & {b.mmsi, b.other_mmsi}
            if shared and a.start_ms < b.end_ms and b.start_ms < a.end_ms:
                comp[root(i)] = root(j)
    out: dict[str, tuple[int, ...]] = {}
    for i in range(n):
        members = [k for k in range(n) if root(k) == root(i)]
        ves = sorted(
            {m for k in members for m in (events[k].mmsi, events[k].other_mmsi) if m is not None}
        )
        if len(ves) >= 3:
            out[events[i].event_id] = tuple(ves)
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 7), st.integers(1, 7), st.integers(0, 40), st.integers(1, 12)),
        max_size=14,
    ),
    st.randoms(use_true_random=False),
)
def test_matches_the_all_pairs_reference_in_any_order(
    raw: list[tuple[int, int, int, int]], rnd: random.Random
) -> None:
    evs = []
    seen = set()
    for a, b, s, d in raw:
        if a == b or (min(a, b), max(a, b), s) in seen:
            continue  # a vessel never meets itself; one event per pair and start
        seen.add((min(a, b), max(a, b), s))
        evs.append(enc(min(a, b), max(a, b), s, s + d))
    want = _plain(evs)
    assert meetings(mark_meetings(evs)) == want
    shuffled = evs[:]
    rnd.shuffle(shuffled)
    assert meetings(mark_meetings(shuffled)) == want
