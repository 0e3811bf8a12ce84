"""Logging in and out: one message for every failure, limits, safe redirects, fresh sessions."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.accounts.conftest import text
from tests.conftest import TEST_PASSWORD, csrf_token, log_in, submit_form

INCORRECT = "The email address or password is incorrect."
CSRF_VALUE = re.compile(r'(?<=name="csrf_token" type="hidden" )value="[^"]+"')


def test_log_in_rotates_the_session_and_welcomes(english_client, session):
    factories.user(session, "welkom@example.org", display_name="Ilse")
    with english_client.session_transaction() as before:
        before["planted"] = "by someone else"
    response = log_in(english_client, "WELKOM@example.org")
    assert response.headers["Location"] == "/account/"
    with english_client.session_transaction() as after:
        assert "planted" not in after
    page = text(english_client.get("/account/"))
    assert "Welcome, Ilse. You are logged in." in page
    assert "welkom@example.org" in page


def test_wrong_password_and_unknown_address_get_the_same_answer(english_client, session):
    factories.user(session, "bestaat@example.org")
    wrong_password = submit_form(
        english_client,
        "/account/inloggen",
        {"email": "bestaat@example.org", "password": "not it at all"},
    )
    unknown = submit_form(
        english_client,
        "/account/inloggen",
        {"email": "bestaat.niet@example.org", "password": "not it"},
    )
    for response in (wrong_password, unknown):
        assert response.status_code == 200
        assert INCORRECT in text(response)
        assert "not it" not in text(response)
    assert english_client.get("/account/").status_code == 302

    def normalised(response) -> str:
        page = CSRF_VALUE.sub('value="TOKEN"', text(response))
        return page.replace("bestaat.niet@example.org", "ADDRESS").replace(
            "bestaat@example.org", "ADDRESS"
        )

    assert normalised(wrong_password) == normalised(unknown)


def test_an_unconfirmed_account_is_asked_to_confirm_first(english_client, session, outbox):
    factories.user(session, "wacht@example.org", confirmed=False)
    response = submit_form(
        english_client,
        "/account/inloggen",
        {"email": "wacht@example.org", "password": TEST_PASSWORD},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Confirm your email address first" in page
    assert 'action="/account/bevestiging-opnieuw"' in page
    assert english_client.get("/account/").status_code == 302

    token = csrf_token(english_client, "/account/inloggen")
    resent = english_client.post(
        "/account/bevestiging-opnieuw", data={"email": "wacht@example.org", "csrf_token": token}
    )
    assert resent.status_code == 302
    assert [m["Subject"] for m in outbox.to("wacht@example.org")] == [
        "Confirm your email address for Consult"
    ]


def test_an_unconfirmed_account_with_a_wrong_password_learns_nothing(english_client, session):
    factories.user(session, "wacht.ook@example.org", confirmed=False)
    response = submit_form(
        english_client,
        "/account/inloggen",
        {"email": "wacht.ook@example.org", "password": "wrong one"},
    )
    assert INCORRECT in text(response)
    assert "Confirm your email address first" not in text(response)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("https://evil.example/account", "/account/"),
        ("//evil.example/account", "/account/"),
        ("/\\evil.example", "/account/"),
        ("/regios?zoek=utrecht", "/regios?zoek=utrecht"),
    ],
)
def test_only_a_path_on_this_site_is_followed_after_log_in(
    english_client, session, next_url, expected
):
    factories.user(session, "volgende@example.org")
    page = f"/account/inloggen?next={next_url}"
    response = submit_form(
        english_client,
        page,
        {"email": "volgende@example.org", "password": TEST_PASSWORD, "next": next_url},
        action=page,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_a_protected_page_sends_you_back_after_log_in(english_client, session):
    factories.user(session, "terug@example.org")
    bounce = english_client.get("/account/wachtwoord")
    assert bounce.status_code == 302
    login_page = bounce.headers["Location"]
    assert login_page.startswith("/account/inloggen?next=")
    assert 'name="next" value="/account/wachtwoord"' in text(english_client.get(login_page))
    response = submit_form(
        english_client,
        login_page,
        {"email": "terug@example.org", "password": TEST_PASSWORD, "next": "/account/wachtwoord"},
        action=login_page,
    )
    assert response.headers["Location"] == "/account/wachtwoord"


def test_a_post_without_csrf_token_is_refused(english_client, session):
    factories.user(session, "csrf@example.org")
    response = english_client.post(
        "/account/inloggen", data={"email": "csrf@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 400
    assert english_client.get("/account/").status_code == 302


def test_log_out_is_a_post_with_csrf(english_client, session):
    factories.user(session, "uit@example.org")
    log_in(english_client, "uit@example.org")
    assert english_client.get("/account/uitloggen").status_code == 405
    assert english_client.post("/account/uitloggen").status_code == 400
    assert english_client.get("/account/").status_code == 200

    response = submit_form(english_client, "/account/", {}, action="/account/uitloggen")
    assert response.status_code == 302
    assert "You are logged out." in text(english_client.get(response.headers["Location"]))
    assert english_client.get("/account/").status_code == 302


def test_remember_me_survives_the_end_of_the_session(app, english_client, session):
    factories.user(session, "onthoud@example.org")
    submit_form(
        english_client,
        "/account/inloggen",
        {"email": "onthoud@example.org", "password": TEST_PASSWORD, "remember": "y"},
    )
    remember = english_client.get_cookie(app.config["REMEMBER_COOKIE_NAME"], domain="consult.test")
    assert remember is not None
    assert remember.http_only
    english_client.delete_cookie(app.config["SESSION_COOKIE_NAME"], domain="consult.test")
    assert english_client.get("/account/").status_code == 200
