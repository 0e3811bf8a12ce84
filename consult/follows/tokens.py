"""Signed unsubscribe links: one click, no log-in, and nobody can make one for another."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from consult.follows.models import Follow

# Purpose-specific: a token signed for anything else never unsubscribes anyone.
SALT = "consult.follows.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make(follow: Follow) -> str:
    return _serializer().dumps({"f": follow.id, "u": follow.user_id})


def read(token: str) -> tuple[int, int] | None:
    """(follow id, user id) from a token, or None when it was not signed by us."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    follow_id, user_id = data.get("f"), data.get("u")
    if not isinstance(follow_id, int) or not isinstance(user_id, int):
        return None
    return follow_id, user_id
