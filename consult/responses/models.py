"""Answers to comments, groups of near-identical comments, and the reactienota.

An answer is drafted by a responder or official, approved by a second person and then
published; from then on it never changes. A correction is a new answer that supersedes
the old one (the old one gets ``superseded_at``, its only column that may still be written,
once). One answer can cover many comments (a letter campaign): each comment keeps its own
link to it in :class:`AnsweredComment`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum

if TYPE_CHECKING:
    from consult.comments.models import Comment
    from consult.consultations.models import Consultation
    from consult.documents.models import Section


class Disposition(LabelledEnum):
    """What the region did with a comment (DOMAIN.md, "An answer to a comment")."""

    ADOPTED = "adopted", _l("adopted")
    PARTLY_ADOPTED = "partly_adopted", _l("partly adopted")
    NOT_ADOPTED = "not_adopted", _l("not adopted")
    ALREADY_COVERED = "already_covered", _l("already covered")
    OUT_OF_SCOPE = "out_of_scope", _l("outside the scope of the regiovisie")
    NOTED = "noted", _l("noted")

    @property
    def explanation(self) -> str:
        return str(DISPOSITION_EXPLANATIONS[self])

    @property
    def requires_reason(self) -> bool:
        return self is Disposition.NOT_ADOPTED


# Plain words (B1) for the participant: what the disposition means for their comment.
DISPOSITION_EXPLANATIONS = {
    Disposition.ADOPTED: _l("We changed the regiovisie because of this comment."),
    Disposition.PARTLY_ADOPTED: _l("We changed part of the regiovisie because of this comment."),
    Disposition.NOT_ADOPTED: _l("We did not change the regiovisie. We explain why."),
    Disposition.ALREADY_COVERED: _l("The regiovisie already says this."),
    Disposition.OUT_OF_SCOPE: _l("This is not something the regiovisie decides."),
    Disposition.NOTED: _l("We read this and keep it in mind."),
}


class AnswerState(LabelledEnum):
    DRAFT = "draft", _l("draft, waiting for approval")
    APPROVED = "approved", _l("approved, not yet published")
    PUBLISHED = "published", _l("published")


class Answer(Base):
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    disposition: Mapped[Disposition] = enum_column(Disposition)
    # In plain words, for the participant; required for "not adopted".
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[AnswerState] = enum_column(AnswerState, default=AnswerState.DRAFT)
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The drafter approved their own answer, which the region's setting allowed; the
    # reactienota says so.
    self_approved: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A correction points to the answer it replaces; that answer gets superseded_at.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"), unique=True)
    correction_note: Mapped[str] = mapped_column(Text, default="")
    superseded_at: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship()
    links: Mapped[list[AnsweredComment]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="AnsweredComment.id"
    )
    section_links: Mapped[list[AnswerSection]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="AnswerSection.id"
    )
    supersedes: Mapped[Answer | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint(
            "disposition <> 'not_adopted' OR length(trim(reason)) > 0",
            name="not_adopted_has_reason",
        ),
        CheckConstraint(
            "state <> 'published' OR (published_at IS NOT NULL AND approved_at IS NOT NULL)",
            name="published_was_approved",
        ),
        CheckConstraint(
            "superseded_at IS NULL OR state = 'published'", name="only_published_superseded"
        ),
        Index("ix_answers_current", "consultation_id", "state", "superseded_at"),
    )

    @hybrid_property
    def is_current(self) -> bool:
        """Published and not replaced by a correction: the answer the participant sees.

        The one place this rule is written; in a query, ``Answer.is_current`` is the same
        rule as SQL (index ``ix_answers_current``)."""
        return self.state is AnswerState.PUBLISHED and self.superseded_at is None

    @is_current.inplace.expression
    @classmethod
    def _is_current_expression(cls) -> ColumnElement[bool]:
        return and_(cls.state == AnswerState.PUBLISHED, cls.superseded_at.is_(None))

    @property
    def comments(self) -> list[Comment]:
        return [link.comment for link in self.links]


class AnsweredComment(Base):
    """One comment's own link to the answer that covers it."""

    __tablename__ = "answered_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)

    answer: Mapped[Answer] = relationship(back_populates="links")
    comment: Mapped[Comment] = relationship()

    __table_args__ = (UniqueConstraint("answer_id", "comment_id"),)


class AnswerSection(Base):
    """A section of a later version that changed because of an answer (and its comments)."""

    __tablename__ = "answer_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    answer: Mapped[Answer] = relationship(back_populates="section_links")
    section: Mapped[Section] = relationship()

    __table_args__ = (UniqueConstraint("answer_id", "section_id"),)


class CommentGroup(Base):
    """Comments with (nearly) the same text, such as a letter campaign.

    Found automatically, then edited by people: ``added_by_id`` on a member is None when the
    grouping put it there.
    """

    __tablename__ = "comment_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    # The comment whose text stands for the group; similarities are measured against it.
    representative_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    representative: Mapped[Comment] = relationship()
    members: Mapped[list[CommentGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="CommentGroupMember.id"
    )


class CommentGroupMember(Base):
    __tablename__ = "comment_group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("comment_groups.id"), index=True)
    # A comment is in one group at most.
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), unique=True)
    # Jaccard similarity of word shingles to the representative, 0..1.
    similarity: Mapped[float] = mapped_column(Float, default=1.0)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    group: Mapped[CommentGroup] = relationship(back_populates="members")
    comment: Mapped[Comment] = relationship()


class CommentKeptApart(Base):
    """A person took this comment out of a group: the automatic grouping leaves it alone.

    Removed when a person puts the comment in a group again.
    """

    __tablename__ = "comment_kept_apart"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), unique=True)
    kept_apart_at: Mapped[datetime] = mapped_column(default=utcnow)
    kept_apart_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class AnswerNotice(Base):
    """The participant was told by email about this answer (one mail lists several).

    Kept per submission and answer, so the mail job can be run again after a failure and
    tells nobody twice.
    """

    __tablename__ = "answer_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("submission_id", "answer_id"),)
