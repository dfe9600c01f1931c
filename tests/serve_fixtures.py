"""A small investigation output folder for the serve tests (hand-made inputs with hostile AIS
names, through the real pipeline and write_outputs)."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa

from tests.investigate_fixtures import (
    EVIL_CSV,
    EVIL_HTML,
    HOUR,
    T0,
    events_for,
    positions_table,
    static_table,
)
from vessels.events import Event, events_to_table
from vessels.pipeline.investigate import run_pipeline, write_outputs

EVIL_SVG = "<SVG/ONLOAD=ALERT(1)>"
GAP_MMSI = 224_000_001
PAIR = (224_000_002, 224_000_003)
LOITER_MMSI = 224_000_004


def make_investigation(out: Path, title: str = "serve test") -> Path:
    pos = positions_table(n_vessels=6, gap_mmsi=GAP_MMSI)
    st = static_table(
        {GAP_MMSI: ["OCEAN ONE", EVIL_HTML], PAIR[0]: [EVIL_CSV], LOITER_MMSI: [EVIL_SVG]},
        imo={GAP_MMSI: 9_074_729, LOITER_MMSI: 9_074_729},  # one IMO, two MMSIs
    )
    # plus a context event (below the 0.5 threshold) on a flagged vessel
    ctx = Event(
        "loitering",
        GAP_MMSI,
        T0 + 22 * HOUR,
        T0 + 26 * HOUR,
        4.4,
        -6.8,
        0.3,
        ["Slow for hours far from shore; benign waiting or drifting is common."],
        {"mean_speed_kn": 1.5},
    )
    ev = pa.concat_tables([events_for(GAP_MMSI, PAIR, LOITER_MMSI), events_to_table([ctx])])
    # one SAR scene over the area (its footprint goes on the map); events are given, so it is
    # not matched here
    scenes = pa.table(
        {
            "scene_id": ["S1A_TEST_SCENE"],
            "t": pa.array([T0 + 12 * HOUR], pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
            "footprint": ["POLYGON ((-7.5 4.0, -6.0 4.0, -6.0 5.0, -7.5 5.0, -7.5 4.0))"],
        }
    )
    p = run_pipeline(pos, st, events=ev, sar=SimpleNamespace(scenes=scenes))
    write_outputs(
        out,
        p,
        config={},
        inputs=[],
        sar_inputs=[],
        carriers=None,
        started=time.perf_counter(),
        timings={},
        title=title,
    )
    return out
