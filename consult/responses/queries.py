"""Which comments need an answer, and which answer each comment has.

The rules every answering page, public page, report, export and statistic reads, written
once: a comment needs an answer once its submission is confirmed and until it is
withdrawn (hidden comments too: moderation hides, it does not silence); its answer is the
current one (:attr:`~consult.responses.models.Answer.is_current`: published and not
replaced by a correction).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from consult.comments.models import Comment, Submission, SubmissionState
from consult.consultations.lifecycle import answers_due, today_in_amsterdam
from consult.consultations.models import Consultation, ConsultationState
from consult.documents.models import Section
from consult.responses.models import Answer, AnsweredComment, AnswerSection, AnswerState

OPEN_STATES = (AnswerState.DRAFT, AnswerState.APPROVED)


def needs_answer_clause() -> Any:
    """SQL condition (on Comment joined to Submission) for "this comment needs an answer"."""
    return and_(Submission.state == SubmissionState.CONFIRMED, Comment.withdrawn_at.is_(None))


def answerable_comments(consultation: Consultation) -> Select[tuple[Comment]]:
    return (
        select(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Comment.consultation_id == consultation.id, needs_answer_clause())
    )


def has_current_answer() -> Any:
    """SQL condition: the comment has a published answer that no correction replaced."""
    return exists(
        select(AnsweredComment.id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(
            AnsweredComment.comment_id == Comment.id,
            Answer.is_current,
        )
    )


def has_open_answer() -> Any:
    """SQL condition: the comment is covered by an answer being drafted or approved."""
    return exists(
        select(AnsweredComment.id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(AnsweredComment.comment_id == Comment.id, Answer.state.in_(OPEN_STATES))
    )


def unanswered_count(session: Session, consultation: Consultation) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(
                answerable_comments(consultation).where(~has_current_answer()).subquery()
            )
        )
        or 0
    )


def current_answers(session: Session, comment_ids: Iterable[int]) -> dict[int, Answer]:
    """The published, current answer of each comment that has one."""
    ids = list(comment_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(AnsweredComment.comment_id, Answer)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(
            AnsweredComment.comment_id.in_(ids),
            Answer.is_current,
        )
        .options(selectinload(Answer.section_links))
    ).all()
    return {comment_id: answer for comment_id, answer in rows}  # noqa: C416 (Row, not tuple)


def open_answers(session: Session, comment_ids: Iterable[int]) -> dict[int, Answer]:
    """The draft or approved answer covering each comment, if any."""
    ids = list(comment_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(AnsweredComment.comment_id, Answer)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(AnsweredComment.comment_id.in_(ids), Answer.state.in_(OPEN_STATES))
    ).all()
    return {comment_id: answer for comment_id, answer in rows}  # noqa: C416 (Row, not tuple)


@dataclass
class CommentAnswer:
    """The answer a comment has now, the answers it replaced, and what changed because of it."""

    current: Answer
    earlier: list[Answer] = field(default_factory=list)
    # How many comments the current answer answers (published_answers(group_sizes=True)).
    group_size: int = 1

    @property
    def sections(self) -> list[Section]:
        return [link.section for link in self.current.section_links]

    @property
    def corrected(self) -> bool:
        return bool(self.earlier)


def published_answers(
    session: Session, comment_ids: Iterable[int], *, group_sizes: bool = False
) -> dict[int, CommentAnswer]:
    """Per comment with a published answer: the current one and its corrected predecessors.

    Drafts and approved answers are never part of it. One query whatever the number of
    comments (answers with their consultation's version and their section links with
    sections and versions, joined); ``group_sizes``: with, per answer, how many comments
    it answers (:attr:`CommentAnswer.group_size`), counted once per answer in the same
    query.
    """
    ids = list(comment_ids)
    if not ids:
        return {}
    query = (
        select(AnsweredComment.comment_id, Answer)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(AnsweredComment.comment_id.in_(ids), Answer.state == AnswerState.PUBLISHED)
        .order_by(Answer.published_at.desc(), Answer.id.desc())
        .options(
            joinedload(Answer.consultation).joinedload(Consultation.version),
            joinedload(Answer.section_links)
            .joinedload(AnswerSection.section)
            .joinedload(Section.version),
        )
    )
    if group_sizes:
        member = aliased(AnsweredComment)
        of_these = select(AnsweredComment.answer_id).where(AnsweredComment.comment_id.in_(ids))
        sizes = (
            select(member.answer_id, func.count(member.comment_id).label("size"))
            .where(member.answer_id.in_(of_these))
            .group_by(member.answer_id)
            .subquery()
        )
        query = query.add_columns(sizes.c.size).join(sizes, sizes.c.answer_id == Answer.id)
    else:
        query = query.add_columns(literal(1))
    rows = session.execute(query).unique().all()
    found: dict[int, CommentAnswer] = {}
    earlier: dict[int, list[Answer]] = {}
    for comment_id, answer, size in rows:
        if answer.is_current and comment_id not in found:
            found[comment_id] = CommentAnswer(current=answer, group_size=size)
        else:
            earlier.setdefault(comment_id, []).append(answer)
    for comment_id, entry in found.items():
        entry.earlier = earlier.get(comment_id, [])
    return found


# -- the promise: answered by the day the region said ------------------------------------------


@dataclass(frozen=True)
class AnswerStatus:
    """How far a consultation's answering is, against the day the region promised."""

    comments: int
    answered: int
    due_on: date
    today: date

    @property
    def waiting(self) -> int:
        return self.comments - self.answered

    @property
    def overdue(self) -> bool:
        """The promised day has passed and comments still wait for their answer."""
        return self.today > self.due_on and self.waiting > 0

    @property
    def days_overdue(self) -> int | None:
        return (self.today - self.due_on).days if self.overdue else None


def answer_status(
    session: Session, consultations: Iterable[Consultation], today: date | None = None
) -> dict[int, AnswerStatus]:
    """Per consultation (that is no longer a draft): its comments that need an answer, how
    many have their current answer, and whether the promised day passed; one query."""
    wanted = {c.id: c for c in consultations if c.state is not ConsultationState.DRAFT}
    if not wanted:
        return {}
    today = today or today_in_amsterdam()
    answered = func.sum(case((has_current_answer(), 1), else_=0))
    rows = session.execute(
        select(Comment.consultation_id, func.count(Comment.id), answered)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Comment.consultation_id.in_(list(wanted)), needs_answer_clause())
        .group_by(Comment.consultation_id)
    ).all()
    counts = {consultation_id: (total, done or 0) for consultation_id, total, done in rows}
    return {
        consultation_id: AnswerStatus(
            comments=counts.get(consultation_id, (0, 0))[0],
            answered=counts.get(consultation_id, (0, 0))[1],
            due_on=answers_due(consultation),
            today=today,
        )
        for consultation_id, consultation in wanted.items()
    }
