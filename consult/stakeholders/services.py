"""Reading the stakeholder groups, in the order every form and table shows them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.stakeholders.models import StakeholderGroup


def all_groups(session: Session) -> list[StakeholderGroup]:
    """Every group, retired ones too (filters over comments that were sent as one)."""
    order = (StakeholderGroup.position, StakeholderGroup.id)
    return list(session.scalars(select(StakeholderGroup).order_by(*order)))


def active_groups(session: Session) -> list[StakeholderGroup]:
    """The groups someone can choose now."""
    return list(
        session.scalars(
            select(StakeholderGroup)
            .where(StakeholderGroup.active.is_(True))
            .order_by(StakeholderGroup.position, StakeholderGroup.id)
        )
    )
