"""Small factories for test data, all going through the domain services where one exists."""

from __future__ import annotations

import itertools
import re

from sqlalchemy.orm import Session

from consult.accounts import services as accounts
from consult.accounts.models import RegionRoleKind, User
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember
from consult.regions.models import Region
from consult.regions.services import get_region
from tests.conftest import TEST_PASSWORD

_sequence = itertools.count(1)


def region(session: Session, code: str = "JZ22") -> Region:
    found = get_region(session, code)
    assert found is not None, f"region {code} is not seeded"
    return found


def user(
    session: Session,
    email: str | None = None,
    *,
    password: str = TEST_PASSWORD,
    confirmed: bool = True,
    admin: bool = False,
    display_name: str | None = None,
) -> User:
    email = email or f"person{next(_sequence)}@example.org"
    person = accounts.create_user(
        session, email, password, display_name=display_name, confirmed=confirmed
    )
    person.is_platform_admin = admin
    session.flush()
    return person


def region_user(session: Session, role: str, region_code: str = "JZ22", **kwargs: object) -> User:
    """A confirmed person holding ``role`` (official, moderator, responder) in a region."""
    person = user(session, **kwargs)  # type: ignore[arg-type]
    accounts.grant_region_role(
        session, person, region(session, region_code), RegionRoleKind(role), granted_by=None
    )
    return person


def organisation(
    session: Session,
    name: str | None = None,
    *,
    verified: bool = False,
    kind: OrganisationKind = OrganisationKind.ADVOCACY_GROUP,
    members: tuple[User, ...] = (),
    admins: tuple[User, ...] = (),
) -> Organisation:
    from consult.db import utcnow

    name = name or f"Organisatie {next(_sequence)}"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    org = Organisation(name=name, slug=slug, kind=kind, verified_at=utcnow() if verified else None)
    session.add(org)
    for person in members:
        session.add(OrganisationMember(organisation=org, user=person))
    for person in admins:
        session.add(OrganisationMember(organisation=org, user=person, is_admin=True))
    session.flush()
    return org
