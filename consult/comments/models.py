"""Submissions, the comments in them, questionnaire answers, attachments and moderation.

A received comment's text is evidence and never changes: withdrawal and moderation are
dated facts next to it, not edits of it. Personal data (email, name) lives apart in
:class:`SubmissionContact`, so it can be erased while everything else stays verifiable.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum
from consult.files.models import Attachment
from consult.stakeholders.models import AgeBand, StakeholderGroup

if TYPE_CHECKING:
    from consult.consultations.models import Consultation
    from consult.documents.models import Section
    from consult.organisations.models import Organisation
    from consult.regions.models import Municipality


class SubmissionState(LabelledEnum):
    # Sent without an account: waits for the email link (72 hours), then is discarded.
    PENDING = "pending", _l("waiting for confirmation")
    CONFIRMED = "confirmed", _l("confirmed")
    DISCARDED = "discarded", _l("not confirmed in time")
    # Sent without an account and without an e-mail address (``premoderated``): waits for
    # a moderator, who approves it (then it is confirmed) or rejects it with a reason.
    AWAITING = "awaiting", _l("waiting for a moderator")
    REJECTED = "rejected", _l("not approved by a moderator")


class HideReason(LabelledEnum):
    PERSONAL_DATA = "personal_data", _l("contains personal data of someone else")
    OFFENSIVE = "offensive", _l("offensive or abusive language")
    DISCRIMINATION = "discrimination", _l("discrimination")
    THREAT = "threat", _l("threat or call to violence")
    SPAM = "spam", _l("advertising or spam")
    OTHER = "other", _l("other reason")


class Submission(Base):
    """What one person or organisation sent at once: comments and questionnaire answers."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    # Short, hard to guess, with a check character; the participant keeps it.
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    # From the form, so a double click or a retried POST stores one submission.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    stakeholder_group_id: Mapped[int] = mapped_column(ForeignKey("stakeholder_groups.id"))
    age_band: Mapped[AgeBand | None] = enum_column(AgeBand, nullable=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    # On behalf of: a known organisation (verified when the sender is a member of a verified
    # one), or a name typed by the sender (shown as not verified).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_verified: Mapped[bool] = mapped_column(default=False)
    publish_text: Mapped[bool] = mapped_column(default=False)
    publish_name: Mapped[bool] = mapped_column(default=False)
    state: Mapped[SubmissionState] = enum_column(SubmissionState)
    # The moment it arrived; for a submission confirmed by email this stays the moment of
    # arrival, not of confirmation.
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    discarded_at: Mapped[datetime | None]
    # SHA-256 of the canonical content (RFC 8785 JSON), shown on the receipt.
    content_hash: Mapped[str] = mapped_column(String(64))
    # Random, part of the content, so the hash cannot be reversed by trying likely texts
    # (None for submissions received before it existed: their content has none).
    content_nonce: Mapped[str | None] = mapped_column(String(32))
    # The salt of the record's commitment to the sender's group, age band and municipality
    # (``attributes`` in ``submission_received``): with it and those columns, anyone shown
    # them can check the commitment. None for submissions received before the commitment
    # existed (their event holds the values in the open), "" once erased (the commitment
    # then points at nobody, and the record still verifies).
    attributes_salt: Mapped[str | None] = mapped_column(String(64))
    # The channel code of the link the sender came in by (a poster's ``?via=school``), or
    # None. Only the code: it says where a poster hung, nothing about the person
    # (:mod:`consult.comments.channels`). Not part of the content or the record.
    via_code: Mapped[str | None] = mapped_column(String(30))
    # Sent without e-mail and without an account: nobody proved an address, so a moderator
    # approves it before it counts or shows (its submission_received says "no_email").
    premoderated: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The moderator's decision on a premoderated submission: approving confirms it
    # (``confirmed_at``); rejecting keeps it, unused, with a reason and a note.
    rejected_at: Mapped[datetime | None]
    rejection_reason: Mapped[HideReason | None] = enum_column(
        HideReason, check_name="rejection_reason", nullable=True
    )
    rejection_note: Mapped[str | None] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship()
    stakeholder_group: Mapped[StakeholderGroup] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    contact: Mapped[SubmissionContact | None] = relationship(
        back_populates="submission", uselist=False, cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="submission", order_by="Comment.position"
    )
    answers: Mapped[list[QuestionAnswer]] = relationship(back_populates="submission")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="submission")

    __table_args__ = (
        UniqueConstraint("consultation_id", "idempotency_key"),
        CheckConstraint(
            "NOT (organisation_id IS NOT NULL AND organisation_name IS NOT NULL)",
            name="one_kind_of_organisation",
        ),
        CheckConstraint("length(via_code) BETWEEN 1 AND 30", name="via_code_length"),
        # Only a submission sent without e-mail waits for, or is refused by, a moderator.
        CheckConstraint(
            "premoderated OR state NOT IN ('awaiting', 'rejected')",
            name="only_premoderated_awaits",
        ),
    )


class SubmissionContact(Base):
    """The personal data of a submission, kept apart so it can be erased on request.

    ``salt`` makes the record's commitment to these fields unlinkable once they are gone.
    """

    __tablename__ = "submission_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str | None] = mapped_column(String(120))
    salt: Mapped[str] = mapped_column(String(64))
    erased_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship(back_populates="contact")


class Comment(Base):
    """One comment, on a paragraph of a section, on a section, or on the whole document."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    # None: a general comment on the whole document.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    # The anchor of one paragraph of that section (Section.paragraph_anchors), or None: a
    # comment on the whole section. Checked against the section when it is received.
    paragraph: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[HideReason | None] = enum_column(HideReason, nullable=True)
    hidden_note: Mapped[str | None] = mapped_column(Text)
    # Kept by the services: confirmed, consent to publish, not withdrawn, not hidden. It
    # lets the public page count and page comments with one indexed query.
    is_public: Mapped[bool] = mapped_column(default=False)

    submission: Mapped[Submission] = relationship(back_populates="comments")
    section: Mapped[Section | None] = relationship()
    moderation: Mapped[list[ModerationAction]] = relationship(
        back_populates="comment", order_by="ModerationAction.id"
    )

    @property
    def publishable(self) -> bool:
        """The one rule for ``is_public``: confirmed, consented, not withdrawn, not hidden."""
        return (
            self.submission.state is SubmissionState.CONFIRMED
            and self.submission.publish_text
            and self.withdrawn_at is None
            and self.hidden_at is None
        )

    __table_args__ = (
        UniqueConstraint("submission_id", "position"),
        Index("ix_comments_public_by_section", "consultation_id", "section_id", "is_public", "id"),
        # A consultation's comments in order (exports, the reactienota, moderation lists):
        # without it a streamed export walks every consultation's comments by id.
        Index("ix_comments_consultation_order", "consultation_id", "id"),
    )


class QuestionAnswer(Base):
    __tablename__ = "question_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    # Text for an open question, an option index, a list of indexes, or 1-5 for a scale.
    value: Mapped[Any] = mapped_column(JSON)
    # None: sent with the submission, so part of its content hash (the receipt's
    # fingerprint). A moment: answered afterwards on the questionnaire page, when the
    # receipt was already given; counted the same, but outside that hash.
    answered_later_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)


class ModerationKind(enum.Enum):
    HIDE = "hide"
    UNHIDE = "unhide"


class ModerationAction(Base):
    """A moderator hid or unhid a comment; the list is the comment's moderation history."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    kind: Mapped[ModerationKind] = enum_column(ModerationKind)
    reason: Mapped[HideReason | None] = enum_column(HideReason, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acted_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="moderation")


class CommentReport(Base):
    """Someone reported a comment to the moderators."""

    __tablename__ = "comment_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    reason: Mapped[HideReason] = enum_column(HideReason)
    note: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when a moderator has looked at it (whether or not they hid the comment).
    handled_at: Mapped[datetime | None]
