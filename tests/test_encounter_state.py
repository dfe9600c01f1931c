"""The encounter stream's per-vessel state (``detectors.encounter.state``), whole chunks at a
time, against the plain per-vessel loop it replaced, on random chunk sequences."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.encounter.state import VesselState
from kernels.resample import NO_SLOT

STEP = 600_000


class PlainState:
    """The former bookkeeping: Python lists and a loop over the chunk's vessels."""

    def __init__(self, n: int) -> None:
        self.raw_t = [NO_SLOT] * n
        self.raw_lat = [0.0] * n
        self.recent = [np.zeros(0, np.int64) for _ in range(n)]

    def advance(self, vids: list[int], starts: np.ndarray, has: np.ndarray, t: np.ndarray,
                lat: np.ndarray) -> None:  # fmt: skip
        for k, v in enumerate(vids):
            seg_t = t[starts[k] : starts[k + 1]]
            tl = int(seg_t[-1])
            lo = int(np.searchsorted(seg_t, tl - STEP, side="right"))
            if lo == 0 and has[k]:
                old = self.recent[v]
                seg_t = np.r_[old[old > tl - STEP], seg_t]
                lo = 0
            self.recent[v] = seg_t[lo:-1][seg_t[lo:-1] < tl]
            self.raw_t[v] = tl
            self.raw_lat[v] = float(lat[starts[k + 1] - 1])

    def count(self, v: int, after: int, until: int) -> int:
        old = self.recent[v]
        return int(np.count_nonzero((old > after) & (old <= until)))


chunk = st.lists(
    st.tuples(st.integers(0, 5), st.lists(st.integers(0, 1_500_000), min_size=1, max_size=6)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(chunk, min_size=1, max_size=5), st.lists(st.integers(0, 5), max_size=3))
def test_whole_chunk_state_equals_the_per_vessel_loop(
    chunks: list[list[tuple[int, list[int]]]], evict: list[int]
) -> None:
    n = 6
    fast, plain = VesselState(), PlainState(n)
    fast.ensure(n)
    t_now = 0
    for c, items in enumerate(chunks):
        # one segment per vessel per chunk, times after everything before (time order)
        per: dict[int, list[int]] = {}
        for v, offs in items:
            per.setdefault(v, []).extend(offs)
        vids, t_list, starts, has = [], [], [0], []
        for v in sorted(per):
            times = sorted(t_now + o for o in per[v])
            carried = plain.raw_t[v] != NO_SLOT
            seg = ([plain.raw_t[v]] if carried else []) + times
            vids.append(v)
            has.append(carried)
            t_list += seg
            starts.append(len(t_list))
        t = np.array(t_list, np.int64)
        lat = np.arange(t.size, dtype=np.float64)
        starts_a, has_a, vids_a = np.array(starts), np.array(has), np.array(vids, np.int64)
        # queries before the update see the recent times of earlier chunks
        q_v = np.array([v for v in range(n)] * 2, np.int64)
        q_until = np.array([t_now + 100_000 * k for k in range(q_v.size)], np.int64)
        got = fast.count_recent(q_v, q_until - STEP, q_until)
        want = [
            plain.count(int(v), int(u) - STEP, int(u)) for v, u in zip(q_v, q_until, strict=True)
        ]
        assert got.tolist() == want
        fast.advance(vids_a, starts_a, t, (lat, lat, lat, lat), STEP)
        plain.advance(vids, starts_a, has_a, t, lat)
        for v in range(n):
            assert fast.recent_t[fast.recent_v == v].tolist() == plain.recent[v].tolist()
            assert fast.raw_t[v] == plain.raw_t[v]
            assert fast.raw_lat[v] == plain.raw_lat[v]
        assert np.all(np.diff(fast.recent_v) >= 0)
        t_now = int(t.max()) + 1 if c % 2 else int(t.max())  # chunks may share an edge time
        if evict and c == 0:  # eviction / id reuse forgets a vessel entirely
            for v in evict:
                fast.reset(v)
                plain.raw_t[v], plain.raw_lat[v] = NO_SLOT, 0.0
                plain.recent[v] = np.zeros(0, np.int64)


def test_grows_and_new_ids_start_unknown() -> None:
    s = VesselState()
    s.ensure(3)
    s.raw_t[2] = 5
    s.ensure(5000)
    assert s.raw_t.size >= 5000 and s.raw_t[2] == 5 and s.raw_t[4999] == NO_SLOT
    assert s.rs_lat[4999] == 0.0
