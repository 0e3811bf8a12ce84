"""Shared helpers for the tests that drive a real browser (tests/web, tests/journeys).

Playwright drives Debian's Chromium (``make chromium`` installs it; Playwright's own browser
download is never used). axe-core checks each page against WCAG 2.1 A and AA. Screenshots
and reports go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from consult.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
LOCALES = {"nl": "nl-NL", "en": "en-GB"}

_axe = Axe()


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; skips the test when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run `make chromium` (make test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def open_page(
    browser: Browser, viewport: str | dict[str, int], language: str = "nl", timeout_ms: int = 0
) -> Iterator[tuple[Page, list[str]]]:
    """A fresh page (own cookies) and the console errors it logs, such as CSP refusals."""
    size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
    context = browser.new_context(viewport=size, locale=LOCALES[language])
    if timeout_ms:
        context.set_default_timeout(timeout_ms)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        yield page, problems
    finally:
        context.close()


def artifact_name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", "-".join(parts)).strip("-")


def save_failure(page: Page, name: str, report: str, folder: Path = ARTIFACTS) -> str:
    """A full-page screenshot and a report next to it; the message points to both."""
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    (folder / f"{name}.txt").write_text(report)
    where = folder.relative_to(PROJECT_ROOT) if folder.is_relative_to(PROJECT_ROOT) else folder
    return f"see {where}/{name}.png and .txt"


def axe_violations(page: Page) -> str | None:
    """axe-core's report of WCAG 2.1 A/AA violations on the page as it is now; None if none."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    if not results.violations_count:
        return None
    return results.generate_report()


def csp_refusals(problems: list[str]) -> list[str]:
    return [p for p in problems if "Content Security Policy" in p or "Refused to" in p]


def comment_through_steps(
    page: Page,
    text: str,
    group: str,
    *,
    age: str | None = None,
    publish: bool = True,
    email: str | None = None,
    send: bool = True,
) -> None:
    """From step 1 of the (Dutch) comment form, already open, through the steps; on the
    check page, press "Verstuur" unless ``send`` is False. Under 16 (``age`` one of the
    bands below 16) step 3 is left out; an ``email`` is then added with "Wijzig"."""
    from playwright.sync_api import expect

    page.get_by_label("Jouw reactie", exact=True).fill(text)
    if publish:
        page.get_by_label("Ja, jullie mogen mijn reactie op deze website laten zien").check()
    page.get_by_role("button", name="Verder").click()
    page.get_by_role("radiogroup", name="Wie ben jij?").get_by_label(group, exact=True).check()
    if age:
        page.get_by_role("radiogroup", name="Hoe oud ben je?").get_by_label(age).check()
    page.get_by_role("button", name="Verder").click()
    under_16 = age is not None and ("jonger dan 12" in age or "12 tot" in age)
    if under_16 and email:
        page.get_by_role("button", name="Wijzig je e-mailadres").click()
    if not under_16 or email:
        if email:
            field = page.get_by_label("Je e-mailadres (niet verplicht)", exact=True)
            # Wait until step 3 has loaded: is_visible() does not wait, and step 2 is still
            # shown while the next page loads.
            expect(page.locator("#step-caption")).to_have_text("Stap 3 van 4")
            if not field.is_visible():
                page.get_by_text("Je e-mailadres toevoegen (niet verplicht)").click()
            field.fill(email)
        page.get_by_role("button", name="Verder").click()
    expect(page.locator("#step-caption")).to_have_text(
        "Stap 3 van 3" if under_16 and not email else "Stap 4 van 4"
    )
    if send:
        page.get_by_role("button", name="Verstuur mijn reactie").click()
