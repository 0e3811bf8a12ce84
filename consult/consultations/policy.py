"""Who may run a region's consultations, and who may see one.

Every rule is per region: the object's region decides, never an id in the URL. Platform
admins may do what a region's official may.
"""

from __future__ import annotations

from typing import Any

from consult.consultations.models import ConsultationState
from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule

OFFICIAL = RegionRoleKind.OFFICIAL
MODERATOR = RegionRoleKind.MODERATOR
RESPONDER = RegionRoleKind.RESPONDER


@rule(Permission.REGION_CONSULTATIONS_MANAGE)
def manage_consultations(actor: Actor | None, region: Any) -> bool:
    """Create, schedule, open, close and extend consultations (target: the region)."""
    return holds(actor, region.id, OFFICIAL)


@rule(Permission.REGION_CONSULTATIONS_VIEW_DRAFTS)
def view_drafts(actor: Actor | None, region: Any) -> bool:
    """See draft documents and consultations of the region (its whole team)."""
    return holds(actor, region.id, OFFICIAL, MODERATOR, RESPONDER)


@rule(Permission.CONSULTATION_PAGE_VIEW)
def view_consultation(actor: Actor | None, consultation: Any) -> bool:
    """Anyone, once it is no longer a draft; the region's team may preview a draft."""
    if consultation.state is not ConsultationState.DRAFT:
        return True
    return holds(actor, consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule(Permission.CONSULTATION_COUNCIL_DECISIONS_RECORD)
def record_council_decisions(actor: Actor | None, consultation: Any) -> bool:
    """Record and correct what each member municipality's council decided: officials."""
    return holds(actor, consultation.region_id, OFFICIAL)
