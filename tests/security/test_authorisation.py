"""Missing authorisation and IDOR, on every protected route of the URL map.

Decidim's CVE-2026-40869 let any logged-in person accept amendments by sending the right
id; its CVE-2026-40870 served every commentable object through the API without a
permission check. Here the URL map is walked with the ids of one region's objects (the
victim, JZ22) and every protected route is attacked, by GET and by POST with a valid CSRF
token, by people who must not get in: nobody logged in, a participant, a member of a
verified organisation, an official and a moderator of another region (with the victim's
region code in the URL, and with their own region's code and the victim's ids). None gets
a page, and nothing in the database changes. The region's own team gets in only where
their role allows.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import csrf_token
from tests.security.conftest import client_for
from tests.security.routes import STATE_CHANGING, fill, paths, rules
from tests.security.world import OTHER, fingerprint

# The organisation routes other than accepting an invitation (whose token is the key).
ORGANISATION_PREFIX = "/organisaties/<int:organisation_id>/"
PROTECTED_ENDPOINTS = {
    "follows.change",
    "follows.stop",
    "comments.attachment",  # an attachment of a comment whose text is not public
    "record_bundle.page",
    "record_bundle.make",
    "record_bundle.download",
}

# A member of a verified organisation may make and fetch the evidence bundle of a
# consultation that is not a draft (consult/evidence/policy.py), and see who else is a
# member; nothing else.
ALLOWED_FOR = {
    "organisation member": {
        "record_bundle.page",
        "record_bundle.make",
        "record_bundle.download",
        "organisations.members",
    }
}
OUTSIDERS = [
    "anonymous",
    "participant",
    "organisation member",
    "official elsewhere",
    "moderator elsewhere",
]

# What the region's own team may open with GET, by role; everything else is refused.
TEAM_PAGES = {
    "moderator": {
        "comments.attachment",
        "region_admin.index",
        "consultations.index",
        "consultations.detail",
        "consultations.council_decisions",
        "moderation.queue",
        "moderation.hide",
        "moderation.unhide",
        "moderation.approvals",
        "moderation.reject",
        "reactienota.manage",
        "reactienota.preview",
        "reactienota.preview_file",
        "documents.index",
        "documents.document",
        "documents.version",
    },
    "responder": {
        "comments.attachment",
        "region_admin.index",
        "consultations.index",
        "consultations.detail",
        "consultations.council_decisions",
        "responses.workspace",
        "responses.answer",
        "responses.correct_answer",
        "responses.discard_answer",
        "responses.edit_answer",
        "responses.approvals",
        "responses.new_answer",
        "grouping.groups",
        "grouping.group",
        "grouping.dissolve",
        "grouping.add_comment",
        "reactienota.manage",
        "reactienota.preview",
        "reactienota.preview_file",
        "documents.index",
        "documents.document",
        "documents.version",
    },
}
# What the team may change with POST, by role.
TEAM_ACTIONS = {
    "moderator": {
        "moderation.hide",
        "moderation.unhide",
        "moderation.dismiss",
        "moderation.approve",
        "moderation.reject",
    },
    "responder": {
        "responses.new_answer",
        "responses.edit_answer",
        "responses.discard_answer",
        "responses.correct_answer",
        "grouping.dissolve",
        "grouping.split_comment",
        "grouping.remove_comment",
        "grouping.merge",
        "grouping.add_comment",
        "grouping.regroup",
    },
}
# Those that approve, publish or change the region: never a moderator's or responder's.
OFFICIALS_ONLY = {
    "responses.approve_answer",
    "responses.publish",
    "reactienota.generate",
    "reactienota.publish",
    "reactienota.remake_pdf",
    "consultations.open_now",
    "consultations.schedule",
    "consultations.extend",
    "region_admin.add_member",
    "region_admin.remove_member",
    "region_admin.settings",
    "region_admin.terms",
    "region_admin.remove_term",
    "documents.import_word",
    "documents.import_markdown",
}


def is_protected(rule: Rule) -> bool:
    path = rule.rule
    return (
        path.startswith("/regios/<code>/beheer")
        or path.startswith("/beheer")
        or (path.startswith(ORGANISATION_PREFIX) and "/uitnodiging/" not in path)
        or rule.endpoint in PROTECTED_ENDPOINTS
    )


def protected_rules(app: Flask) -> list[Rule]:
    return [rule for rule in rules(app) if is_protected(rule)]


def _refused(response, who: str) -> bool:
    if who == "anonymous" and response.status_code == 302:
        return response.location.startswith("/account/inloggen")
    return response.status_code in (403, 404)


def _attack(
    app, session, world, who: str, values: dict[str, object], *, only_with_ids: bool = False
) -> list[str]:
    person = None if who == "anonymous" else world.people[who]
    client = client_for(app, person)
    token = csrf_token(client, "/account/inloggen" if person is None else "/account/")
    before = fingerprint(session)
    let_in = []
    for rule in protected_rules(app):
        if rule.endpoint in ALLOWED_FOR.get(who, ()):
            continue
        if only_with_ids and not rule.arguments - {"code"}:
            continue  # a page of one's own region that names no object of the victim
        path = fill(rule, values)
        for each in paths(rule, values) if "GET" in rule.methods else []:
            response = client.get(each)
            response.close()
            if not _refused(response, who):
                let_in.append(f"GET {each} ({rule.endpoint}): {response.status_code}")
        if rule.methods & STATE_CHANGING:
            response = client.post(path, data={"csrf_token": token})
            response.close()
            if not _refused(response, who):
                let_in.append(f"POST {path} ({rule.endpoint}): {response.status_code}")
    assert fingerprint(session) == before, f"{who} changed the database"
    return let_in


def test_the_walk_reaches_the_routes_that_matter(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in protected_rules(app)}
    assert endpoints >= OFFICIALS_ONLY
    for endpoints_of_role in (*TEAM_PAGES.values(), *TEAM_ACTIONS.values()):
        assert endpoints_of_role <= endpoints
    assert len(endpoints) > 70


def test_outsiders_get_no_protected_page_and_change_nothing(app, session, world) -> None:
    let_in = {who: _attack(app, session, world, who, world.values) for who in OUTSIDERS}
    assert let_in == {who: [] for who in OUTSIDERS}


def test_ids_of_another_region_under_ones_own_region_find_nothing(app, session, world) -> None:
    """The IDOR of CVE-2026-40869: a right id in the URL of a region one does work for."""
    values = {**world.values, "code": OTHER}
    attackers = ("official elsewhere", "moderator elsewhere")
    let_in = {
        who: _attack(app, session, world, who, values, only_with_ids=True) for who in attackers
    }
    assert let_in == {who: [] for who in attackers}


def test_the_regions_team_opens_only_what_its_role_allows(app, session, world) -> None:
    for role, allowed in TEAM_PAGES.items():
        client = client_for(app, world.people[role])
        opened = set()
        for rule in protected_rules(app):
            if "GET" not in rule.methods:
                continue
            for path in paths(rule, world.values):
                response = client.get(path)
                response.close()
                if response.status_code == 200:
                    opened.add(rule.endpoint)
        assert opened - allowed == set(), role
        assert "region_admin.index" in opened  # the walk did log in


def test_the_regions_team_changes_only_what_its_role_allows(app, session, world) -> None:
    before = fingerprint(session)
    for role, allowed in TEAM_ACTIONS.items():
        assert not OFFICIALS_ONLY & allowed
        client = client_for(app, world.people[role])
        token = csrf_token(client, "/account/")
        let_in = []
        for rule in protected_rules(app):
            if not rule.methods & STATE_CHANGING or rule.endpoint in allowed:
                continue
            response = client.post(fill(rule, world.values), data={"csrf_token": token})
            response.close()
            if response.status_code not in (403, 404):
                let_in.append(f"{rule.endpoint}: {response.status_code}")
        assert let_in == [], role
    assert fingerprint(session) == before
