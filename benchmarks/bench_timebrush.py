"""report.html time brushing: how long one brush step takes on the big report, in chromium.

The report of ``bench_investigate``'s report benchmark (1,000 flagged vessels, 1M raw positions
decimated to the 300,000-point budget) is opened in headless Debian chromium. A drag on the time
strip is replayed as mouse events inside the page; for each step we time the whole frame (input
to the second animation frame after it: window applied to the map, the table and the texts) and
read the page's own figures (``data-apply-ms`` on the strip: texts + table + map; ``data-draw-ms``
on the map: the map alone). Printed against one zoom frame of the same report without a window
(the redraw people already accept when panning), as a ratio.

    .venv/bin/python -m benchmarks.bench_timebrush [--vessels N] [--points N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._common import report_page
from benchmarks.bench_investigate import _report_inputs

FRAME = """([x, y]) => new Promise(res => { const t = performance.now();
  document.getElementById('timestrip').dispatchEvent(
    new PointerEvent('pointermove', {clientX: x, clientY: y, bubbles: true}));
  requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now() - t))); })"""
RELEASE = """([x, y]) => new Promise(res => { const t = performance.now();
  document.getElementById('timestrip').dispatchEvent(
    new PointerEvent('pointerup', {clientX: x, clientY: y, bubbles: true}));
  requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now() - t))); })"""
ZOOM = """() => new Promise(res => { const c = document.getElementById('map');
  const t = performance.now();
  c.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: 300, clientY: 300,
    bubbles: true, cancelable: true}));
  requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now() - t))); })"""


def main(argv: list[str] | None = None) -> None:
    from dashboards.report import write_report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vessels", type=int, default=1000)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=30)
    a = ap.parse_args(argv)
    vessels, events, tracks = _report_inputs(a.vessels, a.points)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        t0 = time.perf_counter()
        write_report(path, vessels, events, tracks, {"title": "bench"})
        build = time.perf_counter() - t0
        with report_page(path) as (page, ready):
            n_points = int(page.locator("#map").get_attribute("data-points") or 0)
            zooms = [page.evaluate(ZOOM) for _ in range(5)]
            box = page.locator("#timestrip").bounding_box()
            assert box is not None
            y = box["y"] + 20
            page.mouse.move(box["x"] + 0.1 * box["width"], y)
            page.mouse.down()
            frames, apply_ms, draw_ms, releases, shown = [], [], [], [], []
            for k in range(a.steps):  # the window grows from 10 % to 90 % of the span
                x = box["x"] + (0.12 + 0.78 * k / max(1, a.steps - 1)) * box["width"]
                frames.append(page.evaluate(FRAME, [x, y]))
                apply_ms.append(
                    float(page.locator("#timestrip").get_attribute("data-apply-ms") or 0)
                )
                draw_ms.append(float(page.locator("#map").get_attribute("data-draw-ms") or 0))
            page.evaluate(RELEASE, [box["x"] + 0.9 * box["width"], y])
            # releases that change the table: a window after every vessel's events (loitering
            # at a quarter of the span, the gap in the middle: 0 rows), then its start edge
            # dragged back over all of them (all rows laid out), and so on
            page.keyboard.press("Escape")
            x_start, x_end = box["x"] + 0.65 * box["width"], box["x"] + 0.9 * box["width"]
            x_early = box["x"] + 0.1 * box["width"]
            page.mouse.move(x_start, y)
            page.mouse.down()
            page.evaluate(FRAME, [x_end, y])
            page.evaluate(RELEASE, [x_end, y])
            page.mouse.up()
            for k in range(6):
                # grab the start edge where the page draws it, move it to the other place
                start = int(page.locator("#timestrip").get_attribute("data-start") or 0)
                s0 = int(page.locator("#timestrip").get_attribute("data-span-start") or 0)
                s1 = int(page.locator("#timestrip").get_attribute("data-span-end") or 0)
                x_edge = box["x"] + 6 + (start - s0) / (s1 - s0) * (box["width"] - 12)
                x = x_early if k % 2 == 0 else x_start
                page.mouse.move(x_edge, y)
                page.mouse.down()
                page.evaluate(FRAME, [x, y])
                releases.append(page.evaluate(RELEASE, [x, y]))
                page.mouse.up()
                shown.append(int(page.locator("#row-count").get_attribute("data-shown") or 0))
    zoom = statistics.median(zooms)
    med = statistics.median(frames)
    print(
        f"time brush on a report of {len(vessels):,} vessels, {tracks.n:,} raw positions "
        f"({n_points:,} drawn points; built in {build:.1f} s, interactive in {ready:.2f} s)"
    )
    print(
        f"  brush step, whole frame: median {med:.0f} ms, max {max(frames):.0f} ms over "
        f"{len(frames)} steps"
    )
    print(
        f"  release (table of {min(shown)}..{max(shown)} rows and detail follow): median "
        f"{statistics.median(releases):.0f} ms, max {max(releases):.0f} ms"
    )
    print(
        f"  of which window applied (texts + table + map) median "
        f"{statistics.median(apply_ms):.1f} ms, map alone {statistics.median(draw_ms):.1f} ms"
    )
    print(f"  zoom frame without a window: median {zoom:.0f} ms; brush / zoom x{med / zoom:.2f}")


if __name__ == "__main__":
    main()
