"""Organisations, their members, and their API tokens.

``organisation`` stores one directly, with its people and already verified if asked (the
services make, verify and invite one step at a time); ``api_token`` goes through the token
service.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.db import utcnow
from consult.organisations import tokens
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember
from tests.factories._support import app_context, next_number


def organisation(
    session: Session,
    name: str | None = None,
    *,
    verified: bool = False,
    kind: OrganisationKind = OrganisationKind.ADVOCACY_GROUP,
    members: tuple[User, ...] = (),
    admins: tuple[User, ...] = (),
) -> Organisation:
    """An organisation as it is once made, its people added (and verified, if ``verified``)."""
    name = name or f"Organisatie {next_number()}"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    org = Organisation(name=name, slug=slug, kind=kind, verified_at=utcnow() if verified else None)
    session.add(org)
    for person in members:
        session.add(OrganisationMember(organisation=org, user=person))
    for person in admins:
        session.add(OrganisationMember(organisation=org, user=person, is_admin=True))
    session.flush()
    return org


def api_token(
    session: Session,
    organisation: Organisation,
    admin: User,
    name: str = "Schoolsessies",
    scopes: list[str] | None = None,
    **kwargs: Any,
) -> tokens.NewToken:
    """A token ``admin`` made for ``organisation`` through the token service (it records
    the making, so it needs the app); by default it may send submissions."""
    with app_context(session):
        made = tokens.create_token(
            session,
            organisation,
            admin,
            name,
            scopes if scopes is not None else [tokens.SUBMISSION_CREATE],
            **kwargs,
        )
    session.flush()
    return made
