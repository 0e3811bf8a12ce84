"""A consultation with a full record for the evidence bundle tests.

It is the answered consultation of :mod:`tests.responses.report_world` (submissions, a
hidden and a withdrawn comment, answers, a correction, a next version) with its
reactienota published, plus events of another consultation between its own, so that the
tree holds leaves the bundle does not, and several checkpoints.

The services write the events themselves; where one that the bundle binds a file to is
not written yet (``version_published``, ``report_published``), it is appended here in the
form the services use, so the tests hold whichever way the wiring lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.comments import services as comment_services
from consult.documents.services import version_hash
from consult.ledger import checkpoints, promises, services
from consult.ledger.models import CheckpointReason, EventKind, RecordEvent
from consult.reports import rendering
from consult.reports import services as reactienota
from consult.reports.models import ResponseReport
from tests import factories
from tests.responses import report_world

PDF_BYTES = b"%PDF-1.7\n% a stand-in for the rendered reactienota\n%%EOF\n"


@dataclass
class World:
    consultation: Any
    official: Any
    report: ResponseReport
    other: Any


def _has(session: Session, slug: str, kind: EventKind, object_id: str | None = None) -> bool:
    query = select(RecordEvent.id).where(RecordEvent.chain == slug, RecordEvent.kind == kind.value)
    if object_id is not None:
        query = query.where(RecordEvent.object_id == object_id)
    return session.scalar(query.limit(1)) is not None


def version_payload(version: Any) -> dict[str, Any]:
    return {
        "number": version.number,
        "document_id": version.document_id,
        "content_hash": version.content_hash or version_hash(version),
        "sections": len(version.sections),
    }


def _publish_version(session: Session, consultation: Any, version: Any) -> None:
    object_id = f"{version.document_id}/{version.number}"
    if not _has(session, consultation.slug, EventKind.VERSION_PUBLISHED, object_id):
        services.append(
            session,
            kind=EventKind.VERSION_PUBLISHED,
            consultation=consultation,
            object_type="version",
            object_id=object_id,
            actor_role="official",
            payload=version_payload(version),
        )


def build(session: Session) -> World:
    """Needs an app context (checkpoints are signed)."""
    other = factories.consultation(session)
    factories.record_events(session, other, 3)
    checkpoints.make(session, CheckpointReason.MANUAL)

    world = report_world.build(session)
    consultation = world.consultation
    slug = consultation.slug
    _publish_version(session, consultation, consultation.version)
    if not _has(session, slug, EventKind.SUBMISSION_RECEIVED):
        for submission in world.submissions.values():
            services.append(
                session,
                kind=EventKind.SUBMISSION_RECEIVED,
                consultation=consultation,
                object_type="submission",
                object_id=submission.tracking_code,
                actor_role="participant",
                payload=comment_services.submission_event_payload(submission),
            )
    # The promise the submit service signs on arrival (these submissions were made
    # around it), so the bundle carries promises.jsonl with lines in it.
    for event in session.scalars(
        select(RecordEvent).where(
            RecordEvent.chain == slug, RecordEvent.kind == EventKind.SUBMISSION_RECEIVED.value
        )
    ):
        if promises.of_leaf(session, event.leaf_index) is None:
            promises.make(session, event)
    factories.record_events(session, other, 2)
    checkpoints.make(session, CheckpointReason.MANUAL)

    report = reactienota.generate(session, world.official, consultation)
    # A PDF made before publication: its hash is then in the report_published event.
    rendering.store_file(session, report, "pdf", "application/pdf", PDF_BYTES)
    reactienota.publish(session, world.second_official, report)
    if not _has(session, slug, EventKind.REPORT_PUBLISHED):
        services.append(
            session,
            kind=EventKind.REPORT_PUBLISHED,
            consultation=consultation,
            object_type="report",
            object_id=f"report:{report.edition}",
            actor_role="official",
            payload=reactienota.report_event_payload(session, report),
        )
    for version in consultation.version.document.versions:  # the next one, too
        _publish_version(session, consultation, version)
    factories.record_events(session, other, 1)
    checkpoints.make(session, CheckpointReason.MANUAL)
    return World(consultation=consultation, official=world.official, report=report, other=other)
