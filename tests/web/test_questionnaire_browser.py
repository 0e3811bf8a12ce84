"""The questionnaire's results on the demo consultation's participation page, in Chromium:
axe (WCAG 2.1 A and AA), nothing wider than the screen, and figures as text (issue 15)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from consult.seeds.demo_consultation import DEMO_SLUG
from tests.browser import (
    ARTIFACTS,
    VIEWPORTS,
    artifact_name,
    axe_violations,
    open_page,
    save_failure,
)

PATH = f"/consultaties/{DEMO_SLUG}/deelname"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_questionnaire_results_read_well(
    browser: Browser, live_server: str, viewport: str
) -> None:
    with open_page(browser, viewport) as (page, _problems):
        response = page.goto(live_server + PATH + "#vragenlijst")
        assert response is not None
        assert response.status == 200
        section = page.locator("#vragenlijst")
        name = artifact_name("questionnaire", viewport)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        section.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        assert section.locator("h2").inner_text() == "Antwoorden op de vragenlijst"
        # Every results table has a caption, and every figure is text (never colour only).
        tables = section.locator("table")
        assert tables.count() >= 2
        for index in range(tables.count()):
            assert tables.nth(index).locator("caption").inner_text().startswith("Vraag ")
        cells = section.locator("td").all_inner_texts()
        for text in cells:
            text = " ".join(text.split())
            if text in ("minder dan 5", "niet getoond"):
                continue
            assert re.fullmatch(r"[\d.]+( \d+%)?", text), text
            assert int(text.split()[0].replace(".", "")) >= 5, text
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            pytest.fail(f"{PATH} is {overflow}px too wide; " + save_failure(page, name, ""))
        report = axe_violations(page)
        if report:
            pytest.fail(f"{PATH} ({viewport}):\n{report}\n" + save_failure(page, name, report))
