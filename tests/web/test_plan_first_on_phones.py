"""At 360×740, in Chromium on the open demo consultation: the plan comes first. The first
"Reageer op dit onderdeel" lies within the first 1,500 px (two screens) of the page; the
introduction and the share box are one-line folds above it, that open with the keyboard
and work without JavaScript; the dates, contact and open data follow the plan. axe finds
nothing at 320 and 1280 px (issue 17, item 2). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from consult.seeds.demo_consultation import DEMO_SLUG
from tests.browser import ARTIFACTS, axe_violations, open_page

PATH = f"/consultaties/{DEMO_SLUG}"
PHONE = {"width": 360, "height": 740}
TWO_SCREENS = 1500
SECTION_ACTION = "Reageer op dit onderdeel"
# Where a box sits on the page: its top in the window plus how far the window scrolled.
PAGE_TOP = "el => el.getBoundingClientRect().top + window.scrollY"


def _first_action_top(page: Page) -> float:
    action = page.get_by_role("link", name=SECTION_ACTION).first
    return page.evaluate(PAGE_TOP, action.element_handle())


def test_the_first_section_and_its_action_lie_within_two_screens(
    browser: Browser, live_server: str
) -> None:
    with open_page(browser, PHONE, "nl") as (page, problems):
        page.goto(live_server + PATH)
        top = _first_action_top(page)
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"360x740: first '{SECTION_ACTION}' at y={top:.0f} px; page height {height} px")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "plan-first-360.png"))
        assert top < TWO_SCREENS, f"the first section's action is at {top:.0f} px"
        # It is the first section's own action, and the plan's first section comes first.
        first_section = page.locator("section.consult-section").first
        expect(first_section.get_by_role("link", name=SECTION_ACTION)).to_have_count(1)
        # Above the plan: the title, one plain line (until when), and closed folds.
        main = page.get_by_role("main")
        expect(main.locator(".consult-time-left")).to_contain_text("Je kunt reageren tot")
        intro = page.locator("details#over-dit-plan")
        expect(intro).not_to_have_attribute("open", "")
        intro_text = intro.locator(".consult-intro__text")
        expect(intro_text).to_be_hidden()
        # The fold opens with the keyboard (its summary is a focusable control).
        intro.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(intro_text).to_be_visible()
        # The dates, contact and open data are below the plan, still on the page.
        facts = main.get_by_role("region", name="Datums, contact en open data")
        facts_top = page.evaluate(PAGE_TOP, facts.element_handle())
        assert facts_top > top
        expect(facts.get_by_role("link", name="CSV").first).to_be_visible()
        assert problems == [], problems


def test_the_folds_work_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="nl-NL", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + PATH)
        assert _first_action_top(page) < TWO_SCREENS
        fold = page.locator("details#over-dit-plan")
        fold.locator("summary").click()
        expect(fold.locator(".consult-intro__text")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_consultation_page_passes_axe(browser: Browser, live_server: str, width: int) -> None:
    with open_page(browser, {"width": width, "height": 800}, "nl") as (page, _problems):
        page.goto(live_server + PATH)
        if width == 1280:
            # Where the screen has room the introduction opens by itself (with JavaScript).
            expect(page.locator("details#over-dit-plan")).to_have_attribute("open", "")
        page.screenshot(path=str(ARTIFACTS / f"plan-first-{width}.png"))
        report = axe_violations(page)
        assert report is None, report
