"""User enumeration: no form tells whether an address has an account.

Consul and Decidim both had to fix forms that answered "no account with this address"
(password reset, registration, invitations). Here each form is sent once with the address
of an account and once with an unknown one, and the two answers must be the same page
(status, redirect, text without the address and the CSRF token), and the password hasher
must do the same work. Only the mailbox of the address learns the difference.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from consult.accounts import passwords
from tests import factories
from tests.conftest import TEST_PASSWORD, submit_form
from tests.security.conftest import client_for

KNOWN = "bestaat@example.org"
UNKNOWN = "bestaat.niet@example.org"
TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def _normalised(response) -> tuple[int, str | None, str]:
    body = TOKEN.sub(r'\1TOKEN"', response.get_data(as_text=True))
    for address in (KNOWN, UNKNOWN):
        body = body.replace(address, "ADDRESS")
    return response.status_code, response.location, body


class HashCounter:
    """Stands in for the password hasher and counts the hashes and checks it makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._hasher = passwords._hasher
        monkeypatch.setattr(passwords, "_hasher", self)

    def hash(self, *args, **kwargs):
        self.calls += 1
        return self._hasher.hash(*args, **kwargs)

    def verify(self, *args, **kwargs):
        self.calls += 1
        return self._hasher.verify(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._hasher, name)

    def during(self, action) -> tuple[object, int]:
        before = self.calls
        result = action()
        return result, self.calls - before


FORMS = {
    "log-in": ("/account/inloggen", {"password": "not the password at all"}),
    "registration": (
        "/account/registreren",
        {"password": TEST_PASSWORD + " 2", "password_repeat": TEST_PASSWORD + " 2"},
    ),
    "password reset": ("/account/wachtwoord-vergeten", {}),
    "confirmation again": ("/account/bevestiging-opnieuw", {}),
}


@pytest.mark.parametrize("form", FORMS)
def test_a_form_answers_the_same_for_a_known_and_an_unknown_address(
    app: Flask, session, outbox, monkeypatch, form: str
) -> None:
    factories.user(session, KNOWN)
    counter = HashCounter(monkeypatch)
    path, data = FORMS[form]
    answers = {}
    for address in (KNOWN, UNKNOWN):
        client = client_for(app)
        response, work = counter.during(
            lambda client=client, address=address: submit_form(
                client, path, {**data, "email": address}
            )
        )
        answers[address] = (_normalised(response), work)
    assert answers[KNOWN] == answers[UNKNOWN]
    assert answers[KNOWN][0][0] in (200, 302)
    if form in ("log-in", "registration"):
        assert answers[KNOWN][1] >= 1  # the counter counts: both did hash


def test_an_unconfirmed_account_looks_like_any_other_to_a_wrong_password(app, session) -> None:
    factories.user(session, KNOWN, confirmed=False)
    answers = [
        _normalised(
            submit_form(
                client_for(app), "/account/inloggen", {"email": address, "password": "wrong pw"}
            )
        )
        for address in (KNOWN, UNKNOWN)
    ]
    assert answers[0] == answers[1]


def test_changing_to_a_taken_address_looks_like_changing_to_a_free_one(app, session, outbox):
    person = factories.user(session)
    factories.user(session, KNOWN)
    answers = []
    for address in (KNOWN, UNKNOWN):
        client = client_for(app, person)
        response = submit_form(
            client, "/account/email", {"new_email": address, "password": TEST_PASSWORD}
        )
        answers.append(_normalised(response))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302


def test_an_invitation_looks_the_same_for_an_account_and_an_unknown_address(
    app, session, outbox
) -> None:
    admin = factories.user(session)
    organisation = factories.organisation(session, verified=True, admins=(admin,))
    factories.user(session, KNOWN)
    members = f"/organisaties/{organisation.id}/leden"
    answers = []
    for address in (KNOWN, UNKNOWN):
        client = client_for(app, admin)
        response = submit_form(client, members, {"email": address}, action=f"{members}/uitnodigen")
        page = client.get(members)
        answers.append((_normalised(response), _normalised(page)))
    assert answers[0] == answers[1]
    assert len(outbox.to(KNOWN)) == len(outbox.to(UNKNOWN)) == 1
