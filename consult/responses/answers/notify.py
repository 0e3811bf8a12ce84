"""Telling participants what was done with their comments, one email per submission.

After answers are published, a background job mails every participant who left an email
address the answers they were not yet told about: one mail per submission, listing each
of their comments that got an answer (their own comment only, never anyone else's), in
their own language (the account's, otherwise Dutch), with their tracking code.

Each mail goes into the outbox together with its :class:`AnswerNotice` rows (one per
submission and answer), committed at once, so a job that stops halfway is simply run
again: whoever was told is not told twice, whoever was not is told then. Delivery, and
retrying a mail the server refuses, is the outbox's work (:mod:`consult.outbox`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_babel import ngettext
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, selectinload

from consult import jobs, signals
from consult.accounts.models import User
from consult.comments.codes import display
from consult.comments.models import Comment, Submission, SubmissionState
from consult.comments.text import excerpt
from consult.consultations.models import Consultation
from consult.i18n import in_language
from consult.jobs import Job, Progress
from consult.mail import external_url
from consult.outbox import send_template
from consult.responses import queries
from consult.responses.models import Answer, AnsweredComment, AnswerNotice

log = logging.getLogger(__name__)

KIND = "answer-mails"
WORK = "consult.responses.answers.notify:send_answer_mails"
STEP = "sending emails"
EXCERPT_WORDS = 40


def after_publication(session: Session, consultation: Consultation) -> Job:
    """Queue the mails for answers just published; start the job after the commit.

    Followers of the consultation (or its region) get a notice too; their mails go out in
    a job of their own that starts when this transaction commits (consult.follows).
    """
    published = session.scalar(
        select(func.max(Answer.published_at)).where(Answer.consultation_id == consultation.id)
    )
    if published is not None:
        signals.answers_published.send(session, consultation=consultation, at=published)
    job = jobs.create(session, KIND, f"consultation:{consultation.id}")
    jobs.start_after_commit(session, job, WORK)
    return job


# -- who is waiting for which answers ---------------------------------------------------------


def pending_notices(session: Session, consultation: Consultation) -> dict[int, list[int]]:
    """Per submission: the current published answers of its comments nobody told it about.

    One query; submissions in order of their id, answers in order of their id.
    """
    rows = session.execute(
        select(Comment.submission_id, Answer.id)
        .join(AnsweredComment, AnsweredComment.comment_id == Comment.id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.withdrawn_at.is_(None),
            Submission.state == SubmissionState.CONFIRMED,
            Answer.is_current,
            ~exists(
                select(AnswerNotice.id).where(
                    and_(
                        AnswerNotice.submission_id == Comment.submission_id,
                        AnswerNotice.answer_id == Answer.id,
                    )
                )
            ),
        )
        .distinct()
        .order_by(Comment.submission_id, Answer.id)
    )
    pending: dict[int, list[int]] = {}
    for submission_id, answer_id in rows:
        pending.setdefault(submission_id, []).append(answer_id)
    return pending


def recipient(session: Session, submission: Submission) -> tuple[str | None, str]:
    """The address to tell, and the language: the contact email, else the account's.

    A contact whose data was erased is never mailed, not even through the account: the
    participant asked to be forgotten for this submission.
    """
    user = session.get(User, submission.user_id) if submission.user_id else None
    locale = (user.locale if user is not None and user.locale else None) or "nl"
    contact = submission.contact
    if contact is not None and contact.erased_at is not None:
        return None, locale
    if contact is not None and contact.email:
        return contact.email, locale
    if user is not None and user.email:
        return user.email, locale
    return None, locale


# -- the mail ---------------------------------------------------------------------------------


@dataclass
class AnsweredItem:
    """One of the participant's own comments, with its answer, as the mail shows it."""

    comment: Comment
    answer: Answer
    excerpt: str
    corrected: bool
    sections: list[tuple[str, str | None]] = field(default_factory=list)  # (name, link)


def _section_name(section: object) -> str:
    number = getattr(section, "number", "")
    heading = getattr(section, "heading", "")
    return f"{number} {heading}".strip()


def _items(session: Session, submission: Submission, answer_ids: list[int]) -> list[AnsweredItem]:
    wanted = set(answer_ids)
    comments = [c for c in submission.comments if c.withdrawn_at is None]
    found = queries.published_answers(session, [c.id for c in comments])
    items = []
    for comment in comments:
        entry = found.get(comment.id)
        if entry is None or entry.current.id not in wanted:
            continue
        sections = []
        for section in sorted(entry.sections, key=lambda s: (s.version.number, s.position)):
            version = section.version
            link = (
                external_url(
                    "public.version",
                    document_id=version.document_id,
                    number=version.number,
                )
                + f"#{section.anchor}"
                if version.is_locked
                else None
            )
            sections.append((_section_name(section), link))
        items.append(
            AnsweredItem(
                comment=comment,
                answer=entry.current,
                excerpt=excerpt(comment.body, EXCERPT_WORDS),
                corrected=entry.corrected,
                sections=sections,
            )
        )
    return items


def _status_link(submission: Submission) -> str:
    return external_url("public.status", code=submission.tracking_code)


def send_one(session: Session, submission: Submission, answer_ids: list[int]) -> bool:
    """Put the mail with the answers ``answer_ids`` to one participant in the outbox of
    ``session``'s transaction; False when there is nobody to tell."""
    address, locale = recipient(session, submission)
    if address is None:
        return False
    items = _items(session, submission, answer_ids)
    if not items:
        return False
    consultation = submission.consultation
    code = display(submission.tracking_code)
    with in_language(locale):
        subject = ngettext(
            "The answer to your comment on %(title)s (code %(code)s)",
            "The answers to your comments on %(title)s (code %(code)s)",
            len(items),
            title=consultation.title,
            code=code,
        )
        send_template(
            session,
            address,
            subject,
            "mail/responses/answers",
            consultation=consultation,
            submission=submission,
            items=items,
            code=code,
            status_link=_status_link(submission),
        )
    return True


def send_answer_mails(session: Session, job: Job, progress: Progress) -> None:
    """Send every participant the answers they were not yet told about."""
    kind, _sep, ident = job.subject.partition(":")
    consultation = session.get(Consultation, int(ident)) if kind == "consultation" else None
    if consultation is None:
        raise LookupError(f"no consultation for job subject {job.subject!r}")
    pending = pending_notices(session, consultation)
    submissions = list(
        session.scalars(
            select(Submission)
            .where(Submission.id.in_(list(pending)))
            .order_by(Submission.id)
            .options(selectinload(Submission.contact), selectinload(Submission.comments))
        )
    )
    # Nobody to tell (no email address, or erased): not counted, not noticed.
    waiting = [s for s in submissions if recipient(session, s)[0] is not None]
    # The job's own transaction ends before every progress report, so the separate session
    # that writes the progress never waits for this one (SQLite has one writer at a time).
    session.commit()
    total = len(waiting)
    progress(0, total, STEP)
    sent = 0
    for done, submission in enumerate(waiting, start=1):
        answer_ids = pending[submission.id]
        if send_one(session, submission, answer_ids):
            session.add_all(
                AnswerNotice(submission_id=submission.id, answer_id=answer_id)
                for answer_id in answer_ids
            )
            sent += 1
        session.commit()
        progress(done, total, STEP)
    log.info("answer mails for consultation %s: %d queued", consultation.id, sent)
