"""Who may do what with organisations."""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, is_platform_admin, rule


@rule(Permission.ORGANISATION_MEMBERS_MANAGE)
def manage_members(actor: Actor | None, organisation: Any) -> bool:
    if actor is None:
        return False
    if is_platform_admin(actor):
        return True
    return any(m.user_id == actor.id and m.is_admin for m in organisation.members)


@rule(Permission.ORGANISATION_COMMENT_ON_BEHALF)
def comment_on_behalf(actor: Actor | None, organisation: Any) -> bool:
    """Only members of a verified organisation may speak for it."""
    if actor is None or organisation.verified_at is None:
        return False
    return any(m.user_id == actor.id for m in organisation.members)


@rule(Permission.ORGANISATION_PAGE_VIEW)
def view_organisation_page(_actor: Actor | None, organisation: Any) -> bool:
    """The public page exists only while the platform vouches for the organisation."""
    return organisation.verified_at is not None


@rule(Permission.ORGANISATION_MEMBERS_VIEW)
def view_members(actor: Actor | None, organisation: Any) -> bool:
    """Members see who else belongs (names only); emails are for those who manage."""
    if actor is None:
        return False
    if is_platform_admin(actor):
        return True
    return any(m.user_id == actor.id for m in organisation.members)


@rule(Permission.ORGANISATION_INVITATION_ACCEPT)
def accept_invitation(actor: Actor | None, invitation: Any) -> bool:
    """Only the account whose confirmed email address was invited (target: an Invitation)."""
    if actor is None or actor.email_confirmed_at is None:
        return False
    return bool(actor.email_key == invitation.email_key)


def _is_organisation_admin(actor: Actor | None, organisation: Any) -> bool:
    return actor is not None and any(
        m.user_id == actor.id and m.is_admin for m in organisation.members
    )


@rule(Permission.ORGANISATION_TOKENS_MANAGE)
def manage_tokens(actor: Actor | None, organisation: Any) -> bool:
    """See and revoke the organisation's API tokens: its own admins only. A platform admin
    is not one: a token speaks for the organisation (the platform stops every token of an
    organisation at once by withdrawing its verification)."""
    return _is_organisation_admin(actor, organisation)


@rule(Permission.ORGANISATION_TOKENS_CREATE)
def create_tokens(actor: Actor | None, organisation: Any) -> bool:
    """Make a token: an admin of the organisation, while the platform vouches for it."""
    return organisation.verified_at is not None and _is_organisation_admin(actor, organisation)
