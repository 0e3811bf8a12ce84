"""Documents (the regiovisie), their immutable versions, and the sections they are made of.

A version is edited while it is a draft; the moment a consultation opens on it, it is
locked and never changes again (a correction is a new version). Sections carry a stable
``anchor`` that the next version keeps for the "same" section, so comments, answers and
the diff can follow a paragraph from one version to the next.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum

if TYPE_CHECKING:
    from consult.regions.models import Region


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # A short plain-language (B1) summary: what this document is about, in a few lines.
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    region: Mapped[Region] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )


class VersionSource(LabelledEnum):
    DOCX = "docx", _l("Word file")
    MARKDOWN = "markdown", _l("Markdown")
    EDITOR = "editor", _l("edited in the browser")


class DocumentVersion(Base):
    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    source: Mapped[VersionSource] = enum_column(VersionSource)
    # What changed compared with the version before, in a sentence.
    change_note: Mapped[str] = mapped_column(Text, default="")
    # Notices from the import a person should read (e.g. "2 images were left out").
    import_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when a consultation opens on this version; from then on nothing in it changes.
    locked_at: Mapped[datetime | None]
    # SHA-256 of the version's canonical content, fixed when it is locked.
    content_hash: Mapped[str | None] = mapped_column(String(64))

    document: Mapped[Document] = relationship(back_populates="versions")
    sections: Mapped[list[Section]] = relationship(
        back_populates="version", order_by="Section.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint("number >= 1", name="positive_number"),
    )

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Section(Base):
    """One part of a version: a heading, its number ("2.1") and sanitised HTML text."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    position: Mapped[int]
    # Stable across versions: the next version's "same" section keeps this anchor.
    anchor: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(20), default="")
    heading: Mapped[str] = mapped_column(String(500))
    level: Mapped[int] = mapped_column(default=2)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The anchors of the body's paragraphs, lists, tables and quotes, in order (one per
    # block, consult/documents/paragraphs.py): stored when the body is written, carried
    # into the next version like the section's own anchor, fixed when the version locks.
    paragraph_anchors: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    version: Mapped[DocumentVersion] = relationship(back_populates="sections")

    __table_args__ = (
        UniqueConstraint("version_id", "anchor"),
        UniqueConstraint("version_id", "position"),
        CheckConstraint("level BETWEEN 1 AND 6", name="heading_level"),
    )


class DocumentImport(Base):
    """An uploaded file on its way to becoming a version: converted by a job, in a limited
    process (:mod:`consult.documents.sandbox`), so an upload never holds a request up.

    The file's bytes are kept only until the job is done with them.
    """

    __tablename__ = "document_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    source: Mapped[VersionSource] = enum_column(VersionSource)
    data: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    change_note: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    # The version made from it, or why it was refused (an ImportRefused reason).
    version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    refusal: Mapped[str] = mapped_column(String(40), default="")
    # The uploader's language, for the notices the conversion writes (a job has no request).
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    document: Mapped[Document] = relationship()
    version: Mapped[DocumentVersion | None] = relationship()


class VersionPdf(Base):
    """A locked version laid out as a tagged PDF, made once by a job and kept.

    A locked version never changes, so neither does its PDF: it is made the first time
    someone asks for it (:mod:`consult.documents.printing`) and served from here after.
    """

    __tablename__ = "version_pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),)
