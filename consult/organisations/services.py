"""Creating and verifying organisations, and managing who belongs to them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from consult.accounts.models import User
from consult.accounts.services import email_key
from consult.db import utcnow
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember


class OrganisationError(ValueError):
    pass


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:90] or "organisatie"


def create_organisation(
    session: Session, name: str, kind: OrganisationKind, website: str | None = None
) -> Organisation:
    name = name.strip()
    if session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower())):
        raise OrganisationError("an organisation with this name exists already")
    base = slug = slugify(name)
    counter = 2
    while session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        slug = f"{base}-{counter}"
        counter += 1
    organisation = Organisation(name=name, slug=slug, kind=kind, website=website or None)
    session.add(organisation)
    session.flush()
    return organisation


def set_verified(session: Session, organisation: Organisation, actor: User, verified: bool) -> None:
    """Verification tells readers that "on behalf of" this organisation can be trusted."""
    if verified and organisation.verified_at is None:
        organisation.verified_at = utcnow()
        organisation.verified_by_id = actor.id
    elif not verified:
        organisation.verified_at = None
        organisation.verified_by_id = None
    session.flush()


def get_organisation(session: Session, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def list_organisations(
    session: Session, page: int, per_page: int = 25
) -> tuple[list[Organisation], int]:
    total = session.scalar(select(func.count()).select_from(Organisation)) or 0
    rows = session.scalars(
        select(Organisation)
        .options(selectinload(Organisation.members))
        .order_by(Organisation.verified_at.is_not(None), func.lower(Organisation.name))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


def membership(
    session: Session, organisation: Organisation, user: User
) -> OrganisationMember | None:
    return session.scalar(
        select(OrganisationMember).where(
            OrganisationMember.organisation_id == organisation.id,
            OrganisationMember.user_id == user.id,
        )
    )


def memberships_of(session: Session, user: User) -> list[OrganisationMember]:
    """The organisations ``user`` belongs to, by name."""
    return list(
        session.scalars(
            select(OrganisationMember)
            .join(OrganisationMember.organisation)
            .where(OrganisationMember.user_id == user.id)
            .options(joinedload(OrganisationMember.organisation))
            .order_by(Organisation.name)
        )
    )


# -- the public page --------------------------------------------------------------------------

PUBLIC_PER_PAGE = 50


def public_organisation(session: Session, key: str) -> Organisation | None:
    """A verified organisation by slug (or id); an unverified one has no public page."""
    query = select(Organisation).where(Organisation.verified_at.is_not(None))
    if key.isdigit():
        found = session.scalar(query.where(Organisation.id == int(key)))
        if found is not None:
            return found
    return session.scalar(query.where(Organisation.slug == key))


def verified_organisations(
    session: Session, page: int, per_page: int = PUBLIC_PER_PAGE
) -> tuple[list[Organisation], int]:
    verified = Organisation.verified_at.is_not(None)
    total = session.scalar(select(func.count()).select_from(Organisation).where(verified)) or 0
    rows = session.scalars(
        select(Organisation)
        .where(verified)
        .order_by(func.lower(Organisation.name), Organisation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


# -- members ----------------------------------------------------------------------------------

INVITE_PURPOSE = "organisation-invite"
INVITE_MAX_AGE = 7 * 24 * 3600


class LastAdminError(OrganisationError):
    """An organisation keeps at least one admin."""


class AlreadyMemberError(OrganisationError):
    pass


class InvitationError(OrganisationError):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Invitation:
    """What a signed invitation link says: join ``organisation`` as ``email``."""

    organisation: Organisation
    email_key: str


def members_of(session: Session, organisation: Organisation) -> list[OrganisationMember]:
    return list(
        session.scalars(
            select(OrganisationMember)
            .where(OrganisationMember.organisation_id == organisation.id)
            .options(joinedload(OrganisationMember.user))
            .order_by(OrganisationMember.is_admin.desc(), OrganisationMember.joined_at)
        )
    )


def member_of(
    session: Session, organisation: Organisation, member_id: int
) -> OrganisationMember | None:
    """A membership, loaded through its organisation: another organisation's id is None."""
    return session.scalar(
        select(OrganisationMember).where(
            OrganisationMember.id == member_id,
            OrganisationMember.organisation_id == organisation.id,
        )
    )


def _admin_count(session: Session, organisation: Organisation) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                OrganisationMember.organisation_id == organisation.id,
                OrganisationMember.is_admin.is_(True),
            )
        )
        or 0
    )


def is_last_admin(session: Session, member: OrganisationMember) -> bool:
    return member.is_admin and _admin_count(session, member.organisation) <= 1


def last_admin_ids(members: list[OrganisationMember]) -> set[int]:
    """Of one organisation's full member list: the admin that may not go (if only one)."""
    admins = [m.id for m in members if m.is_admin]
    return set(admins) if len(admins) == 1 else set()


def remove_member(session: Session, member: OrganisationMember) -> None:
    if is_last_admin(session, member):
        raise LastAdminError("the last admin of an organisation cannot be removed")
    organisation = member.organisation
    session.delete(member)
    session.flush()
    session.expire(organisation, ["members"])


def set_admin(session: Session, member: OrganisationMember, admin: bool) -> None:
    if not admin and is_last_admin(session, member):
        raise LastAdminError("the last admin of an organisation cannot become a member")
    member.is_admin = admin
    session.flush()


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"consult.{INVITE_PURPOSE}"
    )


def make_invite_token(organisation: Organisation, email: str) -> str:
    return _invite_serializer().dumps(
        {"o": organisation.id, "e": email_key(email), "p": INVITE_PURPOSE}
    )


def read_invite_token(session: Session, organisation: Organisation, token: str) -> Invitation:
    """The invitation, if ``token`` was signed by us, in the last 7 days, for this very
    organisation; raises :class:`InvitationError` otherwise."""
    try:
        payload = _invite_serializer().loads(token, max_age=INVITE_MAX_AGE)
    except SignatureExpired as exc:
        raise InvitationError(expired=True) from exc
    except BadSignature as exc:
        raise InvitationError() from exc
    if (
        not isinstance(payload, dict)
        or payload.get("p") != INVITE_PURPOSE
        or payload.get("o") != organisation.id
        or not isinstance(payload.get("e"), str)
    ):
        raise InvitationError()
    return Invitation(organisation, payload["e"])


def accept_invitation(session: Session, invitation: Invitation, user: User) -> OrganisationMember:
    """Makes ``user`` a member; the caller checked the policy (right account)."""
    if membership(session, invitation.organisation, user) is not None:
        raise AlreadyMemberError("already a member")
    member = OrganisationMember(organisation=invitation.organisation, user=user)
    session.add(member)
    session.flush()
    return member


def is_member_email(session: Session, organisation: Organisation, email: str) -> bool:
    return (
        session.scalar(
            select(OrganisationMember.id)
            .join(User, User.id == OrganisationMember.user_id)
            .where(
                OrganisationMember.organisation_id == organisation.id,
                User.email_key == email_key(email),
            )
        )
        is not None
    )
