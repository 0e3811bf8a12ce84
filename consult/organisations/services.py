"""Creating and verifying organisations, and managing who belongs to them."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from consult.accounts.models import User
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


def organisations_of(session: Session, user: User) -> list[OrganisationMember]:
    return list(
        session.scalars(
            select(OrganisationMember)
            .where(OrganisationMember.user_id == user.id)
            .options(selectinload(OrganisationMember.organisation))
        )
    )
