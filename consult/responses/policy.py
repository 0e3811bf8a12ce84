"""Who may draft, approve and publish answers, and make and publish the reactienota.

The object's region decides, never an id in the URL (Decidim's CVE-2026-40869 let anyone
accept amendments; here every rule starts from the consultation's own region). Platform
admins may do what a region's official may, as everywhere else.
"""

from __future__ import annotations

from typing import Any

from consult.consultations.policy import MODERATOR, OFFICIAL, RESPONDER, _holds
from consult.permissions import rule


@rule("consultation:answers:draft")
def draft_answers(actor: Any, consultation: Any) -> bool:
    """Open the answering workspace, draft answers and edit groups (target: the consultation)."""
    return _holds(actor, consultation.region_id, OFFICIAL, RESPONDER)


@rule("answer:answer:approve")
def approve_answer(actor: Any, answer: Any) -> bool:
    """An official of the answer's region other than the drafter (unless the region allows it)."""
    consultation = answer.consultation
    if not _holds(actor, consultation.region_id, OFFICIAL):
        return False
    if answer.drafted_by_id is not None and answer.drafted_by_id == actor.id:
        return bool(consultation.region.allow_self_approval)
    return True


@rule("consultation:answers:publish")
def publish_answers(actor: Any, consultation: Any) -> bool:
    """Publish approved answers and link changed sections to answers."""
    return _holds(actor, consultation.region_id, OFFICIAL)


@rule("consultation:report:manage")
def manage_report(actor: Any, consultation: Any) -> bool:
    """Generate, publish and correct the reactienota."""
    return _holds(actor, consultation.region_id, OFFICIAL)


@rule("consultation:report:preview")
def preview_report(actor: Any, consultation: Any) -> bool:
    """See an unpublished edition of the reactienota: the region's team."""
    return _holds(actor, consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule("region:settings:manage")
def manage_region_settings(actor: Any, region: Any) -> bool:
    """Region-wide settings such as allowing self-approval of answers."""
    return _holds(actor, region.id, OFFICIAL)
