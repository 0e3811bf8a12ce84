"""Friendly error pages in both languages, and one place that logs what went wrong."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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


# The database is gone or unreachable: the server was restarted, the connection was killed
# (pg_terminate_backend, a failover), the file cannot be opened, or the pool has no
# connection to give. psycopg's own connection errors arrive wrapped in these. Each is a
# 503 with Retry-After: the request may well succeed in a moment, and nothing is lost.
DATABASE_GONE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def database_gone(error: BaseException | None) -> bool:
    """Whether ``error`` says the database is unavailable (rather than a bug of ours)."""
    if isinstance(error, DATABASE_GONE):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def forget_the_database(error: BaseException) -> None:
    """Log the loss and render as anonymous from now on: the layout asks who is logged in,
    which would need the database. The request's teardown discards the broken session."""
    log.error("database unavailable during %s %s: %s", request.method, request.path, error)
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]


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

    def _database_unavailable(error: Exception) -> Response:
        forget_the_database(error)
        response = make_response(*render_error(ServiceUnavailable.code))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for kind in DATABASE_GONE:
        app.register_error_handler(kind, _database_unavailable)

    @app.errorhandler(InternalServerError)
    def _internal_error(error: InternalServerError) -> Response | tuple[str, int]:
        original = getattr(error, "original_exception", None)
        if database_gone(original):
            return _database_unavailable(original)  # type: ignore[arg-type]
        log.exception("unhandled error on %s %s", request.method, request.path, exc_info=original)
        return render_error(500)
