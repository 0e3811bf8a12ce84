"""Deleting one's own account, and the platform admin's ``consult privacy erase``.

The password is asked again; the person's data goes (the row stays, anonymised, as the
target of ids elsewhere); their submissions lose their contact data, each with its event;
roles and memberships go; the last admin of an organisation with members is refused.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from consult.accounts import services as accounts
from consult.accounts.models import RegionRole, User
from consult.accounts.passwords import verify_password
from consult.comments.models import Submission
from consult.ledger.models import RecordEvent
from consult.organisations.models import OrganisationMember
from consult.permissions import RegionRoleKind
from consult.privacy.accounts import is_erased
from tests import factories
from tests.comments.conftest import open_form, post_form, valid_data
from tests.conftest import CSRF_FIELD, TEST_PASSWORD, log_in, make_client

PLACEHOLDER = re.compile(r"^gewist-[0-9a-f]{16}@invalid$")


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _csrf(response) -> str:
    found = CSRF_FIELD.search(response.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def _send(client, consultation, **changes) -> str:
    _page, tokens = open_form(client, consultation.slug)
    response = post_form(client, consultation.slug, tokens, valid_data(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.location.split("/")[-2]


def _erasures(session) -> list[RecordEvent]:
    return list(
        session.scalars(select(RecordEvent).where(RecordEvent.kind == "personal_data_erased"))
    )


def test_deleting_an_account_asks_the_password_then_erases_and_logs_out(
    app, english_client, session, outbox
):
    consultation = factories.consultation(session)
    person = factories.user(session, "Iris.Weg@example.org", display_name="Iris Wegwezen")
    factories.organisation(session, "Cliëntenraad Oost", members=(person,))
    factories.organisation(
        session, "Jongerenraad", admins=(person, factories.user(session)), verified=True
    )
    factories.region_user(session, "moderator")  # someone else's role stays
    accounts.grant_region_role(
        session, person, factories.region(session), RegionRoleKind.RESPONDER, granted_by=None
    )
    # Sent before she had an account, from the same address, and after, while logged in.
    _send(app.test_client(), consultation, email="iris.weg@EXAMPLE.org")
    log_in(english_client, "Iris.Weg@example.org")
    code = _send(
        english_client, consultation, email=None, display_name="Iris Wegwezen", publish_name="y"
    )

    overview = english_client.get("/account/")
    assert 'href="/account/verwijderen"' in overview.get_data(as_text=True)
    page = english_client.get("/account/verwijderen")
    assert page.status_code == 200
    shown = _text(page)
    for sentence in (
        "Your email address, your name and your password.",
        "Your email address and name with every comment you sent.",
        "Your roles in regions.",
        "Your membership of organisations.",
        "Your comments themselves.",
        "You get no more emails from us.",
    ):
        assert sentence in shown
    assert 'autocomplete="current-password"' in page.get_data(as_text=True)

    # No CSRF token, or the wrong password: nothing happens.
    assert (
        english_client.post("/account/verwijderen", data={"password": TEST_PASSWORD}).status_code
        == 400
    )
    wrong = english_client.post(
        "/account/verwijderen", data={"password": "not my password", "csrf_token": _csrf(page)}
    )
    assert wrong.status_code == 400
    assert "This is not your password." in _text(wrong)
    session.expire_all()
    assert session.get(User, person.id).email == "Iris.Weg@example.org"

    done = english_client.post(
        "/account/verwijderen", data={"password": TEST_PASSWORD, "csrf_token": _csrf(page)}
    )
    assert done.status_code == 302
    assert done.location == "/account/verwijderd"
    assert "Your account is deleted" in _text(english_client.get(done.location))
    assert english_client.get("/account/").status_code == 302  # logged out

    session.expire_all()
    gone = session.get(User, person.id)
    assert PLACEHOLDER.match(gone.email)
    assert gone.email_key == gone.email
    assert is_erased(gone)
    assert gone.display_name is None
    assert gone.locale is None
    assert gone.email_confirmed_at is None
    assert not gone.is_platform_admin
    assert not verify_password(gone.password_hash, TEST_PASSWORD)
    assert (
        session.scalar(select(func.count(RegionRole.id)).where(RegionRole.user_id == gone.id)) == 0
    )
    assert (
        session.scalar(
            select(func.count(OrganisationMember.id)).where(OrganisationMember.user_id == gone.id)
        )
        == 0
    )
    assert session.scalar(select(func.count(RegionRole.id))) == 1  # the moderator's
    submissions = list(session.scalars(select(Submission).order_by(Submission.id)))
    assert [s.contact.erased_at is not None for s in submissions] == [True, True]
    assert all(s.contact.email is None and s.contact.display_name is None for s in submissions)
    events = _erasures(session)
    assert sorted(e.object_id for e in events) == sorted(s.tracking_code for s in submissions)
    assert {e.actor_role for e in events} == {"participant"}
    assert code in {e.object_id for e in events}

    # The old address and password open nothing any more.
    again = english_client.post(
        "/account/inloggen",
        data={
            "email": "Iris.Weg@example.org",
            "password": TEST_PASSWORD,
            "csrf_token": _csrf(english_client.get("/account/inloggen")),
        },
    )
    assert "The email address or password is incorrect." in _text(again)


def test_deleting_needs_a_login(english_client):
    response = english_client.get("/account/verwijderen")
    assert response.status_code == 302
    assert response.location.startswith("/account/inloggen")


def test_the_only_admin_of_an_organisation_with_members_is_refused(app, english_client, session):
    boss = factories.user(session, "baas@example.org")
    member = factories.user(session, "lid@example.org")
    organisation = factories.organisation(session, "Ouderplatform West", admins=(boss,))
    session.add(OrganisationMember(organisation=organisation, user=member))
    session.flush()
    log_in(english_client, "baas@example.org")
    page = english_client.get("/account/verwijderen")
    refused = english_client.post(
        "/account/verwijderen", data={"password": TEST_PASSWORD, "csrf_token": _csrf(page)}
    )
    assert refused.status_code == 409
    assert "You are the only administrator of Ouderplatform West." in _text(refused)
    session.expire_all()
    assert session.get(User, boss.id).email == "baas@example.org"
    assert english_client.get("/account/").status_code == 200  # still logged in

    # Alone in an organisation, nobody is left behind: the membership simply goes.
    alone = factories.user(session, "alleen@example.org")
    factories.organisation(session, "Eenmanszaak", admins=(alone,))
    other = make_client(app, "en")
    log_in(other, "alleen@example.org")
    token = _csrf(other.get("/account/verwijderen"))
    response = other.post(
        "/account/verwijderen", data={"password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_wrong_passwords_are_rate_limited(app, english_client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PASSWORD_FORMS", "2 per minute")
    factories.user(session, "raden@example.org")
    log_in(english_client, "raden@example.org")
    token = _csrf(english_client.get("/account/verwijderen"))
    statuses = [
        english_client.post(
            "/account/verwijderen", data={"password": f"gok {n}", "csrf_token": token}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [400, 400, 429]


# -- consult privacy erase -----------------------------------------------------------------


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_cli_erases_every_contact_with_the_address_and_the_account(app, session):
    consultation = factories.consultation(session)
    person = factories.user(session, "brief@example.org", display_name="Bert Brief")
    first = factories.submission(session, consultation, email="Brief@Example.org")
    second = factories.submission(session, consultation, email=None, user=person)
    other = factories.submission(session, consultation, email="ander@example.org")

    result = invoke(app, "privacy", "erase", "--email", "BRIEF@example.org")
    assert result.exit_code == 0, result.output
    assert "submissions: contact data erased from 1" in result.output
    assert "account: deleted (0 region role(s) and 0 organisation membership(s) removed)" in (
        result.output
    )
    session.expire_all()
    assert first.contact.email is None
    assert second.contact is None  # nothing to erase, and no event for it
    assert other.contact.email == "ander@example.org"
    assert is_erased(session.get(User, person.id))
    [event] = _erasures(session)
    assert (event.object_id, event.actor_role) == (first.tracking_code, "platform_admin")

    again = invoke(app, "privacy", "erase", "--email", "brief@example.org")
    assert again.exit_code == 0
    assert "contact data erased from 0" in again.output
    assert "account: none with this address" in again.output
    assert len(_erasures(session)) == 1


def test_the_cli_refuses_the_last_admin_unless_told_and_then_changes_nothing(app, session):
    boss = factories.user(session, "voorzitter@example.org")
    member = factories.user(session)
    organisation = factories.organisation(session, "Pleegouders Noord", admins=(boss,))
    session.add(OrganisationMember(organisation=organisation, user=member))
    consultation = factories.consultation(session)
    sent = factories.submission(session, consultation, email="voorzitter@example.org")

    refused = invoke(app, "privacy", "erase", "--email", "voorzitter@example.org")
    assert refused.exit_code != 0
    assert "only admin of Pleegouders Noord" in refused.output
    session.expire_all()
    assert session.get(User, boss.id).email == "voorzitter@example.org"
    assert sent.contact.email == "voorzitter@example.org"
    assert _erasures(session) == []

    forced = invoke(
        app,
        "privacy",
        "erase",
        "--email",
        "voorzitter@example.org",
        "--leave-organisations-without-admin",
    )
    assert forced.exit_code == 0, forced.output
    assert "left without an admin: Pleegouders Noord" in forced.output
    session.expire_all()
    assert is_erased(session.get(User, boss.id))
    assert sent.contact.email is None
