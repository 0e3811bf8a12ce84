"""API tokens of organisations: made, listed, revoked, and checked on every API request.

An organisation that collects comments offline (a school session, a meeting) sends them
through ``POST /api/v1/consultations/<slug>/submissions`` with one of its tokens. A token
speaks for its own organisation only, in the scopes it was given, until it expires or is
revoked; it works only while the organisation is verified. Deny by default: a scope that is
not in :data:`SCOPES` cannot be given, and a request must hold the exact scope it needs.

The token is ``consult_<prefix>_<secret>``: the prefix (12 hex characters) is its public
name, the secret 32 random bytes. Only SHA-256 of the whole token is stored, so the secret
is shown once, when it is made. Making and revoking a token are events in the record's
platform chain (prefix, organisation, scopes; never the secret, never a person), and every
submission sent with it names the token's prefix in its ``submission_received`` event.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from consult.accounts.models import User
from consult.db import utcnow
from consult.ledger import services as record
from consult.ledger.canonical import moment
from consult.ledger.models import ActorRole, EventKind
from consult.organisations.models import ApiToken, Organisation

SUBMISSION_CREATE = "consultation:submission:create"
# Every scope a token can hold, with what it allows (for the checkboxes).
SCOPES: dict[str, Any] = {
    SUBMISSION_CREATE: _l("Send comments collected offline to an open consultation"),
}
LIFETIMES = (30, 90, 365)  # days, for the choice when making one
DEFAULT_LIFETIME = 365
TOKEN_PREFIX = "consult_"  # noqa: S105 (the public start of every token, no secret)
TOKEN = re.compile(r"^consult_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
MAX_TOKENS = 20  # live tokens per organisation


class TokenError(ValueError):
    """``reason``: unverified, scopes, name, too_many, revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` is the whole token, to show once and never again."""

    token: ApiToken
    secret: str


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def check_scopes(scopes: list[str]) -> list[str]:
    """The scopes, known and without repeats, in the order of :data:`SCOPES`."""
    chosen = set(scopes)
    if not chosen or not chosen <= set(SCOPES):
        raise TokenError("scopes")
    return [scope for scope in SCOPES if scope in chosen]


def _record(session: Session, kind: EventKind, token: ApiToken, actor: User | None) -> None:
    record.append(
        session,
        kind=kind,
        consultation=None,
        object_type="api_token",
        object_id=token.prefix,
        # Only the organisation's own admins manage its tokens (the policy).
        actor_role=ActorRole.ORGANISATION_ADMIN if actor is not None else ActorRole.SYSTEM,
        payload={
            "organisation": token.organisation_id,
            "token_prefix": token.prefix,
            "scopes": token.scope_list,
            "expires_at": moment(token.expires_at),
        },
        occurred_at=token.revoked_at if kind is EventKind.API_TOKEN_REVOKED else token.created_at,
    )


def live_tokens(session: Session, organisation: Organisation, now: datetime) -> int:
    """Tokens that still work: not revoked, not expired."""
    return (
        session.scalar(
            select(func.count()).where(
                ApiToken.organisation_id == organisation.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
        )
        or 0
    )


def create_token(
    session: Session,
    organisation: Organisation,
    actor: User,
    name: str,
    scopes: list[str],
    *,
    days: int = DEFAULT_LIFETIME,
    now: datetime | None = None,
) -> NewToken:
    """Make a token for ``organisation`` (the caller checked ``organisation:tokens:manage``)
    and record it. Only a verified organisation gets one."""
    now = now or utcnow()
    if not organisation.is_verified:
        raise TokenError("unverified")
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenError("name")
    if days not in LIFETIMES:
        raise TokenError("lifetime")
    if live_tokens(session, organisation, now) >= MAX_TOKENS:
        raise TokenError("too_many")
    chosen = check_scopes(scopes)
    prefix = secrets.token_hex(6)
    while session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is not None:
        prefix = secrets.token_hex(6)  # pragma: no cover (one in 2**48)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        organisation=organisation,
        name=name,
        prefix=prefix,
        secret_hash=hash_token(secret),
        scopes=" ".join(chosen),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    _record(session, EventKind.API_TOKEN_CREATED, token, actor)
    return NewToken(token, secret)


def revoke_token(
    session: Session, token: ApiToken, actor: User, now: datetime | None = None
) -> bool:
    """Revoke ``token`` at once; True when it changed now (a second click records nothing)."""
    session.refresh(token, with_for_update=True)
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    token.revoked_by_id = actor.id
    session.flush()
    _record(session, EventKind.API_TOKEN_REVOKED, token, actor)
    return True


def tokens_of(session: Session, organisation: Organisation) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.organisation_id == organisation.id)
            .options(joinedload(ApiToken.created_by))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def token_of(session: Session, organisation: Organisation, token_id: int) -> ApiToken | None:
    """A token, loaded through its organisation: another organisation's id is None."""
    return session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.organisation_id == organisation.id)
    )


# -- checking a request -----------------------------------------------------------------------


class Refused(Exception):
    """Why a bearer token does not let the request through. ``status`` 401: no token we
    know (missing, malformed, unknown, revoked, expired); 403: a good token that may not do
    this (scope, organisation no longer verified)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_bearer(header: str | None) -> str | None:
    """The token from an ``Authorization: Bearer ...`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    return value if TOKEN.match(value) else None


def find_token(session: Session, value: str | None) -> ApiToken | None:
    """The token this exact secret belongs to, or None (compared in constant time)."""
    if value is None:
        return None
    found = TOKEN.match(value)
    if found is None:
        return None
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.prefix == found.group(1))
        .options(joinedload(ApiToken.organisation))
    )
    if token is None or not hmac.compare_digest(token.secret_hash, hash_token(value)):
        return None
    return token


def authorise(token: ApiToken | None, scope: str, now: datetime) -> ApiToken:
    """``token`` if it may act in ``scope`` now; raises :class:`Refused` otherwise."""
    if token is None:
        raise Refused(401, "invalid_token")
    if token.revoked_at is not None:
        raise Refused(401, "revoked")
    if now >= token.expires_at:
        raise Refused(401, "expired")
    if scope not in token.scope_list:
        raise Refused(403, "insufficient_scope")
    if not token.organisation.is_verified:
        raise Refused(403, "unverified")
    return token


def mark_used(token: ApiToken, now: datetime) -> None:
    token.last_used_at = now
