"""Consultations: one version of a document open for comment between two moments.

The lifecycle (draft → scheduled → open → closed → answered → report published) is
kept as a list of dated state changes with who made them (None: the clock did). A closing
moment is only ever moved later once open, and each move is kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum

if TYPE_CHECKING:
    from consult.documents.models import DocumentVersion
    from consult.regions.models import Municipality, Region


class ConsultationState(LabelledEnum):
    DRAFT = "draft", _l("draft")
    SCHEDULED = "scheduled", _l("scheduled")
    OPEN = "open", _l("open for comment")
    CLOSED = "closed", _l("closed")
    # Every comment has a published answer.
    ANSWERED = "answered", _l("answered")
    # The reactienota is published.
    REPORT_PUBLISHED = "report_published", _l("reactienota published")


AFTER_CLOSING = frozenset(
    {ConsultationState.CLOSED, ConsultationState.ANSWERED, ConsultationState.REPORT_PUBLISHED}
)


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public address: /consultaties/<slug>. Unique on the platform, never reused.
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # For young readers, in plain language (B1): why this matters and what we ask of you.
    introduction: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # The day (Amsterdam) by which the region promises a published answer to every comment.
    # Chosen while a draft (or the region's default weeks after closing), fixed when it is
    # scheduled; moving it later takes a reason and is recorded (AnswerDateChange).
    answers_due_on: Mapped[date | None]
    state: Mapped[ConsultationState] = enum_column(
        ConsultationState, default=ConsultationState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    region: Mapped[Region] = relationship()
    version: Mapped[DocumentVersion] = relationship()
    invited_groups: Mapped[list[InvitedGroup]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="consultation", order_by="Question.position", cascade="all, delete-orphan"
    )
    state_changes: Mapped[list[StateChange]] = relationship(
        back_populates="consultation", order_by="StateChange.id"
    )
    closing_changes: Mapped[list[ClosingChange]] = relationship(
        back_populates="consultation", order_by="ClosingChange.id"
    )
    answer_date_changes: Mapped[list[AnswerDateChange]] = relationship(
        back_populates="consultation", order_by="AnswerDateChange.id"
    )

    __table_args__ = (CheckConstraint("closes_at > opens_at", name="closes_after_opening"),)

    @property
    def has_closed(self) -> bool:
        """Closed, answered or with its reactienota published: no more comments."""
        return self.state in AFTER_CLOSING

    def accepts_comments_at(self, moment: datetime) -> bool:
        """Open, and the moment lies between opening and closing (closing itself excluded)."""
        return self.state is ConsultationState.OPEN and self.opens_at <= moment < self.closes_at


class InvitedGroup(Base):
    """A stakeholder group this consultation explicitly invites."""

    __tablename__ = "consultation_invited_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    stakeholder_group_id: Mapped[int] = mapped_column(ForeignKey("stakeholder_groups.id"))

    consultation: Mapped[Consultation] = relationship(back_populates="invited_groups")

    __table_args__ = (UniqueConstraint("consultation_id", "stakeholder_group_id"),)


class StateChange(Base):
    __tablename__ = "consultation_state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    from_state: Mapped[ConsultationState | None] = enum_column(
        ConsultationState, check_name="from_state", nullable=True
    )
    to_state: Mapped[ConsultationState] = enum_column(ConsultationState, check_name="to_state")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when the change happened on time by itself (opening and closing moments).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship(back_populates="state_changes")


class ClosingChange(Base):
    """The closing moment was moved (only ever later once the consultation is open)."""

    __tablename__ = "consultation_closing_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    old_closes_at: Mapped[datetime]
    new_closes_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship(back_populates="closing_changes")


class AnswerDateChange(Base):
    """The day by which the region promised its answers was moved, with the reason why.

    Kept for everyone to see (the public page lists each move) and recorded in the evidence
    record as ``answers_due_set``, like an extension of the closing moment.
    """

    __tablename__ = "consultation_answer_date_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    old_due_on: Mapped[date]
    new_due_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship(back_populates="answer_date_changes")

    __table_args__ = (CheckConstraint("new_due_on <> old_due_on", name="moved"),)


class CouncilOutcome(LabelledEnum):
    """What a municipality's council decided about the regiovisie after the consultation."""

    ADOPTED = "adopted", _l("adopted")
    ADOPTED_WITH_AMENDMENTS = "adopted_with_amendments", _l("adopted with amendments")
    REJECTED = "rejected", _l("rejected")
    POSTPONED = "postponed", _l("postponed")

    @property
    def is_adoption(self) -> bool:
        return self in (CouncilOutcome.ADOPTED, CouncilOutcome.ADOPTED_WITH_AMENDMENTS)


ADOPTING_OUTCOMES = (CouncilOutcome.ADOPTED, CouncilOutcome.ADOPTED_WITH_AMENDMENTS)


class CouncilDecision(Base):
    """A member municipality's council decided on the regiovisie of this consultation.

    That vote is where participation becomes legally anchored. One row per consultation and
    municipality: a correction replaces the row's values, and the evidence record keeps
    both events (``council_decision_recorded``), the first and the correction.
    """

    __tablename__ = "council_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    decided_on: Mapped[date]
    outcome: Mapped[CouncilOutcome] = enum_column(CouncilOutcome)
    # The decision in the council's information system (http or https only).
    url: Mapped[str] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # How often it was corrected after the first entry (0: never).
    corrections: Mapped[int] = mapped_column(default=0, server_default="0")

    consultation: Mapped[Consultation] = relationship()
    municipality: Mapped[Municipality] = relationship()

    __table_args__ = (
        UniqueConstraint("consultation_id", "municipality_id"),
        CheckConstraint("corrections >= 0", name="corrections_not_negative"),
    )


class QuestionKind(LabelledEnum):
    OPEN_TEXT = "open_text", _l("open answer")
    SINGLE_CHOICE = "single_choice", _l("choose one")
    MULTIPLE_CHOICE = "multiple_choice", _l("choose one or more")
    SCALE = "scale", _l("scale of 1 to 5")


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = enum_column(QuestionKind)
    text: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    # The choices of a single or multiple choice question, in order; empty otherwise.
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)

    consultation: Mapped[Consultation] = relationship(back_populates="questions")

    __table_args__ = (UniqueConstraint("consultation_id", "position"),)


class ActivityKind(LabelledEnum):
    MEETING = "meeting", _l("meeting")
    SCHOOL_SESSION = "school_session", _l("school session")
    INTERVIEW = "interview", _l("interview")
    WORKSHOP = "workshop", _l("workshop")
    OTHER = "other", _l("other activity")


class OfflineActivity(Base):
    """A meeting, school session or interview that fed into the consultation."""

    __tablename__ = "offline_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    kind: Mapped[ActivityKind] = enum_column(ActivityKind)
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    participants: Mapped[list[ActivityParticipants]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )


class ActivityParticipants(Base):
    """How many people of one stakeholder group (and age band) took part in an activity."""

    __tablename__ = "offline_activity_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("offline_activities.id"), index=True)
    stakeholder_group_id: Mapped[int] = mapped_column(ForeignKey("stakeholder_groups.id"))
    age_band: Mapped[str | None] = mapped_column(String(16))
    count: Mapped[int]

    activity: Mapped[OfflineActivity] = relationship(back_populates="participants")

    __table_args__ = (CheckConstraint("count > 0", name="positive_count"),)
