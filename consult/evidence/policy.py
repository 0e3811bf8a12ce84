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

from consult.consultations.policy import OFFICIAL, _holds
from consult.permissions import rule


def _member_of_a_verified_organisation(actor: Any) -> bool:
    from consult.organisations.models import Organisation, OrganisationMember

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


@rule("consultation:record:export")
def export_record(actor: Any, consultation: Any) -> bool:
    """Make and download the evidence bundle (target: the consultation)."""
    from consult.consultations.models import ConsultationState

    if _holds(actor, consultation.region_id, OFFICIAL):
        return True
    if actor is None or consultation.state is ConsultationState.DRAFT:
        return False
    return _member_of_a_verified_organisation(actor)
