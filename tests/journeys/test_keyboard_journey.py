"""Journey (c): commenting on a section with the keyboard only, no mouse.

From the public page of the demo consultation: Tab to "Reageer op dit onderdeel" of a
section, Enter, then fill the form with typing, Tab, Space and the arrow keys, and send it
with Enter. At the main stops the focused element must show its focus (an outline or a
box-shadow), and every page passes axe.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, expect

from tests.journeys.conftest import JourneyServer
from tests.journeys.support import DEMO_SLUG, journey

pytestmark = pytest.mark.timeout(600)

SCALE_QUESTION = "Hoe goed past dit plan bij wat jij nodig hebt?"


def test_keyboard_only_comment_on_a_section(
    browser: Browser, journey_server: JourneyServer
) -> None:
    email = f"toetsenbord-{secrets.token_hex(4)}@example.org"
    comment = "Ik lees dit plan met alleen een toetsenbord. Maak de hulp voor ouders ook simpel."
    with journey(browser, "c-keyboard-only", journey_server.url, "desktop") as trip:
        page = trip.page
        keyboard = page.keyboard
        trip.goto(f"/consultaties/{DEMO_SLUG}", "public page")

        action = page.get_by_role("link", name=re.compile(r"^Reageer op dit onderdeel\s*:\s*3 "))
        trip.tab_to(action, "'Reageer op dit onderdeel' of section 3")
        trip.expect_focus_visible("'Reageer op dit onderdeel' link")
        trip.step("the section's comment link has focus", check=False, full_page=False)
        keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Jouw reactie")
        expect(
            page.get_by_label("Over welk onderdeel?", exact=True).locator("option:checked")
        ).to_have_text(re.compile(r"^3 "))
        trip.step("comment form, section 3 chosen")

        text = page.get_by_label("Jouw reactie", exact=True)
        trip.tab_to(text, "the comment box")
        trip.expect_focus_visible("comment box")
        keyboard.type(comment)
        expect(text).to_have_value(comment)

        scale = page.get_by_role("radiogroup", name=SCALE_QUESTION)
        trip.tab_to(scale.get_by_role("radio").first, "the scale question")
        trip.expect_focus_visible("first radio of the scale question")
        trip.step("a radio of the scale question has focus", check=False, full_page=False)
        keyboard.press("Space")
        for _ in range(3):
            keyboard.press("ArrowRight")
        expect(scale.get_by_label("4", exact=True)).to_be_checked()
        trip.step("scale answered with arrows", check=False, full_page=False)

        who = page.get_by_role("radiogroup", name="Wie ben jij?")
        trip.tab_to(who.get_by_role("radio").first, "the stakeholder groups")
        keyboard.press("Space")
        keyboard.press("ArrowDown")
        expect(who.get_by_label("ouder of verzorger", exact=True)).to_be_checked()
        # Only young people are asked their age.
        expect(page.get_by_role("radiogroup", name="Hoe oud ben je?")).to_be_hidden()

        consent = page.get_by_label("Ja, jullie mogen mijn reactie op deze website laten zien")
        trip.tab_to(consent, "the consent to publish")
        trip.expect_focus_visible("consent checkbox")
        trip.step("the consent checkbox has focus", check=False, full_page=False)
        keyboard.press("Space")
        expect(consent).to_be_checked()

        address = page.get_by_label("Je e-mailadres")
        trip.tab_to(address, "the email address")
        trip.expect_focus_visible("email address")
        keyboard.type(email)
        send = page.get_by_role("button", name="Verstuur mijn reactie")
        trip.tab_to(send, "the send button")
        trip.expect_focus_visible("send button")
        trip.step("the send button has focus", check=False, full_page=False)
        trip.step("form filled in with the keyboard")
        keyboard.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Bijna klaar: bevestig je reactie"
        )
        main = page.get_by_role("main")
        expect(main).to_contain_text(comment)
        expect(main).to_contain_text("ouder of verzorger")
        expect(main).to_contain_text("4 van de 5")
        trip.step("receipt")
