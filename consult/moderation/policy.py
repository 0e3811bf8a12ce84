"""Who may moderate a consultation's comments: its region's officials and moderators."""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule

OFFICIAL = RegionRoleKind.OFFICIAL
MODERATOR = RegionRoleKind.MODERATOR


@rule(Permission.CONSULTATION_COMMENTS_MODERATE)
def moderate(actor: Actor | None, consultation: Any) -> bool:
    """Hide and unhide comments, see hidden text and reports (target: the consultation)."""
    return holds(actor, consultation.region_id, OFFICIAL, MODERATOR)
