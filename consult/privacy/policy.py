"""Who may erase a participant's details: only that participant."""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, rule


@rule(Permission.SUBMISSION_CONTACT_ERASE)
def erase_own_contact(actor: Actor | None, submission: Any) -> bool:
    """Only the sender with an account, from their receipt page (others use the mail link).

    Nobody on the region's team erases someone else's details; a request by letter goes to
    the platform admin's ``consult privacy erase``."""
    return actor is not None and submission.user_id is not None and submission.user_id == actor.id
