"""Who may use the platform's own administration: platform admins only."""

from __future__ import annotations

from typing import Any

from consult.permissions import Actor, Permission, is_platform_admin, rule


@rule(Permission.PLATFORM_ADMIN_VIEW)
def view_platform_admin(actor: Actor | None, _target: Any) -> bool:
    return is_platform_admin(actor)


@rule(Permission.PLATFORM_ORGANISATIONS_VERIFY)
def verify_organisations(actor: Actor | None, _target: Any) -> bool:
    return is_platform_admin(actor)


@rule(Permission.PLATFORM_OUTBOX_RETRY)
def retry_outbox_mails(actor: Actor | None, _target: Any) -> bool:
    return is_platform_admin(actor)
