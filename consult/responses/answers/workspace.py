"""The answering workspace: the comments that need an answer, filtered, searched and paged.

Everything here reads; the steps that change answers are in
:mod:`consult.responses.answers.services`.
A page of the workspace costs a fixed number of queries whatever the number of comments:
one count, one page of comments, and one query each for what the page shows of them (their
submissions, sections, answers, attachments and groups).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session, selectinload

from consult.accounts.models import User
from consult.comments.models import Comment, Submission
from consult.consultations.models import Consultation
from consult.documents.models import Section
from consult.files.models import Attachment
from consult.responses.grouping import services as grouping
from consult.responses.models import (
    Answer,
    AnsweredComment,
    AnswerState,
    CommentGroup,
    CommentGroupMember,
    Disposition,
)
from consult.responses.queries import (
    OPEN_STATES,
    answerable_comments,
    current_answers,
    has_current_answer,
    has_open_answer,
    open_answers,
)
from consult.stakeholders.models import AgeBand, StakeholderGroup

PAGE_SIZE = 50
GENERAL = "algemeen"
MAX_QUERY_LENGTH = 200


class Status:
    """Where a comment is in answering; the values are the ``status`` query argument."""

    WAITING = "wachtend"  # no answer at all, not even a draft
    DRAFT = "concept"
    APPROVED = "goedgekeurd"
    PUBLISHED = "gepubliceerd"
    ALL = "alle"

    CHOICES = (WAITING, DRAFT, APPROVED, PUBLISHED, ALL)


@dataclass(frozen=True)
class Filters:
    """What the workspace shows; every field None (or empty) means "do not filter on it"."""

    section: str | None = None  # a section anchor, or GENERAL for the document as a whole
    group: str | None = None  # a stakeholder group code
    age_band: AgeBand | None = None
    disposition: Disposition | None = None
    status: str = Status.ALL
    hidden: bool | None = None
    attachment: bool | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return self != Filters()


# -- search ------------------------------------------------------------------------------------


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_search(dialect: str, column: Any, q: str) -> ColumnElement[bool]:
    """Full-text condition on ``column`` for what someone typed in the search box.

    PostgreSQL: the Dutch text search configuration (stems words, so "wachtlijsten" finds
    "wachtlijst"), with web-search syntax ("quoted phrase", -word, or). Elsewhere (SQLite):
    every word must occur in the text, case-insensitively.
    """
    q = (q or "").strip()[:MAX_QUERY_LENGTH]
    if not q:
        return true()
    if dialect == "postgresql":
        config = literal("dutch", type_=REGCONFIG)
        return func.to_tsvector(config, column).op("@@")(func.websearch_to_tsquery(config, q))
    words = re.findall(r"\w+", q.lower())
    if not words:
        # Only punctuation: nothing to look for, so nothing is found (as on PostgreSQL).
        return false()
    return and_(
        *(func.lower(column).like(f"%{_like_escape(word)}%", escape="\\") for word in words)
    )


# -- filters as SQL ----------------------------------------------------------------------------


def _answer_with(*conditions: Any) -> Any:
    return exists(
        select(AnsweredComment.id)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(AnsweredComment.comment_id == Comment.id, *conditions)
    )


def waiting_clause() -> Any:
    """SQL condition: nobody has started an answer to the comment (no draft, nothing published)."""
    return and_(~has_current_answer(), ~has_open_answer())


def _conditions(
    session: Session, consultation: Consultation, filters: Filters
) -> list[ColumnElement[bool]]:
    where: list[Any] = []
    if filters.section == GENERAL:
        where.append(Comment.section_id.is_(None))
    elif filters.section:
        where.append(
            Comment.section_id.in_(
                select(Section.id).where(
                    Section.version_id == consultation.version_id,
                    Section.anchor == filters.section,
                )
            )
        )
    if filters.group:
        where.append(
            Submission.stakeholder_group_id.in_(
                select(StakeholderGroup.id).where(StakeholderGroup.code == filters.group)
            )
        )
    if filters.age_band is not None:
        where.append(Submission.age_band == filters.age_band)
    if filters.disposition is not None:
        where.append(
            _answer_with(
                Answer.disposition == filters.disposition,
                or_(
                    Answer.state.in_(OPEN_STATES),
                    Answer.is_current,
                ),
            )
        )
    if filters.status == Status.WAITING:
        where.append(waiting_clause())
    elif filters.status == Status.DRAFT:
        where.append(_answer_with(Answer.state == AnswerState.DRAFT))
    elif filters.status == Status.APPROVED:
        where.append(_answer_with(Answer.state == AnswerState.APPROVED))
    elif filters.status == Status.PUBLISHED:
        where.append(has_current_answer())
    if filters.hidden is True:
        where.append(Comment.hidden_at.is_not(None))
    elif filters.hidden is False:
        where.append(Comment.hidden_at.is_(None))
    if filters.attachment is not None:
        has_attachment = exists(
            select(Attachment.id).where(Attachment.submission_id == Comment.submission_id)
        )
        where.append(has_attachment if filters.attachment else ~has_attachment)
    if filters.q.strip():
        where.append(text_search(session.get_bind().dialect.name, Comment.body, filters.q))
    return where


def filtered_comments(session: Session, consultation: Consultation, filters: Filters) -> Any:
    """The select of comments needing an answer that match ``filters`` (not ordered)."""
    return answerable_comments(consultation).where(*_conditions(session, consultation, filters))


# -- one page ----------------------------------------------------------------------------------


@dataclass
class Row:
    comment: Comment
    open_answer: Answer | None
    current_answer: Answer | None
    has_attachment: bool
    membership: grouping.Membership | None

    @property
    def status(self) -> str:
        if self.open_answer is not None:
            if self.open_answer.state is AnswerState.APPROVED:
                return Status.APPROVED
            return Status.DRAFT
        if self.current_answer is not None:
            return Status.PUBLISHED
        return Status.WAITING

    @property
    def answer(self) -> Answer | None:
        """The answer the team works on: the open one (a draft or a correction) first."""
        return self.open_answer or self.current_answer


@dataclass
class Page:
    rows: list[Row]
    page: int
    pages: int
    # Of the comments matching the filters: how many, and how many nobody answered yet.
    total: int
    waiting: int
    per_page: int = PAGE_SIZE
    filters: Filters = field(default_factory=Filters)


def workspace_page(
    session: Session,
    consultation: Consultation,
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Page:
    """Comments needing an answer, nobody-started first, then in progress, then published.

    Within each, the oldest comment first (by id), so the order is stable between pages.
    """
    filters = filters or Filters()
    matching = filtered_comments(session, consultation, filters)
    waiting_flag = case((waiting_clause(), 1), else_=0)
    counted = matching.with_only_columns(Comment.id, waiting_flag.label("waiting")).subquery()
    total, waiting = session.execute(
        select(func.count(), func.coalesce(func.sum(counted.c.waiting), 0)).select_from(counted)
    ).one()
    total, waiting = int(total or 0), int(waiting or 0)

    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    progress = case((has_current_answer(), 2), (has_open_answer(), 1), else_=0)
    comments = list(
        session.scalars(
            matching.order_by(progress, Comment.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .options(
                selectinload(Comment.submission).options(
                    selectinload(Submission.stakeholder_group),
                    selectinload(Submission.municipality),
                ),
                selectinload(Comment.section),
            )
        )
    )
    ids = [comment.id for comment in comments]
    opened = open_answers(session, ids)
    current = current_answers(session, ids)
    with_attachment = submissions_with_attachments(
        session, {comment.submission_id for comment in comments}
    )
    groups = grouping.memberships(session, consultation, ids) if ids else {}
    rows = [
        Row(
            comment=comment,
            open_answer=opened.get(comment.id),
            current_answer=current.get(comment.id),
            has_attachment=comment.submission_id in with_attachment,
            membership=groups.get(comment.id),
        )
        for comment in comments
    ]
    return Page(
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        waiting=waiting,
        per_page=per_page,
        filters=filters,
    )


def submissions_with_attachments(session: Session, submission_ids: Iterable[int]) -> set[int]:
    ids = list(submission_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Attachment.submission_id).where(Attachment.submission_id.in_(ids)).distinct()
        )
    )


def waiting_count(session: Session, consultation: Consultation) -> int:
    """Comments nobody has started an answer to."""
    matching = answerable_comments(consultation).where(waiting_clause())
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


# -- what the filter form offers ---------------------------------------------------------------


def sections_of(session: Session, consultation: Consultation) -> list[Section]:
    return list(
        session.scalars(
            select(Section)
            .where(Section.version_id == consultation.version_id)
            .order_by(Section.position)
        )
    )


# -- choosing comments to answer ---------------------------------------------------------------


def group_comment_ids(
    session: Session, consultation: Consultation, group_id: int, *, waiting_only: bool = False
) -> list[int]:
    """The comments of a group of this consultation (none for a group of another one).

    ``waiting_only``: only those nobody has answered yet, for answering the rest of a group.
    """
    query = (
        select(CommentGroupMember.comment_id)
        .join(CommentGroup, CommentGroup.id == CommentGroupMember.group_id)
        .where(CommentGroup.id == group_id, CommentGroup.consultation_id == consultation.id)
        .order_by(CommentGroupMember.comment_id)
    )
    if waiting_only:
        query = query.join(Comment, Comment.id == CommentGroupMember.comment_id).where(
            waiting_clause()
        )
    return list(session.scalars(query))


def chosen_comments(
    session: Session, consultation: Consultation, ids: Iterable[int]
) -> list[Comment]:
    """Comments of this consultation that need an answer, with what the page shows of them.

    Ids of other consultations (or regions), and withdrawn or unconfirmed comments, are left out.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(
        session.scalars(
            answerable_comments(consultation)
            .where(Comment.id.in_(wanted))
            .order_by(Comment.id)
            .options(
                selectinload(Comment.submission).options(
                    selectinload(Submission.stakeholder_group),
                    selectinload(Submission.municipality),
                ),
                selectinload(Comment.section),
            )
        )
    )


# -- one answer --------------------------------------------------------------------------------


def answer_in(session: Session, consultation: Consultation, answer_id: int) -> Answer | None:
    """An answer of this consultation with its comments, or None (another region's id: 404)."""
    return session.scalars(
        select(Answer)
        .where(Answer.id == answer_id, Answer.consultation_id == consultation.id)
        .options(
            selectinload(Answer.links)
            .selectinload(AnsweredComment.comment)
            .options(
                selectinload(Comment.submission).options(
                    selectinload(Submission.stakeholder_group),
                    selectinload(Submission.municipality),
                ),
                selectinload(Comment.section),
            ),
            selectinload(Answer.supersedes),
            selectinload(Answer.section_links),
        )
    ).first()


def correction_of(session: Session, answer: Answer) -> Answer | None:
    """The answer that corrects (or is being drafted to correct) ``answer``."""
    return session.scalars(select(Answer).where(Answer.supersedes_id == answer.id)).first()


def people(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """Team members by id, for showing who drafted, approved and published."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))}


# -- the approval queue ------------------------------------------------------------------------


def _queue_options() -> Sequence[Any]:
    return (
        selectinload(Answer.links)
        .selectinload(AnsweredComment.comment)
        .options(
            selectinload(Comment.submission),
            selectinload(Comment.section),
        ),
        selectinload(Answer.supersedes),
    )


def drafts_waiting_for_approval(session: Session, consultation: Consultation) -> list[Answer]:
    return list(
        session.scalars(
            select(Answer)
            .where(Answer.consultation_id == consultation.id, Answer.state == AnswerState.DRAFT)
            .order_by(Answer.drafted_at, Answer.id)
            .options(*_queue_options())
        )
    )


def approved_waiting_for_publication(session: Session, consultation: Consultation) -> list[Answer]:
    return list(
        session.scalars(
            select(Answer)
            .where(Answer.consultation_id == consultation.id, Answer.state == AnswerState.APPROVED)
            .order_by(Answer.approved_at, Answer.id)
            .options(*_queue_options())
        )
    )


def approval_counts(session: Session, consultation: Consultation) -> tuple[int, int]:
    """How many answers are drafts waiting for approval, and how many wait to be published."""
    counts = dict(
        session.execute(
            select(Answer.state, func.count(Answer.id))
            .where(Answer.consultation_id == consultation.id, Answer.state.in_(OPEN_STATES))
            .group_by(Answer.state)
        ).all()
    )
    return counts.get(AnswerState.DRAFT, 0), counts.get(AnswerState.APPROVED, 0)


def answers_by_id(session: Session, consultation: Consultation, ids: Iterable[int]) -> list[Answer]:
    """Answers of this consultation with these ids (ids of other consultations find nothing)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(
        session.scalars(
            select(Answer)
            .where(Answer.consultation_id == consultation.id, Answer.id.in_(wanted))
            .order_by(Answer.id)
            .options(selectinload(Answer.supersedes))
        )
    )


def covered_count(session: Session, answers: Iterable[Answer]) -> int:
    """How many comments these answers cover together (one query, not a loop over links)."""
    ids = [answer.id for answer in answers]
    if not ids:
        return 0
    return (
        session.scalar(
            select(func.count(func.distinct(AnsweredComment.comment_id))).where(
                AnsweredComment.answer_id.in_(ids)
            )
        )
        or 0
    )


# -- region setting ----------------------------------------------------------------------------
