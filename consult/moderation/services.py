"""Moderation: hiding and unhiding comments with a recorded reason, and reports by visitors.

Moderation never deletes and never edits a comment: hiding is a dated fact next to the
text (``Comment.hidden_at`` with a reason and a note) plus a :class:`ModerationAction` in
the comment's history. A hidden comment still counts as received and still gets an answer.
The participant is told by email, in their own language (Dutch unless their account says
otherwise), why their comment was hidden and where to see its state.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from flask import current_app
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
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.mail import MailError, external_url, send_template

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
    session: Session, actor: Any, comment: Comment, reason: HideReason, note: str
) -> ModerationAction:
    """Hide ``comment`` from the public with a reason; its open reports count as handled.

    The note is sent to the participant, so it should say in plain words what was wrong.
    A note is required for :attr:`HideReason.OTHER`, where the reason alone says nothing.
    """
    note = (note or "").strip()
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
    return action


def unhide_comment(session: Session, actor: Any, comment: Comment, note: str) -> ModerationAction:
    """Show a hidden comment again (if it may be public at all); the hiding stays in the history."""
    note = (note or "").strip()
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
    return action


def report_comment(
    session: Session, comment: Comment, reason: HideReason, note: str, reporter: Any = None
) -> CommentReport:
    """Someone asks the moderators to look at a public comment."""
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
    return report


def dismiss_reports(session: Session, actor: Any, comment: Comment) -> int:
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


def public_consultation(session: Session, slug: str) -> Consultation | None:
    """A consultation anyone may see (no longer a draft), by its slug."""
    return session.scalar(
        select(Consultation).where(
            Consultation.slug == slug, Consultation.state != ConsultationState.DRAFT
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


# -- telling the participant -----------------------------------------------------------------


def participant_address(session: Session, submission: Submission) -> tuple[str | None, str]:
    """Where to tell the sender, and in which language: the contact email, else the account's."""
    user = session.get(User, submission.user_id) if submission.user_id else None
    locale = (user.locale if user and user.locale else None) or "nl"
    contact = submission.contact
    if contact is not None and contact.erased_at is None and contact.email:
        return contact.email, locale
    if user is not None:
        return user.email, locale
    return None, locale


def status_page_url(submission: Submission) -> str:
    """The public status page of the submission, ``/ontvangst/<code>``, on ``BASE_URL``.

    Built on the configured base URL (never the request's Host), so it works from a job or
    the CLI as well.
    """
    if "comments.status" in current_app.view_functions:
        return external_url("comments.status", code=submission.tracking_code)
    return current_app.config["BASE_URL"].rstrip("/") + f"/ontvangst/{submission.tracking_code}"


def tell_participant(session: Session, comment: Comment, action: ModerationAction) -> bool:
    """Email the sender that their comment was hidden or shown again; False when nobody to tell.

    Called after the commit, so a failed mail never undoes the moderation; a
    :class:`~consult.mail.MailError` is passed on for the view to report.
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
    "MailError",
    "ModerationError",
    "NotHidden",
    "NoteRequired",
    "count_received_comments",
    "dismiss_reports",
    "hide_comment",
    "moderation_queue",
    "report_comment",
    "tell_participant",
    "unhide_comment",
]
