"""The one place that answers "may this person do this to this object?".

Permissions are named ``scope:resource:action`` (``region:team:manage``). Each domain's
``policy.py`` registers a rule per permission with :func:`rule`; views and services call
:func:`allowed` or :func:`authorize` and never compare roles themselves. A permission
without a rule is denied: new things are private until someone decides otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


class UnknownPermission(LookupError):
    pass


def rule(permission: str) -> Callable[[Rule], Rule]:
    """Register the function that decides ``permission``; one rule per permission."""
    if permission.count(":") != 2:
        raise ValueError(f"permission {permission!r} is not of the form scope:resource:action")

    def register(func: Rule) -> Rule:
        if permission in _RULES and _RULES[permission] is not func:
            raise ValueError(f"permission {permission!r} already has a rule")
        _RULES[permission] = func
        return func

    return register


def allowed(actor: Any, permission: str, target: Any = None) -> bool:
    try:
        decide = _RULES[permission]
    except KeyError:
        raise UnknownPermission(permission) from None
    if actor is None or not getattr(actor, "is_authenticated", False):
        actor = None
    return bool(decide(actor, target))


def authorize(actor: Any, permission: str, target: Any = None, *, hide: bool = False) -> None:
    """Abort the request unless ``actor`` holds ``permission`` on ``target``.

    ``hide=True`` answers 404 instead of 403, for objects whose very existence is not public.
    An anonymous visitor is sent to the log-in page instead.
    """
    if allowed(actor, permission, target):
        return
    if hide:
        abort(404)
    if actor is None or not getattr(actor, "is_authenticated", False):
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    abort(403)


def registered_permissions() -> list[str]:
    return sorted(_RULES)
