"""How long a log-in lasts.

A session id is ``<user id>:<session nonce>`` (see ``User.get_id``), checked against the
database on every request, together with the person's roles. Log-out and "log out
everywhere" give the person a new nonce, so a cookie copied before that (the session's or
the remember-me cookie) opens nothing afterwards.

A session of the staff (anyone with a role in a region, and platform admins) also ends
after ``STAFF_IDLE_HOURS`` without a request: the last moment of use is kept in the
session and written at most once a minute, so an idle request does not rewrite the cookie.
Staff get no remember-me cookie: it would outlive the idle limit.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import ngettext
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from consult.permissions import is_platform_admin, works_in_a_region

SEEN_AT = "seen_at"
REFRESH_SECONDS = 60


def is_staff(user: Any) -> bool:
    """Works for a region or runs the platform: whose sessions end when left alone."""
    return is_platform_admin(user) or works_in_a_region(user)


def mark_start() -> None:
    """Called by every log-in: the idle time counts from here."""
    session[SEEN_AT] = int(time.time())


def init_app(app: Flask) -> None:
    app.before_request(end_idle_staff_session)


def end_idle_staff_session() -> Response | None:
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    if not is_staff(current_user):
        return None
    now = int(time.time())
    idle_hours = current_app.config["STAFF_IDLE_HOURS"]
    seen_at = session.get(SEEN_AT)
    # No moment of use: the session was revived by a remember-me cookie (from before the
    # person joined a team), which must not outlive the idle limit either.
    if not isinstance(seen_at, int) or now - seen_at > idle_hours * 3600:
        return _log_out_idle(idle_hours)
    if now - seen_at >= REFRESH_SECONDS:
        session[SEEN_AT] = now
    return None


def _log_out_idle(idle_hours: int) -> Response:
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion
    flash(
        ngettext(
            "You were logged out after %(num)d hour without activity. Log in again to go on.",
            "You were logged out after %(num)d hours without activity. Log in again to go on.",
            idle_hours,
        ),
        "info",
    )
    if next_url and request.endpoint != "accounts.login":
        return redirect(url_for("accounts.login", next=next_url))
    return redirect(url_for("accounts.login"))
