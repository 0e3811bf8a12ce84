"""The reactienota: its editions, each frozen once published, and their rendered files."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from consult.db import Base, utcnow

if TYPE_CHECKING:
    from consult.consultations.models import Consultation


class ResponseReport(Base):
    """One edition of the reactienota.

    ``content`` is the whole report as data (what the HTML, PDF, CSV and JSON are made
    from), taken when the edition is generated; once published it is frozen, and a
    correction is a new edition.
    """

    __tablename__ = "response_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    edition: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    # SHA-256 of the RFC 8785 canonical JSON of ``content``.
    content_hash: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # For a second or later edition: what was corrected, and why.
    correction_note: Mapped[str] = mapped_column(Text, default="")

    consultation: Mapped[Consultation] = relationship()
    files: Mapped[list[ReportFile]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("consultation_id", "edition"),)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ReportFile(Base):
    """A rendering of a report edition (the PDF), made by a background job and kept."""

    __tablename__ = "response_report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("response_reports.id"), index=True)
    format: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[ResponseReport] = relationship(back_populates="files")

    __table_args__ = (UniqueConstraint("report_id", "format"),)
