"""Who may change a follow: only the person who follows."""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, rule


@rule(Permission.ACCOUNT_FOLLOW_MANAGE)
def manage_follow(actor: Actor | None, follow: Any) -> bool:
    return actor is not None and follow is not None and follow.user_id == actor.id
