"""Who may see and change a region's own (non-public) pages.

Every permission is per region: a role in one region gives nothing in another. Platform
admins may do everything a region's official may.
"""

from __future__ import annotations

from typing import Any

from consult.accounts.models import RegionRoleKind
from consult.permissions import rule
from consult.regions.models import Region

# The roles that make someone part of a region's team.
TEAM_ROLES = frozenset(RegionRoleKind)


def _is_platform_admin(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_platform_admin", False))


def _roles(actor: Any, region: Region) -> set[RegionRoleKind]:
    if actor is None or not isinstance(region, Region):
        return set()
    return actor.roles_in(region)


@rule("region:admin:view")
def may_view_admin(actor: Any, region: Region) -> bool:
    """The region's admin page (its team, later its draft consultations)."""
    return _is_platform_admin(actor) or bool(_roles(actor, region) & TEAM_ROLES)


@rule("region:team:manage")
def may_manage_team(actor: Any, region: Region) -> bool:
    """Adding people to the team and taking roles away: officials and platform admins."""
    return _is_platform_admin(actor) or RegionRoleKind.OFFICIAL in _roles(actor, region)
