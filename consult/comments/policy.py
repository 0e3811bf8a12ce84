"""Who may see what a participant sent that is not public, and withdraw it.

The sender (with an account) and the region's team; nobody else, whatever the id.
"""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, RegionRoleKind, holds, rule

OFFICIAL = RegionRoleKind.OFFICIAL
MODERATOR = RegionRoleKind.MODERATOR
RESPONDER = RegionRoleKind.RESPONDER


def _is_sender(actor: Actor | None, submission: Any) -> bool:
    return actor is not None and submission.user_id is not None and submission.user_id == actor.id


@rule(Permission.CONSULTATION_SUBMISSIONS_VIEW_PRIVATE)
def view_private_submission_data(actor: Actor | None, consultation: Any) -> bool:
    """Unpublished texts, attachments of submissions, questionnaire answers per person."""
    return holds(actor, consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule(Permission.SUBMISSION_ATTACHMENT_DOWNLOAD)
def download_submission_attachment(actor: Actor | None, submission: Any) -> bool:
    """The sender (with an account) and the region's team; nobody else, whatever the id."""
    if _is_sender(actor, submission):
        return True
    return holds(actor, submission.consultation.region_id, OFFICIAL, MODERATOR, RESPONDER)


@rule(Permission.SUBMISSION_COMMENT_WITHDRAW)
def withdraw_own_comment(actor: Actor | None, submission: Any) -> bool:
    """The sender with an account withdraws from their receipt page (others use the mail link)."""
    return _is_sender(actor, submission)
