"""report.html across the antimeridian: map width and build time, same fleet in two places.

The fleet of ``bench_investigate``'s report benchmark (1,000 flagged vessels, 1M positions,
random walks off Argentina) is built once where it is and once moved to straddle 180 degrees
(the Fiji / Kiribati transshipment grounds). Printed: the map box width by the pre-fix rule
(min/max of plain longitudes: the whole world for the moved fleet) and by the report's frame,
the build time of each report and the cost of choosing the frame.

    .venv/bin/python -m benchmarks.bench_report [--vessels N] [--points N]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import time
from typing import Any

import numpy as np
import pyarrow as pa

from benchmarks.bench_investigate import _report_inputs


def _moved(tracks: Any, events: pa.Table, by_deg: float) -> tuple[Any, pa.Table]:
    """The same fleet ``by_deg`` further east, longitudes written as AIS writes them."""

    def wrap(a: np.ndarray) -> np.ndarray:
        return np.mod(a + by_deg + 180.0, 360.0) - 180.0

    lon = np.asarray(events.column("lon").to_numpy(zero_copy_only=False), dtype=np.float64)
    i = events.schema.get_field_index("lon")
    moved = events.set_column(i, events.schema.field(i), pa.array(wrap(lon)))
    return dataclasses.replace(tracks, lon=wrap(tracks.lon)), moved


def _bbox(html: str) -> list[float]:
    import json

    m = re.search(r'id="vessels-data">(.*?)</script>', html, re.S)
    assert m is not None
    return list(json.loads(m.group(1))["bbox"])


def _best_of(n: int, fn: Any) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> None:
    from dashboards.report import (
        ReportParams,
        _events_payload,
        _frame_for,
        _tracks_payload,
        build_report_html,
    )
    from tests.naive_report import bbox_plain

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vessels", type=int, default=1000)
    ap.add_argument("--points", type=int, default=1_000_000)
    a = ap.parse_args(argv)
    vessels, events, tracks = _report_inputs(a.vessels, a.points)
    centre = float(np.median(tracks.lon))
    pac_tracks, pac_events = _moved(tracks, events, 180.0 - centre)
    print(
        f"report across the antimeridian: {len(vessels):,} flagged vessels, {tracks.n:,} "
        f"positions, fleet spanning {np.ptp(tracks.lon):.1f} deg of longitude"
    )
    mmsis = sorted(v.mmsi for v in vessels)
    for name, tr, ev in (("plain", tracks, events), ("across 180", pac_tracks, pac_events)):
        build, html = _best_of(3, lambda tr=tr, ev=ev: build_report_html(vessels, ev, tr, {}))
        evp = _events_payload(ev, set(mmsis))
        frame_s, frame = _best_of(3, lambda tr=tr, evp=evp: _frame_for(tr, mmsis, evp))
        payload_s, _ = _best_of(
            1, lambda tr=tr, f=frame: _tracks_payload(tr, mmsis, ReportParams(), f)
        )
        box = _bbox(html)
        old = bbox_plain(tr.lat, tr.lon, evp, tr.lat, tr.lon)  # the pre-fix rule
        old_w = old[3] - old[2]
        print(
            f"  {name:>10}: map box {box[3] - box[2]:6.1f} deg wide (pre-fix rule "
            f"{old_w:5.1f} deg, x{old_w / (box[3] - box[2]):.1f}); build {build:.2f} s, "
            f"frame choice {frame_s * 1e3:.0f} ms ({frame_s / build:.1%} of the build), "
            f"track payload {payload_s:.2f} s"
        )


if __name__ == "__main__":
    main()
