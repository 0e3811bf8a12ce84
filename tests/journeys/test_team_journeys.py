"""The region's team on a desktop: journey (d), a moderator hides a comment, and the diff
view between version 1 and 2 of the demo document, as the official sees it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.journeys.conftest import JourneyServer
from tests.journeys.support import (
    DEMO_DOCUMENT_TITLE,
    DEMO_SLUG,
    MODERATOR,
    OFFICIAL,
    REGION,
    journey,
    log_in,
)

pytestmark = pytest.mark.timeout(600)

QUEUE = f"/regios/{REGION}/beheer/consultaties/{DEMO_SLUG}/moderatie"


def test_moderator_hides_a_comment_and_the_public_page_no_longer_shows_it(
    browser: Browser, journey_server: JourneyServer
) -> None:
    with journey(browser, "d-moderator-hides-a-comment", journey_server.url) as trip:
        page = trip.page
        log_in(trip, MODERATOR)

        # A comment everyone can read now: the first one shown on the public page.
        trip.goto(f"/consultaties/{DEMO_SLUG}", "public page before")
        shown = page.locator(".consult-section .consult-comments .consult-comment").first
        comment_id = shown.get_attribute("id")
        assert comment_id is not None
        text = shown.locator(".consult-comment__text").inner_text().strip()
        meta = shown.locator(".consult-comment__meta > span:not(.consult-comment__name)")
        group = meta.first.inner_text().strip()  # in Dutch, e.g. "jongere"
        same_text_before = page.get_by_text(text, exact=True).count()
        assert same_text_before >= 1

        trip.goto(QUEUE, "moderation queue")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Moderatie")
        # The queue shows reported comments first, then the newest; a comment shown on the
        # public page (the oldest) is near the end, so start at the last page.
        pages = page.get_by_role("navigation", name="Pagina's")
        total = re.search(r"Pagina 1 van (\d+)", pages.inner_text())
        assert total, pages.inner_text()
        trip.goto(f"{QUEUE}?pagina={total[1]}")
        item = page.locator(f"li#{comment_id}")
        for _ in range(int(total[1])):
            if item.count():
                break
            pages.get_by_role("link", name="Vorige pagina").click()
        expect(item).to_have_count(1)
        trip.step("moderation queue, page with the comment")
        expect(item.locator("blockquote")).to_have_text(text)

        number = comment_id.removeprefix("reactie-")
        item.get_by_role("link", name=f"Verbergen reactie {number}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Reactie {number} verbergen")
        trip.step("hide form")
        # Who sent it, in the page's language (the macros need the template's context).
        expect(page.locator(".consult-moderation__facts")).to_contain_text(group.capitalize())
        page.get_by_label("Reden").select_option(label="Beledigende of grove taal")
        page.get_by_label("Uitleg voor de indiener").fill(
            "Je reactie noemt een hulpverlener een scheldwoord. Schrijf het zonder, dan tonen we "
            "hem weer."
        )
        trip.step("hide form filled in")
        page.get_by_role("button", name="Deze reactie verbergen").click()
        expect(page.get_by_role("main")).to_contain_text("De reactie is verborgen.")
        trip.step("queue after hiding")

        trip.goto(f"/consultaties/{DEMO_SLUG}", "public page after")
        # Its text is gone; in its place a trace says a moderator hid it, and why.
        trace = page.locator(f"#{comment_id}")
        expect(trace).to_contain_text("Een moderator heeft deze reactie verborgen.")
        expect(trace).to_contain_text("Reden: beledigende of grove taal.")
        expect(trace).not_to_contain_text(text)
        expect(page.get_by_text(text, exact=True)).to_have_count(same_text_before - 1)


def test_official_reads_what_changed_between_version_1_and_2(
    browser: Browser, journey_server: JourneyServer
) -> None:
    with journey(browser, "e-official-diff-view", journey_server.url) as trip:
        page = trip.page
        log_in(trip, OFFICIAL)
        trip.goto(f"/regios/{REGION}/beheer/documenten", "documents workspace")
        page.get_by_role("link", name=DEMO_DOCUMENT_TITLE).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_DOCUMENT_TITLE)
        trip.step("demo document with its versions")

        page.get_by_role("row", name=re.compile(r"^Versie 2")).get_by_role(
            "link", name="Vergelijk met versie 1"
        ).click()
        expect(page).to_have_url(re.compile(r"/documenten/\d+/verschillen\?van=1&naar=2$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Wat is er veranderd tussen versie 1 en versie 2"
        )
        trip.step("diff between version 1 and 2")

        changes = page.locator("ol.consult-diff > li")
        changed = changes.filter(
            has=page.locator(".consult-badge", has_text=re.compile("^Gewijzigd$"))
        )
        added = changes.filter(
            has=page.locator(".consult-badge", has_text=re.compile("^Toegevoegd$"))
        )
        assert changed.count() >= 3, changes.all_inner_texts()
        expect(added).to_have_count(1)
        expect(page.locator("#samenvatting")).to_contain_text("gewijzigd")
        # Readable without colour: every insertion and deletion says so in words.
        insertions = page.locator("ol.consult-diff ins")
        assert insertions.count() > 0
        for mark in insertions.all()[:5]:
            expect(mark).to_contain_text("toegevoegd:")
        for mark in page.locator("ol.consult-diff del").all()[:5]:
            expect(mark).to_contain_text("verwijderd:")
