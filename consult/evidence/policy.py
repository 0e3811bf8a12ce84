"""Who may download a consultation's evidence bundle.

The bundle holds nothing that is not public once the consultation is (events name roles
and hashes, never people), but making one signs a checkpoint and costs a job; so the
download is for those who need it as evidence: the region's officials (and platform
admins), and members of a verified organisation, the advocacy groups and councils that want
the participation anchored. A draft's bundle is its region's alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import object_session

from consult.consultations.models import ConsultationState
from consult.organisations.models import Organisation, OrganisationMember
from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule


def _member_of_a_verified_organisation(actor: Actor) -> bool:
    session = object_session(actor)
    if session is None:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    OrganisationMember.user_id == actor.id,
                    OrganisationMember.organisation_id == Organisation.id,
                    Organisation.verified_at.is_not(None),
                )
            )
        )
    )


@rule(Permission.CONSULTATION_RECORD_EXPORT)
def export_record(actor: Actor | None, consultation: Any) -> bool:
    """Make and download the evidence bundle (target: the consultation)."""
    if holds(actor, consultation.region_id, RegionRoleKind.OFFICIAL):
        return True
    if actor is None or consultation.state is ConsultationState.DRAFT:
        return False
    return _member_of_a_verified_organisation(actor)
