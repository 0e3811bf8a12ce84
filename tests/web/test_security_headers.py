"""Security headers on every kind of response, and the production cookie settings."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from consult.app import create_app
from consult.config import ConfigError

PAGES = {
    "home page": "/",
    "region list": "/regios",
    "error page": "/deze-pagina-bestaat-niet",
    "static file": "/static/consult.css",
    "form page": "/account/inloggen",
    "language switch": "/taal/en?next=/",
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in {200, 302, 404}, f"{path}: {response.status_code}"
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    """The CSP forbids them, so a page that had one would silently lose it."""
    for path in ("/", "/regios", "/deze-pagina-bestaat-niet", "/account/inloggen"):
        html = client.get(path).get_data(as_text=True)
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert " on" + "click=" not in html, path
        for tag in html.split("<script")[1:]:
            assert " src=" in tag.split(">", 1)[0], f"inline script on {path}"


def test_production_cookies_are_secure_httponly_and_samesite(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
    database_url: str,
) -> None:
    monkeypatch.setenv("CONSULT_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("CONSULT_DATABASE_URL", database_url)
    monkeypatch.setenv("CONSULT_BASE_URL", "https://consult.example.nl")
    monkeypatch.setenv("CONSULT_MAIL_SERVER", "smtp.example.nl")
    app = create_app({"INSTANCE_PATH": str(tmp_path)}, environment="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True

    @app.get("/test/sessie")
    def remember_something() -> str:
        from flask import session

        session["seen"] = True
        return "ok"

    client = app.test_client()
    session_cookie = client.get("/test/sessie", base_url="https://consult.example").headers[
        "Set-Cookie"
    ]
    assert session_cookie.startswith("consult_session=")
    assert "; Secure" in session_cookie
    assert "; HttpOnly" in session_cookie
    assert "; SameSite=Lax" in session_cookie

    switch = client.get("/taal/en?next=/", base_url="https://consult.example")
    language_cookie = switch.headers["Set-Cookie"]
    assert language_cookie.startswith("consult_lang=en")
    assert "; Secure" in language_cookie
    assert "; HttpOnly" in language_cookie
    assert "; SameSite=Lax" in language_cookie
    assert switch.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["consult.db"].engine.dispose()


def test_production_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
    database_url: str,
) -> None:
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    monkeypatch.setenv("CONSULT_DATABASE_URL", database_url)
    with pytest.raises(ConfigError) as refused:
        create_app({"INSTANCE_PATH": str(tmp_path)}, environment="production")
    message = str(refused.value)
    assert "CONSULT_SECRET_KEY" in message
    assert "\n" not in message
    assert not (tmp_path / "secret_key").exists()
