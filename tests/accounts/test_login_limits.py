"""Log-in limits that fit real use (issue 18, point 5): a training session of 30 officials
behind one office address all log in within a minute, while a client guessing one
account's password is paused per account, with a pause that doubles, and told until when.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from tests import factories
from tests.accounts.conftest import link_in, text
from tests.conftest import TEST_PASSWORD, csrf_token, log_in, make_client, submit_form

INCORRECT = "The email address or password is incorrect."
PAUSED = "Logging in to this account is paused"
OFFICE = "192.0.2.10"


def _attempt(client, email: str, password: str):
    return submit_form(client, "/account/inloggen", {"email": email, "password": password})


@pytest.fixture
def config(app: Flask) -> Iterator[dict]:
    """The app's config, put back as it was after the test."""
    saved = dict(app.config)
    try:
        yield app.config
    finally:
        app.config.clear()
        app.config.update(saved)


def test_thirty_people_behind_one_address_all_log_in_within_a_minute(app, session) -> None:
    people = [factories.user(session, f"ambtenaar{n}@gemeente.example") for n in range(30)]
    started = time.monotonic()
    for person in people:
        browser = make_client(app, "en")
        browser.environ_base["REMOTE_ADDR"] = OFFICE
        # Everyone mistypes once, as people do on a training day.
        wrong = _attempt(browser, person.email, "not my password")
        assert wrong.status_code == 200
        assert INCORRECT in text(wrong)
        log_in(browser, person.email)
        assert person.email in text(browser.get("/account/"))
    assert time.monotonic() - started < 60


def test_guessing_one_accounts_password_is_paused_even_for_the_right_password(
    app, session, english_client
) -> None:
    factories.user(session, "doelwit@example.org")
    factories.user(session, "collega@example.org")
    statuses = []
    for attempt in range(10):
        response = _attempt(english_client, "doelwit@example.org", f"guess {attempt}")
        statuses.append(response.status_code)
        if response.status_code == 429:
            page = text(response)
            assert PAUSED in page
            assert re.search(r"Try again after \d\d:\d\d \(in about 1 minute\)", page)
            assert 0 < int(response.headers["Retry-After"]) <= 60
        else:
            assert INCORRECT in text(response)
    assert statuses == [200] * 4 + [429] * 6

    # The right password during the pause is refused too, with the same answer...
    right = _attempt(english_client, "DOELWIT@example.org", TEST_PASSWORD)
    assert right.status_code == 429
    assert PAUSED in text(right)
    assert english_client.get("/account/").status_code == 302  # not logged in
    # ... from any address: the pause belongs to the account, not the client.
    elsewhere = make_client(app, "en")
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _attempt(elsewhere, "doelwit@example.org", TEST_PASSWORD).status_code == 429
    # Another account from the guessing address is not paused.
    log_in(english_client, "collega@example.org")


def test_the_pause_is_explained_in_dutch(session, dutch_client) -> None:
    factories.user(session, "doelwit@example.org")
    for attempt in range(5):
        response = _attempt(dutch_client, "doelwit@example.org", f"gok {attempt}")
    assert response.status_code == 429
    page = text(response)
    assert "Inloggen op dit account is even gepauzeerd" in page
    assert re.search(r"Probeer het opnieuw na \d\d:\d\d \(over ongeveer 1 minuut\)", page)


def test_the_pause_doubles_and_a_right_password_afterwards_starts_afresh(
    session, english_client, config
) -> None:
    config["LOGIN_LOCK_SECONDS"] = 1
    factories.user(session, "doelwit@example.org")
    for attempt in range(5):
        response = _attempt(english_client, "doelwit@example.org", f"guess {attempt}")
    assert response.status_code == 429
    time.sleep(1.3)  # the first pause (1 s) is over
    sixth = _attempt(english_client, "doelwit@example.org", "guess 6")
    assert sixth.status_code == 429
    assert PAUSED in text(sixth)
    time.sleep(1.3)  # a pause that did not double would be over now
    assert _attempt(english_client, "doelwit@example.org", TEST_PASSWORD).status_code == 429
    time.sleep(1.0)  # the second pause (2 s) is over
    log_in(english_client, "doelwit@example.org")
    english_client.post(
        "/account/uitloggen", data={"csrf_token": csrf_token(english_client, "/account/")}
    )
    again = _attempt(english_client, "doelwit@example.org", "guess 7")
    assert again.status_code == 200
    assert INCORRECT in text(again)


def test_the_address_limit_still_stops_a_flood_of_attempts(session, english_client, config):
    config["RATELIMIT_LOGIN"] = "3 per minute"
    statuses = [
        _attempt(english_client, f"iemand{n}@example.org", "guess").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    blocked = _attempt(english_client, "nog-iemand@example.org", "guess")
    assert "Too many attempts" in text(blocked)
    assert PAUSED not in text(blocked)


def test_a_new_password_through_the_mailed_link_ends_the_pause(session, english_client, outbox):
    factories.user(session, "vergeten@example.org")
    for attempt in range(5):
        paused = _attempt(english_client, "vergeten@example.org", f"guess {attempt}")
    assert paused.status_code == 429
    assert 'href="/account/wachtwoord-vergeten"' in text(paused)
    submit_form(english_client, "/account/wachtwoord-vergeten", {"email": "vergeten@example.org"})
    link = link_in(outbox, "vergeten@example.org", "/account/wachtwoord-herstellen/")
    new = "a brand new passphrase for consult"
    saved = submit_form(english_client, link, {"password": new, "password_repeat": new})
    assert saved.headers["Location"] == "/account/"
    english_client.post(
        "/account/uitloggen", data={"csrf_token": csrf_token(english_client, "/account/")}
    )
    # The mailbox proved who it is: no pause, and the count starts afresh.
    wrong = _attempt(english_client, "vergeten@example.org", "guess again")
    assert wrong.status_code == 200
    assert INCORRECT in text(wrong)
    log_in(english_client, "vergeten@example.org", new)
