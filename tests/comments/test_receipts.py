"""Receipts, the public status page, code lookups, withdrawal and discarding."""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import timedelta

import rfc8785
from sqlalchemy import event, select

from consult.comments import codes, services
from consult.comments.models import Submission, SubmissionState
from consult.db import utcnow
from consult.extensions import db
from consult.ledger.canonical import digest as content_hash
from tests import factories
from tests.comments.conftest import (
    form_tokens,
    open_form,
    post_form,
    text_of,
    valid_data,
)
from tests.conftest import csrf_token, log_in


def _send(client, consultation, **changes):
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, valid_data(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.location


def test_canonical_hash_is_recomputable_from_the_receipt(
    english_client, session, open_consultation, outbox
):
    receipt_url = _send(
        english_client,
        open_consultation,
        text_2="Tweede",
        section_2="s-1",
        question_2=["1"],
        display_name="Jan",
        publish_name="y",
    )
    body = english_client.get(receipt_url).get_data(as_text=True)
    shown_hash = re.search(r'<code class="consult-hash">([0-9a-f]{64})</code>', body).group(1)
    content = json.loads(
        html.unescape(
            re.search(r'<pre[^>]*id="canonical-content">(.*?)</pre>', body, re.S).group(1)
        )
    )
    assert hashlib.sha256(rfc8785.dumps(content)).hexdigest() == shown_hash
    assert content["consultation"] == open_consultation.slug
    assert content["comments"] == [
        {"section": "s-2", "text": "Zorg dat hulp dichtbij school is."},
        {"section": "s-1", "text": "Tweede"},
    ]
    assert content["answers"] == [{"question": 1, "value": 4}, {"question": 2, "value": [1]}]
    assert "ouder@example.org" not in json.dumps(content)
    assert "Jan" not in json.dumps(content)
    submission = session.scalar(select(Submission))
    assert submission.content_hash == shown_hash
    assert services.canonical_content(submission) == content


def test_receipt_details_only_for_this_browser(
    app, english_client, session, open_consultation, outbox
):
    receipt_url = _send(english_client, open_consultation)
    stranger = app.test_client()
    response = stranger.get(receipt_url)
    assert response.status_code == 302
    assert "/bewijs" not in response.location
    status = stranger.get(response.location)
    assert "ouder@example.org" not in status.get_data(as_text=True)
    assert "Zorg dat hulp" not in status.get_data(as_text=True)  # not public yet


def test_lookup_reads_forgiving_and_refuses_typos_without_db(app, english_client, session):
    submission = factories.submission(session, factories.consultation(session))
    shown = codes.display(submission.tracking_code)
    response = english_client.get("/ontvangst", query_string={"code": f" {shown.lower()} "})
    assert response.status_code == 302
    assert response.location.endswith(f"/ontvangst/{submission.tracking_code}")

    typo = shown[:-2] + ("0" if shown[-2] != "0" else "1") + shown[-1]
    statements: list[str] = []
    engine = db.state(app).engine
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    english_client.get("/")  # the housekeeping hook has run; what follows is the lookup alone
    event.listen(engine, "before_cursor_execute", listener)
    try:
        bad = english_client.get("/ontvangst", query_string={"code": typo})
        bad_path = english_client.get(f"/ontvangst/{typo.replace('-', '')}")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert bad.status_code == 400
    assert bad_path.status_code == 400
    assert "This code is not valid. Check the characters" in text_of(bad)
    assert not [s for s in statements if "submissions" in s]

    missing = codes.new_tracking_code()
    assert english_client.get(f"/ontvangst/{missing}").status_code == 404


def test_brute_force_lookups_are_rate_limited(app, english_client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RECEIPT_LOOKUP", "5 per minute")
    statuses = [
        english_client.get(f"/ontvangst/{codes.new_tracking_code()}").status_code for _ in range(7)
    ]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]
    limited = english_client.get("/ontvangst", query_string={"code": "K7QX-M2PA-9R2N"})
    assert limited.status_code == 429
    assert "Too many attempts" in text_of(limited)


def test_submissions_are_rate_limited(
    app, english_client, session, open_consultation, monkeypatch, outbox
):
    monkeypatch.setitem(app.config, "RATELIMIT_SUBMISSION", "2 per hour")
    _page, tokens = open_form(english_client, open_consultation.slug)
    assert (
        post_form(english_client, open_consultation.slug, tokens, valid_data()).status_code == 302
    )
    assert (
        post_form(english_client, open_consultation.slug, tokens, valid_data()).status_code == 302
    )
    assert (
        post_form(english_client, open_consultation.slug, tokens, valid_data()).status_code == 429
    )


def test_withdraw_by_mailed_link(english_client, session, open_consultation, outbox):
    _send(english_client, open_consultation, text_2="Tweede reactie", section_2="s-3")
    [mail] = outbox.messages
    confirm = next(link for link in outbox.links_in(mail) if "/bevestigen/" in link)
    withdraw = next(link for link in outbox.links_in(mail) if "/intrekken/" in link)
    confirm_path = confirm.replace("http://consult.test", "")
    english_client.post(
        confirm_path,
        data={
            "csrf_token": form_tokens(
                english_client.get(confirm_path).get_data(as_text=True)
                + ' name="idempotency_key" value="-"'
            )["csrf_token"]
        },
    )

    choose = english_client.get(withdraw.replace("http://consult.test", ""))
    assert choose.status_code == 200
    link = re.findall(r'href="(/reactie/intrekken/[^"]+/2)"', choose.get_data(as_text=True))[0]
    confirm_page = english_client.get(link)
    assert "Withdraw this comment?" in text_of(confirm_page)
    session.expire_all()
    submission = session.scalar(select(Submission))
    assert submission.comments[1].withdrawn_at is None  # the GET changed nothing
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', confirm_page.get_data(as_text=True)
    ).group(1)
    done = english_client.post(link, data={"csrf_token": token})
    assert done.status_code == 302
    session.expire_all()
    submission = session.scalar(select(Submission))
    assert submission.comments[1].withdrawn_at is not None
    assert submission.comments[1].is_public is False
    assert submission.comments[1].body == "Tweede reactie"  # the text stays in the record
    assert submission.comments[0].is_public is True
    assert "withdrawn" in text_of(english_client.get(f"/ontvangst/{submission.tracking_code}"))
    assert "Tweede reactie" not in english_client.get(
        f"/consultaties/{open_consultation.slug}"
    ).get_data(as_text=True)
    assert english_client.get("/reactie/intrekken/vervalst/1").status_code == 404


def test_withdraw_from_own_receipt_and_refused_after_closing(
    app, english_client, session, open_consultation, outbox
):
    factories.user(session, email="deelnemer@example.org")
    log_in(english_client, "deelnemer@example.org")
    receipt_url = _send(english_client, open_consultation, email=None)
    body = english_client.get(receipt_url).get_data(as_text=True)
    link = re.search(r'href="(/ontvangst/[^"]+/reacties/1/intrekken)"', body).group(1)

    # Someone else, logged in or not, cannot use that page.
    assert app.test_client().get(link).status_code == 404

    open_consultation.closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    page = english_client.get(link)
    assert page.status_code == 409
    assert "You can no longer withdraw" in text_of(page)
    session.expire_all()
    assert session.scalar(select(Submission)).comments[0].withdrawn_at is None


def test_unconfirmed_submissions_are_discarded_after_72_hours(app, english_client, session, outbox):
    consultation = factories.consultation(session)
    old = factories.sent_submission(
        session, consultation, hours_ago=73, texts=[("s-1", "Oud")], display_name="Oud Naam"
    )
    fresh = factories.sent_submission(session, consultation, hours_ago=1, texts=[("s-1", "Vers")])
    assert services.discard_unconfirmed(session, utcnow()) == 1
    assert old.state is SubmissionState.DISCARDED
    assert old.discarded_at is not None
    assert fresh.state is SubmissionState.PENDING
    session.expire_all()
    # Never confirmed: the address was never proven to be the sender's, so it is gone,
    # with the name, in the same transaction. The fresh one keeps its address.
    old = session.get(Submission, old.id)
    assert old.contact.email is None
    assert old.contact.display_name is None
    assert old.contact.erased_at is not None
    assert session.get(Submission, fresh.id).contact.email == "ouder@example.org"
    # What was sent stays, and its receipt still checks out.
    assert old.comments[0].body == "Oud"
    assert old.content_hash == content_hash(services.canonical_content(old))

    # Its confirm link no longer publishes anything.
    with app.test_request_context():
        token = services.make_token("confirm-submission", old)
    response = english_client.get(f"/reactie/bevestigen/{token}")
    assert response.status_code == 410
    session.expire_all()
    after = session.get(Submission, old.id)
    assert after.state is SubmissionState.DISCARDED
    assert after.contact.email is None
    assert "not confirmed in time" in text_of(english_client.get(f"/ontvangst/{old.tracking_code}"))


def test_discard_command(app, session):
    consultation = factories.consultation(session)
    old = factories.sent_submission(session, consultation, hours_ago=4 * 24)
    result = app.test_cli_runner().invoke(args=["submissions", "discard-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "discarded 1 unconfirmed submission(s)" in result.output
    session.expire_all()
    discarded = session.get(Submission, old.id)
    assert discarded.state is SubmissionState.DISCARDED
    assert discarded.contact.email is None


def test_tampered_confirm_link_is_refused(english_client, session):
    assert english_client.get("/reactie/bevestigen/niet-echt").status_code == 400


# -- the receipt page tells a stranger nothing -------------------------------------------------


def test_receipt_page_does_not_tell_which_codes_exist(app, english_client, session, monkeypatch):
    submission = factories.submission(session, factories.consultation(session))
    unknown = codes.new_tracking_code()
    stranger = app.test_client()
    for code in (submission.tracking_code, unknown):
        response = stranger.get(f"/ontvangst/{code}/bewijs")
        assert response.status_code == 302
        assert response.location == f"/ontvangst/{code}"
    # The content file behaves the same.
    for code in (submission.tracking_code, unknown):
        response = stranger.get(f"/ontvangst/{code}/bewijs/inhoud.json")
        assert response.status_code == 302
        assert response.location == f"/ontvangst/{code}"
    # And trying many codes there is limited like the lookup itself.
    monkeypatch.setitem(app.config, "RATELIMIT_RECEIPT_LOOKUP", "3 per minute")
    guesser = app.test_client()
    statuses = [
        guesser.get(f"/ontvangst/{codes.new_tracking_code()}/bewijs").status_code for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_receipt_content_file_has_the_exact_bytes_of_the_fingerprint(
    english_client, session, open_consultation, outbox
):
    receipt_url = _send(english_client, open_consultation, text_1="Eén zin met ‘aanhalingstekens’.")
    body = english_client.get(receipt_url).get_data(as_text=True)
    shown_hash = re.search(r'<code class="consult-hash">([0-9a-f]{64})</code>', body).group(1)
    assert f'href="{receipt_url}/inhoud.json"' in body
    download = english_client.get(f"{receipt_url}/inhoud.json")
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(download.data).hexdigest() == shown_hash
    assert json.loads(download.data)["comments"][0]["text"] == "Eén zin met ‘aanhalingstekens’."


# -- resending the receipt mail ----------------------------------------------------------------


def _resend(client, receipt_url):
    page = client.get(receipt_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(f"{receipt_url}/opnieuw-mailen", data={"csrf_token": token})


def test_receipt_mail_is_resent_at_most_three_times_a_day(
    app, english_client, session, open_consultation, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_RECEIPT_RESEND_VISITOR", "100 per hour")
    receipt_url = _send(english_client, open_consultation)
    outbox.clear()
    # Someone else pressing the button (with a valid form of their own) sends nothing and
    # uses up nothing of the sender's three.
    stranger = app.test_client()
    token = csrf_token(stranger, f"/consultaties/{open_consultation.slug}/reageren")
    for _ in range(3):
        forged = stranger.post(f"{receipt_url}/opnieuw-mailen", data={"csrf_token": token})
        assert forged.status_code == 404
    assert outbox.messages == []

    statuses = [_resend(english_client, receipt_url).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(outbox.to("ouder@example.org")) == 3


def test_resend_is_limited_per_visitor_across_submissions(
    app, english_client, session, open_consultation, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_RECEIPT_RESEND_VISITOR", "2 per hour")
    first = _send(english_client, open_consultation)
    second = _send(english_client, open_consultation, email="ander@example.org")
    outbox.clear()
    assert _resend(english_client, first).status_code == 302
    assert _resend(english_client, second).status_code == 302
    assert _resend(english_client, second).status_code == 429
    assert len(outbox.messages) == 2


# -- the fingerprint does not depend on what may change later ------------------------------------


def test_fingerprint_names_a_known_organisation_by_id_and_the_version_by_its_hash(
    english_client, session, outbox
):
    from consult.documents.services import lock_version

    version = factories.document_version(session)
    lock_version(session, version)
    assert version.content_hash
    consultation = factories.consultation(session, version)
    member = factories.user(session, email="lid@example.org", display_name="Lid")
    org = factories.organisation(session, "Stichting Jeugdstem", verified=True, members=(member,))
    log_in(english_client, "lid@example.org")
    receipt_url = _send(english_client, consultation, organisation_id=str(org.id), email=None)
    submission = session.scalar(select(Submission))
    content = services.canonical_content(submission)
    assert content["organisation"] == {"id": org.id, "verified": True}
    assert content["version"] == {
        "document_id": version.document_id,
        "number": version.number,
        "content_hash": version.content_hash,
    }
    assert "Stichting Jeugdstem" not in json.dumps(content)

    org.name = "Stichting Jeugdstem Utrecht"
    session.flush()
    session.expire_all()
    submission = session.scalar(select(Submission))
    assert content_hash(services.canonical_content(submission)) == submission.content_hash
    body = english_client.get(receipt_url).get_data(as_text=True)
    shown = json.loads(
        html.unescape(
            re.search(r'<pre[^>]*id="canonical-content">(.*?)</pre>', body, re.S).group(1)
        )
    )
    assert hashlib.sha256(rfc8785.dumps(shown)).hexdigest() == submission.content_hash


def test_a_typed_organisation_is_kept_as_typed(english_client, session, open_consultation, outbox):
    _send(english_client, open_consultation, organisation_name="MIND Utrecht")
    content = services.canonical_content(session.scalar(select(Submission)))
    assert content["organisation"] == {"name": "MIND Utrecht", "verified": False}


def test_the_fingerprint_cannot_be_reversed_by_trying_texts(session, open_consultation):
    """The record publishes each submission's content hash. Two identical short
    submissions still get different hashes, and a guess of the content without the
    submission's random nonce does not give the recorded hash."""
    from consult.ledger.models import RecordEvent

    sent = []
    for key in ("eerste", "tweede"):
        draft = services.Draft(
            idempotency_key=key,
            stakeholder_group=factories.stakeholder_group(session, "parent"),
            email="ouder@example.org",
            comments=[(None, "Eens")],
        )
        sent.append(services.submit(session, open_consultation, draft, utcnow())[0])
    first, second = sent
    assert first.content_hash != second.content_hash
    assert len(first.content_nonce) == 32
    content = services.canonical_content(first)
    assert content["nonce"] == first.content_nonce
    assert content_hash(content) == first.content_hash
    guessed = {key: value for key, value in content.items() if key != "nonce"}
    assert content_hash(guessed) != first.content_hash
    recorded = session.scalar(
        select(RecordEvent.payload).where(
            RecordEvent.object_id == first.tracking_code,
            RecordEvent.kind == "submission_received",
        )
    )
    assert recorded["content_hash"] == first.content_hash


def test_the_receipt_the_mail_and_the_status_page_carry_the_signed_promise(
    english_client, session, open_consultation, outbox
):
    """Issue 16: the log signs a promise of inclusion the moment a submission is stored;
    the participant gets it on the receipt page, in the mail and on the status page."""
    receipt_url = _send(english_client, open_consultation)
    submission = session.scalars(select(Submission).order_by(Submission.id.desc())).first()
    code = submission.tracking_code
    [mail] = outbox.messages
    mailed = outbox.text_of(mail).replace("\r\n", "\n")  # mail lines end in CRLF
    assert "Our signed promise that your comment is in the public evidence record" in mailed
    note = mailed[mailed.index("consult-promise/v1") :].split("\n\n\u2014")[0]
    lines = note.split("\n")
    assert lines[0] == "consult-promise/v1"
    assert lines[1] == "consult.test/record"
    proof = english_client.get(f"/bewijs/opname/{code}.json").get_json()
    assert proof["promise"]["leaf_index"] == proof["event"]["leaf_index"] == int(lines[2])
    assert proof["promise"]["note"].startswith(note)
    assert proof["promise"]["note"] in mailed
    for url in (receipt_url, f"/ontvangst/{code}"):
        page = html.unescape(english_client.get(url).get_data(as_text=True))
        assert "Our signed promise" in page, url
        assert proof["promise"]["note"].strip() in page, url
