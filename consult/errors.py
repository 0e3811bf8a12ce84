"""Friendly error pages in both languages, and one place that logs what went wrong."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)

ERROR_TEXTS = {
    400: (
        _l("Something in your request was wrong"),
        _l("The page could not read what was sent. Go back, check the form and try again."),
    ),
    403: (
        _l("You may not open this page"),
        _l(
            "Your account does not have access to this page. Log in with another account "
            "or ask the region's official for access."
        ),
    ),
    404: (
        _l("Page not found"),
        _l(
            "This page does not exist (anymore). Check the address, or start again from the "
            "home page."
        ),
    ),
    405: (
        _l("This action is not possible here"),
        _l(
            "The page does not accept this kind of request. Go back and use the buttons on "
            "the page."
        ),
    ),
    413: (
        _l("The file is too large"),
        _l("What you sent is larger than we accept. Make the file smaller and try again."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You tried this too often in a short time. Wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "This is our fault, not yours. Try again in a moment. If it keeps happening, "
            "let us know."
        ),
    ),
    503: (
        _l("Consult is briefly unavailable"),
        _l(
            "We cannot reach our database right now. Try again in a few minutes; nothing you "
            "sent before has been lost."
        ),
    ),
}


# The session behind the form ended (cookies cleared, a very old tab). The browser's back
# button almost always still holds what was typed, so say that plainly.
CSRF_TEXT = (
    _l("This form could not be sent"),
    _l(
        "The page was open for a long time or your browser forgot our cookie. Go back with "
        "your browser's back button: what you typed is usually still there. Then send it "
        "again."
    ),
)


def render_error(code: int) -> tuple[str, int]:
    title, explanation = ERROR_TEXTS.get(code) or ERROR_TEXTS[500 if code >= 500 else 400]
    return (
        render_template("errors/error.html", code=code, title=title, explanation=explanation),
        code,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        body, code = render_error(error.code or 500)
        response = make_response(body, code)
        for name, value in error.get_headers():
            if name.lower() != "content-type":  # keep Allow, Retry-After, WWW-Authenticate
                response.headers[name] = value
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        log.info("CSRF check failed on %s %s: %s", request.method, request.path, error.description)
        title, explanation = CSRF_TEXT
        return (
            render_template("errors/error.html", code=400, title=title, explanation=explanation),
            400,
        )

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError) -> tuple[str, int]:
        log.error("database unavailable during %s %s: %s", request.method, request.path, error)
        # The layout asks who is logged in, which needs the database: render as anonymous.
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
        return render_error(ServiceUnavailable.code)

    @app.errorhandler(InternalServerError)
    def _internal_error(error: InternalServerError) -> tuple[str, int]:
        original = getattr(error, "original_exception", None)
        if isinstance(original, OperationalError):
            return _database_unavailable(original)
        log.exception("unhandled error on %s %s", request.method, request.path, exc_info=original)
        return render_error(500)
