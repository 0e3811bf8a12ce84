"""/landelijk in Chromium, on the seeded demo: nothing scrolls sideways, at 1280 px (a table)
or 360 px (a card per consultation), and both Utrecht demo consultations are there, the
late one flagged with its days late. axe checks both; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from consult.seeds.demo_closed import CLOSED_SLUG
from consult.seeds.demo_consultation import DEMO_SLUG
from tests.browser import ARTIFACTS, axe_violations, open_page

# Every element of the list, measured: its box must not be wider than what holds it.
OVERFLOW = """() => {
  const doc = document.documentElement;
  const list = document.querySelector('.consult-overview-list');
  const table = list.querySelector('table');
  const cells = [...list.querySelectorAll('tbody th, tbody td, tbody a, tbody span, tbody strong')];
  const wide = cells.filter(el => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
    .map(el => el.outerHTML.slice(0, 120));
  return {
    page: [doc.scrollWidth, doc.clientWidth],
    table: [table.getBoundingClientRect().right, list.getBoundingClientRect().right,
            table.scrollWidth, list.clientWidth],
    wide: wide,
  };
}"""


@pytest.mark.parametrize("width", [1280, 360])
def test_the_overview_fits_and_shows_both_utrecht_consultations(
    browser: Browser, live_server: str, width: int
) -> None:
    with open_page(browser, {"width": width, "height": 900}, "nl") as (page, _problems):
        page.goto(f"{live_server}/landelijk")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"landelijk-{width}.png"), full_page=True)
        measured = page.evaluate(OVERFLOW)
        scroll_width, client_width = measured["page"]
        assert scroll_width <= client_width, measured
        table_right, list_right, table_width, list_width = measured["table"]
        assert table_right <= list_right + 1, measured
        assert table_width <= list_width + 1, measured
        assert measured["wide"] == [], measured

        for slug in (DEMO_SLUG, CLOSED_SLUG):
            row = page.locator(f"#consultatie-{slug}")
            assert row.count() == 1
            box = row.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= width
        late = page.locator(f"#consultatie-{CLOSED_SLUG}")
        assert "dagen te laat" in late.inner_text() or "dag te laat" in late.inner_text()
        if width == 360:
            # A card: every field is labelled and visible inside the screen.
            for label in ("Stand", "Dagen te laat", "Beantwoord", "Overgenomen", "Gemeenteraden"):
                cell = late.locator(f'td[data-label="{label}"]')
                assert cell.is_visible()
                cell_box = cell.bounding_box()
                assert cell_box is not None
                assert cell_box["x"] + cell_box["width"] <= width
        report = axe_violations(page)
        assert report is None, report


def test_the_skip_link_jumps_over_the_map(browser: Browser, live_server: str) -> None:
    with open_page(browser, "desktop", "nl") as (page, _problems):
        page.goto(f"{live_server}/landelijk")
        skip = page.locator("a.consult-skip-map")
        assert skip.get_attribute("href") == "#tabel"
        skip.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "tabel"


def test_the_region_page_shows_its_councils(browser: Browser, live_server: str) -> None:
    with open_page(browser, "desktop", "nl") as (page, _problems):
        page.goto(f"{live_server}/regios/JZ01")
        page.screenshot(path=str(ARTIFACTS / "regio-JZ01-1280.png"), full_page=True)
        assert "vastgesteld door 6 van" in page.locator("#consultaties").inner_text()
