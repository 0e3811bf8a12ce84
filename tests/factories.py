"""Small factories for test data, all going through the domain services where one exists."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_app_context
from sqlalchemy.orm import Session

from consult.accounts import services as accounts
from consult.accounts.models import User
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember
from consult.permissions import RegionRoleKind
from consult.regions.models import Region
from consult.regions.services import get_region
from tests.conftest import TEST_PASSWORD

_sequence = itertools.count(1)


@contextmanager
def app_context(session: Session) -> Iterator[None]:
    """The test app's context around services that sign the record (a consultation's
    state change makes a checkpoint with the instance's key), for tests that also use
    the client and so must not keep one pushed (see tests/conftest.py)."""
    if has_app_context():
        yield
        return
    with session.info["app"].test_request_context(headers={"Accept-Language": "en"}):
        yield


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


# -- documents, consultations, submissions (issue 4) -------------------------------------------


def document_version(
    session: Session,
    region_code: str = "JZ22",
    *,
    title: str = "Regiovisie jeugdhulp 2026-2030",
    sections: list[tuple[str, str]] | None = None,
    number: int = 1,
    document: object | None = None,
    locked: bool = False,
):
    """A version with sections given as (heading, html); anchors s-1, s-2, ..."""
    from consult.db import utcnow
    from consult.documents.models import Document, DocumentVersion, Section, VersionSource

    if document is None:
        document = Document(
            region=region(session, region_code), title=title, summary="Samenvatting."
        )
        session.add(document)
    version = DocumentVersion(
        document=document,
        number=number,
        source=VersionSource.EDITOR,
        locked_at=utcnow() if locked else None,
    )
    session.add(version)
    sections = (
        sections
        if sections is not None
        else [
            ("Inleiding", "<p>Waarom deze visie er is.</p>"),
            ("Wat we willen bereiken", "<p>Jeugdhulp dichtbij huis.</p>"),
            ("Hoe we samenwerken", "<p>Gemeenten kopen samen in.</p>"),
        ]
    )
    for position, (heading, html) in enumerate(sections, start=1):
        session.add(
            Section(
                version=version,
                position=position,
                anchor=f"s-{position}",
                number=str(position),
                heading=heading,
                body_html=html,
            )
        )
    if locked:  # as documents.services.lock_version leaves it: fixed, with its hash
        from consult.documents.services import version_hash

        version.content_hash = version_hash(version)
    session.flush()
    return version


def consultation(
    session: Session,
    version: object | None = None,
    *,
    state: str = "open",
    opens_in_days: float = -7,
    closes_in_days: float = 35,
    slug: str | None = None,
):
    """A consultation on ``version`` (a fresh one when None), by default open for five weeks."""
    from datetime import timedelta

    from consult.consultations.models import Consultation, ConsultationState
    from consult.db import utcnow

    version = version or document_version(session, locked=state != "draft")
    now = utcnow()
    item = Consultation(
        slug=slug or f"consultatie-{next(_sequence)}",
        region_id=version.document.region_id,
        version=version,
        title=f"Consultatie {version.document.title}",
        introduction="Vertel ons wat jij vindt.",
        contact_name="Team Jeugd",
        contact_email="jeugd@example.org",
        opens_at=now + timedelta(days=opens_in_days),
        closes_at=now + timedelta(days=closes_in_days),
        state=ConsultationState(state),
    )
    session.add(item)
    session.flush()
    return item


def stakeholder_group(session: Session, code: str = "parent"):
    from sqlalchemy import select

    from consult.stakeholders.models import StakeholderGroup

    group = session.scalar(select(StakeholderGroup).where(StakeholderGroup.code == code))
    assert group is not None, f"stakeholder group {code} is not seeded"
    return group


def submission(
    session: Session,
    consultation: object,
    comments: list[tuple[str | None, str]] | None = None,
    *,
    group: str = "parent",
    confirmed: bool = True,
    publish_text: bool = True,
    email: str | None = "ouder@example.org",
    user: User | None = None,
):
    """A submission with comments given as (section anchor or None, text)."""
    import secrets

    from consult.comments.codes import new_tracking_code
    from consult.comments.models import Comment, Submission, SubmissionContact, SubmissionState
    from consult.db import utcnow
    from consult.ledger.canonical import digest as content_hash

    sections = {s.anchor: s for s in consultation.version.sections}
    comments = comments if comments is not None else [(None, "Ik vind dit een goed plan.")]
    item = Submission(
        consultation=consultation,
        tracking_code=new_tracking_code(),
        idempotency_key=secrets.token_hex(16),
        user_id=user.id if user else None,
        stakeholder_group=stakeholder_group(session, group),
        publish_text=publish_text,
        state=SubmissionState.CONFIRMED if confirmed else SubmissionState.PENDING,
        confirmed_at=utcnow() if confirmed else None,
        content_hash=content_hash({"comments": [list(c) for c in comments]}),
    )
    session.add(item)
    if email:
        session.add(SubmissionContact(submission=item, email=email, salt=secrets.token_hex(16)))
    for position, (anchor, text) in enumerate(comments, start=1):
        session.add(
            Comment(
                submission=item,
                consultation_id=consultation.id,
                section=sections[anchor] if anchor else None,
                position=position,
                body=text,
                is_public=confirmed and publish_text,
            )
        )
    session.flush()
    return item
