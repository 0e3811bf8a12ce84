"""The public front: home page and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request
from werkzeug.wrappers import Response

from consult.i18n import safe_next_url

bp = Blueprint("web", __name__)


@bp.get("/taal/<code>")
def switch_language(code: str) -> Response:
    """Remember the visitor's language in a cookie and go back.

    A GET changes nothing on the account (a link on another site could trigger it); the
    account's own language is set with the form on the account page.
    """
    target = safe_next_url(request.args.get("next"))
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            current_app.config["LANGUAGE_COOKIE_NAME"],
            code,
            max_age=365 * 24 * 3600,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response
