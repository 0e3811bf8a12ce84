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
from tests import factories
from tests.comments.conftest import form_tokens, open_form, post_form, text_of, valid_data
from tests.conftest import log_in


def _send(client, consultation, **changes):
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, valid_data(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.location


def test_canonical_hash_is_recomputable_from_the_receipt(
    client, session, open_consultation, outbox
):
    receipt_url = _send(
        client,
        open_consultation,
        text_2="Tweede",
        section_2="s-1",
        question_2=["1"],
        display_name="Jan",
        publish_name="y",
    )
    body = client.get(receipt_url).get_data(as_text=True)
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


def test_receipt_details_only_for_this_browser(app, client, session, open_consultation, outbox):
    receipt_url = _send(client, open_consultation)
    stranger = app.test_client()
    response = stranger.get(receipt_url)
    assert response.status_code == 302
    assert "/bewijs" not in response.location
    status = stranger.get(response.location)
    assert "ouder@example.org" not in status.get_data(as_text=True)
    assert "Zorg dat hulp" not in status.get_data(as_text=True)  # not public yet


def test_lookup_reads_forgiving_and_refuses_typos_without_db(app, client, session):
    submission = factories.submission(session, factories.consultation(session))
    shown = codes.display(submission.tracking_code)
    response = client.get("/ontvangst", query_string={"code": f" {shown.lower()} "})
    assert response.status_code == 302
    assert response.location.endswith(f"/ontvangst/{submission.tracking_code}")

    typo = shown[:-2] + ("0" if shown[-2] != "0" else "1") + shown[-1]
    statements: list[str] = []
    engine = db.state(app).engine
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    client.get("/")  # the housekeeping hook has run; what follows is the lookup alone
    event.listen(engine, "before_cursor_execute", listener)
    try:
        bad = client.get("/ontvangst", query_string={"code": typo})
        bad_path = client.get(f"/ontvangst/{typo.replace('-', '')}")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert bad.status_code == 400
    assert bad_path.status_code == 400
    assert "This code is not valid. Check the characters" in text_of(bad)
    assert not [s for s in statements if "submissions" in s]

    missing = codes.new_tracking_code()
    assert client.get(f"/ontvangst/{missing}").status_code == 404


def test_brute_force_lookups_are_rate_limited(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RECEIPT_LOOKUP", "5 per minute")
    statuses = [client.get(f"/ontvangst/{codes.new_tracking_code()}").status_code for _ in range(7)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]
    limited = client.get("/ontvangst", query_string={"code": "K7QX-M2PA-9RT"})
    assert limited.status_code == 429
    assert "Too many attempts" in text_of(limited)


def test_submissions_are_rate_limited(app, client, session, open_consultation, monkeypatch, outbox):
    monkeypatch.setitem(app.config, "RATELIMIT_SUBMISSION", "2 per hour")
    _page, tokens = open_form(client, open_consultation.slug)
    assert post_form(client, open_consultation.slug, tokens, valid_data()).status_code == 302
    assert post_form(client, open_consultation.slug, tokens, valid_data()).status_code == 302
    assert post_form(client, open_consultation.slug, tokens, valid_data()).status_code == 429


def test_withdraw_by_mailed_link(client, session, open_consultation, outbox):
    _send(client, open_consultation, text_2="Tweede reactie", section_2="s-3")
    [mail] = outbox.messages
    confirm = next(link for link in outbox.links_in(mail) if "/bevestigen/" in link)
    withdraw = next(link for link in outbox.links_in(mail) if "/intrekken/" in link)
    confirm_path = confirm.replace("http://consult.test", "")
    client.post(
        confirm_path,
        data={
            "csrf_token": form_tokens(
                client.get(confirm_path).get_data(as_text=True)
                + ' name="idempotency_key" value="-"'
            )["csrf_token"]
        },
    )

    choose = client.get(withdraw.replace("http://consult.test", ""))
    assert choose.status_code == 200
    link = re.findall(r'href="(/reactie/intrekken/[^"]+/2)"', choose.get_data(as_text=True))[0]
    confirm_page = client.get(link)
    assert "Withdraw this comment?" in text_of(confirm_page)
    session.expire_all()
    submission = session.scalar(select(Submission))
    assert submission.comments[1].withdrawn_at is None  # the GET changed nothing
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', confirm_page.get_data(as_text=True)
    ).group(1)
    done = client.post(link, data={"csrf_token": token})
    assert done.status_code == 302
    session.expire_all()
    submission = session.scalar(select(Submission))
    assert submission.comments[1].withdrawn_at is not None
    assert submission.comments[1].is_public is False
    assert submission.comments[1].body == "Tweede reactie"  # the text stays in the record
    assert submission.comments[0].is_public is True
    assert "withdrawn" in text_of(client.get(f"/ontvangst/{submission.tracking_code}"))
    assert "Tweede reactie" not in client.get(f"/consultaties/{open_consultation.slug}").get_data(
        as_text=True
    )
    assert client.get("/reactie/intrekken/vervalst/1").status_code == 404


def test_withdraw_from_own_receipt_and_refused_after_closing(
    app, client, session, open_consultation, outbox
):
    factories.user(session, email="deelnemer@example.org")
    log_in(client, "deelnemer@example.org")
    receipt_url = _send(client, open_consultation, email=None)
    body = client.get(receipt_url).get_data(as_text=True)
    link = re.search(r'href="(/ontvangst/[^"]+/reacties/1/intrekken)"', body).group(1)

    # Someone else, logged in or not, cannot use that page.
    assert app.test_client().get(link).status_code == 404

    open_consultation.closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    page = client.get(link)
    assert page.status_code == 409
    assert "You can no longer withdraw" in text_of(page)
    session.expire_all()
    assert session.scalar(select(Submission)).comments[0].withdrawn_at is None


def test_unconfirmed_submissions_are_discarded_after_72_hours(app, client, session, outbox):
    consultation = factories.consultation(session)
    old = factories.submission(session, consultation, [("s-1", "Oud")], confirmed=False)
    fresh = factories.submission(session, consultation, [("s-1", "Vers")], confirmed=False)
    old.received_at = utcnow() - timedelta(hours=73)
    session.flush()
    assert services.discard_unconfirmed(session, utcnow()) == 1
    assert old.state is SubmissionState.DISCARDED
    assert old.discarded_at is not None
    assert fresh.state is SubmissionState.PENDING

    # Its confirm link no longer publishes anything.
    with app.test_request_context():
        token = services.make_token("confirm-submission", old)
    session.flush()
    response = client.get(f"/reactie/bevestigen/{token}")
    assert response.status_code == 410
    session.expire_all()
    assert session.get(Submission, old.id).comments[0].is_public is False
    assert "not confirmed in time" in text_of(client.get(f"/ontvangst/{old.tracking_code}"))


def test_discard_command(app, session):
    consultation = factories.consultation(session)
    old = factories.submission(session, consultation, confirmed=False)
    old.received_at = utcnow() - timedelta(days=4)
    session.flush()
    result = app.test_cli_runner().invoke(args=["submissions", "discard-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "discarded 1 unconfirmed submission(s)" in result.output
    session.expire_all()
    assert session.get(Submission, old.id).state is SubmissionState.DISCARDED


def test_tampered_confirm_link_is_refused(client, session):
    assert client.get("/reactie/bevestigen/niet-echt").status_code == 400
