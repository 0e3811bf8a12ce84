"""A region's team: who holds which role there, and adding or removing someone.

Roles belong to accounts (:class:`~consult.accounts.models.RegionRole`); the region's admin
page (:mod:`consult.admin.region_views`) manages them through these functions.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from consult.accounts.models import RegionRole, User
from consult.accounts.services import find_user_by_email, grant_region_role, revoke_region_role
from consult.permissions import RegionRoleKind
from consult.regions.models import Region


class TeamError(ValueError):
    """A change to a region's team that is refused; ``reason`` says why, for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Reasons a TeamError carries; the views turn them into translated messages.
NO_CONFIRMED_ACCOUNT = "no-confirmed-account"


LAST_OFFICIAL = "last-official"


def region_team(session: Session, region: Region) -> list[RegionRole]:
    """Everyone holding a role in ``region``, with their account, in one query."""
    rank = {kind: position for position, kind in enumerate(RegionRoleKind)}
    team = session.scalars(
        select(RegionRole)
        .join(User, RegionRole.user_id == User.id)
        .where(RegionRole.region_id == region.id)
        .options(joinedload(RegionRole.user))
        .order_by(User.email_key, RegionRole.id)
    )
    return sorted(team, key=lambda grant: rank[grant.role])


def team_role(session: Session, region: Region, role_id: int) -> RegionRole | None:
    """The role ``role_id`` only when it belongs to ``region``: ids from a URL are not trusted."""
    return session.scalar(
        select(RegionRole)
        .where(RegionRole.id == role_id, RegionRole.region_id == region.id)
        .options(joinedload(RegionRole.user))
    )


def is_last_official(session: Session, grant: RegionRole) -> bool:
    if grant.role is not RegionRoleKind.OFFICIAL:
        return False
    officials = session.scalar(
        select(func.count())
        .select_from(RegionRole)
        .where(RegionRole.region_id == grant.region_id, RegionRole.role == RegionRoleKind.OFFICIAL)
    )
    return (officials or 0) <= 1


def add_team_member(
    session: Session, actor: User | None, region: Region, email: str, role: RegionRoleKind
) -> tuple[RegionRole, bool]:
    """Give the person with a confirmed account at ``email`` a role in ``region``.

    Returns the role and whether it is new. Only confirmed accounts: a typo must not hand
    a region role to whoever registers that address later.
    """
    person = find_user_by_email(session, email)
    if person is None or not person.is_confirmed:
        raise TeamError(NO_CONFIRMED_ACCOUNT)
    had_role = role in person.roles_in(region)
    grant = grant_region_role(session, person, region, role, granted_by=actor)
    return grant, not had_role


def remove_team_member(session: Session, grant: RegionRole) -> None:
    """Take a role away; a region always keeps at least one official.

    The region's row is locked first, so two officials removing each other at the same
    moment are served one after the other and the second is refused.
    """
    session.execute(select(Region.id).where(Region.id == grant.region_id).with_for_update())
    if is_last_official(session, grant):
        raise TeamError(LAST_OFFICIAL)
    person = grant.user
    revoke_region_role(session, grant)
    # The person may be the one logged in: let their roles be read again, not from memory.
    session.expire(person, ["region_roles"])
