"""Registering, confirming by mail, and logging in: the whole way, against a real SMTP server."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from consult.accounts.models import User
from consult.outbox import OutboxMail, OutboxState
from tests import factories
from tests.accounts.conftest import link_in, only_mail_to, register, text
from tests.conftest import TEST_PASSWORD, free_port, log_in, submit_form


def test_register_confirm_and_log_in_end_to_end(english_client, app, session, outbox):
    response = register(english_client, "Nieuw.Lid@Example.org", display_name="Sanne")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/email-verstuurd/registreren"
    page = text(english_client.get(response.headers["Location"]))
    assert "Check your email" in page
    assert "The link works for 48 hours." in page

    message = only_mail_to(outbox, "nieuw.lid@example.org")
    assert message["Subject"] == "Confirm your email address for Consult"
    body = outbox.text_of(message)
    assert body.startswith("Hello,")
    assert "Sanne" not in body
    assert "The link works for 48 hours" in body
    assert "Did you not make this account? Then ignore this email." in body
    link = link_in(outbox, "nieuw.lid@example.org", "/account/bevestigen/")

    user = session.scalar(select(User).where(User.email_key == "nieuw.lid@example.org"))
    assert user is not None
    assert user.email == "Nieuw.Lid@Example.org"
    assert not user.is_confirmed
    assert user.password_hash.startswith("$argon2id$")

    confirmed = english_client.get(link)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == "/account/"
    overview = text(english_client.get("/account/"))
    assert "Nieuw.Lid@Example.org" in overview
    assert "Thank you, your email address is confirmed." in overview
    session.refresh(user)
    assert user.is_confirmed

    submit_form(english_client, "/account/", {}, action="/account/uitloggen")
    assert english_client.get("/account/").status_code == 302

    log_in(english_client, "nieuw.lid@example.org")
    assert "Nieuw.Lid@Example.org" in text(english_client.get("/account/"))


def test_a_confirmation_link_logs_in_only_once(app, english_client, other_english_client, outbox):
    register(english_client, "eenmalig@example.org")
    link = link_in(outbox, "eenmalig@example.org", "/account/bevestigen/")
    assert english_client.get(link).headers["Location"] == "/account/"

    again = other_english_client.get(link, follow_redirects=True)
    assert "Your email address was already confirmed. You can log in." in text(again)
    assert other_english_client.get("/account/").status_code == 302


def test_registering_a_known_address_looks_the_same_and_warns_its_owner(
    english_client, other_english_client, session, outbox
):
    factories.user(session, "eigenaar@example.org", display_name="Bram")

    known = register(english_client, "eigenaar@example.org", password="another good passphrase")
    new = register(
        other_english_client, "nieuwkomer@example.org", password="another good passphrase"
    )
    assert known.status_code == new.status_code == 302
    assert known.headers["Location"] == new.headers["Location"]
    assert text(english_client.get(known.headers["Location"])) == text(
        other_english_client.get(new.headers["Location"])
    )

    warning = only_mail_to(outbox, "eigenaar@example.org")
    assert warning["Subject"] == "You already have a Consult account"
    body = outbox.text_of(warning)
    assert body.startswith("Hello,")
    assert "Bram" not in body
    assert "You already have an account, so we did not make a new one." in body
    assert "http://consult.test/account/inloggen" in body
    assert "http://consult.test/account/wachtwoord-vergeten" in body
    assert "/account/bevestigen/" not in body

    # The attempt changed nothing: the new password does not work, the old one still does.
    refused = submit_form(
        english_client,
        "/account/inloggen",
        {"email": "eigenaar@example.org", "password": "another good passphrase"},
    )
    assert refused.status_code == 200
    assert "/account/" not in refused.headers.get("Location", "")
    log_in(english_client, "eigenaar@example.org")
    assert session.scalar(select(User).where(User.email_key == "eigenaar@example.org")) is not None


def test_an_unconfirmed_owner_who_registers_again_gets_a_fresh_link(
    english_client, session, outbox
):
    factories.user(session, "vergeten@example.org", confirmed=False)
    register(english_client, "vergeten@example.org")
    body = outbox.text_of(only_mail_to(outbox, "vergeten@example.org"))
    assert "You have not confirmed your email address yet." in body
    link = link_in(outbox, "vergeten@example.org", "/account/bevestigen/")
    assert english_client.get(link).headers["Location"] == "/account/"


def test_password_rules_are_explained_and_the_form_keeps_what_was_typed(
    english_client, session, outbox
):
    cases = {
        "kort": "Use at least 10 characters.",
        "x" * 1025: "Use at most 1024 characters.",
        "regels@example.org": "Your password may not be the same as your email address.",
        "Wachtwoord123": "This password is too easy to guess.",
        "aaaaaaaaaaaa": "This password is too easy to guess.",
    }
    for password, message in cases.items():
        response = register(
            english_client, "regels@example.org", password=password, display_name="Kim"
        )
        page = text(response)
        assert response.status_code == 200
        assert "Please correct the following" in page
        assert message in page
        assert 'value="regels@example.org"' in page
        assert 'value="Kim"' in page
        assert password not in page.replace('value="regels@example.org"', "")

    mismatch = submit_form(
        english_client,
        "/account/registreren",
        {
            "email": "regels@example.org",
            "password": TEST_PASSWORD,
            "password_repeat": "iets anders",
        },
    )
    assert "The two passwords are not the same." in text(mismatch)

    invalid = register(english_client, "geen-adres")
    assert "Enter an email address like name@example.nl." in text(invalid)

    assert outbox.messages == []
    assert session.scalar(select(User).where(User.email_key == "regels@example.org")) is None


def test_mail_is_written_in_the_language_of_the_request(app, dutch_client, outbox):
    register(dutch_client, "nederlands@example.org")
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        expected = gettext("Confirm your email address for Consult")
    assert only_mail_to(outbox, "nederlands@example.org")["Subject"] == expected
    assert '<html lang="nl"' in dutch_client.get("/account/registreren").get_data(as_text=True)


def test_an_invalid_confirmation_link_is_refused_plainly(english_client):
    response = english_client.get("/account/bevestigen/not-a-real-token")
    assert response.status_code == 400
    assert "This link does not work" in text(response)
    assert english_client.get("/account/").status_code == 302


def test_an_expired_confirmation_link_offers_a_new_one(app, english_client, outbox, monkeypatch):
    register(english_client, "te.laat@example.org")
    link = link_in(outbox, "te.laat@example.org", "/account/bevestigen/")
    outbox.clear()

    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    response = english_client.get(link)
    assert response.status_code == 410
    page = text(response)
    assert "This link is too old" in page
    assert 'action="/account/bevestiging-opnieuw"' in page

    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", 3600)
    resent = submit_form(
        english_client,
        "/account/bevestiging-opnieuw",
        {"email": "te.laat@example.org"},
    )
    assert resent.headers["Location"] == "/account/email-verstuurd/bevestigen"
    fresh = link_in(outbox, "te.laat@example.org", "/account/bevestigen/")
    assert english_client.get(fresh).headers["Location"] == "/account/"


def test_resending_says_the_same_for_every_address(english_client, session, outbox):
    factories.user(session, "al.bevestigd@example.org", confirmed=True)
    factories.user(session, "nog.niet@example.org", confirmed=False)
    answers = {
        address: submit_form(english_client, "/account/bevestiging-opnieuw", {"email": address})
        for address in ("al.bevestigd@example.org", "nog.niet@example.org", "niemand@example.org")
    }
    assert {r.status_code for r in answers.values()} == {302}
    assert {r.headers["Location"] for r in answers.values()} == {
        "/account/email-verstuurd/bevestigen"
    }
    assert [m["X-Envelope-To"] for m in outbox.messages] == ["nog.niet@example.org"]


def test_with_the_mail_server_down_the_account_is_kept_and_its_mail_is_on_its_way(
    app, english_client, session, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    response = register(english_client, "geen.post@example.org")
    assert response.headers["Location"] == "/account/email-verstuurd/registreren"
    page = text(english_client.get(response.headers["Location"]))
    assert "An email is on its way to the address you entered." in page
    assert 'href="/account/bevestiging-opnieuw"' in page
    assert session.scalar(select(User).where(User.email_key == "geen.post@example.org"))
    [waiting] = session.scalars(select(OutboxMail)).all()
    assert (waiting.recipient, waiting.state) == ("geen.post@example.org", OutboxState.PENDING)
