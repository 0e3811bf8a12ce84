"""Organisations that take part: advocacy groups, client councils, care providers.

A platform admin verifies an organisation, so that "on behalf of MIND" can be trusted.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.db import Base, enum_column, utcnow


class OrganisationKind(enum.Enum):
    ADVOCACY_GROUP = "advocacy_group"
    CLIENT_COUNCIL = "client_council"
    YOUTH_COUNCIL = "youth_council"
    SUPPORT_POINT = "support_point"
    CARE_PROVIDER = "care_provider"
    PROFESSIONAL_BODY = "professional_body"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ORGANISATION_KIND_LABELS[self])


ORGANISATION_KIND_LABELS = {
    OrganisationKind.ADVOCACY_GROUP: _l("advocacy group"),
    OrganisationKind.CLIENT_COUNCIL: _l("client council"),
    OrganisationKind.YOUTH_COUNCIL: _l("youth council"),
    OrganisationKind.SUPPORT_POINT: _l("parent and youth support point"),
    OrganisationKind.CARE_PROVIDER: _l("care provider"),
    OrganisationKind.PROFESSIONAL_BODY: _l("professional association"),
    OrganisationKind.OTHER: _l("other organisation"),
}


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
