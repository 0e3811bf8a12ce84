"""People with an account, and the roles they hold per region."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, enum_column, utcnow
from consult.permissions import RegionRoleKind

if TYPE_CHECKING:
    from consult.regions.models import Region


def new_session_nonce() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored as typed but compared case-insensitively through ``email_key``.
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    email_confirmed_at: Mapped[datetime | None]
    # Part of the session id: changing it (new password, "log out everywhere") ends every
    # other session and every remember-me cookie of this person at once.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    region_roles: Mapped[list[RegionRole]] = relationship(
        back_populates="user", foreign_keys="RegionRole.user_id", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def roles_in(self, region: Region) -> set[RegionRoleKind]:
        return {r.role for r in self.region_roles if r.region_id == region.id}

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RegionRole(Base):
    """``user`` holds ``role`` in ``region``; every permission is per region."""

    __tablename__ = "region_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    role: Mapped[RegionRoleKind] = enum_column(RegionRoleKind)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="region_roles", foreign_keys=[user_id])
    region: Mapped[Region] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "region_id", "role"),)
