"""Errors of the API as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: _l("The request is not valid"),
    401: _l("No valid API key"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Not possible now"),
    422: _l("The submission is not valid"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("Briefly unavailable"),
}


class ApiError(Exception):
    """Raised by a handler or the parameter checks; becomes a problem response."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail


def problem(
    status: int,
    detail: str = "",
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """``extra``: extension members (RFC 9457 3.2), e.g. a 422's ``errors``."""
    title = TITLES.get(status) or TITLES[500 if status >= 500 else 400]
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(title),
        "status": status,
        "detail": detail or str(title),
        **(extra or {}),
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def not_found() -> ApiError:
    return ApiError(404, _("There is no public resource at this address."))
