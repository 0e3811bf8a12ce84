"""Stakeholder groups: the seeded ones (the migrations add them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.stakeholders.models import StakeholderGroup


def stakeholder_group(session: Session, code: str = "parent") -> StakeholderGroup:
    group = session.scalar(select(StakeholderGroup).where(StakeholderGroup.code == code))
    assert group is not None, f"stakeholder group {code} is not seeded"
    return group
