"""Cross-checks: do the live tables still say what the record says about them?

The record proves itself (hashes, chains, the signed tree); a cross-check proves that the
live data the site shows and exports still agrees with it: a comment text edited in the
database, a deleted or reordered comment, a changed answer. Each is a function
``check(session, events) -> list of failures``, where ``events`` is a query of the events
in the verification's scope (already verified, so a check may trust them; filter it by
kind, e.g. ``events.where(RecordEvent.kind == "answer_published")``). A failure names the
object and the event, as ``"submission ABCD-EFGH-JKLM (event 12 ...): ..."``; a live row
the record knows nothing of is named with its consultation instead.

Register a check with :func:`cross_check`; ``consult record verify`` runs every one in
:data:`CROSS_CHECKS`. A check belongs here once the services write the events it reads:
a check that expects events nobody writes would fail every existing database.

Each check reads the events of its kinds in batches (a server-side cursor, Core rows) and
fetches the live rows of one batch with one or two queries; the other direction (a live
row without its event) is one anti-join per check in the database. Memory stays flat
whatever the size of the record.

Registered:

- :func:`received_submissions_unchanged` and :func:`every_submission_recorded`: each
  submission hashes to the ``content_hash`` recorded when it arrived, and none arrived
  around the record;
- :func:`submission_states_as_recorded`: confirmed (a submission sent without e-mail by a
  moderator, and only such one), discarded and rejected (with the recorded reason and
  note) as the record says, both ways; with :func:`received_submissions_unchanged`, a
  submission waits for a moderator exactly when its arrival says ``"channel": "no_email"``;
- :func:`comment_states_as_recorded`: hidden (with the recorded reason and note), shown
  again and withdrawn as the record says, both ways;
- :func:`answers_unchanged` and :func:`every_answer_recorded`: each published answer still
  says what was published (disposition, reason, the comments it answers, what it
  corrects), a superseded one is still superseded, and none was published around the
  record;
- :func:`versions_unchanged`: each published version's text still hashes as recorded;
- :func:`answer_dates_as_recorded`: each promised answer date is the last one recorded;
- :func:`council_decisions_as_recorded`: each council decision says what its last
  ``council_decision_recorded`` event says (day, outcome, link, corrections), and none
  was recorded around the record;
- :func:`reports_unchanged`: each published reactienota edition (and its files) still
  hashes as recorded, and none was published around the record;
- :func:`comments_public_as_recorded`: a comment is public exactly when the recorded facts
  say so (confirmed, consent to publish, not withdrawn, not hidden);
- :func:`contacts_as_committed`: a sender's e-mail address and published name still match
  the commitments recorded on arrival, or were erased with an event saying so;
- :func:`attributes_as_committed`: a sender's group, age band and municipality still open
  the ``attributes`` commitment recorded on arrival;
- :func:`attachments_unchanged`: each attachment's bytes hash to its recorded SHA-256;
- :func:`activities_as_recorded`: each offline activity as registered (kind, date, counts,
  place, summary, files), a removed one gone, none registered around the record;
- :func:`consultation_states_as_recorded`: each consultation in the state and with the
  opening and closing moments its latest lifecycle event states;
- :func:`region_settings_as_recorded`: each region's setting as last recorded (or the
  default when never changed);
- :func:`comment_reports_as_recorded`: as many reports of each comment as the record has.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    cast,
    exists,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from consult.comments.models import (
    Comment,
    CommentReport,
    Submission,
    SubmissionContact,
    SubmissionState,
)
from consult.comments.services import (
    api_token_prefixes,
    attributes_commitment,
    attributes_opening,
    canonical_content,
)
from consult.consultations.activities import text_hash as activity_text_hash
from consult.consultations.models import (
    Consultation,
    ConsultationState,
    CouncilDecision,
    OfflineActivity,
)
from consult.documents.models import DocumentVersion
from consult.documents.services import version_hash
from consult.files.models import Attachment
from consult.ledger.canonical import commitment, moment
from consult.ledger.canonical import digest as content_hash
from consult.ledger.models import EventKind, RecordEvent
from consult.regions.models import Municipality, Region
from consult.reports.models import ReportFile, ResponseReport
from consult.responses.answers.services import (
    answer_content,
    answer_content_hash,
    answer_object_id,
    answered_comment_ids,
)
from consult.responses.models import Answer, AnswerState
from consult.stakeholders.models import StakeholderGroup

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


# -- helpers -----------------------------------------------------------------------------------


def _stream(session: Session, events: Select[Any], *kinds: EventKind) -> Iterator[list[Any]]:
    """The events of ``kinds`` in scope, in leaf order, as Core rows in batches."""
    query = (
        events.with_only_columns(
            RecordEvent.leaf_index,
            RecordEvent.chain,
            RecordEvent.kind,
            RecordEvent.object_id,
            RecordEvent.payload,
        )
        .where(RecordEvent.kind.in_([kind.value for kind in kinds]))
        .order_by(RecordEvent.leaf_index)
        .execution_options(yield_per=BATCH)
    )
    return _batches(iter(session.execute(query)))


def _label(row: Any) -> str:
    """An event as failures name it (the same words as ``RecordEvent.label``)."""
    return f"event {row.leaf_index} ({row.kind} {row.object_id})"


def _in_scope(slug: Any, events: Select[Any]) -> ColumnElement[bool]:
    """Live rows of the consultations in scope: all of them for the whole record, else
    those whose chain the scope's events are in."""
    if events.whereclause is None:
        return true()
    return slug.in_(events.with_only_columns(RecordEvent.chain).distinct())


def _unrecorded(
    session: Session, events: Select[Any], key: ColumnElement[str], *kinds: EventKind
) -> ColumnElement[bool]:
    """SQL condition: no event of ``kinds`` in scope has ``key`` as its object id.

    An anti-join either way: PostgreSQL plans NOT EXISTS as a hash anti-join; SQLite runs
    NOT IN over a subquery it indexes once (NOT EXISTS would scan the events per row)."""
    recorded = events.where(RecordEvent.kind.in_([kind.value for kind in kinds]))
    if session.get_bind().dialect.name == "postgresql":
        return ~exists(recorded.with_only_columns(literal(1)).where(RecordEvent.object_id == key))
    return key.not_in(recorded.with_only_columns(RecordEvent.object_id))


def _comment_key(code: Any, position: Any) -> ColumnElement[str]:
    """SQL for a comment's public id in the record, ``<tracking code>/<position>``."""
    return code + literal("/") + cast(position, String)


def _split_comment_id(object_id: str) -> tuple[str, int] | None:
    code, _, position = object_id.rpartition("/")
    return (code, int(position)) if code and position.isdigit() else None


def _sha256(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def _reason_and_note(
    name: str, words: tuple[str, str], reason: Any, note: str | None, payload: dict[str, Any]
) -> list[str]:
    """A moderator's recorded reason and note hash (hiding a comment, not approving a
    submission) against the live ones; ``words``: how the failure says what happened."""
    happened, kind = words
    live = reason.value if reason else None
    if live != payload.get("reason"):
        return [
            f"{name}: it {happened} for the reason {live}, but the record says "
            f"{payload.get('reason')}"
        ]
    if _sha256(note) != payload.get("note_hash"):
        return [f"{name}: its {kind} note differs from the recorded one"]
    return []


# -- submissions -------------------------------------------------------------------------------


@cross_check
def received_submissions_unchanged(
    session: Session, events: Select[tuple[RecordEvent]]
) -> list[str]:
    """Each recorded submission still exists, in its consultation, and what it holds now
    (its comments, their order and sections, its answers and details) hashes to the
    ``content_hash`` recorded when it arrived."""

    failures: list[str] = []
    for batch in _stream(session, events, EventKind.SUBMISSION_RECEIVED):
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
            name = f"submission {event.object_id} ({_label(event)})"
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
            elif (
                content_hash(
                    canonical_content(submission, with_attachments="attachments" in event.payload)
                )
                != recorded
            ):
                failures.append(
                    f"{name}: what it holds now (a comment text, its order or section, an "
                    "answer or a detail) no longer matches the content recorded on arrival"
                )
            elif submission.content_hash != recorded:
                failures.append(f"{name}: its receipt hash differs from the recorded one")
            elif _paragraphs_of(submission) != event.payload.get(
                "paragraphs", [None] * len(submission.comments)
            ):
                failures.append(
                    f"{name}: the paragraphs its comments are about differ from the recorded ones"
                )
            if submission is not None and submission.premoderated != (
                event.payload.get("channel") == "no_email"
            ):
                failures.append(
                    f"{name}: it was sent "
                    + ("without" if event.payload.get("channel") == "no_email" else "with")
                    + " an e-mail address or account as recorded, but the live tables say "
                    + ("it waits for a moderator" if submission.premoderated else "it does not")
                )
    return failures


def _paragraphs_of(submission: Submission) -> list[str | None]:
    """Per comment, in order, the paragraph it is about (the payload's ``paragraphs``)."""
    return [c.paragraph for c in sorted(submission.comments, key=lambda c: c.position)]


@cross_check
def every_submission_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Every live submission of the consultations in scope has its ``submission_received``
    event (a submission slipped into the tables around the record is found)."""

    missing = session.execute(
        select(Submission.tracking_code, Consultation.slug)
        .join(Submission.consultation)
        .where(
            _in_scope(Consultation.slug, events),
            _unrecorded(session, events, Submission.tracking_code, EventKind.SUBMISSION_RECEIVED),
        )
        .order_by(Submission.id)
    )
    return [
        f"submission {code} in consultation {slug}: the record has no event of its arrival"
        for code, slug in missing
    ]


@cross_check
def submission_states_as_recorded(
    session: Session, events: Select[tuple[RecordEvent]]
) -> list[str]:
    """A submission the record confirmed (on arrival from an account, or by its email link)
    or discarded is so in the live tables, and no submission is confirmed or discarded
    there without its event (a confirmation would make its comments count and show)."""

    expected = {
        EventKind.SUBMISSION_CONFIRMED.value: SubmissionState.CONFIRMED,
        EventKind.SUBMISSION_DISCARDED.value: SubmissionState.DISCARDED,
        EventKind.SUBMISSION_REJECTED.value: SubmissionState.REJECTED,
    }
    failures: list[str] = []
    for batch in _stream(
        session,
        events,
        EventKind.SUBMISSION_CONFIRMED,
        EventKind.SUBMISSION_DISCARDED,
        EventKind.SUBMISSION_REJECTED,
    ):
        live = {
            row.tracking_code: row
            for row in session.execute(
                select(
                    Submission.tracking_code,
                    Submission.state,
                    Submission.premoderated,
                    Submission.rejection_reason,
                    Submission.rejection_note,
                ).where(Submission.tracking_code.in_({event.object_id for event in batch}))
            )
        }
        for event in batch:
            row = live.get(event.object_id)
            name = f"submission {event.object_id} ({_label(event)})"
            if row is None:
                continue  # a missing submission is named by received_submissions_unchanged
            if row.state is not expected[event.kind]:
                failures.append(f"{name}: it is {row.state.value} in the live tables")
            elif event.kind == EventKind.SUBMISSION_CONFIRMED.value and row.premoderated != (
                event.payload.get("by") == "moderator"
            ):
                # Sent without e-mail only a moderator confirms it; with one, never.
                failures.append(
                    f"{name}: it was confirmed by {event.payload.get('by')}, but the live "
                    "tables say it "
                    + ("waited for a moderator" if row.premoderated else "needed no moderator")
                )
            elif event.kind == EventKind.SUBMISSION_REJECTED.value:
                failures.extend(
                    _reason_and_note(
                        name,
                        ("was not approved", "rejection"),
                        row.rejection_reason,
                        row.rejection_note,
                        event.payload,
                    )
                )
    for state, kind in (
        (SubmissionState.CONFIRMED, EventKind.SUBMISSION_CONFIRMED),
        (SubmissionState.DISCARDED, EventKind.SUBMISSION_DISCARDED),
        (SubmissionState.REJECTED, EventKind.SUBMISSION_REJECTED),
    ):
        unrecorded = session.execute(
            select(Submission.tracking_code, Consultation.slug)
            .join(Submission.consultation)
            .where(
                Submission.state == state,
                _in_scope(Consultation.slug, events),
                _unrecorded(session, events, Submission.tracking_code, kind),
            )
            .order_by(Submission.id)
        )
        failures.extend(
            f"submission {code} in consultation {slug}: it is {state.value}, but the record "
            f"has no {kind.value} event"
            for code, slug in unrecorded
        )
    return failures


# -- comments ----------------------------------------------------------------------------------


def _live_comments(session: Session, object_ids: set[str]) -> dict[str, Any]:
    """The live comments with these public ids, as rows, by public id (one query)."""

    wanted = {key for key in map(_split_comment_id, object_ids) if key is not None}
    rows = session.execute(
        select(
            Submission.tracking_code,
            Comment.position,
            Comment.hidden_at,
            Comment.hidden_reason,
            Comment.hidden_note,
            Comment.withdrawn_at,
        )
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Submission.tracking_code.in_({code for code, _ in wanted}))
    )
    return {
        f"{row.tracking_code}/{row.position}": row
        for row in rows
        if (row.tracking_code, row.position) in wanted
    }


@cross_check
def comment_states_as_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Moderation and withdrawal as the record says, both ways: a comment is hidden (with
    the recorded reason and note) exactly when its latest moderation event hid it, and
    withdrawn exactly when the record has its withdrawal. Hiding or showing a comment in
    the database, or withdrawing one for its sender, is found."""

    hidden, unhidden = EventKind.COMMENT_HIDDEN, EventKind.COMMENT_UNHIDDEN
    failures: list[str] = []

    # The latest moderation event of each comment says whether it is hidden now.
    latest = (
        events.with_only_columns(
            RecordEvent.object_id.label("object_id"), func.max(RecordEvent.leaf_index).label("last")
        )
        .where(RecordEvent.kind.in_([hidden.value, unhidden.value]))
        .group_by(RecordEvent.object_id)
        .subquery("latest")
    )
    moderation = (
        select(
            RecordEvent.leaf_index,
            RecordEvent.chain,
            RecordEvent.kind,
            RecordEvent.object_id,
            RecordEvent.payload,
        )
        .join(latest, latest.c.last == RecordEvent.leaf_index)
        .order_by(RecordEvent.leaf_index)
        .execution_options(yield_per=BATCH)
    )
    for batch in _batches(iter(session.execute(moderation))):
        live = _live_comments(session, {event.object_id for event in batch})
        for event in batch:
            comment = live.get(event.object_id)
            name = f"comment {event.object_id} ({_label(event)})"
            if comment is None:
                failures.append(f"{name}: it is missing from the live tables")
            elif event.kind == hidden.value and comment.hidden_at is None:
                failures.append(f"{name}: the record says it is hidden, but it is shown")
            elif event.kind == unhidden.value and comment.hidden_at is not None:
                failures.append(f"{name}: the record says it is shown, but it is hidden")
            elif event.kind == hidden.value:
                failures.extend(
                    _reason_and_note(
                        name,
                        ("is hidden", "hiding"),
                        comment.hidden_reason,
                        comment.hidden_note,
                        event.payload,
                    )
                )

    for batch in _stream(session, events, EventKind.COMMENT_WITHDRAWN):
        live = _live_comments(session, {event.object_id for event in batch})
        for event in batch:
            comment = live.get(event.object_id)
            name = f"comment {event.object_id} ({_label(event)})"
            if comment is None:
                failures.append(f"{name}: it is missing from the live tables")
            elif comment.withdrawn_at is None:
                failures.append(f"{name}: the record says it is withdrawn, but it is not")

    key = _comment_key(Submission.tracking_code, Comment.position)
    for condition, kinds, what in (
        (Comment.hidden_at.is_not(None), (hidden, unhidden), "hidden"),
        (Comment.withdrawn_at.is_not(None), (EventKind.COMMENT_WITHDRAWN,), "withdrawn"),
    ):
        unrecorded = session.execute(
            select(Submission.tracking_code, Comment.position, Consultation.slug)
            .join(Submission, Submission.id == Comment.submission_id)
            .join(Consultation, Consultation.id == Submission.consultation_id)
            .where(
                condition,
                _in_scope(Consultation.slug, events),
                _unrecorded(session, events, key, *kinds),
            )
            .order_by(Comment.id)
        )
        failures.extend(
            f"comment {code}/{position} in consultation {slug}: it is {what}, but the record "
            f"has no event of it"
            for code, position, slug in unrecorded
        )
    return failures


# -- answers -----------------------------------------------------------------------------------


def _answer_id(object_id: str) -> int | None:
    prefix, _, number = object_id.partition(":")
    return int(number) if prefix == "answer" and number.isdigit() else None


def _answer_differences(event: Any, answer: Any, comments: list[str]) -> list[str]:
    """What a live answer says otherwise than its ``answer_published`` event."""

    payload = event.payload
    found = []
    if answer.disposition.value != payload.get("disposition"):
        found.append(
            f"its disposition is now {answer.disposition.value}, the record says "
            f"{payload.get('disposition')}"
        )
    if _sha256(answer.reason) != payload.get("reason_hash"):
        found.append("its reason text differs from the published one")
    if comments != payload.get("comments"):
        found.append(
            f"it now answers {len(comments)} comment(s) "
            f"({', '.join(comments[:3])}{', ...' if len(comments) > 3 else ''}), not the "
            f"{len(payload.get('comments') or [])} the record names"
        )
    if answer_object_id(answer.supersedes_id) != payload.get("supersedes"):
        found.append(
            f"it now corrects {answer_object_id(answer.supersedes_id)}, the record says "
            f"{payload.get('supersedes')}"
        )
    if not found:
        content = answer_content(
            answer.id, answer.disposition.value, answer.reason, comments, answer.supersedes_id
        )
        if answer_content_hash(content) != payload.get("content_hash"):
            found.append("what it holds no longer hashes to the recorded content")
    return found


@cross_check
def answers_unchanged(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each published answer still exists, published, in its consultation, and says what
    the record says was published: the disposition, the reason (by its hash), the comments
    it answers and the answer it corrects (and they hash to the recorded
    ``content_hash``). Each answer the record says was superseded still is."""

    failures: list[str] = []
    for batch in _stream(session, events, EventKind.ANSWER_PUBLISHED, EventKind.ANSWER_SUPERSEDED):
        ids = {_answer_id(event.object_id) for event in batch} - {None}
        live = {
            answer.id: (answer, slug)
            for answer, slug in session.execute(
                select(Answer, Consultation.slug)
                .join(Consultation, Consultation.id == Answer.consultation_id)
                .where(Answer.id.in_(ids))
            )
        }
        comments = answered_comment_ids(session, ids)
        for event in batch:
            answer_id = _answer_id(event.object_id)
            name = f"{event.object_id} ({_label(event)})"
            found = live.get(answer_id) if answer_id is not None else None
            if found is None:
                failures.append(f"{name}: the answer is missing from the live tables")
                continue
            answer, slug = found
            if slug != event.chain:
                failures.append(f"{name}: it now belongs to consultation {slug}")
            elif answer.state is not AnswerState.PUBLISHED:
                failures.append(f"{name}: it is no longer published (now {answer.state.value})")
            elif event.kind == EventKind.ANSWER_SUPERSEDED.value:
                if answer.superseded_at is None:
                    failures.append(f"{name}: the record says it was corrected, but it is current")
            else:
                failures.extend(
                    f"{name}: {difference}"
                    for difference in _answer_differences(event, answer, comments[answer_id])
                )
    return failures


@cross_check
def every_answer_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Every published answer has its ``answer_published`` event, and every superseded one
    its ``answer_superseded``: none was published or replaced around the record."""

    key = literal("answer:") + cast(Answer.id, String)
    failures: list[str] = []
    for condition, kind, what in (
        (Answer.state == AnswerState.PUBLISHED, EventKind.ANSWER_PUBLISHED, "published"),
        (Answer.superseded_at.is_not(None), EventKind.ANSWER_SUPERSEDED, "superseded"),
    ):
        unrecorded = session.execute(
            select(Answer.id, Consultation.slug)
            .join(Consultation, Consultation.id == Answer.consultation_id)
            .where(
                condition,
                _in_scope(Consultation.slug, events),
                _unrecorded(session, events, key, kind),
            )
            .order_by(Answer.id)
        )
        failures.extend(
            f"answer:{answer_id} in consultation {slug}: it is {what}, but the record has no "
            f"{kind.value} event"
            for answer_id, slug in unrecorded
        )
    return failures


# -- versions and the reactienota --------------------------------------------------------------


def _version_key(event: Any) -> tuple[int, int] | None:
    """(document id, number) of a ``version_published`` event: its payload, else its object
    id ``<document id>/<number>``."""
    payload = event.payload
    document_id, number = payload.get("document_id"), payload.get("number")
    if isinstance(document_id, int) and isinstance(number, int):
        return document_id, number
    first, _, second = event.object_id.partition("/")
    if first.isdigit() and second.isdigit():
        return int(first), int(second)
    return None


@cross_check
def versions_unchanged(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each published version of a document still exists, and its text (every section's
    anchor, number, heading and body, in order) hashes to the recorded ``content_hash``."""

    failures: list[str] = []
    for batch in _stream(session, events, EventKind.VERSION_PUBLISHED):
        keys = {key for key in map(_version_key, batch) if key is not None}
        live = {
            (version.document_id, version.number): version
            for version in session.scalars(
                select(DocumentVersion)
                .where(tuple_(DocumentVersion.document_id, DocumentVersion.number).in_(keys))
                .options(selectinload(DocumentVersion.sections))
            )
        }
        for event in batch:
            key = _version_key(event)
            version = live.get(key) if key is not None else None
            name = f"version {event.object_id} ({_label(event)})"
            recorded = event.payload.get("content_hash")
            if version is None:
                failures.append(f"{name}: it is missing from the live tables")
            elif version_hash(version) != recorded:
                failures.append(
                    f"{name}: its text (a section's heading, body, number or order) no longer "
                    "matches the content recorded when it was published"
                )
            elif version.content_hash != recorded:
                failures.append(f"{name}: its stored hash differs from the recorded one")
    return failures


@cross_check
def answer_dates_as_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """The day each consultation promises its answers is the last one the record states
    (``answers_due_set``): a promise cannot be moved without a recorded reason."""
    last: dict[str, tuple[Any, str]] = {}
    for batch in _stream(session, events, EventKind.ANSWERS_DUE_SET):
        for event in batch:
            last[event.chain] = (event, str(event.payload.get("answers_due_on")))
    if not last:
        return []
    live = dict(
        session.execute(
            select(Consultation.slug, Consultation.answers_due_on).where(
                Consultation.slug.in_(list(last))
            )
        ).all()
    )
    failures = []
    for slug, (event, recorded) in sorted(last.items()):
        due_on = live.get(slug)
        shown = due_on.isoformat() if due_on is not None else "no date"
        if shown != recorded:
            failures.append(
                f"consultation {slug}: its answers are due on {shown}, but {_label(event)} "
                f"promised {recorded}"
            )
    return failures


@cross_check
def council_decisions_as_recorded(
    session: Session, events: Select[tuple[RecordEvent]]
) -> list[str]:
    """Each council decision (one row per consultation and municipality) says what the last
    ``council_decision_recorded`` event for it says; none exists without an event.
    (Decisions are few: at most one per member municipality; one query for the rows.)"""
    from consult.consultations.council import decision_payload

    last: dict[str, Any] = {}
    for batch in _stream(session, events, EventKind.COUNCIL_DECISION_RECORDED):
        for event in batch:
            last[event.object_id] = event
    live = session.execute(
        select(CouncilDecision, Consultation.slug, Municipality)
        .join(Consultation, Consultation.id == CouncilDecision.consultation_id)
        .join(Municipality, Municipality.id == CouncilDecision.municipality_id)
        .where(_in_scope(Consultation.slug, events))
        .order_by(Consultation.slug, Municipality.code)
    ).all()
    failures: list[str] = []
    seen: set[str] = set()
    for decision, slug, municipality in live:
        object_id = f"{slug}/council/{municipality.code}"
        seen.add(object_id)
        event = last.get(object_id)
        name = f"council decision of {municipality.code} on {slug}"
        if event is None:
            failures.append(
                f"{name}: it is in the live tables, but the record has no "
                "council_decision_recorded event"
            )
            continue
        shown = decision_payload(decision, municipality)
        for key in ("decided_on", "outcome", "url", "corrections"):
            if shown[key] != event.payload.get(key):
                failures.append(
                    f"{name} ({_label(event)}): its {key} is {shown[key]!r}, but the record "
                    f"says {event.payload.get(key)!r}"
                )
    failures.extend(
        f"council decision {object_id} ({_label(event)}): it is missing from the live tables"
        for object_id, event in sorted(last.items())
        if object_id not in seen
    )
    return failures


def _edition(object_id: str) -> int | None:
    prefix, _, number = object_id.partition(":")
    return int(number) if prefix == "report" and number.isdigit() else None


@cross_check
def reports_unchanged(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each published edition of a reactienota still exists, published, with content that
    hashes to the recorded ``content_hash`` and the files recorded with it unchanged; and
    no edition was published around the record. (Editions are few: one query each way.)"""
    from consult.reports.services import content_hash

    failures: list[str] = []
    recorded: set[tuple[str, int | None]] = set()
    for batch in _stream(session, events, EventKind.REPORT_PUBLISHED):
        chains = {event.chain for event in batch}
        live = {
            (slug, report.edition): report
            for report, slug in session.execute(
                select(ResponseReport, Consultation.slug)
                .join(Consultation, Consultation.id == ResponseReport.consultation_id)
                .where(Consultation.slug.in_(chains))
                .options(selectinload(ResponseReport.files).undefer(ReportFile.data))
            )
        }
        for event in batch:
            edition = _edition(event.object_id)
            recorded.add((event.chain, edition))
            report = live.get((event.chain, edition))
            name = f"reactienota edition {edition} of {event.chain} ({_label(event)})"
            if report is None:
                failures.append(f"{name}: it is missing from the live tables")
                continue
            if not report.is_published:
                failures.append(f"{name}: it is no longer published")
            if content_hash(report.content) != event.payload.get("content_hash"):
                failures.append(
                    f"{name}: its content no longer matches the content recorded when it was "
                    "published"
                )
            elif report.content_hash != event.payload.get("content_hash"):
                failures.append(f"{name}: its stored hash differs from the recorded one")
            files = {file.format: file for file in report.files}
            for entry in event.payload.get("files") or []:
                file = files.get(entry.get("format"))
                if file is None:
                    failures.append(f"{name}: its {entry.get('format')} file is missing")
                elif hashlib.sha256(file.data).hexdigest() != entry.get("sha256"):
                    failures.append(f"{name}: its {file.format} file was changed")

    published = session.execute(
        select(Consultation.slug, ResponseReport.edition)
        .join(Consultation, Consultation.id == ResponseReport.consultation_id)
        .where(ResponseReport.published_at.is_not(None), _in_scope(Consultation.slug, events))
        .order_by(Consultation.slug, ResponseReport.edition)
    )
    failures.extend(
        f"reactienota edition {edition} of {slug}: it is published, but the record has no "
        "report_published event"
        for slug, edition in published
        if (slug, edition) not in recorded
    )
    return failures


# -- what is public, contacts and attachments ------------------------------------------------------


PUBLISHABLE = (
    "it is not public, but it is confirmed, sent with consent to publish, not withdrawn "
    "and not hidden"
)
NOT_PUBLISHABLE = (
    "it is public, but it is not confirmed, not sent with consent to publish, withdrawn or hidden"
)


@cross_check
def comments_public_as_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """``is_public`` is what the recorded facts make it: confirmed (its event), consent to
    publish (in the content hash), not withdrawn and not hidden (their events; the other
    checks hold those to the record). A comment unpublished, or published, in the database
    is found. One query, in the database."""
    publishable = (
        (Submission.state == SubmissionState.CONFIRMED)
        & Submission.publish_text.is_(True)
        & Comment.withdrawn_at.is_(None)
        & Comment.hidden_at.is_(None)
    )
    wrong = session.execute(
        select(Submission.tracking_code, Comment.position, Consultation.slug, Comment.is_public)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Consultation, Consultation.id == Submission.consultation_id)
        .where(
            _in_scope(Consultation.slug, events),
            (Comment.is_public.is_(True) & ~publishable)
            | (Comment.is_public.is_(False) & publishable),
        )
        .order_by(Comment.id)
        .execution_options(yield_per=BATCH)
    )
    return [
        f"comment {code}/{position} in consultation {slug}: "
        + (NOT_PUBLISHABLE if public else PUBLISHABLE)
        for code, position, slug, public in wrong
    ]


@cross_check
def contacts_as_committed(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each sender's e-mail address, and the name they gave to be published, still match
    the commitments (``contact``, ``shown_name``) recorded on arrival; a contact whose data
    is gone was erased with an event (``personal_data_erased``, or ``submission_discarded``)
    saying so."""
    failures: list[str] = []
    erased_kinds = [EventKind.PERSONAL_DATA_ERASED.value, EventKind.SUBMISSION_DISCARDED.value]
    for batch in _stream(session, events, EventKind.SUBMISSION_RECEIVED):
        codes = [event.object_id for event in batch]
        live = {
            row.tracking_code: row
            for row in session.execute(
                select(
                    Submission.tracking_code,
                    SubmissionContact.email,
                    SubmissionContact.display_name,
                    SubmissionContact.salt,
                    SubmissionContact.erased_at,
                )
                .outerjoin(SubmissionContact, SubmissionContact.submission_id == Submission.id)
                .where(Submission.tracking_code.in_(codes))
            )
        }
        erased = set(
            session.scalars(
                select(RecordEvent.object_id).where(
                    RecordEvent.kind.in_(erased_kinds), RecordEvent.object_id.in_(codes)
                )
            )
        )
        for event in batch:
            recorded, shown = event.payload.get("contact"), event.payload.get("shown_name")
            if not recorded and not shown:
                continue
            name = f"submission {event.object_id} ({_label(event)})"
            contact = live.get(event.object_id)
            if contact is None:
                continue  # a missing submission is named by received_submissions_unchanged
            if not contact.salt:
                if event.object_id not in erased:
                    failures.append(
                        f"{name}: its contact data is gone, but the record has no erasure"
                    )
                continue
            if recorded and commitment(contact.salt, contact.email or "") != recorded:
                failures.append(
                    f"{name}: its contact e-mail address no longer matches the commitment "
                    "recorded on arrival"
                )
            if shown and commitment(contact.salt, "name:" + (contact.display_name or "")) != (
                shown
            ):
                failures.append(
                    f"{name}: its published name no longer matches the commitment recorded "
                    "on arrival"
                )
    return failures


@cross_check
def attributes_as_committed(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each sender's group, age band and municipality (and the API token that sent it)
    still open the ``attributes`` commitment recorded on arrival (events since issue 16;
    older events hold them in the open, checked through the content hash). A salt that is
    gone needs an erasure (``personal_data_erased`` or ``submission_discarded``)."""
    failures: list[str] = []
    erased_kinds = [EventKind.PERSONAL_DATA_ERASED.value, EventKind.SUBMISSION_DISCARDED.value]
    for batch in _stream(session, events, EventKind.SUBMISSION_RECEIVED):
        batch = [event for event in batch if "attributes" in event.payload]
        if not batch:
            continue
        codes = [event.object_id for event in batch]
        live = {
            submission.tracking_code: submission
            for submission in session.scalars(
                select(Submission)
                .where(Submission.tracking_code.in_(codes))
                .options(
                    joinedload(Submission.stakeholder_group),
                    joinedload(Submission.municipality),
                )
            )
        }
        prefixes = api_token_prefixes(session, codes)
        erased = set(
            session.scalars(
                select(RecordEvent.object_id).where(
                    RecordEvent.kind.in_(erased_kinds), RecordEvent.object_id.in_(codes)
                )
            )
        )
        for event in batch:
            submission = live.get(event.object_id)
            if submission is None:
                continue  # a missing submission is named by received_submissions_unchanged
            name = f"submission {event.object_id} ({_label(event)})"
            if not submission.attributes_salt:
                if submission.attributes_salt is None or event.object_id not in erased:
                    failures.append(
                        f"{name}: the salt of its commitment to group, age band and "
                        "municipality is gone, but the record has no erasure"
                    )
                continue
            opening = attributes_opening(submission, prefixes.get(event.object_id))
            if (
                attributes_commitment(submission.attributes_salt, opening)
                != (event.payload["attributes"])
            ):
                failures.append(
                    f"{name}: its group, age band or municipality no longer matches the "
                    "commitment recorded on arrival"
                )
    return failures


@cross_check
def attachments_unchanged(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each attachment's bytes still have the size and SHA-256 it was stored with (which
    the content hash of a submission, or an activity's event, holds). Reads the files a
    few at a time."""
    failures: list[str] = []
    owners: tuple[tuple[Any, Any, Any, Any, str], ...] = (
        (
            Submission.tracking_code,
            Submission,
            Attachment.submission_id == Submission.id,
            Submission.consultation_id,
            "submission",
        ),
        (
            literal("activity:") + cast(OfflineActivity.id, String),
            OfflineActivity,
            Attachment.activity_id == OfflineActivity.id,
            OfflineActivity.consultation_id,
            "activity",
        ),
    )
    for owner, entity, join, consultation_id, what in owners:
        rows = session.execute(
            select(
                owner.label("owner"),
                Attachment.filename,
                Attachment.size,
                Attachment.sha256,
                Attachment.data,
                Consultation.slug,
            )
            .select_from(Attachment)
            .join(entity, join)
            .join(Consultation, Consultation.id == consultation_id)
            .where(_in_scope(Consultation.slug, events))
            .order_by(Attachment.id)
            .execution_options(yield_per=16)
        )
        for row in rows:
            data = row.data or b""
            if len(data) != row.size or hashlib.sha256(data).hexdigest() != row.sha256:
                prefix = "" if what == "activity" else "submission "
                failures.append(
                    f"{prefix}{row.owner} in consultation {row.slug}: its attachment "
                    f"{row.filename!r} was replaced (its bytes no longer hash to the "
                    "recorded SHA-256)"
                )
    return failures


# -- offline activities ------------------------------------------------------------------------


def _activity_id(object_id: str) -> int | None:
    prefix, _, number = object_id.partition(":")
    return int(number) if prefix == "activity" and number.isdigit() else None


@cross_check
def activities_as_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each offline activity the record registered (and did not remove) is there as
    registered: kind, date, participant counts per group and age band, total, place and
    summary (by hash) and attachments; a removed one is gone; none is in the tables
    without its registration."""
    failures: list[str] = []
    latest: dict[str, Any] = {}
    payloads: dict[str, Any] = {}
    registered = EventKind.ACTIVITY_REGISTERED.value
    kinds = [registered, EventKind.ACTIVITY_REMOVED.value]
    query = (
        events.with_only_columns(
            RecordEvent.leaf_index,
            RecordEvent.chain,
            RecordEvent.kind,
            RecordEvent.object_id,
            cast(RecordEvent.payload, Text).label("payload"),
        )
        .where(RecordEvent.kind.in_(kinds))
        .order_by(RecordEvent.leaf_index)
        .execution_options(yield_per=BATCH)
    )
    for batch in _batches(iter(session.execute(query))):
        for event in batch:
            # An event without the form of a registration (or removal) names no row to
            # compare: synthetic events of the benchmarks, say. Real ones always have it.
            # The payload is read as text, and parsed only where the form's key can be:
            # an object without an escape that does not hold the key's name has no such key.
            form = "participants" if event.kind == registered else "total"
            raw = event.payload
            if (
                raw is not None
                and raw.startswith("{")
                and "\\" not in raw
                and f'"{form}"' not in raw
            ):
                continue
            payload = None if raw is None else json.loads(raw)
            if form in payload:
                latest[event.object_id] = event  # few: hundreds per consultation
                payloads[event.object_id] = payload
    ids = {_activity_id(object_id) for object_id in latest} - {None}
    live = {
        activity.id: (activity, slug)
        for activity, slug in session.execute(
            select(OfflineActivity, Consultation.slug)
            .join(Consultation, Consultation.id == OfflineActivity.consultation_id)
            .where(OfflineActivity.id.in_(ids))
            .options(selectinload(OfflineActivity.participants))
        )
    }
    groups = dict(session.execute(select(StakeholderGroup.id, StakeholderGroup.code)).all())
    files: dict[int, list[str]] = {}
    for activity_id, sha256 in session.execute(
        select(Attachment.activity_id, Attachment.sha256)
        .where(Attachment.activity_id.in_(ids))
        .order_by(Attachment.id)
    ):
        files.setdefault(activity_id, []).append(sha256)
    for object_id, event in latest.items():
        activity_id = _activity_id(object_id)
        found = live.get(activity_id) if activity_id is not None else None
        name = f"{object_id} ({_label(event)})"
        if event.kind == EventKind.ACTIVITY_REMOVED.value:
            if found is not None:
                failures.append(f"{name}: the record says it was removed, but it is there")
            continue
        if found is None:
            failures.append(f"{name}: the activity is missing from the live tables")
            continue
        activity, slug = found
        payload = payloads[object_id]
        participants = [
            {"group": groups.get(p.stakeholder_group_id), "age_band": p.age_band, "count": p.count}
            for p in sorted(
                activity.participants, key=lambda p: (p.stakeholder_group_id, p.age_band or "")
            )
        ]
        differences = []
        if slug != event.chain:
            differences.append(f"it now belongs to consultation {slug}")
        if activity.kind.value != payload.get("kind"):
            differences.append(f"its kind is now {activity.kind.value}")
        if activity.held_on.isoformat() != payload.get("held_on"):
            differences.append(f"its date is now {activity.held_on.isoformat()}")
        if participants != payload.get("participants") or sum(
            p["count"] for p in participants
        ) != payload.get("total"):
            differences.append(
                f"its participant counts are now {sum(p['count'] for p in participants)} "
                f"in all, the record says {payload.get('total')}"
            )
        if activity_text_hash(activity.place) != payload.get("place_hash"):
            differences.append("its place differs from the recorded one")
        if activity_text_hash(activity.summary) != payload.get("summary_hash"):
            differences.append("its summary differs from the recorded one")
        if "attachments" in payload and files.get(activity.id, []) != payload["attachments"]:
            differences.append("its attachments differ from the recorded ones")
        failures.extend(f"{name}: {difference}" for difference in differences)

    key = literal("activity:") + cast(OfflineActivity.id, String)
    unrecorded = session.execute(
        select(OfflineActivity.id, Consultation.slug)
        .join(Consultation, Consultation.id == OfflineActivity.consultation_id)
        .where(
            _in_scope(Consultation.slug, events),
            _unrecorded(session, events, key, EventKind.ACTIVITY_REGISTERED),
        )
        .order_by(OfflineActivity.id)
    )
    failures.extend(
        f"activity:{activity_id} in consultation {slug}: it is registered, but the record "
        "has no activity_registered event"
        for activity_id, slug in unrecorded
    )
    return failures


# -- consultations and regions -----------------------------------------------------------------

_STATE_OF = {
    EventKind.CONSULTATION_SCHEDULED.value: {ConsultationState.SCHEDULED},
    EventKind.CONSULTATION_UNSCHEDULED.value: {ConsultationState.DRAFT},
    EventKind.CONSULTATION_OPENED.value: {ConsultationState.OPEN},
    EventKind.CONSULTATION_EXTENDED.value: {ConsultationState.OPEN},
    # The reactienota's publication is recorded as report_published, not as a state event.
    EventKind.CONSULTATION_CLOSED.value: {
        ConsultationState.CLOSED,
        ConsultationState.REPORT_PUBLISHED,
    },
    EventKind.CONSULTATION_ANSWERED.value: {
        ConsultationState.ANSWERED,
        ConsultationState.REPORT_PUBLISHED,
    },
}
_LIFECYCLE = [
    EventKind.CONSULTATION_SCHEDULED,
    EventKind.CONSULTATION_UNSCHEDULED,
    EventKind.CONSULTATION_OPENED,
    EventKind.CONSULTATION_EXTENDED,
    EventKind.CONSULTATION_CLOSED,
    EventKind.CONSULTATION_ANSWERED,
]


@cross_check
def consultation_states_as_recorded(
    session: Session, events: Select[tuple[RecordEvent]]
) -> list[str]:
    """Each consultation with lifecycle events is in the state its latest one states, and
    opens and closes at the moments last recorded (a closed consultation set back to open,
    or a closing moment moved, is found)."""
    last: dict[str, Any] = {}
    opens: dict[str, str] = {}
    closes: dict[str, str] = {}
    for batch in _stream(session, events, *_LIFECYCLE):
        for event in batch:
            last[event.chain] = event
            payload = event.payload
            if isinstance(payload.get("opens_at"), str):
                opens[event.chain] = payload["opens_at"]
            for key in ("closes_at", "new_closes_at"):
                if isinstance(payload.get(key), str):
                    closes[event.chain] = payload[key]
    if not last:
        return []
    live = {
        row.slug: row
        for row in session.execute(
            select(
                Consultation.slug, Consultation.state, Consultation.opens_at, Consultation.closes_at
            ).where(Consultation.slug.in_(list(last)))
        )
    }
    failures = []
    for slug, event in sorted(last.items()):
        row = live.get(slug)
        if row is None:
            continue  # a consultation gone is named by the chain check
        if row.state not in _STATE_OF[event.kind]:
            failures.append(
                f"consultation {slug}: it is {row.state.value}, but {_label(event)} says "
                f"{' or '.join(sorted(s.value for s in _STATE_OF[event.kind]))}"
            )
        if slug in opens and moment(row.opens_at) != opens[slug]:
            failures.append(
                f"consultation {slug}: it opens at {moment(row.opens_at)}, but the record "
                f"says {opens[slug]}"
            )
        if slug in closes and moment(row.closes_at) != closes[slug]:
            failures.append(
                f"consultation {slug}: it closes at {moment(row.closes_at)}, but the record "
                f"says {closes[slug]}"
            )
    return failures


_REGION_DEFAULTS: dict[str, Any] = {"allow_self_approval": False}


@cross_check
def region_settings_as_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each region's self-approval setting is the last value the record states (off, the
    default, when the record has none): answers approved by their own drafter depend on
    it. (Platform events: checked with the whole record only.)"""
    if events.whereclause is not None:
        return []
    recorded: dict[tuple[str, str], Any] = {}
    labels: dict[tuple[str, str], str] = {}
    for batch in _stream(session, events, EventKind.REGION_SETTING_CHANGED):
        for event in batch:
            setting = event.payload.get("setting")
            if setting in _REGION_DEFAULTS:
                recorded[(event.object_id, setting)] = event.payload.get("value")
                labels[(event.object_id, setting)] = _label(event)
    failures = []
    for code, allow in session.execute(
        select(Region.code, Region.allow_self_approval).order_by(Region.code)
    ):
        key = (code, "allow_self_approval")
        expected = recorded.get(key, _REGION_DEFAULTS["allow_self_approval"])
        if bool(allow) != expected:
            source = labels.get(key, "the default, as the record has no change of it")
            failures.append(
                f"region {code}: self-approval is {'on' if allow else 'off'}, but "
                f"{source} says {'on' if expected else 'off'}"
            )
    return failures


# -- reports of comments -----------------------------------------------------------------------


@cross_check
def comment_reports_as_recorded(session: Session, events: Select[tuple[RecordEvent]]) -> list[str]:
    """Each comment has as many reports, for the same reasons, as the record has
    ``comment_reported`` events (a report deleted or added in the database is found)."""
    failures: list[str] = []
    counted = (
        events.with_only_columns(RecordEvent.object_id, func.count().label("reports"))
        .where(RecordEvent.kind == EventKind.COMMENT_REPORTED.value)
        # Only a comment's public id (``<code>/<position>``) names a row to count: an id
        # without a slash never does (see _split_comment_id), so the database skips those.
        .where(RecordEvent.object_id.contains("/", autoescape=True))
        .group_by(RecordEvent.object_id)
        .order_by(RecordEvent.object_id)
        .execution_options(yield_per=BATCH)
    )
    for batch in _batches(iter(session.execute(counted))):
        wanted = {key for key in (_split_comment_id(row.object_id) for row in batch) if key}
        live: dict[str, int] = {}
        for code, position, reports in session.execute(
            select(Submission.tracking_code, Comment.position, func.count(CommentReport.id))
            .select_from(CommentReport)
            .join(Comment, Comment.id == CommentReport.comment_id)
            .join(Submission, Submission.id == Comment.submission_id)
            .where(Submission.tracking_code.in_({code for code, _ in wanted}))
            .group_by(Submission.tracking_code, Comment.position)
        ):
            live[f"{code}/{position}"] = reports
        for row in batch:
            if _split_comment_id(row.object_id) is None:
                continue  # not a comment's public id: nothing in the tables to count
            found = live.get(row.object_id, 0)
            if found != row.reports:
                failures.append(
                    f"comment {row.object_id}: it has {found} report(s), but the record has "
                    f"{row.reports} comment_reported event(s)"
                )
    key = _comment_key(Submission.tracking_code, Comment.position)
    unrecorded = session.execute(
        select(Submission.tracking_code, Comment.position, Consultation.slug)
        .select_from(CommentReport)
        .join(Comment, Comment.id == CommentReport.comment_id)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Consultation, Consultation.id == Submission.consultation_id)
        .where(
            _in_scope(Consultation.slug, events),
            _unrecorded(session, events, key, EventKind.COMMENT_REPORTED),
        )
        .distinct()
        .order_by(Submission.tracking_code, Comment.position)
    )
    failures.extend(
        f"comment {code}/{position} in consultation {slug}: it has reports, but the record "
        "has no comment_reported event"
        for code, position, slug in unrecorded
    )
    return failures
