"""Managing an organisation's API tokens: list, make (the secret shown once), revoke (after
a confirmation), only by the organisation's own admins, with CSRF, in the record."""

from __future__ import annotations

import re

from sqlalchemy import select

from consult.ledger.models import RecordEvent
from consult.organisations import tokens
from consult.organisations.models import ApiToken
from consult.permissions import allowed
from tests import factories
from tests.api.tokens_world import body, send
from tests.conftest import csrf_token, log_in, submit_form
from tests.responses.tracing_support import text_of

SECRET = re.compile(r"consult_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def _path(organisation) -> str:
    return f"/organisaties/{organisation.id}/sleutels"


def _make(client, organisation, name: str = "Schoolsessies", **extra):
    data = {"name": name, "scopes": [tokens.SUBMISSION_CREATE], "days": "90", **extra}
    return submit_form(client, _path(organisation), data)


def _tokens(session, organisation) -> list[ApiToken]:
    session.expire_all()
    return list(
        session.scalars(select(ApiToken).where(ApiToken.organisation_id == organisation.id))
    )


def _events(session, kind: str) -> list[RecordEvent]:
    return list(session.scalars(select(RecordEvent).where(RecordEvent.kind == kind)))


# -- making one --------------------------------------------------------------------------------


def test_an_admin_makes_a_token_and_sees_the_secret_once(
    quiet_english_client, session, org_world
) -> None:
    organisation = org_world.organisation
    log_in(quiet_english_client, org_world.admin.email)
    members = text_of(quiet_english_client.get(f"/organisaties/{organisation.id}/leden"))
    assert "API keys: send comments you collected yourself" in members

    response = _make(quiet_english_client, organisation)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    [secret] = set(SECRET.findall(response.get_data(as_text=True)))
    assert "Copy the key now. You will see it only this once" in text_of(response)

    [token] = _tokens(session, organisation)
    assert token.name == "Schoolsessies"
    assert token.scope_list == [tokens.SUBMISSION_CREATE]
    assert token.secret_hash == tokens.hash_token(secret)
    assert secret.startswith(f"consult_{token.prefix}_")
    assert token.created_by_id == org_world.admin.id
    assert (token.expires_at - token.created_at).days == 90

    # Never again: the list shows the prefix, not the secret.
    listing = quiet_english_client.get(_path(organisation))
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert secret not in page
    assert secret.split("_", 2)[2] not in page
    assert f"consult_{token.prefix}_" in page
    assert "never" in text_of(listing)  # not used yet

    # In the record: prefix, organisation, scopes; no secret, no person.
    [event] = _events(session, "api_token_created")
    assert event.chain == ""
    assert event.object_id == token.prefix
    assert event.payload["organisation"] == organisation.id
    assert event.payload["token_prefix"] == token.prefix
    assert event.payload["scopes"] == [tokens.SUBMISSION_CREATE]
    assert secret.split("_", 2)[2] not in str(event.payload)
    assert org_world.admin.email not in str(event.payload)
    assert event.actor_role == "organisation_admin"


def test_the_token_works_and_its_use_shows_on_the_list(
    quiet_english_client, other_english_client, session, org_world
) -> None:
    consultation = factories.consultation(session)
    log_in(quiet_english_client, org_world.admin.email)
    [secret] = set(
        SECRET.findall(_make(quiet_english_client, org_world.organisation).get_data(as_text=True))
    )
    sent = send(other_english_client, consultation.slug, body(), secret=secret)
    assert sent.status_code == 201
    listing = text_of(quiet_english_client.get(_path(org_world.organisation)))
    assert "never" not in listing


def test_scopes_names_and_lifetimes_are_checked(quiet_english_client, session, org_world) -> None:
    log_in(quiet_english_client, org_world.admin.email)
    organisation = org_world.organisation
    for data in (
        {"scopes": ["platform:everything:do"]},
        {"scopes": []},
        {"name": ""},
        {"name": "x" * 101},
        {"days": "3650"},
    ):
        response = _make(quiet_english_client, organisation, **data)
        assert response.status_code == 400, data
    assert _tokens(session, organisation) == []


def test_making_a_token_needs_the_csrf_token(quiet_english_client, session, org_world) -> None:
    log_in(quiet_english_client, org_world.admin.email)
    response = quiet_english_client.post(
        _path(org_world.organisation),
        data={"name": "Zonder", "scopes": [tokens.SUBMISSION_CREATE], "days": "30"},
    )
    assert response.status_code == 400
    assert _tokens(session, org_world.organisation) == []


def test_an_unverified_organisation_cannot_make_tokens(
    quiet_english_client, session, org_world
) -> None:
    boss = factories.user(session, "baas@ongecontroleerd.example.org")
    unverified = factories.organisation(session, "Nog Niet Geverifieerd", admins=(boss,))
    log_in(quiet_english_client, boss.email)
    page = quiet_english_client.get(_path(unverified))
    assert page.status_code == 200
    assert "Only a verified organisation can make API keys" in text_of(page)
    token = csrf_token(quiet_english_client, _path(unverified))
    response = quiet_english_client.post(
        _path(unverified),
        data={
            "name": "Toch",
            "scopes": [tokens.SUBMISSION_CREATE],
            "days": "30",
            "csrf_token": token,
        },
    )
    assert response.status_code == 403
    assert _tokens(session, unverified) == []


# -- revoking ----------------------------------------------------------------------------------


def test_revoking_asks_first_then_stops_the_token_at_once(
    quiet_english_client, other_english_client, session, org_world
) -> None:
    consultation = factories.consultation(session)
    log_in(quiet_english_client, org_world.admin.email)
    [secret] = set(
        SECRET.findall(_make(quiet_english_client, org_world.organisation).get_data(as_text=True))
    )
    [token] = _tokens(session, org_world.organisation)
    path = f"{_path(org_world.organisation)}/{token.id}/intrekken"

    confirm = quiet_english_client.get(path)
    assert confirm.status_code == 200
    assert "Revoke the API key Schoolsessies?" in text_of(confirm)
    assert _tokens(session, org_world.organisation)[0].revoked_at is None  # asking is not doing

    # Without the CSRF token nothing happens.
    assert quiet_english_client.post(path, data={}).status_code == 400
    assert _tokens(session, org_world.organisation)[0].revoked_at is None

    done = submit_form(quiet_english_client, path, {})
    assert done.status_code == 302
    [revoked] = _tokens(session, org_world.organisation)
    assert revoked.revoked_at is not None
    assert revoked.revoked_by_id == org_world.admin.id
    [event] = _events(session, "api_token_revoked")
    assert event.object_id == token.prefix
    assert event.payload["organisation"] == org_world.organisation.id
    assert send(other_english_client, consultation.slug, body(), secret=secret).status_code == 401

    # A second revoke records nothing more.
    submit_form(quiet_english_client, path, {})
    assert len(_events(session, "api_token_revoked")) == 1
    assert "revoked on" in text_of(quiet_english_client.get(_path(org_world.organisation)))


# -- who may -----------------------------------------------------------------------------------


def test_only_the_organisations_own_admins_see_or_touch_its_tokens(
    quiet_english_client, session, org_world
) -> None:
    organisation = org_world.organisation
    made = factories.api_token(session, organisation, org_world.admin, "Bestaand")
    own = _path(organisation)
    revoke = f"{own}/{made.token.id}/intrekken"

    assert quiet_english_client.get(own).status_code == 302  # anonymous: log in first

    # A plain member of the organisation: 404 everywhere, and no link on the members page.
    log_in(quiet_english_client, org_world.member.email)
    assert "API keys" not in text_of(
        quiet_english_client.get(f"/organisaties/{organisation.id}/leden")
    )
    member_csrf = csrf_token(quiet_english_client, f"/organisaties/{organisation.id}/leden")
    assert quiet_english_client.get(own).status_code == 404
    assert quiet_english_client.get(revoke).status_code == 404
    assert quiet_english_client.post(revoke, data={"csrf_token": member_csrf}).status_code == 404
    assert (
        quiet_english_client.post(
            own,
            data={"name": "X", "scopes": [tokens.SUBMISSION_CREATE], "days": "30"}
            | {"csrf_token": member_csrf},
        ).status_code
        == 404
    )

    # The admin of another organisation: 404 for this one's tokens, also through their own
    # organisation's address with this one's token id.
    boss = factories.user(session, "baas@ander.example.org")
    other = factories.organisation(session, "Andere Stichting", verified=True, admins=(boss,))
    quiet_english_client.delete_cookie("session")
    log_in(quiet_english_client, boss.email)
    assert quiet_english_client.get(_path(other)).status_code == 200
    boss_csrf = csrf_token(quiet_english_client, _path(other))
    assert quiet_english_client.get(own).status_code == 404
    assert quiet_english_client.get(revoke).status_code == 404
    assert quiet_english_client.post(revoke, data={"csrf_token": boss_csrf}).status_code == 404
    crossed = f"{_path(other)}/{made.token.id}/intrekken"
    assert quiet_english_client.get(crossed).status_code == 404
    assert quiet_english_client.post(crossed, data={"csrf_token": boss_csrf}).status_code == 404
    assert made.secret not in quiet_english_client.get(_path(other)).get_data(as_text=True)
    assert f"consult_{made.token.prefix}_" not in quiet_english_client.get(_path(other)).get_data(
        as_text=True
    )
    assert _tokens(session, organisation)[0].revoked_at is None

    # A platform admin is not the organisation: no tokens of it either.
    staff = factories.user(session, "platform@example.org", admin=True)
    quiet_english_client.delete_cookie("session")
    log_in(quiet_english_client, staff.email)
    assert quiet_english_client.get(own).status_code == 404


def test_the_policy_rules(session, org_world) -> None:
    organisation, unverified = org_world.organisation, org_world.unverified
    boss = factories.user(session, "baas2@ander.example.org")
    staff = factories.user(session, "platform2@example.org", admin=True)
    factories.organisation(session, "Nog Een Stichting", verified=True, admins=(boss,))
    assert allowed(org_world.admin, "organisation:tokens:manage", organisation)
    assert allowed(org_world.admin, "organisation:tokens:create", organisation)
    for outsider in (None, org_world.member, boss, staff):
        assert not allowed(outsider, "organisation:tokens:manage", organisation)
        assert not allowed(outsider, "organisation:tokens:create", organisation)
    unverified_admin = factories.user(session, "baas3@ander.example.org")
    unverified.members.append(type(organisation.members[0])(user=unverified_admin, is_admin=True))
    session.flush()
    assert allowed(unverified_admin, "organisation:tokens:manage", unverified)
    assert not allowed(unverified_admin, "organisation:tokens:create", unverified)
