"""Signed unsubscribe links: one click, no log-in, and nobody can make one for another.

Two kinds, each with its own salt so one can never be used as the other: a link that ends
one follow, and a link that ends every follow of one person ("stop all these emails").
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from consult.accounts.models import User
from consult.follows.models import Follow, Frequency

# Purpose-specific: a token signed for anything else never unsubscribes anyone.
SALT = "consult.follows.unsubscribe"
SALT_ALL = "consult.follows.unsubscribe-all"


def _serializer(salt: str = SALT) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


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


def _address_key(email: str) -> str:
    """A short fingerprint of the address: a link made for it stops working when the
    account's address changes, or when the account is deleted and its id used again."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:16]


def make_all(user: User, frequency: Frequency | None = None) -> str:
    """A link that ends every follow of one person, or every follow of one frequency
    (the daily email's own link: it stops that email, not the ones sent at once)."""
    data: dict[str, object] = {"u": user.id, "e": _address_key(user.email)}
    if frequency is not None:
        data["q"] = frequency.value
    return _serializer(SALT_ALL).dumps(data)


def read_all(token: str) -> tuple[int, str, Frequency | None] | None:
    """(user id, address fingerprint, frequency or None for all) from a "stop all" token;
    None when it was not signed by us for that. Check the fingerprint with
    :func:`for_address`."""
    try:
        data = _serializer(SALT_ALL).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, address, frequency = data.get("u"), data.get("e"), data.get("q")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not isinstance(address, str):
        return None
    if frequency is None:
        return user_id, address, None
    try:
        return user_id, address, Frequency(frequency)
    except ValueError:
        return None


def for_address(address_key: str, user: User | None) -> bool:
    """Whether a "stop all" token's fingerprint is of ``user``'s current address."""
    return (
        user is not None
        and bool(user.email)
        and hmac.compare_digest(address_key, _address_key(user.email))
    )
