"""Forgotten and changed passwords: links that work once, sessions that end elsewhere."""

from __future__ import annotations

from sqlalchemy import select

from consult.accounts.models import User
from tests import factories
from tests.accounts.conftest import link_in, only_mail_to, text
from tests.conftest import TEST_PASSWORD, csrf_token, log_in, submit_form

NEW_PASSWORD = "a brand new passphrase for consult"


def forgot(client, email: str):
    return submit_form(client, "/account/wachtwoord-vergeten", {"email": email})


def test_forgotten_password_end_to_end(english_client, other_english_client, session, outbox):
    user = factories.user(session, "vergeetachtig@example.org", display_name="Ria")

    known, unknown = (
        forgot(english_client, "vergeetachtig@example.org"),
        forgot(english_client, "x@example.org"),
    )
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.headers["Location"] == "/account/email-verstuurd/wachtwoord"
    assert "If there is an account for this address" in text(
        english_client.get(known.headers["Location"])
    )
    assert outbox.to("x@example.org") == []

    message = only_mail_to(outbox, "vergeetachtig@example.org")
    assert message["Subject"] == "Choose a new password for Consult"
    body = outbox.text_of(message)
    assert body.startswith("Hello,")
    assert "Ria" not in body
    assert "The link works for 1 hour and only once." in body
    assert "Did you not ask for this? Then ignore this email." in body
    link = link_in(outbox, "vergeetachtig@example.org", "/account/wachtwoord-herstellen/")

    log_in(other_english_client, "vergeetachtig@example.org")
    form = english_client.get(link)
    assert form.status_code == 200
    assert 'autocomplete="new-password"' in text(form)

    response = submit_form(
        english_client, link, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert response.headers["Location"] == "/account/"
    assert "Your new password is saved." in text(english_client.get("/account/"))
    # The reset ended the session that was open elsewhere.
    assert other_english_client.get("/account/").status_code == 302

    session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    wrong = submit_form(
        other_english_client,
        "/account/inloggen",
        {"email": "vergeetachtig@example.org", "password": TEST_PASSWORD},
    )
    assert "The email address or password is incorrect." in text(wrong)
    log_in(other_english_client, "vergeetachtig@example.org", NEW_PASSWORD)

    used = english_client.get(link)
    assert used.status_code == 400
    assert "This link does not work" in text(used)


def test_a_reset_link_confirms_an_unconfirmed_address(english_client, session, outbox):
    user = factories.user(session, "nooit.bevestigd@example.org", confirmed=False)
    forgot(english_client, "nooit.bevestigd@example.org")
    link = link_in(outbox, "nooit.bevestigd@example.org", "/account/wachtwoord-herstellen/")
    submit_form(english_client, link, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    session.refresh(user)
    assert user.is_confirmed
    assert english_client.get("/account/").status_code == 200


def test_an_expired_reset_link_is_refused(app, english_client, session, outbox, monkeypatch):
    factories.user(session, "traag@example.org")
    forgot(english_client, "traag@example.org")
    link = link_in(outbox, "traag@example.org", "/account/wachtwoord-herstellen/")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    token = csrf_token(english_client, "/account/wachtwoord-vergeten")
    data = {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD, "csrf_token": token}
    for response in (english_client.get(link), english_client.post(link, data=data)):
        assert response.status_code == 410
        assert "This link is too old" in text(response)
        assert 'href="/account/wachtwoord-vergeten"' in text(response)
    log_in(english_client, "traag@example.org")


def test_the_new_password_follows_the_rules(english_client, session, outbox):
    factories.user(session, "regels.reset@example.org")
    forgot(english_client, "regels.reset@example.org")
    link = link_in(outbox, "regels.reset@example.org", "/account/wachtwoord-herstellen/")
    response = submit_form(
        english_client,
        link,
        {"password": "regels.reset@example.org", "password_repeat": "regels.reset@example.org"},
    )
    assert response.status_code == 200
    assert "Your password may not be the same as your email address." in text(response)


def test_mail_requests_are_limited_per_address_of_the_sender(english_client, session):
    for _ in range(5):
        assert forgot(english_client, "iemand@example.org").status_code == 302
    blocked = forgot(english_client, "iemand@example.org")
    assert blocked.status_code == 429
    assert "Too many attempts" in text(blocked)


def test_change_password_keeps_this_session_and_ends_the_others(
    english_client, other_english_client, session, outbox
):
    user = factories.user(session, "wissel@example.org")
    log_in(english_client, "wissel@example.org")
    log_in(other_english_client, "wissel@example.org")

    wrong = submit_form(
        english_client,
        "/account/wachtwoord",
        {
            "current_password": "not my password",
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert "This is not your current password." in text(wrong)
    assert NEW_PASSWORD not in text(wrong)

    response = submit_form(
        english_client,
        "/account/wachtwoord",
        {
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert response.headers["Location"] == "/account/"
    assert "You are logged out on all other devices." in text(english_client.get("/account/"))
    assert english_client.get("/account/").status_code == 200
    assert other_english_client.get("/account/").status_code == 302

    notice = only_mail_to(outbox, "wissel@example.org")
    assert notice["Subject"] == "Your Consult password was changed"
    assert "/account/wachtwoord-vergeten" in outbox.text_of(notice)

    stored = session.scalar(select(User).where(User.id == user.id))
    session.refresh(stored)
    assert stored.password_hash.startswith("$argon2id$")
    log_in(other_english_client, "wissel@example.org", NEW_PASSWORD)


def test_mailed_links_ignore_a_forged_host_header(
    app, english_client, session, outbox, monkeypatch
):
    factories.user(session, "gastheer@example.org")
    # The session cookie belongs to consult.test, so no CSRF token can be sent to another host.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    # Without SERVER_NAME, url_for(_external=True) would follow the Host header: only
    # links built from BASE_URL pass this test.
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    response = english_client.post(
        "/account/wachtwoord-vergeten",
        data={"email": "gastheer@example.org"},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 302
    links = outbox.links_in(only_mail_to(outbox, "gastheer@example.org"))
    assert links
    assert all(link.startswith("http://consult.test/account/") for link in links), links


def test_external_url_works_without_a_request_and_keeps_a_base_path(app, monkeypatch):
    from consult.mail import external_url

    monkeypatch.setitem(app.config, "BASE_URL", "https://gemeente.example/inspraak")
    with app.app_context():
        assert (
            external_url("accounts.login") == "https://gemeente.example/inspraak/account/inloggen"
        )
