"""Who may keep a copy: every page with someone's own or non-public data answers
``Cache-Control: no-store``, for every visitor; the public pages and feeds may be cached.

The URL map is walked as each kind of visitor, so a page added later is checked too. The
public pages are named here on their own, apart from the app's list: a page that moves
from private to public must be a decision in both places.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.security.conftest import client_for
from tests.security.routes import paths, rules

PUBLIC_BLUEPRINTS = {
    "api",
    "calendar",
    "feeds",
    "exports",
    "monitoring",
    "record",
    "record_log",
    "regions",
}
PUBLIC_PAGES = {
    "public.home",
    "public.region",
    "public.organisation",
    "public.consultation",
    "public.section_comments",
    "public.version",
    "public.version_pdf",  # a locked version's kept PDF: the same bytes for ever
    "public.diff",
    "public.search_page",
    "participation.public",
    "tracing.changed_section",
    "reactienota.public",
    "reactienota.public_edition",
    "reactienota.public_pdf",
    "reactienota.public_csv",
    "reactienota.public_json",
    "reactienota.schema",
    "record_bundle.public_download",
}
# Pages the issue names: a person's own, the team with its e-mail addresses, the queue.
MUST_BE_PRIVATE = {
    "dashboard.account",
    "dashboard.tasks",
    "accounts.change_password",
    "region_admin.index",
    "moderation.queue",
    "public.receipt",
    "public.status",
    "admin.index",
    "health.health",
}


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_PAGES or endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS


def _walk(app, client, values):
    """(endpoint, path, response) for every GET route the world's objects can build."""
    for rule in rules(app):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for path in paths(rule, values):
            response = client.get(path)
            response.close()
            yield rule.endpoint, path, response


@pytest.fixture
def visitors(app, session, world):
    admin = factories.user(session, admin=True)
    return {
        "anonymous": client_for(app),
        "participant": client_for(app, world.people["participant"]),
        "official": client_for(app, world.people["official"]),
        "platform admin": client_for(app, admin),
    }


def _tracking_code(world) -> str:
    return world.base.comments["public"].submission.tracking_code


def test_no_page_with_private_data_may_be_stored(app, session, world, visitors) -> None:
    stored, unsaid = [], []
    seen = set()
    for who, client in visitors.items():
        for endpoint, path, response in _walk(app, client, world.values):
            seen.add((who, endpoint, response.status_code))
            policy = response.headers.get("Cache-Control", "")
            private = who != "anonymous" or not _is_public(endpoint)
            if private and "no-store" not in policy:
                stored.append(f"{who}: GET {path} ({endpoint}) {response.status_code} {policy!r}")
            if not private and response.status_code == 200 and not policy:
                unsaid.append(f"GET {path} ({endpoint})")
    assert stored == []
    assert unsaid == []  # a public page says how long it may be kept
    # The walk really opened the pages that matter, each as the one who may see it.
    assert ("official", "region_admin.index", 200) in seen
    assert ("official", "moderation.queue", 200) in seen
    assert ("participant", "dashboard.account", 200) in seen
    assert ("platform admin", "admin.index", 200) in seen
    assert {endpoint for _, endpoint, _ in seen} >= MUST_BE_PRIVATE


def test_a_receipt_and_a_status_page_are_never_stored(app, session, world) -> None:
    code = _tracking_code(world)
    client = client_for(app)
    for path in (f"/ontvangst/{code}", f"/ontvangst/{code}/bewijs"):
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_public_pages_and_feeds_may_be_cached_by_anyone(app, session, world) -> None:
    client = client_for(app)
    slug = world.values["slug"]
    page = client.get(f"/consultaties/{slug}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] in ("public, max-age=60", "private, no-cache")
    # A visitor without a session (a crawler, a first visit to a page without a form).
    fresh = client_for(app).get("/regios")
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "public, max-age=60"
    feed = client_for(app).get("/landelijk.atom")
    assert feed.status_code == 200
    assert feed.headers["Cache-Control"].startswith("public")
    assert feed.headers.get("ETag")
