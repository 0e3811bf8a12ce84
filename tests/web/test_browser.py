"""The public pages in a real browser: axe (WCAG 2.1 A and AA) on a phone and a desktop.

Playwright drives Debian's Chromium (``make chromium`` installs it; never a downloaded
browser) against gunicorn serving a seeded Consult (the ``live_server`` fixture). When a
check fails, a screenshot and axe's report go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import (
    VIEWPORTS,
    artifact_name,
    axe_violations,
    csp_refusals,
    open_page,
    save_failure,
)

# (path, language, expected status)
PAGES = [
    ("/", "nl", 200),
    ("/", "en", 200),
    ("/regios", "nl", 200),
    ("/regios/zoeken?gemeente=utrecht", "nl", 200),
    ("/regios/JZ22", "nl", 200),
    ("/account/inloggen", "nl", 200),
    ("/account/registreren", "nl", 200),
    ("/deze-pagina-bestaat-niet", "nl", 404),
]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(
    ("path", "language", "status"), PAGES, ids=[f"{p}-{lang}" for p, lang, _ in PAGES]
)
def test_page_meets_wcag_21_aa(
    browser: Browser, live_server: str, path: str, language: str, status: int, viewport: str
) -> None:
    with open_page(browser, viewport, language) as (page, problems):
        response = page.goto(live_server + path)
        assert response is not None
        name = artifact_name("axe", path, language, viewport)
        if response.status != status:
            pytest.fail(
                f"{path} answered {response.status}, not {status}; "
                + save_failure(page, name, page.content())
            )
        expect(page.locator("html")).to_have_attribute("lang", language)
        report = axe_violations(page)
        if report:
            pytest.fail(
                f"{path} ({viewport}, {language}):\n{report}\n" + save_failure(page, name, report)
            )
        refused = csp_refusals(problems)
        if refused:
            pytest.fail(
                f"{path}: the browser refused content: {refused}; "
                + save_failure(page, name, "\n".join(refused))
            )


@pytest.mark.parametrize("path", ["/", "/regios", "/account/inloggen", "/deze-pagina-bestaat-niet"])
def test_nothing_scrolls_sideways_on_a_320px_phone(
    browser: Browser, live_server: str, path: str
) -> None:
    with open_page(browser, {"width": 320, "height": 640}) as (page, _):
        page.goto(live_server + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            pytest.fail(
                f"{path} is {overflow}px too wide; "
                + save_failure(page, artifact_name("overflow", path), "")
            )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_failed_form_shows_and_focuses_its_error_summary(
    browser: Browser, live_server: str, viewport: str
) -> None:
    with open_page(browser, viewport) as (page, problems):
        page.goto(live_server + "/account/inloggen")
        page.locator("main form[novalidate] button[type=submit]").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()  # consult.js moves focus there
        expect(summary.locator("a").first).to_have_attribute("href", "#email")
        assert page.locator("#email").get_attribute("aria-invalid") == "true"
        report = axe_violations(page)
        if report:
            pytest.fail(report + save_failure(page, artifact_name("form-errors", viewport), report))
        summary.locator("a").first.click()
        expect(page.locator("#email")).to_be_focused()
        assert not csp_refusals(problems), problems


def test_skip_link_appears_on_focus_and_leads_to_the_content(
    browser: Browser, live_server: str
) -> None:
    with open_page(browser, "phone") as (page, _):
        page.goto(live_server + "/")
        skip = page.locator("a[href='#inhoud']")
        box = skip.bounding_box()
        assert box is None or box["y"] + box["height"] <= 0, (
            "the skip link is visible before it has focus"
        )
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box is not None
        assert box["y"] >= 0
        assert box["height"] >= 44
        page.keyboard.press("Enter")
        expect(page.locator("main#inhoud")).to_be_focused()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_language_switch_keeps_the_page(browser: Browser, live_server: str, viewport: str) -> None:
    with open_page(browser, viewport) as (page, _):
        page.goto(live_server + "/regios/zoeken?gemeente=utrecht")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        switch = page.get_by_role("navigation", name="Taal").get_by_role("link", name="English")
        box = switch.bounding_box()
        assert box is not None
        assert box["height"] >= 44, "the language switch is too small to tap"
        switch.click()
        expect(page).to_have_url(live_server + "/regios/zoeken?gemeente=utrecht")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("navigation", name="Language").get_by_role(
            "link", name="Nederlands"
        ).click()
        expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_menu_links_are_big_enough_to_tap_on_a_phone(browser: Browser, live_server: str) -> None:
    with open_page(browser, "phone") as (page, _):
        page.goto(live_server + "/")
        links = page.locator("header a, header button")
        for index in range(links.count()):
            box = links.nth(index).bounding_box()
            assert box is not None
            assert box["height"] >= 44, links.nth(index).inner_text()
