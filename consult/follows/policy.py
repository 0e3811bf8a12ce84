"""Who may change a follow: only the person who follows."""

from __future__ import annotations

from typing import Any

from consult.permissions import rule


@rule("account:follow:manage")
def manage_follow(actor: Any, follow: Any) -> bool:
    return actor is not None and follow is not None and follow.user_id == actor.id
