"""The region a security test attacks, and the people who attack it.

Region JZ22 (the victim) holds an answered, published consultation (the reactienota world
of :mod:`tests.responses.report_world`) with an unpublished reactienota edition, a draft
consultation with a question, an organisation, a follow, an attachment of a comment whose
text is not public, and a finished evidence-bundle job. Region JZ24 holds a consultation
of its own, so its official has a region and objects to put in a URL.

``values`` maps every URL parameter of the app to an object of JZ22, for
:func:`tests.security.routes.fill`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, inspect, select, table
from sqlalchemy.orm import Session

from consult.accounts.models import RegionRole
from consult.consultations.models import OfflineActivity
from consult.evidence import bundle
from consult.follows.models import Follow, Frequency, TargetKind
from consult.jobs import Job, JobState
from consult.ledger.models import RecordCheckpoint
from consult.organisations.models import OrganisationMember
from consult.reports import services as reactienota
from consult.responses.models import CommentGroup
from tests import factories
from tests.responses import report_world

VICTIM = "JZ22"
OTHER = "JZ24"


@dataclass
class World:
    base: report_world.World
    draft: Any
    other_consultation: Any
    people: dict[str, Any]
    values: dict[str, object]


def build(session: Session) -> World:
    base = report_world.build(session)
    consultation = base.consultation
    with factories.app_context(session):
        report = reactienota.generate(session, base.official, consultation)
    draft = factories.draft_consultation(session)
    question = factories.question(session, draft, "Wat vind je?", position=1)
    secret = base.comments["secret"]
    attachment = factories.attachment(session, secret.submission, b"%PDF-1.4 private")

    admin = factories.user(session, display_name="Olga Organisatie")
    member = factories.user(session)
    organisation = factories.organisation(
        session, verified=True, admins=(admin,), members=(member,)
    )
    follow = Follow(
        user_id=base.official.id,
        target_kind=TargetKind.CONSULTATION,
        target_id=consultation.id,
        frequency=Frequency.IMMEDIATE,
    )
    session.add(follow)
    job = Job(kind=bundle.JOB_KIND, subject=bundle.job_subject(consultation), state=JobState.DONE)
    session.add(job)
    other_version = factories.document_version(session, OTHER, locked=True)
    other_consultation = factories.consultation(session, other_version, state="open")
    session.flush()

    people = {
        "participant": factories.user(session),
        "organisation member": member,
        "official elsewhere": factories.region_user(session, "official", OTHER),
        "moderator elsewhere": factories.region_user(session, "moderator", OTHER),
        "moderator": factories.region_user(session, "moderator", VICTIM),
        "responder": base.responder,
        "official": base.official,
        "organisation admin": admin,
    }
    role = session.scalar(select(RegionRole).where(RegionRole.user_id == base.official.id))
    group = session.scalar(
        select(CommentGroup).where(CommentGroup.consultation_id == consultation.id)
    )
    # Sent without e-mail: waits for the region's moderator (issue 17).
    awaiting = factories.submission(
        session,
        consultation,
        [(None, "Zonder e-mail verstuurd.")],
        confirmed=False,
        email=None,
        premoderated=True,
    )
    checkpoint_id = session.scalar(select(func.max(RecordCheckpoint.id)))
    version = consultation.version
    answer = base.answers["school"]
    values: dict[str, object] = {
        "code": VICTIM,
        "slug": consultation.slug,
        "consultation_id": consultation.id,
        "document_id": version.document_id,
        "number": version.number,
        "section_id": version.sections[0].id,
        "anchor": version.sections[0].anchor,
        "answer_id": answer.id,
        "comment_id": base.comments["public"].id,
        "group_id": group.id,
        "edition": report.edition,
        "job_id": job.id,
        "question_id": question.id,
        "activity_id": session.scalar(
            select(OfflineActivity.id).where(OfflineActivity.consultation_id == consultation.id)
        ),
        "role_id": role.id,
        "organisation_id": organisation.id,
        "member_id": session.scalar(
            select(OrganisationMember.id).where(OrganisationMember.user_id == member.id)
        ),
        "follow_id": follow.id,
        "attachment_id": attachment.id,
        "checkpoint_id": checkpoint_id,
        "key": organisation.slug,
        "kind": "consultation",
        "target_id": consultation.id,
        "position": 1,
        "submission_id": awaiting.id,
    }
    return World(
        base=base,
        draft=draft,
        other_consultation=other_consultation,
        people=people,
        values=values,
    )


# Written by the clock on its own schedule (a checkpoint is signed when one is due, also
# during a refused request), not by what a request sent.
CLOCK_TABLES = frozenset({"alembic_version", "record_checkpoints"})


def fingerprint(session: Session) -> dict[str, int]:
    """The row count of every table: an attack that stored or deleted anything shows here."""
    session.expire_all()
    tables = inspect(session.get_bind()).get_table_names()

    return {
        name: session.scalar(select(func.count()).select_from(table(name)))
        for name in sorted(tables)
        if name not in CLOCK_TABLES
    }
