"""The one place that answers "may this person do this to this object?".

Every permission is a member of :class:`Permission`, named ``scope:resource:action``
(``region:team:manage``). Each domain's ``policy.py`` registers the rule of its own
permissions with :func:`rule`; views and services call :func:`allowed` or
:func:`authorize` and never compare roles themselves. A rule that needs a region role asks
:func:`holds`. A permission without a rule is denied: new things are private until someone
decides otherwise (and a test fails until every member has its rule).

Who acts is an :class:`Actor`: the signed-in person (``accounts.models.User``), or None
for nobody signed in. This module imports no domain; the roles themselves
(:class:`RegionRoleKind`) live here because every domain's rules speak of them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from flask import abort, current_app
from flask_babel import lazy_gettext as _l

from consult.enums import LabelledEnum


class Permission(enum.StrEnum):
    """Everything the platform lets someone do, by scope (the object's kind) first."""

    ACCOUNT_FOLLOW_MANAGE = "account:follow:manage"
    ANSWER_APPROVE = "answer:answer:approve"
    CONSULTATION_ANSWERS_DRAFT = "consultation:answers:draft"
    CONSULTATION_ANSWERS_PUBLISH = "consultation:answers:publish"
    CONSULTATION_COMMENTS_MODERATE = "consultation:comments:moderate"
    CONSULTATION_COUNCIL_DECISIONS_RECORD = "consultation:council-decisions:record"
    CONSULTATION_PAGE_VIEW = "consultation:page:view"
    CONSULTATION_RECORD_EXPORT = "consultation:record:export"
    CONSULTATION_REPORT_MANAGE = "consultation:report:manage"
    CONSULTATION_REPORT_PREVIEW = "consultation:report:preview"
    CONSULTATION_SUBMISSIONS_VIEW_PRIVATE = "consultation:submissions:view-private"
    DOCUMENT_VERSION_VIEW = "document:version:view"
    ORGANISATION_COMMENT_ON_BEHALF = "organisation:comment:on-behalf"
    ORGANISATION_INVITATION_ACCEPT = "organisation:invitation:accept"
    ORGANISATION_MEMBERS_MANAGE = "organisation:members:manage"
    ORGANISATION_MEMBERS_VIEW = "organisation:members:view"
    ORGANISATION_PAGE_VIEW = "organisation:page:view"
    ORGANISATION_TOKENS_CREATE = "organisation:tokens:create"
    ORGANISATION_TOKENS_MANAGE = "organisation:tokens:manage"
    PLATFORM_ADMIN_VIEW = "platform:admin:view"
    PLATFORM_ORGANISATIONS_VERIFY = "platform:organisations:verify"
    PLATFORM_OUTBOX_RETRY = "platform:outbox:retry"
    REGION_ADMIN_VIEW = "region:admin:view"
    REGION_CONSULTATIONS_MANAGE = "region:consultations:manage"
    REGION_CONSULTATIONS_VIEW_DRAFTS = "region:consultations:view-drafts"
    REGION_DOCUMENTS_MANAGE = "region:documents:manage"
    REGION_SETTINGS_MANAGE = "region:settings:manage"
    REGION_TEAM_MANAGE = "region:team:manage"
    SUBMISSION_ATTACHMENT_DOWNLOAD = "submission:attachment:download"
    SUBMISSION_COMMENT_WITHDRAW = "submission:comment:withdraw"
    SUBMISSION_CONTACT_ERASE = "submission:contact:erase"


class RegionRoleKind(LabelledEnum):
    """The roles someone holds in one region (DOMAIN.md, "Roles"); each is per region."""

    OFFICIAL = "official", _l("official")
    MODERATOR = "moderator", _l("moderator")
    RESPONDER = "responder", _l("responder")


class RoleGrant(Protocol):
    """One role in one region (``accounts.models.RegionRole``)."""

    @property
    def region_id(self) -> int: ...

    @property
    def role(self) -> RegionRoleKind: ...


class Actor(Protocol):
    """Who acts: a person with an account (``accounts.models.User``)."""

    @property
    def id(self) -> int: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_platform_admin(self) -> bool: ...

    @property
    def region_roles(self) -> Iterable[RoleGrant]: ...


Rule = Callable[[Any, Any], bool]
_RULES: dict[Permission, Rule] = {}


class UnknownPermission(LookupError):
    pass


def is_platform_admin(actor: Actor | None) -> bool:
    return actor is not None and bool(getattr(actor, "is_platform_admin", False))


def roles_in(actor: Actor | None, region_id: int) -> set[RegionRoleKind]:
    """The roles ``actor`` holds in the region ``region_id``."""
    if actor is None:
        return set()
    return {grant.role for grant in actor.region_roles if grant.region_id == region_id}


def works_in_a_region(actor: Actor | None) -> bool:
    """``actor`` is on some region's team (and so has work waiting on the task list)."""
    return actor is not None and bool(actor.region_roles)


def holds(actor: Actor | None, region_id: int, *roles: RegionRoleKind) -> bool:
    """``actor`` is a platform admin, or holds one of ``roles`` in the region."""
    return is_platform_admin(actor) or bool(roles_in(actor, region_id) & set(roles))


def rule(permission: Permission) -> Callable[[Rule], Rule]:
    """Register the function that decides ``permission``; one rule per permission."""
    permission = Permission(permission)

    def register(func: Rule) -> Rule:
        if permission in _RULES and _RULES[permission] is not func:
            raise ValueError(f"permission {permission!r} already has a rule")
        _RULES[permission] = func
        return func

    return register


def allowed(actor: Any, permission: Permission, target: Any = None) -> bool:
    try:
        decide = _RULES[Permission(permission)]
    except (KeyError, ValueError):
        raise UnknownPermission(permission) from None
    if actor is None or not getattr(actor, "is_authenticated", False):
        actor = None
    return bool(decide(actor, target))


def authorize(
    actor: Any, permission: Permission, target: Any = None, *, hide: bool = False
) -> None:
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


def registered_permissions() -> list[Permission]:
    return sorted(_RULES)
