"""End to end: report.html in headless Debian chromium, offline, with hostile AIS names."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.investigate_fixtures import (
    EVIL_CSV,
    EVIL_HTML,
    events_for,
    positions_table,
    static_table,
)
from vessels.pipeline.investigate import run_pipeline, write_outputs

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pos = positions_table(n_vessels=6, gap_mmsi=224_000_001)
    st = static_table(
        {224_000_001: ["OCEAN ONE", EVIL_HTML], 224_000_002: [EVIL_CSV], 224_000_004: ["SIS"]},
        imo={224_000_001: 9_074_729, 224_000_004: 9_074_729},  # one IMO, two MMSIs
    )
    ev = events_for(224_000_001, (224_000_002, 224_000_003), 224_000_004)
    p = run_pipeline(pos, st, events=ev)
    out = tmp_path_factory.mktemp("inv") / "out"
    write_outputs(
        out,
        p,
        config={},
        inputs=[],
        sar_inputs=[],
        carriers=None,
        started=time.perf_counter(),
        timings={},
    )
    return out / "report.html"


def listen_for_problems(page: Any, problems: list[str]) -> None:
    """Collect the page's console errors and warnings and its uncaught exceptions."""
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))


def test_report_in_chromium(report: Path, artifacts: Path) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install chromium)")
    problems: list[str] = []
    blocked: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def route(r: object) -> None:
                url = r.request.url  # type: ignore[attr-defined]
                if url.startswith(
                    ("file://", "data:", "blob:", "http://127.0.0.1", "http://localhost")
                ):
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    blocked.append(url)
                    r.abort()  # type: ignore[attr-defined]

            page.route("**/*", route)
            listen_for_problems(page, problems)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=20_000)

            # the map drew land and tracks: more than one colour on the canvas
            colours = page.evaluate(
                """() => { const c = document.getElementById('map');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                const s = new Set(); for (let i = 0; i < d.length; i += 4 * 97) s.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
                return s.size; }"""
            )
            assert colours >= 3
            rows = page.locator("#vessel-table tbody tr")
            assert rows.count() == 4  # four vessels flagged; the weak loitering is not counted
            names = page.locator("#vessel-table tbody tr td:nth-child(3)").all_text_contents()
            assert EVIL_HTML in names and EVIL_CSV in names  # shown as text, not markup
            assert page.evaluate("document.querySelectorAll('img').length") == 0

            # sort by MMSI (ascending, then descending on a second click), then by risk
            page.click("#vessel-table th button[data-key='mmsi']")
            first = page.locator("#vessel-table tbody tr").first.get_attribute("data-mmsi")
            assert first == "224000001"
            page.click("#vessel-table th button[data-key='mmsi']")
            first = page.locator("#vessel-table tbody tr").first.get_attribute("data-mmsi")
            assert first == "224000004"
            page.click("#vessel-table th button[data-key='score']")
            first = page.locator("#vessel-table tbody tr").first.get_attribute("data-mmsi")
            assert first == "224000001"  # the 0.9 gap scores highest

            # click the vessel with the hostile name: its gap event, evidence and history show
            page.click("#vessel-table tbody tr[data-mmsi='224000001']")
            assert page.locator("#detail").is_visible()
            assert page.locator("#detail-title").text_content().startswith(EVIL_HTML)  # type: ignore[union-attr]
            items = page.locator("#event-list > li")
            assert items.count() == 1
            text = items.first.text_content() or ""
            assert "AIS gap" in text and "<b>bold</b>" in text and "points before" in text
            items.first.click()
            assert "active" in (items.first.get_attribute("class") or "")
            hist = page.locator("#history tbody tr")
            assert hist.count() == 2 and EVIL_HTML in (hist.nth(1).text_content() or "")
            same = page.locator("#same-imo tbody tr")
            assert same.count() == 1 and "224000004" in (same.first.text_content() or "")
            # no port near the synthetic tracks: the panel says the voyage's ends are unknown
            calls = page.locator("#port-calls tbody tr")
            assert calls.count() == 1 and "no port call" in (calls.first.text_content() or "")

            # an encounter links to its partner vessel
            page.click("#vessel-table tbody tr[data-mmsi='224000002']")
            page.click("#event-list button.link")
            assert page.locator("#detail").get_attribute("data-mmsi") == "224000003"
            assert "224000003" in (page.locator("#detail-title").text_content() or "")

            # keyboard: focus a row and press Enter
            page.focus("#vessel-table tbody tr[data-mmsi='224000004']")
            page.keyboard.press("Enter")
            assert page.locator("#detail").get_attribute("data-mmsi") == "224000004"

            # map interactions keep working
            page.click("#zoom-in")
            page.mouse.move(300, 300)
            page.mouse.wheel(0, -200)
            page.wait_for_timeout(100)
            assert int(page.locator("#map").get_attribute("data-drawn") or 0) >= 3
            page.fill("#filter", "hyperlink")
            assert page.locator("#vessel-table tbody tr").count() == 1
            page.fill("#filter", "")
            page.screenshot(path=str(artifacts / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert blocked == []
    assert dialogs == []
