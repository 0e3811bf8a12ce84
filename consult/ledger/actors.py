"""Which role an actor acted in, for the record: the record names roles, never people."""

from __future__ import annotations

from consult.ledger.models import ActorRole
from consult.permissions import Actor

# When one person holds several roles in a region, the act is recorded under the strongest.
_REGION_ROLES = (ActorRole.OFFICIAL, ActorRole.MODERATOR, ActorRole.RESPONDER)


def role_in_region(
    actor: Actor | None, region_id: int | None, *, prefer: ActorRole | None = None
) -> ActorRole:
    """The role ``actor`` acted in for a region's object.

    ``prefer`` is the role the act calls for (a moderator hiding a comment): when the actor
    holds it, that is the role recorded. No actor is the system (callers that act on the
    clock's behalf pass :attr:`ActorRole.CLOCK` themselves); an actor without a role in the
    region is a platform admin if they are one, else a participant.
    """
    if actor is None:
        return ActorRole.SYSTEM
    held = {
        ActorRole(grant.role.value)
        for grant in getattr(actor, "region_roles", ())
        if region_id is not None and grant.region_id == region_id
    }
    if prefer is not None and prefer in held:
        return prefer
    for role in _REGION_ROLES:
        if role in held:
            return role
    if getattr(actor, "is_platform_admin", False):
        return ActorRole.PLATFORM_ADMIN
    return ActorRole.PARTICIPANT
