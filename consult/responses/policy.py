"""Who may draft, approve and publish answers.

The object's region decides, never an id in the URL (Decidim's CVE-2026-40869 let anyone
accept amendments; here every rule starts from the consultation's own region). Platform
admins may do what a region's official may, as everywhere else.
"""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule

OFFICIAL = RegionRoleKind.OFFICIAL
RESPONDER = RegionRoleKind.RESPONDER


@rule(Permission.CONSULTATION_ANSWERS_DRAFT)
def draft_answers(actor: Actor | None, consultation: Any) -> bool:
    """Open the answering workspace, draft answers and edit groups (target: the consultation)."""
    return holds(actor, consultation.region_id, OFFICIAL, RESPONDER)


@rule(Permission.ANSWER_APPROVE)
def approve_answer(actor: Actor | None, answer: Any) -> bool:
    """An official of the answer's region other than the drafter (unless the region allows it)."""
    consultation = answer.consultation
    if actor is None or not holds(actor, consultation.region_id, OFFICIAL):
        return False
    if answer.drafted_by_id is not None and answer.drafted_by_id == actor.id:
        return bool(consultation.region.allow_self_approval)
    return True


@rule(Permission.CONSULTATION_ANSWERS_PUBLISH)
def publish_answers(actor: Actor | None, consultation: Any) -> bool:
    """Publish approved answers and link changed sections to answers."""
    return holds(actor, consultation.region_id, OFFICIAL)
