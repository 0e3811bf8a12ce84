"""Cross-checks: do the live tables still say what the record says about them?

The record proves itself (hashes, chains, the signed tree); a cross-check proves that the
live data the site shows and exports still agrees with it: a comment text edited in the
database, a deleted or reordered comment, a changed answer. Each is a function
``check(session, events) -> list of failures``, where ``events`` is a query of the events
in the verification's scope (already verified, so a check may trust them; filter it by
kind, e.g. ``events.where(RecordEvent.kind == "answer_published")``). A failure names the
object and the event, as ``"submission ABCD-EFGH-JKLM (event 12 ...): ..."``.

Register a check with :func:`cross_check`; ``consult record verify`` runs every one in
:data:`CROSS_CHECKS`. A check belongs here once the services write the events it reads:
a check that expects events nobody writes yet would fail every existing database.

Registered now: :func:`received_submissions_unchanged` (reads ``submission_received``
events; the service that stores a submission records its ``content_hash`` in the payload).
Ready to register once every submission is recorded: :func:`every_submission_recorded`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from consult.record.models import EventKind, RecordEvent

CrossCheck = Callable[[Session, Select[tuple[RecordEvent]]], list[str]]
CROSS_CHECKS: list[CrossCheck] = []
BATCH = 500


def cross_check(function: CrossCheck) -> CrossCheck:
    """Add ``function`` to the checks ``consult record verify`` runs."""
    CROSS_CHECKS.append(function)
    return function


def _batches(rows: Iterator[Any], size: int = BATCH) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch


@cross_check
def received_submissions_unchanged(
    session: Session, events: Select[tuple[RecordEvent]]
) -> list[str]:
    """Each recorded submission still exists, in its consultation, and what it holds now
    (its comments, their order and sections, its answers and details) hashes to the
    ``content_hash`` recorded when it arrived."""
    from consult.comments.canonical import content_hash
    from consult.comments.models import Comment, Submission
    from consult.comments.services import canonical_content
    from consult.consultations.models import Consultation

    failures: list[str] = []
    received = session.scalars(
        events.where(RecordEvent.kind == EventKind.SUBMISSION_RECEIVED.value)
        .order_by(RecordEvent.leaf_index)
        .execution_options(yield_per=BATCH)
    )
    for batch in _batches(iter(received)):
        codes = [event.object_id for event in batch]
        live = {
            submission.tracking_code: submission
            for submission in session.scalars(
                select(Submission)
                .where(Submission.tracking_code.in_(codes))
                .options(
                    joinedload(Submission.consultation).joinedload(Consultation.version),
                    joinedload(Submission.consultation).selectinload(Consultation.questions),
                    joinedload(Submission.stakeholder_group),
                    joinedload(Submission.municipality),
                    selectinload(Submission.comments).joinedload(Comment.section),
                    selectinload(Submission.answers),
                )
            )
        }
        for event in batch:
            name = f"submission {event.object_id} ({event.label})"
            submission = live.get(event.object_id)
            recorded = event.payload.get("content_hash")
            if submission is None:
                failures.append(f"{name}: it is missing from the live tables")
            elif submission.consultation.slug != event.chain:
                failures.append(
                    f"{name}: it now belongs to consultation {submission.consultation.slug}"
                )
            elif not recorded:
                failures.append(f"{name}: the event records no content hash")
            elif content_hash(canonical_content(submission)) != recorded:
                failures.append(
                    f"{name}: what it holds now (a comment text, its order or section, an "
                    "answer or a detail) no longer matches the content recorded on arrival"
                )
            elif submission.content_hash != recorded:
                failures.append(f"{name}: its receipt hash differs from the recorded one")
    return failures


def every_submission_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Every live submission of the consultations in scope has its ``submission_received``
    event (a submission slipped into the tables around the record is found). Not
    registered yet: it holds once the submission service writes that event."""
    from consult.comments.models import Submission
    from consult.consultations.models import Consultation

    received = events.where(
        RecordEvent.kind == EventKind.SUBMISSION_RECEIVED.value
    ).with_only_columns(RecordEvent.object_id)
    chains = events.with_only_columns(RecordEvent.chain).distinct()
    missing = session.execute(
        select(Submission.tracking_code, Consultation.slug)
        .join(Submission.consultation)
        .where(Consultation.slug.in_(chains), Submission.tracking_code.not_in(received))
        .order_by(Submission.id)
    )
    return [
        f"submission {code} in consultation {slug}: the record has no event of its arrival"
        for code, slug in missing
    ]
