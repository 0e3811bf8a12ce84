"""Accounts: creating, confirming, authenticating, and the signed links we mail.

Messages shown to people never reveal whether an address has an account; that choice is
made in the views, these functions say plainly what happened.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from consult.accounts.models import RegionRole, User, new_session_nonce
from consult.accounts.passwords import hash_password, needs_rehash, verify_password
from consult.db import utcnow
from consult.permissions import RegionRoleKind
from consult.regions.models import Region

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


class AccountError(ValueError):
    pass


class TokenError(ValueError):
    """A mailed link is invalid, used already, or expired (``expired`` says which)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def email_key(email: str) -> str:
    return email.strip().casefold()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_key == email_key(email)))


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    confirmed: bool = False,
) -> User:
    if find_user_by_email(session, email) is not None:
        raise AccountError(f"an account for {email} exists already")
    user = User(
        email=email.strip(),
        email_key=email_key(email),
        password_hash=hash_password(password),
        display_name=(display_name or "").strip() or None,
        locale=locale,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    session.add(user)
    session.flush()
    return user


def ensure_user(
    session: Session,
    email: str,
    password: str,
    *,
    display_name: str | None = None,
    confirmed: bool = True,
) -> tuple[User, bool]:
    """The account for ``email``, created when missing (used by the CLI and the demo seed)."""
    user = find_user_by_email(session, email)
    if user is not None:
        return user, False
    return create_user(
        session, email, password, display_name=display_name, confirmed=confirmed
    ), True


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None; takes as long either way."""
    user = find_user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password and end every other session of this person."""
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    session.flush()


def end_sessions(session: Session, user: User) -> None:
    """End every session of this person on every device, remember-me cookies included: a
    copy of a cookie made before this (on a shared computer, by malware) opens nothing."""
    user.session_nonce = new_session_nonce()
    session.flush()


def confirm_email(session: Session, user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        session.flush()


def change_email(session: Session, user: User, new_email: str) -> None:
    if find_user_by_email(session, new_email) not in (None, user):
        raise AccountError("that address belongs to another account")
    user.email = new_email.strip()
    user.email_key = email_key(new_email)
    user.email_confirmed_at = utcnow()
    session.flush()


# -- password rules --------------------------------------------------------------------------

# Passwords of at least MIN_PASSWORD_LENGTH characters that top the leaked-password lists
# (and their Dutch cousins). Length is what protects most; this only stops the worst picks.
COMMON_PASSWORDS = frozenset(
    {
        "0123456789",
        "1234567890",
        "12345678910",
        "123456789a",
        "1234567890a",
        "0987654321",
        "1111111111",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "abcdefghij",
        "abcd123456",
        "qwertyuiop",
        "qwerty1234",
        "qwerty123456",
        "asdfghjkl1",
        "zxcvbnm123",
        "password12",
        "password123",
        "password1234",
        "passw0rd12",
        "iloveyou12",
        "football12",
        "letmein123",
        "welcome123",
        "changeme123",
        "wachtwoord",
        "wachtwoord1",
        "wachtwoord12",
        "wachtwoord123",
        "wachtwoord1234",
        "welkom1234",
        "welkom12345",
        "welkomwelkom",
        "geheim1234",
        "voetbal123",
        "nederland1",
        "nederland123",
        "consult123",
        "consultatie",
        "jeugdzorg123",
    }
)


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` may not be used (a translated sentence), or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return str(_l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        return str(_l("Use at most %(count)d characters.", count=MAX_PASSWORD_LENGTH))
    folded = password.strip().casefold()
    if email and folded in {email_key(email), email_key(email).partition("@")[0]}:
        return str(_l("Your password may not be the same as your email address."))
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        return str(
            _l("This password is too easy to guess. Choose a longer sentence or a mix of words.")
        )
    return None


# -- registration and changes of address -----------------------------------------------------


def register_user(
    session: Session,
    email: str,
    password: str,
    *,
    display_name: str | None = None,
    locale: str | None = None,
) -> User | None:
    """A new, unconfirmed account; None when the address has one already.

    The caller tells both outcomes apart only by the email it sends, never on screen. A
    hash is computed either way, so both take about as long.
    """
    if find_user_by_email(session, email) is not None:
        hash_password(password)
        return None
    try:
        with session.begin_nested():
            return create_user(session, email, password, display_name=display_name, locale=locale)
    except IntegrityError:
        # Someone registered the same address a moment ago, in another request.
        return None


def update_profile(
    session: Session, user: User, *, display_name: str | None, locale: str | None
) -> None:
    user.display_name = (display_name or "").strip() or None
    user.locale = locale or None
    session.flush()


def roles_by_region(session: Session, user: User) -> list[tuple[Region, list[RegionRoleKind]]]:
    """The regions where ``user`` holds a role, by name, with those roles."""
    grants = session.scalars(
        select(RegionRole)
        .join(RegionRole.region)
        .where(RegionRole.user_id == user.id)
        .options(joinedload(RegionRole.region))
        .order_by(Region.name)
    )
    result: dict[int, tuple[Region, list[RegionRoleKind]]] = {}
    order = list(RegionRoleKind)
    for grant in grants:
        result.setdefault(grant.region_id, (grant.region, []))[1].append(grant.role)
    return [(region, sorted(roles, key=order.index)) for region, roles in result.values()]


def grant_region_role(
    session: Session, user: User, region: Region, role: RegionRoleKind, granted_by: User | None
) -> RegionRole:
    existing = session.scalar(
        select(RegionRole).where(
            RegionRole.user_id == user.id,
            RegionRole.region_id == region.id,
            RegionRole.role == role,
        )
    )
    if existing is not None:
        return existing
    grant = RegionRole(
        user=user, region=region, role=role, granted_by_id=granted_by.id if granted_by else None
    )
    session.add(grant)
    session.flush()
    return grant


def revoke_region_role(session: Session, grant: RegionRole) -> None:
    session.delete(grant)
    session.flush()


# -- signed links ----------------------------------------------------------------------------

PURPOSES = ("confirm-email", "reset-password", "change-email")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"consult.{purpose}")


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a reset link works once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_token(purpose: str, user: User, **extra: Any) -> str:
    payload: dict[str, Any] = {"u": user.id, **extra}
    if purpose == "reset-password":
        payload["p"] = _password_fingerprint(user)
    # Bound to the address the account has now: once that changes, every link is spent.
    payload["e"] = user.email_key
    return _serializer(purpose).dumps(payload)


def read_token(
    session: Session, purpose: str, token: str, max_age: int
) -> tuple[User, dict[str, Any]]:
    """The user a link was made for, and its payload; raises TokenError otherwise."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(expired=True) from exc
    except BadSignature as exc:
        raise TokenError() from exc
    user = session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None:
        raise TokenError()
    if purpose == "reset-password" and payload.get("p") != _password_fingerprint(user):
        raise TokenError()
    if payload.get("e") != user.email_key:
        raise TokenError()
    return user, payload
