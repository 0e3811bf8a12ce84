"""Moderation: hiding and unhiding comments with a recorded reason, and reports by visitors.

Moderation never deletes and never edits a comment: hiding is a dated fact next to the
text (``Comment.hidden_at`` with a reason and a note) plus a :class:`ModerationAction` in
the comment's history. A hidden comment still counts as received and still gets an answer.
The participant is told by email, in their own language (Dutch unless their account says
otherwise), why their comment was hidden and where to see its state.

Hiding, unhiding and reporting each write their event in the evidence record, in the same
transaction: the reason code and a SHA-256 of the note, never the reporter or the moderator
by name (:func:`moderation_event_payload`).
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, selectinload

from consult.accounts.models import User
from consult.comments.codes import display
from consult.comments.models import (
    Comment,
    CommentReport,
    HideReason,
    ModerationAction,
    ModerationKind,
    Submission,
    SubmissionState,
)
from consult.comments.services import comment_object_id, record_confirmation, refresh_public
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.models import ActorRole, EventKind
from consult.mail import external_url
from consult.outbox import send_template
from consult.permissions import Actor

log = logging.getLogger(__name__)

PAGE_SIZE = 25
MAX_NOTE_LENGTH = 2000


class ModerationError(Exception):
    """A moderation step that cannot be done; the message says why, for the moderator."""


class AlreadyHidden(ModerationError):
    pass


class NotHidden(ModerationError):
    pass


class NoteRequired(ModerationError):
    pass


# -- public or not ---------------------------------------------------------------------------


def count_received_comments(session: Session, consultation: Consultation) -> int:
    """Every comment of a confirmed submission: hidden and withdrawn ones still count."""
    return (
        session.scalar(
            select(func.count(Comment.id))
            .join(Submission, Submission.id == Comment.submission_id)
            .where(
                Comment.consultation_id == consultation.id,
                Submission.state == SubmissionState.CONFIRMED,
            )
        )
        or 0
    )


# -- the evidence record -----------------------------------------------------------------------


def note_hash(note: str | None) -> str:
    """SHA-256 (hex) of a moderation note as stored: the record binds the note without
    holding its words (which may quote what was hidden)."""
    return hashlib.sha256((note or "").encode("utf-8")).hexdigest()


def moderation_event_payload(reason: HideReason | None, note: str | None) -> dict[str, Any]:
    """The payload of ``comment_hidden`` (a reason) and ``comment_unhidden`` (none)."""
    payload: dict[str, Any] = {"note_hash": note_hash(note)}
    if reason is not None:
        payload["reason"] = reason.value
    return payload


def _consultation_of(session: Session, comment: Comment) -> Consultation:
    # From the identity map when the view loaded it already (it loads comments through it).
    consultation = session.get(Consultation, comment.consultation_id)
    assert consultation is not None  # a foreign key
    return consultation


def _record_moderation(
    session: Session,
    actor: Actor | None,
    comment: Comment,
    kind: EventKind,
    action: ModerationAction,
) -> None:
    consultation = _consultation_of(session, comment)
    record.append(
        session,
        kind=kind,
        consultation=consultation,
        object_type="comment",
        object_id=comment_object_id(comment),
        actor_role=role_in_region(actor, consultation.region_id, prefer=ActorRole.MODERATOR),
        payload=moderation_event_payload(action.reason, action.note),
        occurred_at=action.acted_at,
    )


# -- hide, unhide, reports ---------------------------------------------------------------------


def _close_reports(session: Session, comment: Comment) -> int:
    """Mark the comment's open reports as looked at; returns how many there were."""
    result = session.execute(
        update(CommentReport)
        .where(CommentReport.comment_id == comment.id, CommentReport.handled_at.is_(None))
        .values(handled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def hide_comment(
    session: Session, actor: Actor | None, comment: Comment, reason: HideReason, note: str
) -> ModerationAction:
    """Hide ``comment`` from the public with a reason; its open reports count as handled.

    The note is sent to the participant, so it should say in plain words what was wrong.
    A note is required for :attr:`HideReason.OTHER`, where the reason alone says nothing.
    """
    note = (note or "").strip()
    session.refresh(comment, with_for_update=True)  # two moderators at once: one hides it
    if comment.hidden_at is not None:
        raise AlreadyHidden(_("This comment is already hidden."))
    if reason is HideReason.OTHER and not note:
        raise NoteRequired(_("Explain why you hide this comment when you choose 'other reason'."))
    now = utcnow()
    comment.hidden_at = now
    comment.hidden_reason = reason
    comment.hidden_note = note
    comment.is_public = comment.publishable
    action = ModerationAction(
        comment=comment,
        kind=ModerationKind.HIDE,
        reason=reason,
        note=note,
        actor_id=getattr(actor, "id", None),
        acted_at=now,
    )
    session.add(action)
    session.flush()
    _close_reports(session, comment)
    _record_moderation(session, actor, comment, EventKind.COMMENT_HIDDEN, action)
    return action


def unhide_comment(
    session: Session, actor: Actor | None, comment: Comment, note: str
) -> ModerationAction:
    """Show a hidden comment again (if it may be public at all); the hiding stays in the history."""
    note = (note or "").strip()
    session.refresh(comment, with_for_update=True)
    if comment.hidden_at is None:
        raise NotHidden(_("This comment is not hidden."))
    if not note:
        raise NoteRequired(_("Explain why you show this comment again."))
    comment.hidden_at = None
    comment.hidden_reason = None
    comment.hidden_note = None
    comment.is_public = comment.publishable
    action = ModerationAction(
        comment=comment,
        kind=ModerationKind.UNHIDE,
        reason=None,
        note=note,
        actor_id=getattr(actor, "id", None),
        acted_at=utcnow(),
    )
    session.add(action)
    session.flush()
    _record_moderation(session, actor, comment, EventKind.COMMENT_UNHIDDEN, action)
    return action


def report_comment(
    session: Session, comment: Comment, reason: HideReason, note: str, reporter: Any = None
) -> CommentReport:
    """Someone asks the moderators to look at a public comment.

    The record keeps the reason code only: not who reported it, nor their note."""
    if not comment.is_public:
        raise ModerationError(_("Only published comments can be reported."))
    reporter_id = (
        getattr(reporter, "id", None) if getattr(reporter, "is_authenticated", False) else None
    )
    report = CommentReport(
        comment_id=comment.id,
        reason=reason,
        note=(note or "").strip(),
        reporter_id=reporter_id,
    )
    session.add(report)
    session.flush()
    record.append(
        session,
        kind=EventKind.COMMENT_REPORTED,
        consultation=_consultation_of(session, comment),
        object_type="comment",
        object_id=comment_object_id(comment),
        actor_role=ActorRole.PARTICIPANT,
        payload={"reason": reason.value},
        occurred_at=report.reported_at,
    )
    return report


def dismiss_reports(session: Session, actor: Actor, comment: Comment) -> int:
    """A moderator looked at the reports and leaves the comment as it is."""
    return _close_reports(session, comment)


# -- loading ---------------------------------------------------------------------------------


def consultation_in_region(session: Session, region_id: int, slug: str) -> Consultation | None:
    return session.scalar(
        select(Consultation).where(Consultation.region_id == region_id, Consultation.slug == slug)
    )


def comment_in_consultation(
    session: Session, consultation: Consultation, comment_id: int
) -> Comment | None:
    """A comment by id, but only within ``consultation``: an id from elsewhere finds nothing."""
    return session.scalar(
        select(Comment)
        .where(Comment.id == comment_id, Comment.consultation_id == consultation.id)
        .options(
            selectinload(Comment.submission).selectinload(Submission.stakeholder_group),
            selectinload(Comment.section),
            selectinload(Comment.moderation),
        )
    )


def reportable_comment(session: Session, comment_id: int) -> Comment | None:
    """A published comment of a consultation that is no longer a draft; else nothing."""
    return session.scalar(
        select(Comment)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .where(
            Comment.id == comment_id,
            Comment.is_public.is_(True),
            Consultation.state != ConsultationState.DRAFT,
        )
        .options(
            selectinload(Comment.section),
            selectinload(Comment.submission).selectinload(Submission.consultation),
        )
    )


QUEUE_FILTERS = ("alle", "gemeld", "verborgen")


@dataclass
class QueueItem:
    comment: Comment
    open_reports: list[CommentReport]


@dataclass
class Queue:
    items: list[QueueItem]
    page: int
    pages: int
    total: int
    reported_count: int
    hidden_count: int
    all_count: int


def moderation_queue(
    session: Session, consultation: Consultation, show: str = "alle", page: int = 1
) -> Queue:
    """The comments of a consultation for moderators: reported ones first, then the newest.

    Offset pagination over (has open reports, number of open reports, newest first); the
    query count is fixed (counts, one page, its reports) whatever the number of comments.
    """
    open_counts = (
        select(CommentReport.comment_id, func.count(CommentReport.id).label("reports"))
        .where(CommentReport.handled_at.is_(None))
        .group_by(CommentReport.comment_id)
        .subquery()
    )
    reports = func.coalesce(open_counts.c.reports, 0)
    base = (
        select(Comment)
        .outerjoin(open_counts, open_counts.c.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id)
    )

    counts = session.execute(
        select(
            func.count(Comment.id),
            func.count(open_counts.c.comment_id),
            func.count(Comment.hidden_at),
        )
        .select_from(Comment)
        .outerjoin(open_counts, open_counts.c.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id)
    ).one()
    all_count, reported_count, hidden_count = (int(n or 0) for n in counts)

    if show == "gemeld":
        base = base.where(open_counts.c.comment_id.is_not(None))
        total = reported_count
    elif show == "verborgen":
        base = base.where(Comment.hidden_at.is_not(None))
        total = hidden_count
    else:
        total = all_count

    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    comments = session.scalars(
        base.order_by(
            case((reports > 0, 0), else_=1),
            reports.desc(),
            Comment.id.desc(),
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .options(
            selectinload(Comment.submission).selectinload(Submission.stakeholder_group),
            selectinload(Comment.section),
            selectinload(Comment.moderation),
        )
    ).all()

    by_comment: dict[int, list[CommentReport]] = {c.id: [] for c in comments}
    if comments:
        for report in session.scalars(
            select(CommentReport)
            .where(
                CommentReport.comment_id.in_(list(by_comment)),
                CommentReport.handled_at.is_(None),
            )
            .order_by(CommentReport.id)
        ):
            by_comment[report.comment_id].append(report)

    return Queue(
        items=[QueueItem(c, by_comment[c.id]) for c in comments],
        page=page,
        pages=pages,
        total=total,
        reported_count=reported_count,
        hidden_count=hidden_count,
        all_count=all_count,
    )


# -- approving comments sent without e-mail --------------------------------------------------


class NotAwaiting(ModerationError):
    pass


def _record_decision(
    session: Session, actor: Actor | None, submission: Submission, kind: EventKind
) -> None:
    consultation = submission.consultation
    role = role_in_region(actor, consultation.region_id, prefer=ActorRole.MODERATOR)
    if kind is EventKind.SUBMISSION_CONFIRMED:
        record_confirmation(session, submission, by="moderator", actor_role=role)
        return
    record.append(
        session,
        kind=EventKind.SUBMISSION_REJECTED,
        consultation=consultation,
        object_type="submission",
        object_id=submission.tracking_code,
        actor_role=role,
        payload=moderation_event_payload(submission.rejection_reason, submission.rejection_note),
        occurred_at=submission.rejected_at,
    )


def _lock_awaiting(session: Session, submission: Submission) -> None:
    # Two moderators at once: the first decides, the second is told.
    session.refresh(submission, with_for_update=True)
    if submission.state is not SubmissionState.AWAITING:
        raise NotAwaiting(_("Another moderator already decided about this comment."))


def approve_submission(session: Session, actor: Actor | None, submission: Submission) -> None:
    """Approve a submission sent without e-mail: it is confirmed now (the moment of receipt
    stays), counts, gets an answer, and its comments show if the sender consented.

    Recorded as ``submission_confirmed`` by "moderator"."""
    _lock_awaiting(session, submission)
    submission.state = SubmissionState.CONFIRMED
    submission.confirmed_at = utcnow()
    refresh_public(submission)
    session.flush()
    _record_decision(session, actor, submission, EventKind.SUBMISSION_CONFIRMED)


def reject_submission(
    session: Session, actor: Actor | None, submission: Submission, reason: HideReason, note: str
) -> None:
    """Do not approve a submission sent without e-mail: it is kept, never shown, never
    counted and not answered. For what is not a real reaction (spam, abuse, a flood); a
    real reaction with one wrong sentence is approved and then hidden, so it still counts.

    Recorded as ``submission_rejected`` with the reason and a SHA-256 of the note (the
    sender reads the reason on the status page of their code)."""
    note = (note or "").strip()
    if reason is HideReason.OTHER and not note:
        raise NoteRequired(_("Explain why you do not approve it when you choose 'other reason'."))
    _lock_awaiting(session, submission)
    submission.state = SubmissionState.REJECTED
    submission.rejected_at = utcnow()
    submission.rejection_reason = reason
    submission.rejection_note = note
    refresh_public(submission)
    session.flush()
    _record_decision(session, actor, submission, EventKind.SUBMISSION_REJECTED)


@dataclass
class ApprovalQueue:
    submissions: list[Submission]
    page: int
    pages: int
    total: int


def awaiting_count(session: Session, consultation: Consultation) -> int:
    return (
        session.scalar(
            select(func.count(Submission.id)).where(
                Submission.consultation_id == consultation.id,
                Submission.state == SubmissionState.AWAITING,
            )
        )
        or 0
    )


def approval_queue(session: Session, consultation: Consultation, page: int = 1) -> ApprovalQueue:
    """The submissions sent without e-mail that wait for a moderator, oldest first.

    A count and one page (with its comments and their sections): the same few queries
    whether ten or ten thousand wait."""
    total = awaiting_count(session, consultation)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    submissions = session.scalars(
        select(Submission)
        .where(
            Submission.consultation_id == consultation.id,
            Submission.state == SubmissionState.AWAITING,
        )
        .order_by(Submission.received_at, Submission.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .options(
            selectinload(Submission.stakeholder_group),
            selectinload(Submission.municipality),
            selectinload(Submission.comments).selectinload(Comment.section),
            selectinload(Submission.answers),
        )
    ).all()
    return ApprovalQueue(list(submissions), page, pages, total)


def awaiting_submission(
    session: Session, consultation: Consultation, submission_id: int
) -> Submission | None:
    """A submission by id, only within ``consultation``: an id from elsewhere finds nothing."""
    return session.scalar(
        select(Submission)
        .where(Submission.id == submission_id, Submission.consultation_id == consultation.id)
        .options(
            selectinload(Submission.stakeholder_group),
            selectinload(Submission.comments).selectinload(Comment.section),
        )
    )


# -- telling the participant -----------------------------------------------------------------


def participant_address(session: Session, submission: Submission) -> tuple[str | None, str]:
    """Where to tell the sender, and in which language: the contact email, else the account's.

    Nobody once the contact data is erased, not even through the account: erasing means
    "do not write to me about this" (and a deleted account's address is a placeholder).
    """
    user = session.get(User, submission.user_id) if submission.user_id else None
    locale = (user.locale if user and user.locale else None) or "nl"
    contact = submission.contact
    if contact is not None and contact.erased_at is not None:
        return None, locale
    if contact is not None and contact.email:
        return contact.email, locale
    if user is not None:
        return user.email, locale
    return None, locale


def status_page_url(submission: Submission) -> str:
    """The public status page of the submission, ``/ontvangst/<code>``, on ``BASE_URL``.

    Built on the configured base URL (never the request's Host), so it works from a job or
    the CLI as well.
    """
    return external_url("public.status", code=submission.tracking_code)


def tell_participant(session: Session, comment: Comment, action: ModerationAction) -> bool:
    """Email the sender that their comment was hidden or shown again; False when nobody to tell.

    The mail goes into the outbox in the moderation's transaction and is sent after its
    commit (and retried until the mail server takes it).
    """
    submission = comment.submission
    address, locale = participant_address(session, submission)
    if address is None:
        return False
    consultation = submission.consultation
    with force_locale(locale):
        if action.kind is ModerationKind.HIDE:
            subject = _("Your comment on %(title)s has been hidden", title=consultation.title)
            template = "moderation/mail/comment_hidden"
        else:
            subject = _("Your comment on %(title)s can be seen again", title=consultation.title)
            template = "moderation/mail/comment_shown"
        send_template(
            session,
            address,
            subject,
            template,
            consultation=consultation,
            comment=comment,
            action=action,
            reason=action.reason.label if action.reason else "",
            code=display(submission.tracking_code),
            status_link=status_page_url(submission),
        )
    return True


__all__ = [
    "AlreadyHidden",
    "ModerationError",
    "NotAwaiting",
    "NotHidden",
    "NoteRequired",
    "approval_queue",
    "approve_submission",
    "count_received_comments",
    "dismiss_reports",
    "hide_comment",
    "moderation_queue",
    "reject_submission",
    "report_comment",
    "tell_participant",
    "unhide_comment",
]
