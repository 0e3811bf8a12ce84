"""Friendly error pages: every error a visitor can meet, in Dutch and in English.

Errors are triggered the real way where the app has a real way (an unknown address, a GET
on a POST-only page, a form without its CSRF token, a body over the size limit); 403, 429
and 500 come from throwaway routes on an app of this module's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from flask import Flask, abort, request
from flask.testing import FlaskClient

from consult.app import create_app
from tests.conftest import app_settings

# (status, Dutch title, English title)
ERRORS = [
    (400, "Er klopte iets niet in je verzoek", "Something in your request was wrong"),
    (403, "Je mag deze pagina niet openen", "You may not open this page"),
    (404, "Pagina niet gevonden", "Page not found"),
    (405, "Dit kan hier niet", "This action is not possible here"),
    (413, "Het bestand is te groot", "The file is too large"),
    (429, "Te veel pogingen", "Too many attempts"),
    (500, "Er ging bij ons iets mis", "Something went wrong on our side"),
]

MAX_BODY = 1024


@pytest.fixture(scope="module")
def error_app(
    database_url: str, smtp_server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    controller, _ = smtp_server
    settings = app_settings(database_url, tmp_path_factory.mktemp("errors"), controller.port)
    settings.update({"MAX_CONTENT_LENGTH": MAX_BODY, "PROPAGATE_EXCEPTIONS": False})
    app = create_app(settings, environment="testing")

    @app.get("/test/verboden")
    def forbidden() -> str:
        abort(403)

    @app.get("/test/te-vaak")
    def too_many() -> str:
        abort(429)

    @app.get("/test/kapot")
    def broken() -> str:
        raise RuntimeError("a bug, on purpose")

    @app.get("/test/ongeldig")
    def bad_request() -> str:
        abort(400)

    @app.post("/test/upload")
    def upload() -> str:
        return str(len(request.form))

    yield app
    app.extensions["consult.db"].engine.dispose()


def trigger(client: FlaskClient, status: int, headers: dict[str, str]):
    if status == 400:
        return client.get("/test/ongeldig", headers=headers)
    if status == 403:
        return client.get("/test/verboden", headers=headers)
    if status == 404:
        return client.get("/deze-pagina-bestaat-niet", headers=headers)
    if status == 405:  # log out only takes POST
        return client.get("/account/uitloggen", headers=headers)
    if status == 413:
        return client.post("/test/upload", data={"text": "x" * (MAX_BODY * 2)}, headers=headers)
    if status == 429:
        return client.get("/test/te-vaak", headers=headers)
    return client.get("/test/kapot", headers=headers)


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(("status", "dutch", "english"), ERRORS, ids=[str(e[0]) for e in ERRORS])
def test_error_page_is_friendly_in_dutch(
    error_app: Flask, status: int, dutch: str, english: str
) -> None:
    response = trigger(error_app.test_client(), status, {})
    html = page_text(response)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<html lang="nl"' in html
    assert f'<h1 class="utrecht-heading-1">{dutch}</h1>' in html
    assert f"Foutcode {status}" in html
    assert 'href="/"' in html  # back to the home page
    assert ("/regios" in html) if status == 404 else True
    assert "Traceback" not in html


@pytest.mark.parametrize(("status", "dutch", "english"), ERRORS, ids=[str(e[0]) for e in ERRORS])
@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_error_page_is_friendly_in_english(
    error_app: Flask, status: int, dutch: str, english: str, how: str
) -> None:
    client = error_app.test_client()
    headers = {}
    if how == "cookie":
        client.set_cookie("consult_lang", "en", domain="consult.test")
    else:
        headers["Accept-Language"] = "en-GB,en;q=0.9"
    response = trigger(client, status, headers)
    html = page_text(response)
    assert response.status_code == status
    assert '<html lang="en"' in html
    assert f'<h1 class="utrecht-heading-1">{english}</h1>' in html
    assert f"Error {status}" in html
    assert dutch not in html


def test_404_page_links_to_the_regions(error_app: Flask) -> None:
    html = page_text(error_app.test_client().get("/regios/XX99/bestaat-niet"))
    assert 'href="/regios"' in html
    assert 'href="/"' in html


def test_error_page_keeps_the_layout(error_app: Flask) -> None:
    """A visitor who lands on an error still has the skip link, menu and language switch."""
    html = page_text(error_app.test_client().get("/bestaat-niet"))
    assert 'href="#inhoud"' in html
    assert '<main id="inhoud"' in html
    assert "/taal/en?next=/bestaat-niet" in html


def test_a_form_sent_without_its_token_says_how_to_keep_what_was_typed(client: FlaskClient) -> None:
    response = client.post("/account/uitloggen", headers={"Accept-Language": "nl"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Dit formulier kon niet worden verstuurd" in page
    assert "terugknop" in page


def test_405_keeps_the_allow_header(client: FlaskClient) -> None:
    response = client.get("/account/uitloggen")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
