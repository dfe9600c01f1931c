"""The report printed to A4 PDF in headless Debian chromium keeps the vessel panel whole (every
section after "Timeline" too) and the reason column of the vessel table."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tests.serve_fixtures import GAP_MMSI, make_investigation
from tests.test_report_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.browser


def test_report_prints_on_a4(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    if not Path(CHROMIUM).is_file():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install chromium)")
    report = make_investigation(tmp_path / "inv") / "report.html"
    pdf = tmp_path / "report.pdf"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(report.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=20_000)
            page.click(f"#vessel-table tbody tr[data-mmsi='{GAP_MMSI}']")
            reasons = page.locator("#vessel-table td.why").all_text_contents()
            page.pdf(path=str(pdf), format="A4", print_background=True)
        finally:
            browser.close()
    reader = PdfReader(str(pdf))
    text = " ".join(
        unicodedata.normalize(
            "NFKC", " ".join(p.extract_text() or "" for p in reader.pages)
        ).split()
    )
    for section in ("Why it is flagged", "Timeline", "Events", "points before",
                    "Static data history", "Same IMO under other MMSIs", "How to read this report"):  # fmt: skip
        assert section in text, section
    # every main reason whole, with its end (nothing cut at the page's right edge)
    for r in reasons:
        assert " ".join(r.split())[-25:] in text, r
    for page_ in reader.pages:  # A4: 595 x 842 points
        assert (
            abs(float(page_.mediabox.width) - 595) < 2
            and abs(float(page_.mediabox.height) - 842) < 2
        )


def test_page_markup_is_balanced() -> None:
    """report.html (the markup of the report and of the dashboard) closes every element it opens
    (a stray end tag once cut the help text in two)."""
    from html.parser import HTMLParser
    from importlib import resources

    void = {"meta", "input", "br", "link", "img", "hr"}

    class Check(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.bad: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if self.stack and self.stack[-1] == tag:
                self.stack.pop()
            else:
                self.bad.append(f"</{tag}> at {self.getpos()} inside {self.stack[-2:]}")

    c = Check()
    c.feed((resources.files("dashboards") / "static" / "report.html").read_text(encoding="utf-8"))
    assert c.bad == [] and c.stack == []
