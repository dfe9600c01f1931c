"""End to end: `vessels serve` in a real uvicorn on 127.0.0.1, driven by headless Debian chromium
with every non-local request aborted: search, filter, review, reload, conflict between two
browsers, a copied URL, hostile AIS names as text, no console errors, a dossier printed to PDF."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.investigate_fixtures import EVIL_CSV, EVIL_HTML
from tests.serve_fixtures import EVIL_SVG, GAP_MMSI, PAIR, make_investigation
from tests.test_report_browser import ARGS, CHROMIUM, listen_for_problems
from tests.test_serve_kill import free_port, start_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("serve-e2e")
    inv = make_investigation(root / "inv")
    port = free_port()
    proc = start_server([str(inv), "--store", str(root / "reviews.db")], port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def offline(page: Any, blocked: list[str]) -> None:
    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "file://", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)


def ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready='1'][data-serve-ready='1']", timeout=30_000)


def test_review_desk_in_chromium(server: str, artifacts: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install chromium)")
    problems: list[str] = []
    blocked: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx_a = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx_a.new_page()
            offline(page, blocked)
            listen_for_problems(page, problems)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(server + "/")
            ready(page)
            # hostile names are text in the table, never markup
            names = page.locator("#vessel-table tbody td:nth-child(3)").all_text_contents()
            assert EVIL_HTML in names and EVIL_CSV in names and EVIL_SVG in names
            assert page.evaluate("document.querySelectorAll('img, svg, iframe').length") == 0

            # search by a former name through the API and open the vessel
            page.fill("#reviewer", "ana")
            page.dispatch_event("#reviewer", "change")
            page.fill("#search", "ocean one")
            page.wait_for_selector(f"#search-results button[data-mmsi='{GAP_MMSI}']")
            page.click(f"#search-results button[data-mmsi='{GAP_MMSI}']")
            page.wait_for_selector("#serve-vessel .review")
            assert page.locator("#detail").get_attribute("data-mmsi") == str(GAP_MMSI)
            assert (page.locator("#detail-title").text_content() or "").startswith(EVIL_HTML)
            page.wait_for_selector("#serve-vessel p.dims")
            assert "30 m × 8 m" in (page.locator("#serve-vessel p.dims").text_content() or "")
            hist = page.locator("#history tbody tr")
            page.wait_for_selector("#history tbody tr:nth-child(2)")
            assert EVIL_HTML in (hist.nth(1).text_content() or "")
            # evidence as a table in plain words, not JSON
            ev_item = page.locator("#event-list > li").first
            assert "points before" in (ev_item.locator("table.evidence").text_content() or "")
            assert "{" not in (ev_item.locator("table.evidence").text_content() or "")
            # the server's track at the map's zoom is drawn over the map
            page.wait_for_selector("#map[data-server-track]")
            assert int(page.locator("#map").get_attribute("data-ports") or 0) > 0
            assert page.locator("#map").get_attribute("data-scenes") == "1"

            # filter: only encounters; the gap vessel leaves the table, then comes back
            page.uncheck("#f-type-gap")
            page.wait_for_timeout(200)
            assert page.locator(f"#vessel-table tbody tr[data-mmsi='{GAP_MMSI}']").count() == 0
            page.check("#f-type-gap")
            # below-threshold (context) events: hidden until the one switch is on
            before = int(page.locator("#serve-bar").get_attribute("data-events") or 0)
            page.check("#f-context")
            page.wait_for_timeout(100)
            after = int(page.locator("#serve-bar").get_attribute("data-events") or 0)
            assert after > before
            # the table filter box finds event types too
            page.fill("#filter", "encounter")
            shown = page.locator("#vessel-table tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.mmsi)"
            )
            assert str(PAIR[0]) in shown and str(GAP_MMSI) not in shown
            page.fill("#filter", "")

            # an area: shift-drag a box around the gap event; only its vessel stays listed
            box = page.locator("#map").bounding_box()
            assert box is not None

            def at(lat: float, lon: float) -> tuple[float, float]:
                v = page.evaluate("window.VesselsUI.view()")
                x = (lon - v["cx"]) * v["kx"] * v["scale"] + v["w"] / 2
                y = (v["cy"] - lat) * v["scale"] + v["h"] / 2
                return box["x"] + x, box["y"] + y

            page.keyboard.down("Shift")
            page.mouse.move(*at(4.35, -7.1))
            page.mouse.down()
            page.mouse.move(*at(4.25, -6.9), steps=3)
            page.mouse.up()
            page.keyboard.up("Shift")
            page.wait_for_timeout(300)
            shown = page.locator("#vessel-table tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.mmsi)"
            )
            assert shown == [str(GAP_MMSI)]
            assert "area=" in page.url
            page.click("#area-clear")
            page.wait_for_timeout(100)
            assert page.locator("#vessel-table tbody tr").count() > 1

            # playback moves the time window forward, and the window is in the URL
            page.click("#time-play")
            starts = []
            for _ in range(3):
                page.wait_for_timeout(700)
                starts.append(int(page.locator("#timestrip").get_attribute("data-start") or 0))
            page.click("#time-play")
            assert starts[0] > 0 and starts[0] < starts[1] < starts[2]
            page.wait_for_timeout(300)
            assert "window=" in page.url
            page.click("#time-all")

            # review the gap event
            page.click(f"#vessel-table tbody tr[data-mmsi='{GAP_MMSI}']")
            page.wait_for_selector("#event-list .review")
            form = page.locator("#event-list > li").first.locator(".review")
            form.locator("select").select_option("confirmed")
            form.locator("textarea").fill("seen on SAR " + EVIL_HTML)
            form.locator("button.review-save").click()
            page.wait_for_selector("#event-list .review-msg.ok")
            assert form.get_attribute("data-version") == "1"
            event_id = page.locator("#event-list > li").first.get_attribute("data-event-id")

            # the URL holds the view: a copied link reopens the same vessel, event and filter
            page.locator("#event-list > li").first.click()
            page.wait_for_timeout(400)
            url = page.url
            assert f"vessel={GAP_MMSI}" in url and f"event={event_id}" in url and "context=1" in url

            # reload: the review persisted
            page.reload()
            ready(page)
            page.wait_for_selector("#event-list .review")
            form = page.locator("#event-list > li").first.locator(".review")
            assert form.get_attribute("data-status") == "confirmed"
            assert form.get_attribute("data-version") == "1"
            assert page.locator("#detail").get_attribute("data-mmsi") == str(GAP_MMSI)
            assert page.locator("#f-context").is_checked()

            # the events list follows the same filters; a row opens its vessel and event
            assert int(page.locator("#events-count").get_attribute("data-shown") or 0) >= 4
            enc = page.locator("#events-table tbody tr", has_text="encounter").first
            enc_id = enc.get_attribute("data-event-id")
            enc.click()
            page.wait_for_timeout(300)
            assert page.locator("#detail").get_attribute("data-mmsi") == str(PAIR[0])
            assert page.locator("#event-list > li.active").get_attribute("data-event-id") == enc_id
            # a vessel review, then the vessel-review filter keeps only that vessel
            page.wait_for_selector("#serve-vessel .review")
            vform = page.locator("#serve-vessel .review")
            vform.locator("select").select_option("escalated")
            vform.locator("button.review-save").click()
            page.wait_for_selector("#serve-vessel .review-msg.ok")
            page.select_option("#f-vstatus", "escalated")
            page.wait_for_timeout(200)
            rows = page.locator("#vessel-table tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.mmsi)"
            )
            assert rows == [str(PAIR[0])]
            page.select_option("#f-vstatus", "")
            page.click(f"#vessel-table tbody tr[data-mmsi='{GAP_MMSI}']")
            page.locator("#event-list > li").first.click()
            page.wait_for_timeout(400)
            url = page.url

            # a second browser (another analyst) opens the copied link: same view
            ctx_b = browser.new_context(viewport={"width": 1400, "height": 1000})
            page_b = ctx_b.new_page()
            offline(page_b, blocked)
            listen_for_problems(page_b, problems)
            page_b.goto(url)
            ready(page_b)
            page_b.wait_for_selector("#event-list .review")
            assert page_b.locator("#detail").get_attribute("data-mmsi") == str(GAP_MMSI)
            active = page_b.locator("#event-list > li.active")
            assert active.count() == 1 and active.get_attribute("data-event-id") == event_id
            assert page_b.locator("#f-context").is_checked()
            # both have version 1 on screen; B saves first, then A gets the conflict message
            page_b.fill("#reviewer", "bo")
            page_b.dispatch_event("#reviewer", "change")
            fb = page_b.locator("#event-list > li.active .review")
            fb.locator("select").select_option("dismissed")
            fb.locator("button.review-save").click()
            page_b.wait_for_selector("#event-list .review-msg.ok")
            fa = page.locator("#event-list > li").first.locator(".review")
            fa.locator("select").select_option("escalated")
            fa.locator("button.review-save").click()
            page.wait_for_selector("#event-list .review-msg.conflict")
            msg = page.locator("#event-list .review-msg.conflict").text_content() or ""
            assert "bo" in msg and "dismissed" in msg
            assert fa.get_attribute("data-status") == "dismissed"  # the form shows their change

            # the dossier: one self-contained file, printed to PDF with every evidence section
            with page.expect_download() as dl:
                page.click("#dossier-link")
            dossier = tmp_path / "dossier.html"
            dl.value.save_as(dossier)
            doc = ctx_a.new_page()
            offline(doc, blocked)
            listen_for_problems(doc, problems)
            doc.goto(dossier.as_uri())
            n_ev = doc.locator(".event").count()
            assert n_ev >= 1 and doc.locator("table.evidence").count() == n_ev
            pdf = tmp_path / "dossier.pdf"
            doc.pdf(path=str(pdf), format="A4", print_background=True)
            text = pdf_text(pdf)
            for section in ("Identity", "Why it is flagged", "Map", "Timeline", "Events that count",
                            "Static data history", "Same IMO", "review history", "points before",
                            "sat positions per day"):  # fmt: skip
                assert section in text, section
            page.screenshot(path=str(artifacts / "serve.png"), full_page=True)
            ctx_b.close()
            ctx_a.close()
        finally:
            browser.close()
    # Chromium logs every 4xx response on the console: the one 409 of the conflict is expected
    conflict = [p for p in problems if "status of 409 (Conflict)" in p]
    assert len(conflict) == 1
    assert [p for p in problems if p not in conflict] == []
    assert blocked == []
    assert dialogs == []


def pdf_text(pdf: Path) -> str:
    """The printed PDF's text, whitespace collapsed (pypdf)."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())  # "ﬂ" ligatures to "fl"


def test_live_alerts_in_chromium(tmp_path: Path) -> None:
    """Alerts written to the watch store while the page is open appear, with their badges."""
    from playwright.sync_api import sync_playwright

    from vessels.watch.alert import Alert
    from vessels.watch.store import AlertStore

    inv = make_investigation(tmp_path / "inv")
    watch_db = tmp_path / "alerts.db"
    store = AlertStore(watch_db)  # created before the server, empty
    port = free_port()
    proc = start_server([str(inv), str(watch_db), "--store", str(tmp_path / "r.db")], port)
    problems: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                offline(page, [])
                listen_for_problems(page, problems)
                page.goto(f"http://127.0.0.1:{port}/")
                ready(page)
                assert page.locator("#alerts-button").is_enabled()
                store.write(
                    [
                        Alert(
                            alert_id="live-watch-1",
                            version=1,
                            state="open",
                            type="gap",
                            mmsi=GAP_MMSI,
                            other_mmsi=None,
                            start_ms=1_700_000_000_000,
                            end_ms=None,
                            lat=4.0,
                            lon=-7.0,
                            score=0.8,
                            reasons=[EVIL_HTML],
                            evidence={},
                            trigger_time_ms=1_700_000_000_000,
                            emitted_at_ms=1_700_000_000_500,
                            lists=["sanctions"],
                        )
                    ]
                )
                page.wait_for_selector("#alerts-button[data-count='1']", timeout=20_000)
                page.click("#alerts-button")
                li = page.locator("#alerts li").first
                assert li.locator(".badge-watchlist").count() == 1
                assert EVIL_HTML in (li.text_content() or "")  # as text
                li.locator("button").click()
                page.wait_for_timeout(300)
                assert page.locator("#detail").get_attribute("data-mmsi") == str(GAP_MMSI)
            finally:
                browser.close()
    finally:
        store.close()
        proc.kill()
        proc.wait()
    assert problems == []
