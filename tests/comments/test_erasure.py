"""A sender erases their email address and name from a submission ("Mijn gegevens wissen").

Through the link in the receipt mail, or from the receipt page when logged in; nobody
else, whatever the URL. The erasure is one ``personal_data_erased`` event, written once;
the record keeps verifying.
"""

from __future__ import annotations

import time

import itsdangerous
import pytest
from sqlalchemy import func, select

from consult.comments import services
from consult.comments.models import Submission
from consult.db import utcnow
from consult.evidence.verify import verify
from consult.ledger.models import RecordEvent
from consult.privacy import submissions as erasure
from tests import factories
from tests.comments.conftest import CSRF_FIELD, open_form, post_form, text_of, valid_data
from tests.conftest import log_in

BASE = "http://consult.test"


def _send(client, consultation, **changes) -> str:
    """Send the form; the tracking code of the submission."""
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, valid_data(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    code = response.location.rstrip("/").split("/")[-2]
    return code


def _submission(session, code: str) -> Submission:
    session.expire_all()
    found = session.scalar(select(Submission).where(Submission.tracking_code == code))
    assert found is not None
    return found


def _csrf(response) -> str:
    found = CSRF_FIELD.search(response.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def _erase_link(outbox, address: str) -> str:
    [mail] = outbox.to(address)
    links = [link for link in outbox.links_in(mail) if "/reactie/gegevens-wissen/" in link]
    assert len(links) == 1, outbox.text_of(mail)
    return links[0].removeprefix(BASE)


def _erasures(session, code: str) -> list[RecordEvent]:
    return list(
        session.scalars(
            select(RecordEvent).where(
                RecordEvent.kind == "personal_data_erased", RecordEvent.object_id == code
            )
        )
    )


def _verified(app, session) -> None:
    with app.app_context():
        report = verify(session)
    assert report.ok, list(report.failures)


def test_the_mailed_link_shows_what_happens_and_erases_once(
    app, english_client, session, open_consultation, outbox
):
    code = _send(
        english_client,
        open_consultation,
        email="wis.mij@example.org",
        display_name="Wilma Wisser",
        publish_name="y",
    )
    link = _erase_link(outbox, "wis.mij@example.org")
    _verified(app, session)

    page = english_client.get(link)
    assert page.status_code == 200
    shown = text_of(page)
    assert "Erase your details?" in shown
    assert "Your email address." in shown
    assert "Your name. It is no longer shown with your comment." in shown
    assert "You get no more emails about this comment" in shown
    assert "Your comment itself stays" in shown
    assert "Your code keeps working" in shown
    # The GET changed nothing.
    assert _submission(session, code).contact.email == "wis.mij@example.org"

    # No CSRF token, no erasure.
    assert english_client.post(link).status_code == 400
    assert _submission(session, code).contact.email == "wis.mij@example.org"

    done = english_client.post(link, data={"csrf_token": _csrf(page)})
    assert done.status_code == 302
    assert done.location == f"/ontvangst/{code}/gegevens-gewist"
    result = text_of(english_client.get(done.location))
    assert "Your details are erased" in result
    assert "You get no more emails about it" in result

    submission = _submission(session, code)
    contact = submission.contact
    assert (contact.email, contact.display_name, contact.salt) == (None, None, "")
    assert contact.erased_at is not None
    assert submission.comments[0].body == "Zorg dat hulp dichtbij school is."  # evidence stays
    [event] = _erasures(session, code)
    assert event.object_type == "submission"
    assert event.actor_role == "participant"
    assert event.chain == open_consultation.slug
    assert event.payload == {"fields": ["display_name", "email"]}
    assert "Wilma" not in english_client.get(f"/consultaties/{open_consultation.slug}").get_data(
        as_text=True
    )

    # Again: the link only says it is done; the service writes no second event.
    again = english_client.get(link)
    assert again.status_code == 302
    assert again.location == f"/ontvangst/{code}/gegevens-gewist"
    assert english_client.post(link, data={"csrf_token": _csrf(page)}).status_code == 302
    assert not erasure.erase_submission_contact(session, submission, "participant", utcnow())
    assert len(_erasures(session, code)) == 1
    _verified(app, session)


def test_the_result_page_is_only_for_the_browser_that_erased(
    english_client, app, session, open_consultation, outbox
):
    code = _send(english_client, open_consultation, email="uitslag@example.org")
    english_client.post(
        _erase_link(outbox, "uitslag@example.org"),
        data={"csrf_token": _csrf(english_client.get(_erase_link(outbox, "uitslag@example.org")))},
    )
    assert english_client.get(f"/ontvangst/{code}/gegevens-gewist").status_code == 200
    assert app.test_client().get(f"/ontvangst/{code}/gegevens-gewist").status_code == 404


def test_the_sender_with_an_account_erases_from_the_receipt_and_nobody_else_can(
    app, english_client, session, open_consultation, outbox
):
    factories.user(session, "eigenaar@example.org", display_name="Olga Eigenaar")
    log_in(english_client, "eigenaar@example.org")
    code = _send(
        english_client,
        open_consultation,
        email=None,
        display_name="Olga Eigenaar",
        publish_name="y",
    )
    erase_url = f"/ontvangst/{code}/gegevens-wissen"
    receipt = english_client.get(f"/ontvangst/{code}/bewijs").get_data(as_text=True)
    assert f'href="{erase_url}"' in receipt

    stranger = app.test_client()
    factories.user(session, "vreemde@example.org")
    log_in(stranger, "vreemde@example.org")
    official = app.test_client()
    factories.region_user(session, "official", email="ambtenaar@example.org")
    log_in(official, "ambtenaar@example.org")
    admin = app.test_client()
    factories.user(session, "beheer@example.org", admin=True)
    log_in(admin, "beheer@example.org")
    anonymous = app.test_client()
    for other in (stranger, official, admin, anonymous):
        # Any page with a form gives a valid token.
        token = _csrf(other.get(f"/consultaties/{open_consultation.slug}/reageren"))
        assert other.get(erase_url).status_code == 404
        assert other.post(erase_url, data={"csrf_token": token}).status_code == 404
        assert erase_url not in other.get(
            f"/ontvangst/{code}/bewijs", follow_redirects=True
        ).get_data(as_text=True)
    assert english_client.get("/ontvangst/K7QX-M2PA-9R2N/gegevens-wissen").status_code == 404
    assert _submission(session, code).contact.display_name == "Olga Eigenaar"
    assert _erasures(session, code) == []

    page = english_client.get(erase_url)
    assert page.status_code == 200
    assert "Your name. It is no longer shown with your comment." in text_of(page)
    assert english_client.post(erase_url, data={"csrf_token": _csrf(page)}).status_code == 302
    submission = _submission(session, code)
    assert submission.contact.display_name is None
    [event] = _erasures(session, code)
    assert event.payload == {"fields": ["display_name"]}
    receipt = english_client.get(f"/ontvangst/{code}/bewijs")
    assert erase_url not in receipt.get_data(as_text=True)
    assert "Olga" not in receipt.get_data(as_text=True)
    _verified(app, session)


def test_the_erase_link_expires_as_the_withdraw_link_does(
    english_client, session, open_consultation, outbox, monkeypatch
):
    assert erasure.ERASE_LINK_MAX_AGE == services.WITHDRAW_LINK_MAX_AGE
    code = _send(english_client, open_consultation, email="oud@example.org")
    submission = _submission(session, code)
    with english_client.application.app_context():
        withdraw_token = services.make_token("withdraw-comment", submission)
        fresh = erasure.make_token(submission)
        real = itsdangerous.timed.TimestampSigner.get_timestamp
        monkeypatch.setattr(
            itsdangerous.timed.TimestampSigner,
            "get_timestamp",
            lambda self: int(time.time()) - erasure.ERASE_LINK_MAX_AGE - 60,
        )
        old = erasure.make_token(submission)
        monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", real)

    expired = english_client.get(f"/reactie/gegevens-wissen/{old}")
    assert expired.status_code == 410
    assert "This link is too old" in text_of(expired)
    assert english_client.post(f"/reactie/gegevens-wissen/{old}", data={}).status_code in (400, 410)
    # Another link of the same mail, or a changed one, is no erase link.
    assert english_client.get(f"/reactie/gegevens-wissen/{withdraw_token}").status_code == 404
    assert english_client.get(f"/reactie/gegevens-wissen/{fresh[:-2]}xx").status_code == 404
    assert english_client.get(f"/reactie/gegevens-wissen/{fresh}").status_code == 200
    assert _submission(session, code).contact.email == "oud@example.org"


def test_erasing_is_rate_limited(
    app, english_client, session, open_consultation, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_ERASURE", "2 per hour")
    _send(english_client, open_consultation, email="vaak@example.org")
    link = _erase_link(outbox, "vaak@example.org")
    token = _csrf(english_client.get(link))
    statuses = [english_client.post(link, data={"csrf_token": token}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_a_submission_without_contact_data_has_nothing_to_erase_and_records_nothing(session, app):
    consultation = factories.consultation(session)
    submission = factories.submission(session, consultation, email=None)
    assert not erasure.erase_submission_contact(session, submission, "participant", utcnow())
    assert _erasures(session, submission.tracking_code) == []


def test_erasing_by_address_finds_every_case_and_only_that_address(session, app):
    consultation = factories.consultation(session)
    first = factories.submission(session, consultation, email="Hoofd.Letters@Example.org")
    second = factories.submission(session, consultation, email="hoofd.letters@example.org")
    other = factories.submission(session, consultation, email="iemand.anders@example.org")
    with app.app_context():
        count = erasure.erase_contacts_with_email(
            session, " HOOFD.letters@example.ORG ", "platform_admin", utcnow()
        )
    assert count == 2
    assert first.contact.email is None
    assert second.contact.email is None
    assert other.contact.email == "iemand.anders@example.org"
    events = session.scalar(
        select(func.count(RecordEvent.id)).where(RecordEvent.kind == "personal_data_erased")
    )
    assert events == 2


@pytest.mark.parametrize("fields", [("email",), ("display_name",), ("display_name", "email")])
def test_the_event_names_only_the_fields_that_held_data(session, app, fields):
    consultation = factories.consultation(session)
    submission = factories.submission(session, consultation, email="veld@example.org")
    submission.contact.display_name = "Veld Naam" if "display_name" in fields else None
    submission.contact.email = "veld@example.org" if "email" in fields else None
    with app.app_context():
        assert erasure.erase_submission_contact(session, submission, "participant", utcnow())
    [event] = _erasures(session, submission.tracking_code)
    assert event.payload == {"fields": list(fields)}
    assert "veld@example.org" not in str(event.payload)
    assert "Veld Naam" not in str(event.payload)


def test_after_erasure_moderation_writes_to_nobody_not_even_the_account(session, app):
    from consult.moderation.services import participant_address

    owner = factories.user(session, "account.eigenaar@example.org")
    consultation = factories.consultation(session)
    submission = factories.submission(
        session, consultation, email="contact.adres@example.org", user=owner
    )
    assert participant_address(session, submission)[0] == "contact.adres@example.org"
    with app.app_context():
        erasure.erase_submission_contact(session, submission, "participant", utcnow())
    assert submission.contact.erased_at is not None
    assert participant_address(session, submission)[0] is None
