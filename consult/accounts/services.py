"""Accounts: creating, confirming, authenticating, and the signed links we mail.

Messages shown to people never reveal whether an address has an account; that choice is
made in the views, these functions say plainly what happened.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.accounts.models import RegionRole, RegionRoleKind, User, new_session_nonce
from consult.accounts.passwords import hash_password, needs_rehash, verify_password
from consult.db import utcnow
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
    session: Session, email: str, password: str, *, display_name: str | None = None, confirmed: bool = True
) -> tuple[User, bool]:
    """The account for ``email``, created when missing (used by the CLI and the demo seed)."""
    user = find_user_by_email(session, email)
    if user is not None:
        return user, False
    return create_user(session, email, password, display_name=display_name, confirmed=confirmed), True


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


def grant_region_role(
    session: Session, user: User, region: Region, role: RegionRoleKind, granted_by: User | None
) -> RegionRole:
    existing = session.scalar(
        select(RegionRole).where(
            RegionRole.user_id == user.id, RegionRole.region_id == region.id, RegionRole.role == role
        )
    )
    if existing is not None:
        return existing
    grant = RegionRole(user=user, region=region, role=role, granted_by_id=granted_by.id if granted_by else None)
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
    if purpose == "confirm-email":
        payload["e"] = user.email_key
    return _serializer(purpose).dumps(payload)


def read_token(session: Session, purpose: str, token: str, max_age: int) -> tuple[User, dict[str, Any]]:
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
    if purpose == "confirm-email" and payload.get("e") != user.email_key:
        raise TokenError()
    return user, payload
