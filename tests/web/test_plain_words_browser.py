"""The plain-words pages in Chromium on the seeded demo, at 320 and 1280 px: the comment
form's role lines, the glossary, the receipt and the status page with their "Voor
controle" fold open, each passing axe (WCAG 2.1 A/AA) without sideways scrolling.
Screenshots of the receipt and status page (360 and 1280 px) go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from consult.seeds.demo import DEMO_PASSWORD
from consult.seeds.demo_consultation import DEMO_SLUG
from tests.browser import ARTIFACTS, artifact_name, axe_violations, open_page, save_failure
from tests.web.test_record_proof import send_comment

WIDTHS = {"320": {"width": 320, "height": 740}, "1280": {"width": 1280, "height": 800}}


def _check(page: Page, name: str) -> None:
    report = axe_violations(page)
    if report:
        pytest.fail(f"{name}:\n{report}\n" + save_failure(page, artifact_name(name), report))
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} is {overflow}px too wide"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_regions_word_list_passes_axe(browser: Browser, live_server: str, width: str) -> None:
    with open_page(browser, WIDTHS[width], "nl") as (page, _problems):
        page.goto(f"{live_server}/account/inloggen")
        page.get_by_label("E-mailadres").fill("ambtenaar.utrecht@example.org")
        page.get_by_label("Wachtwoord", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state("load")
        page.goto(f"{live_server}/regios/JZ22/beheer/woorden")
        # Saving without an explanation: the error, then a word saved and listed.
        page.get_by_label("Woord", exact=True).fill("ambulant")
        page.get_by_role("button", name="Woord bewaren").click()
        expect(page.get_by_role("alert")).to_contain_text("Vul de uitleg in.")
        _check(page, f"plain-terms-error-{width}")
        page.get_by_label("Uitleg in gewone woorden").fill("Hulp terwijl je thuis woont.")
        page.get_by_role("button", name="Woord bewaren").click()
        expect(page.locator("dt", has_text="ambulant")).to_be_visible()
        _check(page, f"plain-terms-{width}")
        # The live server is shared: leave the demo plan as it was.
        page.get_by_role("button", name="Verwijderen ambulant").click()
        expect(page.locator("dt", has_text="ambulant")).to_have_count(0)
        page.goto(f"{live_server}/regios/JZ22/beheer/instellingen")
        _check(page, f"plain-settings-{width}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_plain_words_pages_pass_axe(browser: Browser, live_server: str, width: str) -> None:
    with open_page(browser, WIDTHS[width], "nl") as (page, problems):
        page.goto(f"{live_server}/consultaties/{DEMO_SLUG}/reageren")
        page.get_by_label("Jouw reactie", exact=True).fill("Wat betekenen deze rollen?")
        page.get_by_role("button", name="Verder").click()  # the roles are on step 2
        groups = page.get_by_role("radiogroup", name="Wie ben jij?")
        expert = groups.get_by_label("ervaringsdeskundige", exact=True)
        # The role's line is its accessible description, and it is on the screen.
        expect(expert).to_have_accessible_description(
            "Je hebt zelf jeugdhulp gehad, of je ouder, broer of zus."
        )
        expect(page.get_by_text("Je hebt zelf jeugdhulp gehad")).to_be_visible()
        _check(page, f"plain-form-{width}")

        page.goto(f"{live_server}/woordenlijst")
        expect(page.get_by_role("heading", level=1)).to_have_text("Woordenlijst")
        _check(page, f"plain-glossary-{width}")

        page.goto(f"{live_server}/consultaties/{DEMO_SLUG}")
        _check(page, f"plain-consultation-{width}")

        code = send_comment(page, live_server)
        receipt = page.url
        fold = page.locator("details[data-for-checking]")
        expect(fold).to_have_count(1)
        expect(fold).not_to_have_attribute("open", "")
        fold.locator("summary").click()
        expect(fold.locator("code.consult-hash")).to_be_visible()
        _check(page, f"plain-receipt-{width}")

        page.goto(f"{live_server}/ontvangst/{code}")
        expect(page.get_by_role("heading", name="Wat gebeurt er nu?")).to_be_visible()
        page.locator("details[data-for-checking] > summary").click()
        expect(page.locator("details[data-for-checking] code.consult-hash")).to_be_visible()
        _check(page, f"plain-status-{width}")
        assert not [p for p in problems if "Content Security Policy" in p], problems

        # Screenshots to look at: the receipt and status page, folded, at 360 and 1280 px.
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for shot_width in ("360", "1280") if width == "1280" else ():
            page.set_viewport_size({"width": int(shot_width), "height": 800})
            for name, url in (("receipt", receipt), ("status", f"{live_server}/ontvangst/{code}")):
                page.goto(url)
                page.screenshot(
                    path=str(ARTIFACTS / f"plain-{name}-{shot_width}.png"), full_page=True
                )
