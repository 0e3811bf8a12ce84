"""The permission registry: deny by default, one rule per permission."""

import re

import pytest

from consult import permissions
from consult.permissions import Permission, UnknownPermission, allowed, rule
from tests import factories


def test_every_permission_is_named_scope_resource_action():
    for permission in Permission:
        scope, resource, action = permission.value.split(":")
        assert all((scope, resource, action)), permission


def test_a_rule_is_only_for_a_declared_permission():
    with pytest.raises(ValueError, match="is not a valid Permission"):
        rule("region:view")


def test_every_permission_has_exactly_its_rule_in_its_domains_policy(app):
    """Deny by default only hides a forgotten rule: every member of Permission has one,
    registered from a domain's policy.py."""
    assert permissions.registered_permissions() == sorted(Permission)
    for permission, decide in permissions._RULES.items():
        module = decide.__module__
        assert re.fullmatch(r"consult\.\w+\.policy", module), (permission, module)


def test_an_unregistered_permission_is_an_error_not_a_yes():
    with pytest.raises(UnknownPermission):
        allowed(None, "nothing:here:yet")


def test_a_permission_cannot_get_a_second_rule(app):
    with pytest.raises(ValueError, match="already has a rule"):
        rule("platform:admin:view")(lambda actor, target: True)


def test_anonymous_is_passed_to_rules_as_none(app):
    from flask_login import AnonymousUserMixin

    assert allowed(AnonymousUserMixin(), "platform:admin:view") is False


def test_platform_admin_rules(session):
    admin = factories.user(session, admin=True)
    person = factories.user(session)
    assert allowed(admin, "platform:admin:view")
    assert not allowed(person, "platform:admin:view")


def test_only_members_of_a_verified_organisation_may_speak_for_it(session):
    member, outsider = factories.user(session), factories.user(session)
    unverified = factories.organisation(session, members=(member,))
    verified = factories.organisation(session, verified=True, members=(member,))
    assert allowed(member, "organisation:comment:on-behalf", verified)
    assert not allowed(member, "organisation:comment:on-behalf", unverified)
    assert not allowed(outsider, "organisation:comment:on-behalf", verified)


def test_organisation_admins_manage_members_of_their_own_organisation_only(session):
    boss = factories.user(session)
    own = factories.organisation(session, admins=(boss,))
    other = factories.organisation(session)
    assert allowed(boss, "organisation:members:manage", own)
    assert not allowed(boss, "organisation:members:manage", other)


def test_views_never_compare_roles_themselves(app):
    """Role checks live in policy modules; a view that reads roles bypasses the policy."""
    from pathlib import Path

    import consult

    offenders = []
    for path in Path(consult.__file__).parent.rglob("*views.py"):
        text = path.read_text()
        for needle in ("is_platform_admin", "RegionRoleKind.", "region_roles", ".is_admin"):
            if needle in text:
                offenders.append(f"{path.parent.name}/{path.name}: {needle}")
    assert offenders == []
    assert "region:admin:view" in permissions.registered_permissions()
