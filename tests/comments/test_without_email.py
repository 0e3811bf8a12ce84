"""Reacting without e-mail (issue 17, item 1): a code instead of an address, a moderator
before anything counts or shows, and floods held by rate limits, a honeypot and a minimum
fill time. On SQLite and, with CONSULT_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import json
import re
import secrets
import time
import zlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.comments import codes
from consult.comments import forms as comment_forms
from consult.comments.models import Comment, HideReason, Submission, SubmissionState
from consult.comments.services import offers_no_email_first
from consult.evidence.verify import verify
from consult.ledger.models import RecordEvent
from consult.moderation import services as moderation
from consult.stakeholders.models import AgeBand
from tests import factories
from tests.comments.conftest import open_form, post_form, step_page, text_of, valid_data
from tests.conftest import log_in, make_client
from tests.record.conftest import tampering

MARKER = "Flamingo-zin: ik wil een jongerenraad in elke gemeente."


def display_code(code: str) -> str:
    return codes.display(code)


def pdf_strings(pdf: bytes) -> str:
    """The PDF's streams, inflated (its metadata holds the title, the card's <title>)."""
    parts = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(raw).decode("utf-8", "replace"))
        except zlib.error:
            continue
    return "\n".join(parts)


def unused_tracking_code(session) -> str:
    while True:
        code = codes.new_tracking_code()
        if session.scalar(select(Submission.id).where(Submission.tracking_code == code)) is None:
            return code


def text_of_html(body: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _young(**changes):
    """A 12-year-old's form: no e-mail, under 16, the text with a marker to look for."""
    young = {
        "email": "",
        "stakeholder_group": "young_person",
        "age_band": "under_12",
        "text_1": MARKER,
    }
    return valid_data(**{**young, **changes})


def _send(client, consultation, **changes) -> Submission | None:
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, _young(**changes))
    assert response.status_code == 302, text_of(response)[:800]
    return response


def _stored(session, consultation) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.consultation_id == consultation.id)
            .order_by(Submission.id)
        )
    )


def _events(session, code: str) -> dict[str, dict]:
    return {
        event.kind: event.payload
        for event in session.scalars(select(RecordEvent).where(RecordEvent.object_id == code))
    }


def _public_places(client, consultation) -> dict[str, str]:
    """Every place a published comment (or its count) could show, as text."""
    slug = consultation.slug
    paths = {
        "page": f"/consultaties/{slug}",
        "section": f"/consultaties/{slug}/onderdelen/s-2/reacties",
        "search": f"/consultaties/{slug}/zoeken?q=Flamingo",
        "api": f"/api/v1/consultations/{slug}/comments",
        "api_consultation": f"/api/v1/consultations/{slug}",
        "csv": f"/consultaties/{slug}/reacties.csv",
        "jsonl": f"/consultaties/{slug}/reacties.jsonl",
        "feed": f"/consultaties/{slug}/nieuws.atom",
    }
    found = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = response.get_data(as_text=True)
    return found


def _moderator_client(app, session, region="JZ22"):
    moderator = factories.region_user(session, "moderator", region)
    browser = make_client(app, "en")
    log_in(browser, moderator.email)
    return browser


def _approvals(consultation) -> str:
    return f"/regios/JZ22/beheer/consultaties/{consultation.slug}/moderatie/goedkeuren"


def _decide(consultation, submission, what: str) -> str:
    return (
        f"/regios/JZ22/beheer/consultaties/{consultation.slug}/moderatie/inzendingen/"
        f"{submission.id}/{what}"
    )


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _verified(app, session, consultation) -> None:
    with app.app_context():
        report = verify(session, consultation=consultation.slug)
    assert report.ok, list(report.failures)


# -- the whole path -------------------------------------------------------------------------


def test_without_email_end_to_end(app, session, english_client, open_consultation, outbox):
    consultation = open_consultation
    response = _send(english_client, consultation)
    [submission] = _stored(session, consultation)
    assert response.headers["Location"].endswith(f"/ontvangst/{submission.tracking_code}/bewijs")
    assert submission.state is SubmissionState.AWAITING
    assert submission.premoderated
    assert submission.contact.email is None
    assert not any(c.is_public for c in submission.comments)
    assert outbox.messages == []  # nobody to write to

    # The receipt: the code to keep, a copy button, the card.
    receipt = english_client.get(f"/ontvangst/{submission.tracking_code}/bewijs")
    body = receipt.get_data(as_text=True)
    code = display_code(submission.tracking_code)
    assert "Keep this code" in body
    assert f'id="tracking-code">{code}<' in body
    assert 'data-copy="tracking-code"' in body
    assert f"/ontvangst/{submission.tracking_code}/kaart.pdf" in body
    assert "the only way back to your comment" in text_of(receipt)
    # (words, as glossary terms may be links: tests/public/test_plain_words.py)
    assert "A moderator reads your comment first" in " ".join(text_of(receipt).split())
    assert "Send the email again" not in body  # there is no address

    card = english_client.get(f"/ontvangst/{submission.tracking_code}/kaart.pdf")
    assert card.status_code == 200
    assert card.mimetype == "application/pdf"
    assert card.data.startswith(b"%PDF-")
    assert "no-store" in card.headers["Cache-Control"]
    assert f"Your code: {code}" in pdf_strings(card.data)

    # The status page says in one sentence what happens next.
    status = " ".join(text_of(english_client.get(f"/ontvangst/{submission.tracking_code}")).split())
    assert "A moderator looks at your comment first: after approval it counts" in status
    assert "waiting for a moderator" in status

    # The record: the channel on arrival, no confirmation yet.
    events = _events(session, submission.tracking_code)
    assert events["submission_received"]["channel"] == "no_email"
    assert "submission_confirmed" not in events
    _verified(app, session, consultation)

    # Not public anywhere before approval.
    for name, text in _public_places(make_client(app, "en"), consultation).items():
        assert "Flamingo-zin" not in text, name

    # A moderator approves it (CSRF token from the queue page).
    moderator = _moderator_client(app, session)
    queue = moderator.get(_approvals(consultation))
    assert queue.status_code == 200
    assert "Flamingo-zin" in queue.get_data(as_text=True)
    approved = moderator.post(
        _decide(consultation, submission, "goedkeuren"),
        data={"csrf_token": _csrf(queue.get_data(as_text=True))},
    )
    assert approved.status_code == 302
    session.expire_all()
    assert submission.state is SubmissionState.CONFIRMED
    assert submission.confirmed_at is not None
    assert all(c.is_public for c in submission.comments)
    assert _events(session, submission.tracking_code)["submission_confirmed"] == {"by": "moderator"}
    places = _public_places(make_client(app, "en"), consultation)
    assert "Flamingo-zin" in places["page"]
    assert "Flamingo-zin" in places["api"]
    assert "Flamingo-zin" in places["csv"]
    assert "Nothing waits for approval." in text_of(moderator.get(_approvals(consultation)))
    _verified(app, session, consultation)


def test_rejected_stays_hidden_and_says_why(app, session, english_client, open_consultation):
    consultation = open_consultation
    _send(english_client, consultation)
    [submission] = _stored(session, consultation)
    moderator = _moderator_client(app, session)
    form = moderator.get(_decide(consultation, submission, "afwijzen"))
    assert form.status_code == 200
    refused = moderator.post(
        _decide(consultation, submission, "afwijzen"),
        data={"csrf_token": _csrf(form.get_data(as_text=True)), "reason": "other", "note": ""},
    )
    assert refused.status_code == 200  # "other" needs a note: the form again
    assert "Explain why you do not approve it" in text_of(refused)
    rejected = moderator.post(
        _decide(consultation, submission, "afwijzen"),
        data={
            "csrf_token": _csrf(form.get_data(as_text=True)),
            "reason": "spam",
            "note": "Reclame voor een webwinkel.",
        },
    )
    assert rejected.status_code == 302
    session.expire_all()
    assert submission.state is SubmissionState.REJECTED
    assert submission.rejection_reason is HideReason.SPAM
    assert not any(c.is_public for c in submission.comments)
    payload = _events(session, submission.tracking_code)["submission_rejected"]
    assert payload["reason"] == "spam"
    assert "Reclame" not in str(payload)  # only the note's hash

    for name, text in _public_places(make_client(app, "en"), consultation).items():
        assert "Flamingo-zin" not in text, name
    status = " ".join(text_of(english_client.get(f"/ontvangst/{submission.tracking_code}")).split())
    assert "a moderator did not approve your comment (reason: advertising or spam)" in status
    # Decided once: a second decision is refused, nothing changes.
    again = moderator.post(
        _decide(consultation, submission, "goedkeuren"),
        data={"csrf_token": _csrf(form.get_data(as_text=True))},
    )
    assert again.status_code == 302
    session.expire_all()
    assert submission.state is SubmissionState.REJECTED
    _verified(app, session, consultation)


def test_awaiting_comments_do_not_count(app, session, english_client, open_consultation):
    consultation = open_consultation
    _send(english_client, consultation)
    places = _public_places(make_client(app, "en"), consultation)
    assert "0 comments published" in text_of_html(places["page"])
    assert "consult-groups__count" not in places["page"]  # no group has reacted yet
    assert len(places["csv"].strip().splitlines()) == 1  # the header only
    assert places["jsonl"].strip() == ""
    listed = json.loads(places["api"])
    assert not [v for v in listed.values() if isinstance(v, list) and v], listed


def test_moderators_task_list_counts_what_waits(app, session, english_client, open_consultation):
    _send(english_client, open_consultation)
    moderator = _moderator_client(app, session)
    tasks = text_of(moderator.get("/account/taken"))
    assert re.search(r"1 submission without email waits for approval\.", tasks)
    queue = text_of(
        moderator.get(f"/regios/JZ22/beheer/consultaties/{open_consultation.slug}/moderatie")
    )
    assert re.search(r"Waiting for approval\s+1\b", queue)


# -- who may decide ---------------------------------------------------------------------------


def test_approving_needs_csrf_and_the_region(app, session, english_client, open_consultation):
    consultation = open_consultation
    _send(english_client, consultation)
    [submission] = _stored(session, consultation)
    url = _decide(consultation, submission, "goedkeuren")

    moderator = _moderator_client(app, session)
    no_token = moderator.post(url, data={})
    assert no_token.status_code in (302, 400)
    session.expire_all()
    assert submission.state is SubmissionState.AWAITING

    stranger = _moderator_client(app, session, region="JZ24")
    assert stranger.get(_approvals(consultation)).status_code == 404
    assert stranger.post(url, data={}).status_code in (400, 404)

    anonymous = make_client(app, "en")
    assert anonymous.get(_approvals(consultation)).status_code == 302  # to the log-in page

    # A submission of another consultation is not found through this one.
    other = factories.consultation(session)
    other_client = make_client(app, "en")
    _send(other_client, other)
    [foreign] = _stored(session, other)
    page = moderator.get(_approvals(consultation)).get_data(as_text=True)
    crossed = moderator.post(
        f"/regios/JZ22/beheer/consultaties/{consultation.slug}/moderatie/inzendingen/"
        f"{foreign.id}/goedkeuren",
        data={"csrf_token": _csrf(page)},
    )
    assert crossed.status_code == 404
    session.expire_all()
    assert submission.state is SubmissionState.AWAITING
    assert foreign.state is SubmissionState.AWAITING


def test_the_card_needs_the_code(app, session, english_client, open_consultation):
    _send(english_client, open_consultation)
    [mine] = _stored(session, open_consultation)
    other = make_client(app, "en")
    _send(other, open_consultation, text_1="Een andere tekst van iemand anders.")
    theirs = _stored(session, open_consultation)[1]

    # The code is the secret: with it, this card and only this one.
    card = other.get(f"/ontvangst/{theirs.tracking_code}/kaart.pdf")
    inside = pdf_strings(card.data)
    assert f"Your code: {display_code(theirs.tracking_code)}" in inside
    assert display_code(mine.tracking_code) not in inside
    # A guessed or mistyped code, or an id, finds nothing.
    unknown = unused_tracking_code(session)
    assert other.get(f"/ontvangst/{unknown}/kaart.pdf").status_code == 404
    assert other.get("/ontvangst/NIET-GELDIG/kaart.pdf").status_code == 404
    assert other.get(f"/ontvangst/{mine.id}/kaart.pdf").status_code == 404


def test_the_card_is_rate_limited(app, session, english_client, open_consultation):
    _send(english_client, open_consultation)
    [mine] = _stored(session, open_consultation)
    app.config["RATELIMIT_RECEIPT_CARD"] = "2 per hour"
    try:
        codes = [
            english_client.get(f"/ontvangst/{mine.tracking_code}/kaart.pdf").status_code
            for _ in range(3)
        ]
    finally:
        app.config.pop("RATELIMIT_RECEIPT_CARD")
    assert codes == [200, 200, 429]


# -- the form ---------------------------------------------------------------------------------


def test_email_is_optional_and_under_16_is_offered_the_path_without_it(
    english_client, open_consultation
):
    assert offers_no_email_first(AgeBand.UNDER_12)
    assert offers_no_email_first(AgeBand.FROM_12_TO_15)
    assert not offers_no_email_first(AgeBand.FROM_16_TO_17)
    assert not offers_no_email_first(None)

    # For a parent the address field is there at once, not folded away.
    page = step_page(english_client, open_consultation.slug, 3)
    assert "Your email address (optional)" in page
    assert 'id="email"' in page
    assert "data-email-details" not in page
    # For someone under 16 the path without e-mail comes first: the address is folded.
    young = step_page(
        english_client,
        open_consultation.slug,
        3,
        stakeholder_group="young_person",
        age_band="12_15",
    )
    assert "Your email address (optional)" in young
    assert re.search(r"<details[^>]*data-email-details>", young)


def test_honeypot_keeps_the_text_and_stores_nothing(english_client, session, open_consultation):
    _page, tokens = open_form(english_client, open_consultation.slug)
    page = step_page(english_client, open_consultation.slug, 4)  # the check page sends
    honeypot = re.search(r'<div class="consult-honeypot" aria-hidden="true">.*?</div>', page, re.S)
    assert honeypot
    assert 'tabindex="-1"' in honeypot.group(0)
    assert 'autocomplete="off"' in honeypot.group(0)
    response = post_form(
        english_client, open_consultation.slug, tokens, _young(website="http://spam.example")
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "A field that must stay empty was filled in" in text_of(response)
    assert MARKER in text_of(response)
    assert "spam.example" not in body  # emptied, so sending again works
    assert _stored(session, open_consultation) == []
    retry = post_form(english_client, open_consultation.slug, tokens, _young())
    assert retry.status_code == 302


def test_too_fast_keeps_the_text_and_waiting_counts(
    app, english_client, session, open_consultation
):
    app.config["COMMENT_MIN_FILL_SECONDS"] = 60
    try:
        page, tokens = open_form(english_client, open_consultation.slug)
        started = re.search(r'name="started"[^>]*value="([^"]+)"', page).group(1)
        fast = post_form(english_client, open_consultation.slug, tokens, _young(started=started))
        assert fast.status_code == 422
        assert "That went very fast" in text_of(fast)
        assert MARKER in text_of(fast)
        assert f'value="{started}"' in fast.get_data(as_text=True)  # the moment is kept
        assert _stored(session, open_consultation) == []

        # A forged or missing moment counts as too fast.
        forged = post_form(
            english_client, open_consultation.slug, tokens, _young(started="1700000000")
        )
        assert forged.status_code == 422
        assert _stored(session, open_consultation) == []

        # A minute later (a moment signed 90 seconds ago for this form's key) it is stored.
        with app.test_request_context():
            earlier = comment_forms.fill_token(tokens["idempotency_key"], time.time() - 90)
            other_key = comment_forms.fill_token(secrets.token_hex(16), time.time() - 90)
        reused = post_form(
            english_client, open_consultation.slug, tokens, _young(started=other_key)
        )
        assert reused.status_code == 422  # a moment of another form does not count
        stored = post_form(english_client, open_consultation.slug, tokens, _young(started=earlier))
        assert stored.status_code == 302
        assert len(_stored(session, open_consultation)) == 1
    finally:
        app.config["COMMENT_MIN_FILL_SECONDS"] = 0


# -- floods -----------------------------------------------------------------------------------


def test_flood_of_a_thousand_from_one_client(app, session, english_client, open_consultation):
    """Acceptance (issue 17): 1,000 submissions without e-mail from one client are refused
    past the limit with the friendly 429 page; none is ever published; the moderator's queue
    still loads (its time is printed, not asserted)."""
    consultation = open_consultation
    _page, tokens = open_form(english_client, consultation.slug)
    statuses: dict[int, int] = {}
    friendly = 0
    for number in range(1000):
        response = post_form(
            english_client,
            consultation.slug,
            {**tokens, "idempotency_key": secrets.token_hex(16)},
            _young(text_1=f"Flamingo-zin {number}: spam spam spam."),
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 429 and b"Too many comments at once" in response.data:
            friendly += 1
    stored = _stored(session, consultation)
    assert statuses == {302: len(stored), 429: 1000 - len(stored)}
    assert len(stored) == 5  # RATELIMIT_NO_EMAIL, "5 per hour"
    assert friendly == 1000 - len(stored)
    assert all(s.state is SubmissionState.AWAITING for s in stored)
    published = session.scalar(
        select(func.count(Comment.id)).where(
            Comment.consultation_id == consultation.id, Comment.is_public.is_(True)
        )
    )
    assert published == 0
    for name, text in _public_places(make_client(app, "en"), consultation).items():
        assert "Flamingo-zin" not in text, name

    moderator = _moderator_client(app, session)
    started = time.perf_counter()
    queue = moderator.get(_approvals(consultation))
    print(f"\nthe approval queue after the flood loaded in {time.perf_counter() - started:.3f} s")
    assert queue.status_code == 200
    assert "5 submissions wait for approval" in text_of(queue)


def test_limit_per_consultation(app, session, open_consultation):
    app.config["RATELIMIT_NO_EMAIL_CONSULTATION"] = "2 per hour"
    try:
        for address in ("10.0.0.1", "10.0.0.2"):
            visitor = make_client(app, "en")
            visitor.environ_base["REMOTE_ADDR"] = address
            _send(visitor, open_consultation)
        third = make_client(app, "en")
        third.environ_base["REMOTE_ADDR"] = "10.0.0.3"
        _page, tokens = open_form(third, open_consultation.slug)
        refused = post_form(third, open_consultation.slug, tokens, _young())
        assert refused.status_code == 429
        assert "You can still send your comment with your email address" in text_of(refused)
        assert MARKER in text_of(refused)  # the text, to copy
        # With an address it still goes through (it waits for its e-mail link instead).
        with_email = post_form(
            third, open_consultation.slug, tokens, _young(email="kind@example.org")
        )
        assert with_email.status_code == 302
    finally:
        app.config.pop("RATELIMIT_NO_EMAIL_CONSULTATION")
    states = [s.state for s in _stored(session, open_consultation)]
    assert states == [SubmissionState.AWAITING, SubmissionState.AWAITING, SubmissionState.PENDING]


# -- the database and the record ----------------------------------------------------------------


def test_only_a_submission_without_email_can_wait_for_a_moderator(session, open_consultation):
    submission = factories.submission(session, open_consultation, confirmed=False)
    submission.state = SubmissionState.AWAITING
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


def test_verify_finds_a_decision_made_around_the_record(
    app, session, english_client, open_consultation
):
    _send(english_client, open_consultation)
    other = make_client(app, "en")
    _send(other, open_consultation, text_1="Tweede reactie zonder e-mail.")
    first, second = _stored(session, open_consultation)
    emailed = factories.sent_submission(session, open_consultation)
    with app.app_context():
        moderation.approve_submission(session, factories.region_user(session, "moderator"), second)
    _verified(app, session, open_consultation)
    with app.app_context(), tampering(session):
        # Approved in the database, without a moderator's event.
        first.state = SubmissionState.CONFIRMED
        for comment in first.comments:
            comment.is_public = True
        # Approved, then made to look as if it came with an address (a CHECK refuses it
        # while it waits).
        second.premoderated = False
        # An e-mail submission made to wait for a moderator.
        emailed.premoderated = True
        session.flush()
        report = verify(session, consultation=open_consultation.slug)
    messages = list(report.failures)
    assert any(
        first.tracking_code in m and "but the record has no submission_confirmed" in m
        for m in messages
    ), messages
    assert any(
        second.tracking_code in m and "sent without an e-mail address" in m for m in messages
    ), messages
    assert any(
        second.tracking_code in m and "confirmed by moderator, but" in m for m in messages
    ), messages
    assert any(emailed.tracking_code in m and "waits for a moderator" in m for m in messages), (
        messages
    )


def test_verify_finds_a_changed_rejection(app, session, english_client, open_consultation):
    _send(english_client, open_consultation)
    [submission] = _stored(session, open_consultation)
    moderator = _moderator_client(app, session)
    form = moderator.get(_decide(open_consultation, submission, "afwijzen"))
    moderator.post(
        _decide(open_consultation, submission, "afwijzen"),
        data={"csrf_token": _csrf(form.get_data(as_text=True)), "reason": "spam", "note": ""},
    )
    session.expire_all()
    assert submission.state is SubmissionState.REJECTED
    _verified(app, session, open_consultation)
    with app.app_context(), tampering(session):
        submission.rejection_reason = HideReason.OFFENSIVE
        session.flush()
        report = verify(session, consultation=open_consultation.slug)
    assert any(
        submission.tracking_code in m and "not approved for the reason offensive" in m
        for m in report.failures
    ), list(report.failures)
