"""Who may make, see before publication, and publish a consultation's reactienota."""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule

OFFICIAL = RegionRoleKind.OFFICIAL
MODERATOR = RegionRoleKind.MODERATOR
RESPONDER = RegionRoleKind.RESPONDER


@rule(Permission.CONSULTATION_REPORT_MANAGE)
def manage_report(actor: Actor | None, consultation: Any) -> bool:
    """Generate, publish and correct the reactienota."""
    return holds(actor, consultation.region_id, OFFICIAL)


@rule(Permission.CONSULTATION_REPORT_PREVIEW)
def preview_report(actor: Actor | None, consultation: Any) -> bool:
    """See an unpublished edition of the reactienota: the region's team."""
    return holds(actor, consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)
