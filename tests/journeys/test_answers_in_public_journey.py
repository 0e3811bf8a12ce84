"""Issue 15 journey: a parent on a phone reads what the region answered to someone else.

On the closed demo consultation (``consult seed demo``: half of its comments have a published
answer), a parent at 360 px opens the consultation page, reads "Wat jullie zeiden, wat wij
deden", sees when the reactienota is expected, goes to the comments on a part of the plan
and reads the published answer under a comment: the disposition in words, the reason and
the day. Every page is checked by axe and for sideways scrolling (``Journey.step``).
"""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.public.answers import answers_for
from consult.seeds.demo_closed import CLOSED_SLUG
from tests.journeys.conftest import JourneyServer
from tests.journeys.support import journey

pytestmark = pytest.mark.timeout(300)


def _an_answered_comment(app: Flask) -> tuple[int, str, str, str]:
    """A published comment on a section with a published answer: id, section anchor, the
    disposition's Dutch label and the start of the reason."""
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        consultation = db.session.scalar(
            select(Consultation).where(Consultation.slug == CLOSED_SLUG)
        )
        assert consultation is not None, "the demo has no closed consultation"
        comments = db.session.scalars(
            select(Comment)
            .where(
                Comment.consultation_id == consultation.id,
                Comment.is_public.is_(True),
                Comment.section_id.is_not(None),
            )
            .order_by(Comment.id)
        ).all()
        found = answers_for(db.session, [c.id for c in comments])
        for comment in comments:
            entry = found.get(comment.id)
            if entry is not None and entry.answer.reason:
                assert comment.section is not None
                label = str(entry.disposition.label).capitalize()
                return comment.id, comment.section.anchor, label, entry.answer.reason[:40]
    raise AssertionError("no published comment of the closed demo has a published answer")


def test_a_parent_reads_the_published_answer_under_a_comment_on_a_phone(
    browser: Browser, journey_server: JourneyServer, journey_app: Flask
):
    comment_id, anchor, label, reason = _an_answered_comment(journey_app)
    with journey(browser, "15-parent-reads-answers-in-public", journey_server.url, "phone") as trip:
        page = trip.page
        trip.goto(f"/consultaties/{CLOSED_SLUG}", "closed consultation")
        block = page.locator("#wat-wij-deden")
        expect(
            block.get_by_role("heading", name="Wat jullie zeiden, wat wij deden")
        ).to_be_visible()
        expect(block).to_contain_text("reacties beantwoord")
        # Before publication the reactienota's address says when it was promised (the demo's
        # answers are late, so the link says so).
        block.get_by_role("link", name="De reactienota is nog niet gepubliceerd").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "De reactienota is nog niet gepubliceerd"
        )
        trip.step("reactienota expected")

        trip.goto(f"/consultaties/{CLOSED_SLUG}/onderdelen/{anchor}/reacties", "section comments")
        item = page.locator(f"#reactie-{comment_id}")
        for _ in range(20):  # the parent pages on until the comment shows
            if item.count():
                break
            page.get_by_role("link", name="Volgende reacties").click()
            trip.step("next comments")
        item.scroll_into_view_if_needed()
        expect(item).to_contain_text("Antwoord van de regio:")
        expect(item.locator(".consult-disposition")).to_have_text(label)
        expect(item).to_contain_text(reason)
        trip.step("the answer under the comment", full_page=False)


def test_the_block_and_the_answers_read_well_on_a_desktop(
    browser: Browser, journey_server: JourneyServer, journey_app: Flask
):
    comment_id, anchor, label, _reason = _an_answered_comment(journey_app)
    with journey(browser, "15-answers-in-public-desktop", journey_server.url) as trip:
        trip.goto(f"/consultaties/{CLOSED_SLUG}", "closed consultation")
        block = trip.page.locator("#wat-wij-deden")
        expect(block.get_by_role("heading", name="Per deel van het plan")).to_be_visible()
        trip.goto(f"/consultaties/{CLOSED_SLUG}/onderdelen/{anchor}/reacties", "section comments")
        item = trip.page.locator(f"#reactie-{comment_id}")
        if item.count():
            expect(item.locator(".consult-disposition")).to_have_text(label)
        expect(trip.page.locator(".consult-public-answer").first).to_contain_text(
            "Antwoord van de regio:"
        )
