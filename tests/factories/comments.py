"""Submissions and their comments: stored directly, or sent through the comment service.

``submission`` stores one directly, in the state asked for: ``services.submit`` also checks
the open period and records the arrival in the ledger, which most tests must not depend
on. ``sent_submission`` goes through the service.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments import services
from consult.comments.codes import new_tracking_code
from consult.comments.models import Comment, Submission, SubmissionContact, SubmissionState
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.ledger.canonical import digest as content_hash
from consult.organisations.models import Organisation
from consult.regions.models import Municipality
from consult.stakeholders.models import AgeBand
from tests.factories.stakeholders import stakeholder_group

GENERAL_COMMENT = "Ik vind dit een goed plan."


def submission(
    session: Session,
    consultation: Consultation,
    comments: list[tuple[str | None, str]] | list[tuple[str | None, str, str | None]] | None = None,
    *,
    group: str = "parent",
    confirmed: bool = True,
    publish_text: bool = True,
    email: str | None = "ouder@example.org",
    user: User | None = None,
    display_name: str | None = None,
    publish_name: bool = False,
    age_band: AgeBand | None = None,
    municipality: Municipality | None = None,
    organisation: Organisation | None = None,
    organisation_verified: bool = False,
    premoderated: bool = False,
) -> Submission:
    """A submission with comments given as (section anchor or None, text), or (anchor,
    text, paragraph anchor), stored directly
    (no record event: the tests that need one call ``services.record_submission``).

    ``display_name`` goes with the contact, so it needs an ``email``; ``organisation``: sent
    on its behalf (``organisation_verified``: while it was verified); ``premoderated``: sent
    without e-mail, waiting for a moderator (unless ``confirmed``: approved).
    """
    assert display_name is None or email, "a display name is kept with the email address"
    sections = {s.anchor: s for s in consultation.version.sections}
    comments = comments if comments is not None else [(None, GENERAL_COMMENT)]
    item = Submission(
        consultation=consultation,
        tracking_code=new_tracking_code(),
        idempotency_key=secrets.token_hex(16),
        user_id=user.id if user else None,
        stakeholder_group=stakeholder_group(session, group),
        age_band=age_band,
        municipality_id=municipality.id if municipality else None,
        organisation_id=organisation.id if organisation else None,
        organisation_verified=organisation_verified,
        publish_text=publish_text,
        publish_name=publish_name,
        state=SubmissionState.CONFIRMED
        if confirmed
        else (SubmissionState.AWAITING if premoderated else SubmissionState.PENDING),
        premoderated=premoderated,
        confirmed_at=utcnow() if confirmed else None,
        content_hash=content_hash({"comments": [list(c) for c in comments]}),
    )
    session.add(item)
    if email:
        session.add(
            SubmissionContact(
                submission=item,
                email=email,
                display_name=display_name,
                salt=secrets.token_hex(16),
            )
        )
    for position, (anchor, text, *paragraph) in enumerate(comments, start=1):
        session.add(
            Comment(
                submission=item,
                consultation_id=consultation.id,
                section=sections[anchor] if anchor else None,
                paragraph=paragraph[0] if paragraph else None,
                position=position,
                body=text,
                is_public=confirmed and publish_text,
            )
        )
    session.flush()
    return item


def sent_submission(
    session: Session,
    consultation: Consultation,
    *,
    hours_ago: float = 0,
    texts: list[tuple[str | None, str]] | None = None,
    email: str = "ouder@example.org",
    display_name: str | None = None,
    publish_text: bool = True,
) -> Submission:
    """A submission of a parent without an account, sent through the comment service
    ``hours_ago`` (its receipt moment is fixed once stored, so an old one must be sent in
    the past, not dated back afterwards). It waits for its confirmation, as the service
    leaves it, and the service wrote its record event."""
    sections = {s.anchor: s for s in consultation.version.sections}
    draft = services.Draft(
        idempotency_key=secrets.token_hex(16),
        stakeholder_group=stakeholder_group(session, "parent"),
        publish_text=publish_text,
        publish_name=display_name is not None,
        display_name=display_name,
        email=email,
        comments=[
            (sections[anchor] if anchor else None, text)
            for anchor, text in (texts or [(None, GENERAL_COMMENT)])
        ],
    )
    sent, created = services.submit(
        session, consultation, draft, utcnow() - timedelta(hours=hours_ago)
    )
    assert created
    return sent
