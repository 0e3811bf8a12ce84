"""Issue 8 journey (c): a member of a verified organisation comments on its behalf.

The demo's ``lid.jeugdstem@example.org`` is a member of Stichting Jeugdstem (demo), verified
by the platform admin (consult/seeds/demo.py). The comment is sent on the organisation's behalf;
the public page of the consultation names the organisation (with its verified badge, a link
to its page), and the organisation's public page ``/organisaties/<slug>`` lists the comment.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, expect

from tests.journeys.conftest import JourneyServer
from tests.journeys.support import DEMO_SLUG, Journey, journey, log_in

pytestmark = pytest.mark.timeout(600)

MEMBER = "lid.jeugdstem@example.org"
ORGANISATION = "Stichting Jeugdstem (demo)"
ORGANISATION_SLUG = "stichting-jeugdstem-demo"
SECTION = "6.1 Werken met gegevens"
MAX_PAGES = 20


def find_on_section_pages(trip: Journey, text: str) -> None:
    """Walk the section's comment pages (oldest first) until the comment shows."""
    page = trip.page
    comment = page.locator(".consult-comment").filter(has_text=text)
    for _ in range(MAX_PAGES):
        if comment.count():
            return
        following = page.locator("a[rel=next]")
        if not following.count():
            break
        following.click()
        page.wait_for_load_state("load")
    trip.step("comment-not-found", check=False)
    pytest.fail(f"the comment is not on the section's comment pages: {text}")


def test_member_comments_on_behalf_of_a_verified_organisation(
    browser: Browser, journey_server: JourneyServer
) -> None:
    text = (
        "Stichting Jeugdstem vraagt de regio om de cijfers over wachttijden per wijk te "
        f"publiceren, elk kwartaal, in gewone taal. (kenmerk {secrets.token_hex(3)})"
    )
    with journey(browser, "c2-organisation-member-comments", journey_server.url) as trip:
        page = trip.page
        log_in(trip, MEMBER)
        trip.goto(f"/consultaties/{DEMO_SLUG}", "public page")
        page.get_by_role(
            "link", name=re.compile(rf"^Reageer op dit onderdeel\s*:\s*{re.escape(SECTION)}$")
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wat wil je zeggen?")
        trip.step("comment form of an organisation member")

        page.get_by_label("Jouw reactie", exact=True).fill(text)
        page.get_by_label("Ja, jullie mogen mijn reactie op deze website laten zien").check()
        page.get_by_role("button", name="Verder").click()
        page.get_by_role("radiogroup", name="Wie ben jij?").get_by_label(
            "belangenbehartiger", exact=True
        ).check()
        page.get_by_label("Reageer je namens je organisatie?").select_option(label=ORGANISATION)
        trip.step("step 2, on behalf of the organisation")
        page.get_by_role("button", name="Verder").click()
        page.get_by_role("button", name="Verder").click()  # step 3: no name, no address
        expect(page.get_by_role("main")).to_contain_text(ORGANISATION)  # on the check page
        trip.step("check your answers, on behalf of the organisation")
        page.get_by_role("button", name="Verstuur mijn reactie").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Dank je wel! We hebben je reactie ontvangen"
        )
        main = page.get_by_role("main")
        expect(main).to_contain_text(f"{ORGANISATION} (geverifieerd)")
        trip.step("receipt names the organisation")

        # The public page: every reader sees on whose behalf it was sent.
        trip.goto(f"/consultaties/{DEMO_SLUG}")
        section = page.get_by_role("region", name=re.compile(rf"^{re.escape(SECTION)}"))
        section.get_by_role("link", name=re.compile(r"^Alle \d+ reacties op dit onderdeel")).click()
        find_on_section_pages(trip, text)
        comment = page.locator(".consult-comment").filter(has_text=text)
        expect(comment).to_contain_text(f"namens {ORGANISATION}")
        expect(comment.locator(".consult-badge--verified")).to_have_text("geverifieerd")
        trip.step("the comment, on behalf of the organisation")

        comment.get_by_role("link", name=ORGANISATION).click()
        assert trip.path() == f"/organisaties/{ORGANISATION_SLUG}", trip.path()
        expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
        expect(page.get_by_role("main")).to_contain_text(text)
        trip.step("the organisation's public page lists it")

    # Anyone, without an account, finds it there too.
    with journey(browser, "c3-anyone-reads-the-organisation-page", journey_server.url) as trip:
        trip.goto(f"/organisaties/{ORGANISATION_SLUG}", "organisation page, not logged in")
        expect(trip.page.get_by_role("main")).to_contain_text(text)
        expect(trip.page.get_by_role("main")).to_contain_text("geverifieerd")
