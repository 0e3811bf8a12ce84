"""Dutch first, English second: the language choice, the switch, and Dutch formats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import unescape

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient


def html_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_dutch_is_the_default(client: FlaskClient) -> None:
    html = html_of(client.get("/"))
    assert '<html lang="nl"' in html
    assert "Naar de inhoud" in html  # the skip link


def test_accept_language_english_gives_english(client: FlaskClient) -> None:
    html = html_of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}))
    assert '<html lang="en"' in html
    assert "Skip to content" in html


def test_accept_language_prefers_the_first_language_we_have(client: FlaskClient) -> None:
    html = html_of(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,nl;q=0.8,en;q=0.7"}))
    assert '<html lang="nl"' in html


def test_language_switch_sets_a_cookie_and_goes_back(client: FlaskClient) -> None:
    response = client.get("/taal/en?next=/regios")
    assert response.status_code == 302
    assert response.headers["Location"] == "/regios"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("consult_lang=en;")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert '<html lang="en"' in html_of(client.get("/"))  # the cookie wins from now on
    client.get("/taal/nl?next=/")
    assert '<html lang="nl"' in html_of(client.get("/", headers={"Accept-Language": "en"}))


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_language_switch_never_sends_people_to_another_site(
    client: FlaskClient, target: str
) -> None:
    response = client.get("/taal/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_unknown_language_changes_nothing(client: FlaskClient) -> None:
    response = client.get("/taal/fr?next=/regios")
    assert response.status_code == 302
    assert response.headers["Location"] == "/regios"
    assert "Set-Cookie" not in response.headers


def test_the_switch_on_a_page_leads_back_to_that_page(client: FlaskClient) -> None:
    html = html_of(client.get("/regios?volgorde=code"))
    assert 'href="/taal/en?next=/regios?volgorde%3Dcode"' in html
    assert 'lang="en" hreflang="en"' in html
    assert (
        '<span class="consult-language__current" aria-current="true" lang="nl">Nederlands</span>'
        in html
    )
    response = client.get("/taal/en?next=/regios?volgorde%3Dcode")
    assert response.headers["Location"] == "/regios?volgorde=code"


def render(app: Flask, source: str, language: str = "nl", **context: object) -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return render_template_string(source, **context)


def test_dates_are_dutch(app: Flask) -> None:
    assert render(app, "{{ d | day }}", d=date(2025, 1, 1)) == "1 januari 2025"
    assert render(app, "{{ d | day('short') }}", d=date(2025, 3, 9)) == "09-03-2025"
    assert render(app, "{{ d | day }}", "en", d=date(2025, 1, 1)) == "January 1, 2025"
    assert render(app, "{{ d | day }}", d=None) == ""


def test_moments_are_shown_in_amsterdam_time(app: Flask) -> None:
    shown = render(app, "{{ m | moment }}", m=datetime(2025, 6, 1, 10, 30, tzinfo=UTC))
    assert "1 juni 2025" in shown
    assert "12:30" in shown  # summer time: UTC+2


def test_numbers_are_dutch(app: Flask) -> None:
    assert render(app, "{{ n | number }}", n=1234567.5) == "1.234.567,5"
    assert render(app, "{{ n | number }}", "en", n=1234567.5) == "1,234,567.5"
