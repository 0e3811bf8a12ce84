"""Who may see and change a region's own (non-public) pages, its team and its settings.

Every permission is per region: a role in one region gives nothing in another. Platform
admins may do everything a region's official may.
"""

from __future__ import annotations

from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule
from consult.regions.models import Region

OFFICIAL = RegionRoleKind.OFFICIAL
MODERATOR = RegionRoleKind.MODERATOR
RESPONDER = RegionRoleKind.RESPONDER


@rule(Permission.REGION_ADMIN_VIEW)
def may_view_admin(actor: Actor | None, region: Region) -> bool:
    """The region's admin page (its team, its consultations): anyone on its team."""
    return holds(actor, region.id, OFFICIAL, MODERATOR, RESPONDER)


@rule(Permission.REGION_TEAM_MANAGE)
def may_manage_team(actor: Actor | None, region: Region) -> bool:
    """Adding people to the team and taking roles away: officials and platform admins."""
    return holds(actor, region.id, OFFICIAL)


@rule(Permission.REGION_SETTINGS_MANAGE)
def manage_region_settings(actor: Actor | None, region: Region) -> bool:
    """Region-wide settings such as allowing self-approval of answers."""
    return holds(actor, region.id, OFFICIAL)
