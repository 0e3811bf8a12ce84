"""Erasing after the reactienota was published: the page tells the sender, before they
erase, that their name stays in the published edition (editions are evidence and never
change; a correction edition is the way out)."""

from __future__ import annotations

from sqlalchemy import select

from consult.comments.models import Submission
from consult.consultations import lifecycle
from consult.consultations.models import ConsultationState
from consult.db import utcnow
from consult.reports import services as reactienota
from consult.reports.models import ResponseReport
from consult.responses.answers import services as answering
from consult.responses.models import Disposition
from tests import factories
from tests.comments.conftest import text_of
from tests.comments.test_erasure_no_trace import (
    GUEST_EMAIL,
    GUEST_NAME,
    _csrf,
    _link,
    _send,
)
from tests.conftest import make_client

WARNING = "Your name is already in the published reactienota"


def test_the_erase_page_says_a_published_reactienota_keeps_the_name(app, session, outbox):
    consultation = factories.consultation(session)
    official = factories.region_user(session, "official")
    responder = factories.region_user(session, "responder")
    browser = make_client(app, "en")
    _send(browser, consultation, email=GUEST_EMAIL, display_name=GUEST_NAME, publish_name="y")
    confirm = _link(outbox, GUEST_EMAIL, "/reactie/bevestigen/")
    browser.post(confirm, data={"csrf_token": _csrf(browser.get(confirm))})
    erase_link = _link(outbox, GUEST_EMAIL, "/reactie/gegevens-wissen/")
    assert WARNING not in text_of(browser.get(erase_link))

    with app.app_context():
        lifecycle.record_state(
            session, consultation, ConsultationState.CLOSED, actor=None, at=utcnow()
        )
        comments = [c for s in session.scalars(select(Submission)) for c in s.comments]
        answer = answering.draft_answer(
            session, responder, consultation, comments, Disposition.ADOPTED, "We doen dit."
        )
        answering.approve(session, official, answer)
        answering.publish(session, official, consultation)
        reactienota.publish(
            session, official, reactienota.generate(session, official, consultation)
        )
    session.flush()
    [edition] = session.scalars(select(ResponseReport)).all()
    assert GUEST_NAME in str(edition.content)

    page = browser.get(erase_link)
    assert WARNING in text_of(page)
    assert browser.post(erase_link, data={"csrf_token": _csrf(page)}).status_code == 302
    session.expire_all()
    assert session.scalar(select(Submission)).contact.display_name is None
