"""A stored file: checked by content when it arrived, kept whole in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from consult.db import Base, utcnow


class Attachment(Base):
    """A file sent with a submission or added to an offline activity.

    Stored in the database (app servers stay stateless), checked by content, and served
    only through a view that asks the policy first.
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("offline_activities.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The owners sit above this module: named, never imported (the registry resolves them).
    submission: Mapped[Submission | None] = relationship(back_populates="attachments")  # noqa: F821

    __table_args__ = (
        CheckConstraint(
            "(submission_id IS NULL) <> (activity_id IS NULL)", name="belongs_to_one_owner"
        ),
        CheckConstraint("size > 0", name="not_empty"),
    )
