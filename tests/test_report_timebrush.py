"""Time brushing in report.html, in headless Debian chromium: the fleet-wide time strip, a window
dragged on it, and the map, table, texts and vessel detail following that window."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from dashboards.report import ReportVessel, build_report_html
from tests import naive_report
from tests.investigate_fixtures import HOUR, T0, positions_table
from vessels.events import Event, events_to_table
from vessels.tracks import build_tracks

pytestmark = pytest.mark.browser

V1, V2, V3, V4, V5 = (224_000_001 + k for k in range(5))
# events at known, well-separated times (hours after T0)
EVENT_HOURS = {"gap": (3, 5), "encounter": (15, 17), "loitering": (28, 31), "identity": (40, 40)}
DARK_H = 44


def _events() -> pa.Table:
    def ev(kind: str, mmsi: int | None, h: tuple[int, int], **kw: Any) -> Event:
        return Event(
            kind, mmsi, T0 + h[0] * HOUR, T0 + h[1] * HOUR, 4.5, -7.0, 0.8, [kind], {}, **kw
        )

    return events_to_table(
        [
            ev("gap", V1, EVENT_HOURS["gap"]),
            ev("encounter", V2, EVENT_HOURS["encounter"], other_mmsi=V3),
            ev("loitering", V4, EVENT_HOURS["loitering"]),
            ev("identity", V5, EVENT_HOURS["identity"]),
            ev("dark_detection", None, (DARK_H, DARK_H), id_key="d1"),
        ]
    )


def _data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="vessels-data">(.*?)</script>', html, re.S)
    assert m is not None
    return dict(json.loads(m.group(1)))


def _arr(s: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype=dtype)


@pytest.fixture(scope="module")
def brush_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    tracks, _ = build_tracks(positions_table(n_vessels=5, hours=48))
    vessels = [
        ReportVessel(m, s, name=f"V{k}", counts={t: 1}, reasons=[(t, s)])
        for k, (m, s, t) in enumerate(
            [
                (V1, 0.9, "gap"),
                (V2, 0.8, "encounter"),
                (V4, 0.7, "loitering"),
                (V5, 0.6, "identity"),
            ]
        )
    ]
    html = build_report_html(vessels, _events(), tracks, {"title": "brush"})
    assert html == build_report_html(vessels, _events(), tracks, {"title": "brush"})
    path = tmp_path_factory.mktemp("brush") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path, _data(html)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def test_time_brush_in_chromium(brush_report: tuple[Path, dict[str, Any]], artifacts: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.test_report_browser import ARGS, CHROMIUM, listen_for_problems

    if not Path(CHROMIUM).is_file():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install chromium)")
    path, data = brush_report
    tr = data["tracks"]
    t_s, lon_e5 = _arr(tr["t"], "<i4"), _arr(tr["lon"], "<i4")
    piece = _arr(tr["piece"], "u1")
    n_events = len(data["events"])
    assert n_events == 5 and tr["n"] > 100
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            listen_for_problems(page, problems)
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=20_000)
            strip = page.locator("#timestrip")
            box = strip.bounding_box()
            assert box is not None
            span0 = int(strip.get_attribute("data-span-start") or 0)
            span1 = int(strip.get_attribute("data-span-end") or 0)
            assert (span0, span1) == (T0, T0 + (48 * 6 - 1) * 600_000)  # the tracks' span

            def settle() -> None:  # let the frames requested by the last input run
                page.evaluate(
                    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
                )

            def x_of(ms: float) -> float:
                return box["x"] + 6 + (ms - span0) / (span1 - span0) * (box["width"] - 12)

            def drag(h0: float, h1: float) -> None:
                # where the strip is now: a click on a table row may have scrolled the page
                # to bring the vessel detail into view
                strip.scroll_into_view_if_needed()
                box.update(strip.bounding_box() or {})
                y = box["y"] + 20
                page.mouse.move(x_of(T0 + h0 * HOUR), y)
                page.mouse.down()
                page.mouse.move(x_of(T0 + h1 * HOUR), y, steps=4)
                page.mouse.up()
                settle()

            def state() -> dict[str, Any]:
                return dict(
                    page.evaluate(
                        """() => ({s: {...document.getElementById('timestrip').dataset},
                        m: {...document.getElementById('map').dataset},
                        r: {...document.getElementById('row-count').dataset},
                        rows: [...document.querySelectorAll('#vessel-table tbody tr')].map(
                          tr => +tr.dataset.mmsi),
                        text: document.getElementById('time-window').textContent,
                        all: document.getElementById('time-all').disabled})"""
                    )
                )

            def check_map(st: dict[str, Any]) -> None:
                """Track lines and points on the map are those of the plain reference."""
                if st["s"]["start"]:
                    w0 = int(st["s"]["start"]) / 1000 - tr["t0"]
                    w1 = int(st["s"]["end"]) / 1000 - tr["t0"]
                    lines, inside = naive_report.window_pieces(t_s, lon_e5, piece, w0, w1)
                else:
                    lines, inside = naive_report.window_pieces(t_s, lon_e5, piece, None, None)
                assert (int(st["m"]["paths"]), int(st["m"]["points"])) == (lines, inside)

            # all times at first: every event and vessel, the data's span as text
            st = state()
            assert st["s"]["start"] == "" and st["all"] is True
            assert st["m"]["events"] == str(n_events) and sorted(st["rows"]) == [V1, V2, V4, V5]
            assert f"{_iso(span0)} → {_iso(span1)} UTC" in st["text"]
            check_map(st)
            # the strip drew the events: its canvas has the encounter's colour (#8e44ad)
            purple = page.evaluate(
                """() => { const s = document.getElementById('timestrip');
                const c = document.createElement('canvas'); c.width = s.width; c.height = s.height;
                const g = c.getContext('2d', {willReadFrequently: true}); g.drawImage(s, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;
                for (let i = 0; i < d.length; i += 4) if (d[i] === 142 && d[i+1] === 68 && d[i+2] === 173) n++;
                return n; }"""
            )
            assert purple > 20

            # drag 12 h to 20 h: only the encounter (15-17 h) and its vessel remain
            drag(12, 20)
            st = state()
            start, end = int(st["s"]["start"]), int(st["s"]["end"])
            assert start % 60_000 == 0 and end % 60_000 == 0  # whole minutes, as shown
            assert abs(start - (T0 + 12 * HOUR)) < 15 * 60_000
            assert abs(end - (T0 + 20 * HOUR)) < 15 * 60_000
            assert st["m"]["events"] == "1" and st["s"]["events"] == "1"
            assert st["rows"] == [V2] and st["r"] == {"shown": "1", "outside": "3"}
            assert f"{_iso(start)} → {_iso(end)} UTC" in st["text"]
            assert "1 of 5 events" in st["text"] and st["all"] is False
            check_map(st)
            # a brushed window keeps about a sixth of the (evenly spaced) points
            assert 0.1 < int(st["m"]["points"]) / tr["n"] < 0.25

            # drag the window itself 2 h later: same width; then its end edge out to 22 h
            drag(16, 18)
            st = state()
            moved = int(st["s"]["start"]) - start
            assert abs(moved - 2 * HOUR) < 15 * 60_000 and moved % 60_000 == 0
            assert int(st["s"]["end"]) - int(st["s"]["start"]) == end - start
            start, end = int(st["s"]["start"]), int(st["s"]["end"])
            drag((end - T0) / HOUR, 22)
            st = state()
            assert int(st["s"]["start"]) == start
            assert abs(int(st["s"]["end"]) - (T0 + 22 * HOUR)) < 15 * 60_000
            start, end = int(st["s"]["start"]), int(st["s"]["end"])
            assert st["rows"] == [V2]
            check_map(st)

            # selection still works inside a window: the vessel's track is cut to the window
            dark = """() => { const m = document.getElementById('map');
                const c = document.createElement('canvas'); c.width = m.width; c.height = m.height;
                const g = c.getContext('2d', {willReadFrequently: true}); g.drawImage(m, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data; const cols = new Set();
                for (let i = 0; i < d.length; i += 4)
                  if (d[i] < 40 && d[i+1] < 40 && d[i+2] < 40) cols.add((i / 4) % c.width);
                return cols.size; }"""
            page.click(f"#vessel-table tbody tr[data-mmsi='{V2}']")
            settle()
            assert page.locator("#detail").get_attribute("data-mmsi") == str(V2)
            items = page.locator("#event-list > li")
            assert items.count() == 1 and "outside" not in (
                items.first.get_attribute("class") or ""
            )
            items.first.click()
            assert "active" in (items.first.get_attribute("class") or "")
            cut = page.evaluate(dark)
            # the vessel's own timeline shows the window as a band (#ffd250 at 35 % on a clear canvas)
            band = """() => { const m = document.getElementById('timeline');
                const c = document.createElement('canvas'); c.width = m.width; c.height = m.height;
                const g = c.getContext('2d', {willReadFrequently: true}); g.drawImage(m, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;
                for (let i = 0; i < d.length; i += 4)
                  if (d[i] > 250 && Math.abs(d[i+1] - 210) < 5 && Math.abs(d[i+3] - 89) < 5) n++;
                return n; }"""
            assert page.evaluate(band) > 100

            # the arrow key moves the window by a quarter of its width, in whole minutes
            strip.focus()
            page.keyboard.press("ArrowRight")
            settle()
            quarter = int(np.floor((end - start) / 4 / 60_000 + 0.5)) * 60_000  # JS Math.round
            st = state()
            assert (int(st["s"]["start"]), int(st["s"]["end"])) == (start + quarter, end + quarter)
            check_map(st)

            # "all times" restores everything; the whole track is drawn again
            page.click("#time-all")
            settle()
            st = state()
            assert st["s"]["start"] == "" and st["m"]["events"] == str(n_events)
            assert sorted(st["rows"]) == [V1, V2, V4, V5] and st["r"]["outside"] == "0"
            check_map(st)
            whole = page.evaluate(dark)
            assert page.evaluate(band) == 0
            assert 0.05 * whole < cut < 0.5 * whole  # 8 h of the vessel's 48 h track

            # a window on 27-35 h: the loitering vessel; the selected one stays in the detail
            # panel with its event marked as outside the window
            drag(27, 35)
            st = state()
            assert st["rows"] == [V4] and st["m"]["events"] == "1"
            assert "outside" in (items.first.get_attribute("class") or "")
            check_map(st)
            # an empty period: no vessel, and the table says why (Escape first, so the drag
            # makes a new window rather than moving this one)
            page.keyboard.press("Escape")
            drag(33.5, 38)
            st = state()
            assert abs(int(st["s"]["start"]) - (T0 + 33.5 * HOUR)) < 15 * 60_000
            assert st["rows"] == [] and st["m"]["events"] == "0" and st["r"]["outside"] == "4"
            assert "4 more with no event in the time window" in (
                page.locator("#row-count").text_content() or ""
            )
            check_map(st)
            # the dark detection alone (no vessel), then reset by double-click
            drag(43, 45)
            st = state()
            assert st["m"]["events"] == "1" and st["rows"] == []
            page.screenshot(path=str(artifacts / "report_timebrush.png"), full_page=True)
            strip.dblclick()
            settle()
            st = state()
            assert st["s"]["start"] == "" and st["m"]["events"] == str(n_events)
            # seeded random windows: map lines and points match the plain reference
            rng = np.random.default_rng(7)
            for _ in range(5):
                h0, h1 = sorted(rng.uniform(-1, 45, 2))
                drag(h0, h1 + 0.5)
                check_map(state())
            page.keyboard.press("Escape")
            settle()
            assert state()["s"]["start"] == ""

            # a report with no times at all: a blank strip that says so, nothing to drag
            empty = path.with_name("empty.html")
            empty.write_text(build_report_html([], None, None, {"title": "e"}), encoding="utf-8")
            page.goto(empty.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=20_000)
            assert page.locator("#time-window").text_content() == "No times in the data."
            assert page.locator("#time-all").is_disabled()
            drag(0, 5)
            assert page.locator("#timestrip").get_attribute("data-start") is None
        finally:
            browser.close()
    assert problems == []


def test_window_pieces_reference_hand_made() -> None:
    # two pieces (0-20 s, 100-120 s) and a step across 180 degrees inside the second
    t = [0, 10, 20, 100, 110, 120]
    lon = [0, 1, 2, 17_999_000, -17_999_000, -17_998_000]
    piece = [1, 0, 0, 1, 0, 0]
    assert naive_report.window_pieces(t, lon, piece, None, None) == (3, 6)
    assert naive_report.window_pieces(t, lon, piece, 5, 15) == (1, 1)  # a cut line, one point
    assert naive_report.window_pieces(t, lon, piece, 30, 90) == (0, 0)  # between the pieces
    assert naive_report.window_pieces(t, lon, piece, 20, 105) == (2, 2)
    assert naive_report.window_pieces(t, lon, piece, 0, 120) == (3, 6)
