"""Journey (c): commenting on one paragraph with the keyboard only, no mouse, no e-mail.

From the public page of the demo consultation: Tab to a paragraph's "Reageer op deze
alinea", Enter, then through the four steps of the form with typing, Tab, Space and the
arrow keys, each step sent with Enter on "Verder"; on the check page "Wijzig" goes back
with everything kept, and Enter on "Verstuur" sends. Without an e-mail address the
receipt shows the code to keep. Then the questionnaire after sending, with the arrows. At
the main stops the focused element must show its focus (an outline or a box-shadow), and
every page passes axe at 320 and 1280 px.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, expect

from consult.comments import codes
from tests.journeys.conftest import JourneyServer
from tests.journeys.support import DEMO_SLUG, journey

pytestmark = pytest.mark.timeout(600)

SCALE_QUESTION = "Hoe goed past dit plan bij wat jij nodig hebt?"
PARAGRAPH_ACTION = re.compile(r"^Reageer op deze alinea")


def test_keyboard_only_comment_on_a_paragraph_without_email(
    browser: Browser, journey_server: JourneyServer
) -> None:
    comment = (
        f"Ik lees dit plan met alleen een toetsenbord ({secrets.token_hex(3)}). "
        "Maak de hulp voor ouders ook simpel."
    )
    with journey(browser, "c-keyboard-only", journey_server.url, "desktop") as trip:
        page = trip.page
        keyboard = page.keyboard
        trip.goto(f"/consultaties/{DEMO_SLUG}", "public page")
        trip.check_widths("public page")

        action = page.get_by_role("link", name=PARAGRAPH_ACTION).first
        trip.tab_to(action, "the first 'Reageer op deze alinea'")
        trip.expect_focus_visible("'Reageer op deze alinea' link")
        trip.step("the paragraph's comment link has focus", check=False, full_page=False)
        keyboard.press("Enter")
        expect(page.locator("#step-caption")).to_have_text("Stap 1 van 4")
        expect(page.get_by_role("heading", level=1)).to_have_text("Wat wil je zeggen?")
        expect(page.locator(".consult-chosen-paragraph")).to_contain_text(
            "Je reageert op deze alinea:"
        )
        trip.check_widths("step 1 with the quoted paragraph")

        text = page.get_by_label("Jouw reactie", exact=True)
        trip.tab_to(text, "the comment box")
        trip.expect_focus_visible("comment box")
        keyboard.type(comment)
        expect(text).to_have_value(comment)
        _continue(trip)

        expect(page.locator("#step-caption")).to_have_text("Stap 2 van 4")
        trip.check_widths("step 2")
        who = page.get_by_role("radiogroup", name="Wie ben jij?")
        trip.tab_to(who.get_by_role("radio").first, "the stakeholder groups")
        trip.expect_focus_visible("first radio of the stakeholder groups")
        keyboard.press("Space")
        keyboard.press("ArrowDown")
        expect(who.get_by_label("ouder of verzorger", exact=True)).to_be_checked()
        # Only young people are asked their age.
        expect(page.get_by_role("radiogroup", name="Hoe oud ben je?")).to_be_hidden()
        _continue(trip)

        expect(page.locator("#step-caption")).to_have_text("Stap 3 van 4")
        trip.check_widths("step 3")
        consent = page.get_by_label("Ja, jullie mogen mijn reactie op deze website laten zien")
        trip.tab_to(consent, "the consent to publish")
        trip.expect_focus_visible("consent checkbox")
        keyboard.press("Space")
        expect(consent).to_be_checked()
        # No e-mail address: the field stays empty.
        expect(page.get_by_label("Je e-mailadres (niet verplicht)", exact=True)).to_have_value("")
        _continue(trip)

        expect(page.locator("#step-caption")).to_have_text("Stap 4 van 4")
        main = page.get_by_role("main")
        expect(main).to_contain_text(comment)
        expect(main).to_contain_text("Geen e-mail")
        trip.check_widths("step 4: check your answers")
        # "Wijzig" who you are: back to step 2 with everything kept, and on again.
        change = page.get_by_role("button", name="Wijzig wie je bent")
        trip.tab_to(change, "'Wijzig' of who you are")
        trip.expect_focus_visible("'Wijzig' button")
        keyboard.press("Enter")
        expect(page.locator("#step-caption")).to_have_text("Stap 2 van 4")
        expect(
            page.get_by_role("radiogroup", name="Wie ben jij?").get_by_label(
                "ouder of verzorger", exact=True
            )
        ).to_be_checked()
        _continue(trip)
        expect(page.locator("#step-caption")).to_have_text("Stap 3 van 4")
        expect(consent).to_be_checked()
        _continue(trip)
        expect(page.locator("#step-caption")).to_have_text("Stap 4 van 4")
        expect(page.get_by_role("main")).to_contain_text(comment)

        send = page.get_by_role("button", name="Verstuur mijn reactie")
        trip.tab_to(send, "the send button")
        trip.expect_focus_visible("send button")
        trip.step("the send button has focus", check=False, full_page=False)
        keyboard.press("Enter")

        code = page.locator(".consult-code--large").inner_text().strip()
        assert codes.normalise(code) is not None, code
        expect(page.get_by_role("main")).to_contain_text("Bewaar deze code")
        trip.check_widths("receipt")

        # The questionnaire is offered after sending; answered with the arrows.
        offer = page.get_by_role("link", name=re.compile(r"^Wil je nog \d+ korte vra"))
        trip.tab_to(offer, "the questionnaire offer")
        keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Een paar korte vragen")
        trip.check_widths("questionnaire")
        scale = page.get_by_role("radiogroup", name=SCALE_QUESTION)
        trip.tab_to(scale.get_by_role("radio").first, "the scale question")
        trip.expect_focus_visible("first radio of the scale question")
        trip.step("a radio of the scale question has focus", check=False, full_page=False)
        keyboard.press("Space")
        for _ in range(3):
            keyboard.press("ArrowRight")
        expect(scale.get_by_label("4", exact=True)).to_be_checked()
        answers = page.get_by_role("button", name="Verstuur mijn antwoorden")
        trip.tab_to(answers, "the send-answers button")
        keyboard.press("Enter")
        expect(page.get_by_role("main")).to_contain_text("4 van de 5")
        trip.check_widths("receipt with the answers")


def _continue(trip) -> None:
    """Tab to "Verder" and press Enter."""
    button = trip.page.get_by_role("button", name="Verder")
    trip.tab_to(button, "'Verder'")
    trip.expect_focus_visible("'Verder' button")
    trip.page.keyboard.press("Enter")
