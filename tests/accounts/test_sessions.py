"""Sessions that end: log-out ends them on the server, "log out everywhere" ends every other
browser's, a staff session ends after hours without use, and a removed role counts at once."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from consult.accounts import services as accounts
from consult.db import utcnow
from tests import factories
from tests.accounts.conftest import text
from tests.conftest import TEST_PASSWORD, log_in, make_client, submit_form

ADMIN_PAGE = "/regios/JZ22/beheer"


def _session_cookie(app, client) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="consult.test")
    assert cookie is not None
    return cookie.value


def _log_out(client):
    return submit_form(client, "/account/", {}, action="/account/uitloggen")


def test_a_cookie_saved_before_log_out_opens_nothing_afterwards(app, english_client, session):
    region = factories.region(session, "JZ22")
    factories.region_user(session, "official", email="ambtenaar@example.org")
    log_in(english_client, "ambtenaar@example.org")
    assert f"Admin page of {region.name}" in text(english_client.get(ADMIN_PAGE))
    saved = _session_cookie(app, english_client)

    assert _log_out(english_client).status_code == 302

    thief = make_client(app, "en")
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], saved, domain="consult.test")
    replay = thief.get(ADMIN_PAGE)
    assert replay.status_code in (302, 403)
    if replay.status_code == 302:
        assert replay.headers["Location"].startswith("/account/inloggen")
    assert "Admin page of" not in text(replay)
    assert thief.get("/account/").status_code == 302


def test_a_remember_me_cookie_saved_before_log_out_opens_nothing(app, english_client, session):
    factories.user(session, "onthouden@example.org")
    submit_form(
        english_client,
        "/account/inloggen",
        {"email": "onthouden@example.org", "password": TEST_PASSWORD, "remember": "y"},
    )
    remember = english_client.get_cookie(app.config["REMEMBER_COOKIE_NAME"], domain="consult.test")
    assert remember is not None
    _log_out(english_client)

    thief = make_client(app, "en")
    thief.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember.value, domain="consult.test")
    assert thief.get("/account/").status_code == 302


def test_log_out_everywhere_ends_another_browsers_session(
    app, english_client, other_english_client, session
):
    factories.user(session, "overal@example.org")
    log_in(english_client, "overal@example.org")
    log_in(other_english_client, "overal@example.org")
    assert other_english_client.get("/account/").status_code == 200

    page = text(english_client.get("/account/"))
    assert "Log out everywhere" in page
    assert "logs you out on every device" in page
    # A form with its CSRF token: without one the request is refused and nothing ends.
    assert english_client.post("/account/overal-uitloggen").status_code == 400
    assert other_english_client.get("/account/").status_code == 200

    response = submit_form(english_client, "/account/", {}, action="/account/overal-uitloggen")
    assert response.status_code == 302
    assert "You are logged out on every device." in text(
        english_client.get(response.headers["Location"])
    )
    assert english_client.get("/account/").status_code == 302
    assert other_english_client.get("/account/").status_code == 302


def test_a_staff_session_ends_after_eight_idle_hours(app, english_client, session):
    region = factories.region(session, "JZ22")
    factories.region_user(session, "official", email="stil@example.org")
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        log_in(english_client, "stil@example.org")
        clock.shift(timedelta(hours=7, minutes=50))
        assert f"Admin page of {region.name}" in text(english_client.get(ADMIN_PAGE))
        # Use counts: 7 h 50 min after that request the session is still open.
        clock.shift(timedelta(hours=7, minutes=50))
        assert english_client.get(ADMIN_PAGE).status_code == 200
        clock.shift(timedelta(hours=8, minutes=1))
        expired = english_client.get(ADMIN_PAGE + "?tab=team")
        assert expired.status_code == 302
        assert expired.headers["Location"].startswith("/account/inloggen?next=")
        assert "beheer" in expired.headers["Location"]
        login_page = text(english_client.get(expired.headers["Location"]))
        assert "You were logged out after 8 hours without activity." in login_page
        assert 'name="next" value="/regios/JZ22/beheer?tab=team"' in login_page
        assert english_client.get("/account/").status_code == 302


def test_the_idle_limit_is_a_setting_and_spares_participants(app, english_client, session):
    factories.region(session, "JZ22")
    factories.region_user(session, "moderator", email="kort@example.org")
    participant = make_client(app, "en")
    factories.user(session, "inwoner@example.org")
    app.config["STAFF_IDLE_HOURS"] = 1
    try:
        start = utcnow()
        with time_machine.travel(start, tick=False) as clock:
            log_in(english_client, "kort@example.org")
            log_in(participant, "inwoner@example.org")
            clock.shift(timedelta(minutes=61))
            assert english_client.get("/account/").status_code == 302
            assert participant.get("/account/").status_code == 200
    finally:
        app.config["STAFF_IDLE_HOURS"] = 8


def test_a_removed_role_counts_on_the_next_request(app, english_client, session):
    region = factories.region(session, "JZ22")
    official = factories.region_user(session, "official", email="weg@example.org")
    log_in(english_client, "weg@example.org")
    assert f"Admin page of {region.name}" in text(english_client.get(ADMIN_PAGE))

    (grant,) = official.region_roles
    accounts.revoke_region_role(session, grant)

    refused = english_client.get(ADMIN_PAGE)
    assert refused.status_code == 403
    assert "Admin page of" not in text(refused)


def test_the_moment_of_use_is_written_at_most_once_a_minute(app, english_client, session):
    factories.region(session, "JZ22")
    factories.region_user(session, "responder", email="minuut@example.org")
    name = app.config["SESSION_COOKIE_NAME"]
    with time_machine.travel(utcnow(), tick=False) as clock:
        log_in(english_client, "minuut@example.org")
        english_client.get("/account/taken")  # the welcome message is read: the session settles
        clock.shift(timedelta(seconds=30))
        quiet = english_client.get("/account/taken")
        assert quiet.status_code == 200
        assert not any(name in c for c in quiet.headers.getlist("Set-Cookie"))
        clock.shift(timedelta(seconds=31))
        refreshed = english_client.get("/account/taken")
        assert any(name in c for c in refreshed.headers.getlist("Set-Cookie"))
