"""Finding your comment again: a link on every page, a real link on the receipt, and a
status page that says in one sentence what happens next and when."""

from __future__ import annotations

import re

import pytest
from babel.dates import format_date

from consult.comments.models import SubmissionState
from consult.consultations.lifecycle import answers_due, closing_day
from consult.responses.models import Disposition
from tests import factories
from tests.comments.conftest import open_form, post_form, valid_data
from tests.responses.tracing_support import make_world, text_of


def _day(value) -> str:
    return format_date(value, "d MMMM y", locale="nl")


@pytest.mark.parametrize("path", ["/", "/regios", "/landelijk", "/ontvangst", "/inloggen"])
def test_every_page_links_the_lookup_in_its_header(client, session, path):
    body = client.get(path).get_data(as_text=True)
    header = body.split("</header>")[0]
    assert re.search(r'<a href="/ontvangst"[^>]*>Mijn reactie terugvinden</a>', header), path


def test_the_link_is_in_english_too_and_marks_the_lookup_as_current(english_client):
    body = english_client.get("/ontvangst").get_data(as_text=True)
    assert '<a href="/ontvangst" aria-current="page">Find my reaction</a>' in body


def test_the_receipt_links_the_lookup_address(client, session):
    consultation = factories.consultation(session)
    _page, tokens = open_form(client, consultation.slug)
    receipt = post_form(client, consultation.slug, tokens, valid_data()).location
    body = client.get(receipt).get_data(as_text=True)
    assert re.search(
        r'<a class="utrecht-link" href="/ontvangst">http://[^<]+/ontvangst</a>', body
    ), "the address on the receipt is not a link"


def _next_step(client, submission) -> str:
    """The sentence under "What happens next" on the status page."""
    page = text_of(client.get(f"/ontvangst/{submission.tracking_code}"))
    return page.split("Wat gebeurt er nu?")[1][:300]


def test_while_open_the_status_page_says_when_the_region_answers(client, session):
    consultation = factories.consultation(session)
    submission = factories.submission(session, consultation)
    step = _next_step(client, submission)
    assert (
        f"De regio beantwoordt alle reacties na de sluiting op {_day(closing_day(consultation))}, "
        f"uiterlijk op {_day(answers_due(consultation))}." in step
    )


def test_after_closing_the_status_page_says_by_when(client, session):
    consultation = factories.closed_consultation(session)
    submission = factories.submission(session, consultation)
    step = _next_step(client, submission)
    assert f"De inspraak sloot op {_day(closing_day(consultation))}" in step
    assert f"uiterlijk op {_day(answers_due(consultation))}" in step


def test_a_late_answer_is_called_late(client, session):
    consultation = factories.closed_consultation(session, opens_in_days=-120, closes_in_days=-90)
    submission = factories.submission(session, consultation)
    step = _next_step(client, submission)
    assert f"De regio beloofde alle reacties uiterlijk op {_day(answers_due(consultation))}" in step
    assert "te laat" in step


def test_after_an_answer_the_status_page_says_where_to_read_it(client, session):
    world = make_world(session)
    submission = world.submission([("s-2", "Meer hulp op school.")])
    world.answer(submission.comments, Disposition.ADOPTED, "We doen het.")
    step = _next_step(client, submission)
    assert "De regio heeft geantwoord: lees het antwoord hieronder, bij je reactie." in step
    assert "uiterlijk" not in step


def test_unconfirmed_and_discarded_comments_say_so(client, session):
    consultation = factories.consultation(session)
    pending = factories.submission(session, consultation, confirmed=False)
    assert "Open de link in de e-mail" in _next_step(client, pending)
    discarded = factories.submission(session, consultation, confirmed=False)
    discarded.state = SubmissionState.DISCARDED
    session.flush()
    step = _next_step(client, discarded)
    assert "niet op tijd bevestigd" in step
    assert "uiterlijk" not in step
