"""CSRF: every state-changing route refuses a request without a valid token.

Decidim and Consul both shipped forms whose token was not checked on some actions (for
example log-out and follow buttons); a cross-site form could then act for a logged-in
official. Here the URL map is walked: every route that takes POST, PUT, PATCH or DELETE
must answer a request without a token, and one with a token of another session, with the
CSRF error, before the view runs. The only exceptions are listed and asserted, so a new
exemption is a visible decision.
"""

from __future__ import annotations

import pytest
from flask import Flask

from consult.extensions import csrf
from tests import factories
from tests.conftest import csrf_token, log_in, make_client
from tests.security.routes import STATE_CHANGING, fill, rules

# Each exemption with why it is safe.
EXEMPT_VIEWS = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a session; the signed
    # token in the URL is the protection, and all it can do is stop mail.
    "consult.follows.views.unsubscribe",
    "consult.follows.views.unsubscribe_all",
    # The API's catch-all answers 404/405 as JSON and never changes anything.
    "consult.api.views.fallback",
    # The API's write endpoints take a bearer token only: a browser never sends one on
    # its own, and a session cookie does not count (asserted below).
    "consult.api.views.api_submit",
}
EXEMPT_ENDPOINTS = {
    "follows.unsubscribe",
    "follows.unsubscribe_all",
    "api.fallback",
    "api.submit",
}
CSRF_MESSAGE = "This form could not be sent"


def state_changing_rules(app: Flask):
    return [
        rule
        for rule in rules(app)
        if rule.methods & STATE_CHANGING and rule.endpoint not in EXEMPT_ENDPOINTS
    ]


def test_the_exemptions_are_exactly_the_listed_ones(app: Flask) -> None:
    assert set(csrf._exempt_views) == EXEMPT_VIEWS
    assert not csrf._exempt_blueprints
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    views = {
        f"{view.__module__}.{view.__name__}"
        for endpoint, view in app.view_functions.items()
        if endpoint in EXEMPT_ENDPOINTS
    }
    assert views == EXEMPT_VIEWS


def test_the_walk_covers_the_forms_that_matter(app: Flask) -> None:
    """A guard against a walk that silently finds nothing (a renamed method set, say)."""
    endpoints = {rule.endpoint for rule in state_changing_rules(app)}
    for endpoint in (
        "accounts.login",
        "accounts.logout",
        "comments.submit",
        "responses.approve_answer",
        "responses.publish",
        "moderation.hide",
        "reactienota.publish",
        "follows.follow",
        "organisations.invite",
        "record_bundle.make",
        "account_erasure.delete",
    ):
        assert endpoint in endpoints
    assert len(endpoints) > 60


def _check_refused(client, app: Flask, extra: dict[str, str] | None = None) -> list[str]:
    wrong = []
    for rule in state_changing_rules(app):
        path = fill(rule)
        for method in sorted(rule.methods & STATE_CHANGING):
            response = client.open(path, method=method, data=dict(extra or {}))
            body = response.get_data(as_text=True)
            if response.status_code != 400 or CSRF_MESSAGE not in body:
                wrong.append(f"{method} {path} ({rule.endpoint}): {response.status_code}")
    return wrong


@pytest.mark.parametrize("who", ["anonymous", "platform admin"])
def test_every_state_changing_route_refuses_a_request_without_a_token(
    app: Flask, session, who: str
) -> None:
    client = make_client(app, "en")
    if who != "anonymous":
        admin = factories.user(session, admin=True)
        log_in(client, admin.email)
    assert _check_refused(client, app) == []


def test_a_token_from_another_session_is_refused_everywhere(app: Flask, session) -> None:
    stranger = app.test_client()
    foreign = csrf_token(stranger, "/account/inloggen")
    admin = factories.user(session, admin=True)
    client = make_client(app, "en")
    log_in(client, admin.email)
    assert _check_refused(client, app, {"csrf_token": foreign}) == []
    assert _check_refused(client, app, {"csrf_token": "forged.token"}) == []


def test_log_out_without_a_token_keeps_the_person_logged_in(app: Flask, session) -> None:
    person = factories.user(session)
    client = app.test_client()
    log_in(client, person.email)
    assert client.post("/account/uitloggen").status_code == 400
    assert client.get("/account/").status_code == 200


def test_the_api_write_endpoint_ignores_a_logged_in_session(app: Flask, session) -> None:
    """Exempt from CSRF because a cookie does not authenticate it: without a bearer token,
    a logged-in browser (a cross-site form) gets 401 and stores nothing."""
    from tests.security.world import fingerprint

    consultation = factories.consultation(session, state="open")
    admin = factories.user(session, admin=True)
    client = app.test_client()
    log_in(client, admin.email)
    before = fingerprint(session)
    for body in ({"json": {"comments": [{"text": "x"}]}}, {"data": {"text": "x"}}):
        response = client.post(f"/api/v1/consultations/{consultation.slug}/submissions", **body)
        assert response.status_code == 401
    assert fingerprint(session) == before
