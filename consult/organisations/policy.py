"""Who may do what with organisations."""

from __future__ import annotations

from typing import Any

from consult.permissions import rule


def _is_admin(actor: Any) -> bool:
    return actor is not None and actor.is_platform_admin


@rule("platform:admin:view")
def view_platform_admin(actor: Any, _target: Any) -> bool:
    return _is_admin(actor)


@rule("platform:organisations:verify")
def verify_organisations(actor: Any, _target: Any) -> bool:
    return _is_admin(actor)


@rule("organisation:members:manage")
def manage_members(actor: Any, organisation: Any) -> bool:
    if actor is None:
        return False
    if _is_admin(actor):
        return True
    return any(m.user_id == actor.id and m.is_admin for m in organisation.members)


@rule("organisation:comment:on-behalf")
def comment_on_behalf(actor: Any, organisation: Any) -> bool:
    """Only members of a verified organisation may speak for it."""
    if actor is None or organisation.verified_at is None:
        return False
    return any(m.user_id == actor.id for m in organisation.members)


@rule("organisation:page:view")
def view_organisation_page(_actor: Any, organisation: Any) -> bool:
    """The public page exists only while the platform vouches for the organisation."""
    return organisation.verified_at is not None


@rule("organisation:members:view")
def view_members(actor: Any, organisation: Any) -> bool:
    """Members see who else belongs (names only); emails are for those who manage."""
    if actor is None:
        return False
    if _is_admin(actor):
        return True
    return any(m.user_id == actor.id for m in organisation.members)


@rule("organisation:invitation:accept")
def accept_invitation(actor: Any, invitation: Any) -> bool:
    """Only the account whose confirmed email address was invited (target: an Invitation)."""
    if actor is None or actor.email_confirmed_at is None:
        return False
    return bool(actor.email_key == invitation.email_key)


def _is_organisation_admin(actor: Any, organisation: Any) -> bool:
    return actor is not None and any(
        m.user_id == actor.id and m.is_admin for m in organisation.members
    )


@rule("organisation:tokens:manage")
def manage_tokens(actor: Any, organisation: Any) -> bool:
    """See and revoke the organisation's API tokens: its own admins only. A platform admin
    is not one: a token speaks for the organisation (the platform stops every token of an
    organisation at once by withdrawing its verification)."""
    return _is_organisation_admin(actor, organisation)


@rule("organisation:tokens:create")
def create_tokens(actor: Any, organisation: Any) -> bool:
    """Make a token: an admin of the organisation, while the platform vouches for it."""
    return organisation.verified_at is not None and _is_organisation_admin(actor, organisation)
