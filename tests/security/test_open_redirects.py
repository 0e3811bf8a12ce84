"""Open redirects: no address taken from input sends anyone to another site.

Redirect targets come from ``next`` (after log-in, the language switch) and ``terug`` (the
answering pages). Each gets the tricks that browsers read as another host: scheme-relative
``//``, backslashes, tabs and line breaks a browser drops, encoded slashes, other schemes.
Then every GET route of the app is walked with those parameters set to another site, and
no redirect may leave the site. A line break must not reach the Location header either
(it was a 500 on the language switch before ``safe_next_url`` refused control characters).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask

from consult.i18n import safe_next_url
from tests import factories
from tests.conftest import TEST_PASSWORD, submit_form
from tests.security.conftest import client_for
from tests.security.routes import fill, rules

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\r\n/evil.example/",
    "/\n/evil.example/",
    "/\x00/evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example/",
    "/%0d%0aSet-Cookie:%20x=1",
    "/\r\nSet-Cookie: x=1",
    "evil.example",
]


def _stays_here(location: str | None) -> bool:
    if location is None:
        return True
    if any(ord(character) < 32 for character in location):
        return False
    # What a browser does: drop tabs and line breaks, read backslashes as slashes.
    seen = location.replace("\\", "/")
    parts = urlsplit(seen)
    return parts.netloc in ("", "consult.test") and parts.scheme in ("", "http", "https")


@pytest.mark.parametrize("target", EVIL)
def test_safe_next_url_only_returns_a_path_of_this_site(target: str) -> None:
    result = safe_next_url(target, fallback="/fallback")
    assert _stays_here(result)
    assert result == "/fallback" or result.startswith("/")
    assert not result.startswith("//")


@pytest.mark.parametrize("target", EVIL)
def test_the_language_switch_stays_on_this_site(app: Flask, target: str) -> None:
    response = client_for(app).get("/taal/en", query_string={"next": target})
    if "\x00" in target:  # refused before any view (consult/security.py)
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert _stays_here(response.location), response.location


@pytest.mark.parametrize("target", EVIL)
def test_logging_in_stays_on_this_site(app: Flask, session, target: str) -> None:
    person = factories.user(session)
    client = client_for(app)
    page = "/account/inloggen"
    response = submit_form(
        client,
        page,
        {"email": person.email, "password": TEST_PASSWORD, "next": target},
        query_string={"next": target},
    )
    if "\x00" in target:
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert _stays_here(response.location), response.location


def test_no_route_redirects_to_another_site(app: Flask, session, world) -> None:
    evil = "//evil.example/x"
    query = dict.fromkeys(("next", "terug", "url", "redirect", "return_to", "target"), evil)
    offsite = []
    for who in ("anonymous", "official"):
        client = client_for(app, None if who == "anonymous" else world.people[who])
        for rule in rules(app):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            response = client.get(fill(rule, world.values), query_string=query)
            response.close()
            if 300 <= response.status_code < 400 and not _stays_here(response.location):
                offsite.append(f"{who} {rule.endpoint}: {response.location}")
    assert offsite == []
