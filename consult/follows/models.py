"""Who follows what, and which events each follower was (or is still to be) told about."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum


class TargetKind(LabelledEnum):
    REGION = "region", _l("region")
    CONSULTATION = "consultation", _l("consultation")
    ORGANISATION = "organisation", _l("organisation")


class Frequency(LabelledEnum):
    IMMEDIATE = "immediate", _l("an email at once")
    DAILY = "daily", _l("one email a day")


class Follow(Base):
    """One person follows one region, consultation or organisation."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "target_kind", "target_id"),
        Index("ix_follows_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[TargetKind] = enum_column(TargetKind)
    target_id: Mapped[int]
    frequency: Mapped[Frequency] = enum_column(Frequency, default=Frequency.IMMEDIATE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Notice(Base):
    """One event to tell one follower about; ``sent_at`` is set once the mail went out.

    UNIQUE(user_id, event_key): whoever follows a consultation and its region hears of an
    event once, and recording an event again (a retry, a second clock) adds nothing. A
    notice goes with its follow: unfollowing drops what was not sent yet.
    """

    __tablename__ = "follow_notices"
    __table_args__ = (UniqueConstraint("user_id", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"), index=True)
    # e.g. "consultation:12:answers:2026-11-30T06:58:03Z": the same event, the same key.
    event_key: Mapped[str] = mapped_column(String(160))
    event: Mapped[str] = mapped_column(String(40))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    follow: Mapped[Follow] = relationship()
