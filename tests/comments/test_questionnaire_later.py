"""The questionnaire never blocks a comment (issue 17): the comment form sends without
answers even when the region marked a question required, and the receipt offers the
questions afterwards, on a page only the sender may use."""

from __future__ import annotations

import re

from sqlalchemy import select

from consult.comments.models import QuestionAnswer, Submission
from consult.comments.services import canonical_content
from consult.ledger.canonical import digest as content_hash
from tests.comments.conftest import (
    CSRF_FIELD,
    open_form,
    post_form,
    step_page,
    text_of,
    valid_data,
)

RECEIPT = re.compile(r"/ontvangst/([0-9A-Z]+)/bewijs$")


def _send_without_answers(client, consultation) -> str:
    """Send a comment that answers no question (question 1 is required); its code."""
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, valid_data(question_1=None))
    assert response.status_code == 302, text_of(response)[:2000]
    found = RECEIPT.search(response.location)
    assert found, response.location
    return found.group(1)


def _submission(session, code: str) -> Submission:
    session.expire_all()
    return session.scalar(select(Submission).where(Submission.tracking_code == code))


def _answers(session, submission: Submission) -> dict[int, QuestionAnswer]:
    rows = session.scalars(
        select(QuestionAnswer).where(QuestionAnswer.submission_id == submission.id)
    )
    return {a.question_id: a for a in rows}


def _token(client, code: str) -> str:
    page = client.get(f"/ontvangst/{code}/vragen")
    assert page.status_code == 200
    return CSRF_FIELD.search(page.get_data(as_text=True)).group(1)


def test_a_required_question_does_not_block_a_comment(english_client, session, open_consultation):
    # No step of the comment form asks a question, the required one neither: the
    # questionnaire is offered after sending.
    for step in (1, 2, 3, 4):
        page = step_page(english_client, open_consultation.slug, step)
        assert re.search(f'id="step-caption"[^>]*>Step {step} of 4<', page)
        for question in ("Hoe belangrijk is jeugdhulp dichtbij huis?", "Waar zoek je hulp?"):
            assert question not in page
    code = _send_without_answers(english_client, open_consultation)
    submission = _submission(session, code)
    assert [c.body for c in submission.comments] == ["Zorg dat hulp dichtbij school is."]
    assert submission.answers == []


def test_the_receipt_offers_the_questionnaire_and_the_answers_are_stored_after(
    english_client, session, open_consultation
):
    code = _send_without_answers(english_client, open_consultation)
    sent_hash = _submission(session, code).content_hash
    receipt = english_client.get(f"/ontvangst/{code}/bewijs")
    body = receipt.get_data(as_text=True)
    assert "Would you like to answer 3 more short questions?" in text_of(receipt)
    assert f'href="/ontvangst/{code}/vragen"' in body

    page = english_client.get(f"/ontvangst/{code}/vragen")
    assert "Your comment is sent already." in text_of(page)
    assert "also answer the questions without (optional)" in text_of(page)
    # Here the region's required question is required; the others say so in their label.
    html = page.get_data(as_text=True)
    optional = r"\?\s*</span>\s*<span class=\"consult-optional\">"
    assert re.search("Waar zoek je hulp" + optional, html)
    assert re.search("Wat wil je nog kwijt" + optional, html)
    assert not re.search("dichtbij huis" + optional, html)

    token = _token(english_client, code)
    missing = english_client.post(
        f"/ontvangst/{code}/vragen", data={"csrf_token": token, "question_3": "Alleen dit"}
    )
    assert missing.status_code == 422
    assert "Answer this question: Hoe belangrijk" in text_of(missing)
    assert "Alleen dit" in missing.get_data(as_text=True)  # what was typed stays
    assert _answers(session, _submission(session, code)) == {}

    sent = english_client.post(
        f"/ontvangst/{code}/vragen",
        data={"csrf_token": token, "question_1": "5", "question_3": "Meer hulp op school."},
    )
    assert sent.status_code == 302
    assert sent.location.endswith(f"/ontvangst/{code}/bewijs")
    submission = _submission(session, code)
    by_position = {
        q.position: answer
        for q in open_consultation.questions
        if (answer := _answers(session, submission).get(q.id)) is not None
    }
    assert {p: a.value for p, a in by_position.items()} == {1: 5, 3: "Meer hulp op school."}
    assert all(a.answered_later_at is not None for a in by_position.values())
    # What was sent keeps its fingerprint: the later answers are outside it.
    assert submission.content_hash == sent_hash
    assert content_hash(canonical_content(submission)) == sent_hash

    # The receipt now offers the one question left; answered ones cannot be answered again.
    assert "Would you like to answer 1 more short question?" in text_of(
        english_client.get(f"/ontvangst/{code}/bewijs")
    )
    again = english_client.post(
        f"/ontvangst/{code}/vragen", data={"csrf_token": token, "question_1": "1"}
    )
    assert again.status_code == 422  # question 1 is no longer on the form
    assert _answers(session, submission)[by_position[1].question_id].value == 5


def test_nobody_else_answers_for_a_submission(
    english_client, other_english_client, session, open_consultation
):
    code = _send_without_answers(english_client, open_consultation)
    assert other_english_client.get(f"/ontvangst/{code}/vragen").status_code == 404
    # Another sender's own valid session token does not open someone else's submission.
    other_code = _send_without_answers(other_english_client, open_consultation)
    token = _token(other_english_client, other_code)
    stolen = other_english_client.post(
        f"/ontvangst/{code}/vragen", data={"csrf_token": token, "question_1": "1"}
    )
    assert stolen.status_code == 404
    assert _answers(session, _submission(session, code)) == {}
    # Nor does the receipt offer it to them.
    assert "more short question" not in text_of(
        other_english_client.get(f"/ontvangst/{code}/bewijs")
    )


def test_the_questionnaire_needs_the_csrf_token(english_client, session, open_consultation):
    code = _send_without_answers(english_client, open_consultation)
    refused = english_client.post(f"/ontvangst/{code}/vragen", data={"question_1": "4"})
    assert refused.status_code == 400
    assert _answers(session, _submission(session, code)) == {}


def test_the_questionnaire_is_rate_limited(app, english_client, session, open_consultation):
    code = _send_without_answers(english_client, open_consultation)
    token = _token(english_client, code)
    before = app.config["RATELIMIT_QUESTIONNAIRE"]
    app.config["RATELIMIT_QUESTIONNAIRE"] = "2 per hour"
    try:
        statuses = [
            english_client.post(
                f"/ontvangst/{code}/vragen", data={"csrf_token": token, "question_3": "x"}
            ).status_code
            for _ in range(3)
        ]
    finally:
        app.config["RATELIMIT_QUESTIONNAIRE"] = before
    assert statuses[-1] == 429
