"""Who may do what with documents, consultations, comments and their attachments.

Every rule is per region: the object's region decides, never an id in the URL. Platform
admins may do what a region's official may.
"""

from __future__ import annotations

from typing import Any

from consult.accounts.models import RegionRoleKind
from consult.permissions import rule

OFFICIAL = RegionRoleKind.OFFICIAL
MODERATOR = RegionRoleKind.MODERATOR
RESPONDER = RegionRoleKind.RESPONDER


def _is_platform_admin(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_platform_admin", False))


def region_roles(actor: Any, region_id: int) -> set[RegionRoleKind]:
    if actor is None:
        return set()
    return {r.role for r in actor.region_roles if r.region_id == region_id}


def _holds(actor: Any, region_id: int, *roles: RegionRoleKind) -> bool:
    return _is_platform_admin(actor) or bool(region_roles(actor, region_id) & set(roles))


@rule("region:documents:manage")
def manage_documents(actor: Any, region: Any) -> bool:
    """Create documents and versions, import and edit drafts (target: the region)."""
    return _holds(actor, region.id, OFFICIAL)


@rule("region:consultations:manage")
def manage_consultations(actor: Any, region: Any) -> bool:
    """Create, schedule, open, close and extend consultations (target: the region)."""
    return _holds(actor, region.id, OFFICIAL)


@rule("region:consultations:view-drafts")
def view_drafts(actor: Any, region: Any) -> bool:
    """See draft documents and consultations of the region (its whole team)."""
    return _holds(actor, region.id, OFFICIAL, MODERATOR, RESPONDER)


@rule("consultation:page:view")
def view_consultation(actor: Any, consultation: Any) -> bool:
    """Anyone, once it is no longer a draft; the region's team may preview a draft."""
    from consult.consultations.models import ConsultationState

    if consultation.state is not ConsultationState.DRAFT:
        return True
    return _holds(actor, consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule("consultation:comments:moderate")
def moderate(actor: Any, consultation: Any) -> bool:
    """Hide and unhide comments, see hidden text and reports (target: the consultation)."""
    return _holds(actor, consultation.region_id, OFFICIAL, MODERATOR)


@rule("consultation:submissions:view-private")
def view_private_submission_data(actor: Any, consultation: Any) -> bool:
    """Unpublished texts, attachments of submissions, questionnaire answers per person."""
    return _holds(actor, consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule("submission:attachment:download")
def download_submission_attachment(actor: Any, submission: Any) -> bool:
    """The sender (with an account) and the region's team; nobody else, whatever the id."""
    if actor is not None and submission.user_id is not None and submission.user_id == actor.id:
        return True
    return _holds(actor, submission.consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule("document:version:view")
def view_document_version(actor: Any, version: Any) -> bool:
    """Anyone, once locked (it was or is open for comment); before that the region's team."""
    if version.is_locked:
        return True
    return _holds(actor, version.document.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule("submission:comment:withdraw")
def withdraw_own_comment(actor: Any, submission: Any) -> bool:
    """The sender with an account withdraws from their receipt page (others use the mail link)."""
    return actor is not None and submission.user_id is not None and submission.user_id == actor.id


@rule("submission:contact:erase")
def erase_own_contact(actor: Any, submission: Any) -> bool:
    """Only the sender with an account, from their receipt page (others use the mail link).

    Nobody on the region's team erases someone else's details; a request by letter goes to
    the platform admin's ``consult privacy erase``."""
    return actor is not None and submission.user_id is not None and submission.user_id == actor.id
