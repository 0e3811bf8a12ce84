"""Organisations that take part: advocacy groups, client councils, care providers.

A platform admin verifies an organisation, so that "on behalf of MIND" can be trusted.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum


class OrganisationKind(LabelledEnum):
    ADVOCACY_GROUP = "advocacy_group", _l("advocacy group")
    CLIENT_COUNCIL = "client_council", _l("client council")
    YOUTH_COUNCIL = "youth_council", _l("youth council")
    SUPPORT_POINT = "support_point", _l("parent and youth support point")
    CARE_PROVIDER = "care_provider", _l("care provider")
    PROFESSIONAL_BODY = "professional_body", _l("professional association")
    OTHER = "other", _l("other organisation")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[OrganisationKind] = enum_column(OrganisationKind)
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    members: Mapped[list[OrganisationMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class OrganisationMember(Base):
    __tablename__ = "organisation_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)


class ApiToken(Base):
    """A key with which an organisation sends comments it collected offline (a school
    session, a meeting) through the API. Speaks only for its organisation, only in its
    scopes (``scope:resource:action``), only until it expires or is revoked.

    Only a SHA-256 hash of the secret is kept: the secret is shown once, when the token is
    made, and nobody (not the platform either) can show it again. ``prefix`` is its public
    name: in the evidence record and on the management page.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    # Space-separated, each one of consult.organisations.tokens.SCOPES.
    scopes: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        CheckConstraint("length(secret_hash) = 64", name="secret_hash_sha256"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def is_usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


class ApiSubmission(Base):
    """Which token sent a submission, with the organisation's note on where it was
    collected, and the hash of the request (a retry with the same Idempotency-Key but
    another body is refused rather than answered with the first result)."""

    __tablename__ = "api_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), unique=True
    )
    # A used token is revoked, never deleted: it is the submission's provenance.
    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="RESTRICT"), index=True
    )
    request_hash: Mapped[str] = mapped_column(String(64))
    collected: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    token: Mapped[ApiToken] = relationship()
