"""Managing an organisation's members: list, invite by signed link, accept, role, remove."""

from __future__ import annotations

import re

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from consult.organisations import services
from consult.organisations.models import OrganisationMember
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.responses.tracing_support import text_of


def _members(session, organisation) -> dict[str, bool]:
    session.expire_all()
    rows = session.scalars(
        select(OrganisationMember).where(OrganisationMember.organisation_id == organisation.id)
    )
    return {m.user.email: m.is_admin for m in rows}


def _invite(client, organisation, email: str):
    path = f"/organisaties/{organisation.id}/leden"
    return submit_form(client, path, {"email": email}, action=f"{path}/uitnodigen")


def _link(outbox, email: str) -> str:
    [message] = outbox.to(email)
    [link] = [u for u in outbox.links_in(message) if "/uitnodiging/" in u]
    return re.sub(r"^https?://[^/]+", "", link)


# -- seeing the members -----------------------------------------------------------------------


def test_admin_sees_names_and_emails_members_see_names_only(
    quiet_english_client, other_english_client, org_world
):
    path = f"/organisaties/{org_world.organisation.id}/leden"
    log_in(quiet_english_client, org_world.admin.email)
    admin_view = text_of(quiet_english_client.get(path))
    assert org_world.admin.display_name in admin_view
    assert org_world.member.email in admin_view
    assert "Invite a member" in admin_view

    log_in(other_english_client, org_world.member.email)
    member_view = other_english_client.get(path)
    assert member_view.status_code == 200
    member_text = text_of(member_view)
    assert org_world.admin.display_name in member_text
    assert org_world.admin.email not in member_text
    assert org_world.member.email not in member_text
    assert "Invite a member" not in member_text


def test_outsiders_and_other_organisations_admins_get_404(quiet_english_client, session, org_world):
    path = f"/organisaties/{org_world.organisation.id}/leden"
    assert quiet_english_client.get(path).status_code == 302  # anonymous: log in first
    boss = factories.user(session, "baas@ander.example.org")
    other = factories.organisation(session, "Andere Stichting", verified=True, admins=(boss,))
    log_in(quiet_english_client, boss.email)
    assert quiet_english_client.get(f"/organisaties/{other.id}/leden").status_code == 200
    assert quiet_english_client.get(path).status_code == 404
    member = services.membership(session, org_world.organisation, org_world.member)
    token = csrf_token(quiet_english_client, f"/organisaties/{other.id}/leden")
    base = f"/organisaties/{org_world.organisation.id}/leden"
    assert (
        quiet_english_client.post(
            f"{base}/uitnodigen", data={"email": "x@example.org", "csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        quiet_english_client.post(
            f"{base}/{member.id}/verwijderen", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        quiet_english_client.post(
            f"{base}/{member.id}/rol", data={"role": "admin", "csrf_token": token}
        ).status_code
        == 404
    )
    # A member of A through the URL of B: not found either.
    assert (
        quiet_english_client.get(
            f"/organisaties/{other.id}/leden/{member.id}/verwijderen"
        ).status_code
        == 404
    )
    assert (
        quiet_english_client.post(
            f"/organisaties/{other.id}/leden/{member.id}/rol",
            data={"role": "admin", "csrf_token": token},
        ).status_code
        == 404
    )
    assert _members(session, org_world.organisation) == {
        org_world.admin.email: True,
        org_world.member.email: False,
    }


# -- inviting ---------------------------------------------------------------------------------


def test_invite_and_accept_end_to_end(
    quiet_english_client, other_english_client, session, org_world, outbox
):
    newcomer = factories.user(session, "Nieuw@Example.org", display_name="Nina Nieuw")
    log_in(quiet_english_client, org_world.admin.email)
    response = _invite(quiet_english_client, org_world.organisation, "nieuw@example.org")
    assert response.status_code == 302
    assert "We are sending an invitation to nieuw@example.org" in text_of(
        quiet_english_client.get(response.location)
    )
    link = _link(outbox, "nieuw@example.org")
    assert f"/organisaties/{org_world.organisation.id}/uitnodiging/" in link
    assert "Stichting Stem" in outbox.text_of(outbox.to("nieuw@example.org")[0])

    # Not logged in: sent to log in first.
    assert other_english_client.get(link).status_code == 302
    log_in(other_english_client, newcomer.email)
    page = other_english_client.get(link)
    assert "Join Stichting Stem?" in text_of(page)
    accepted = submit_form(other_english_client, link, {})
    assert accepted.status_code == 302
    assert "You are now a member of Stichting Stem." in text_of(
        other_english_client.get(accepted.location)
    )
    assert _members(session, org_world.organisation)[newcomer.email] is False
    # The same link again says so, and makes nothing twice.
    assert "You are already a member of Stichting Stem" in text_of(other_english_client.get(link))
    again = submit_form(other_english_client, link, {})
    assert "You are already a member" in text_of(other_english_client.get(again.location))
    assert len(_members(session, org_world.organisation)) == 3


def test_inviting_a_member_says_so_and_sends_nothing(quiet_english_client, org_world, outbox):
    log_in(quiet_english_client, org_world.admin.email)
    response = _invite(quiet_english_client, org_world.organisation, org_world.member.email.upper())
    assert response.status_code == 302
    assert "is already a member of Stichting Stem" in text_of(
        quiet_english_client.get(response.location)
    )
    assert outbox.messages == []


def test_invalid_email_is_refused_with_a_message(quiet_english_client, org_world, outbox):
    log_in(quiet_english_client, org_world.admin.email)
    response = _invite(quiet_english_client, org_world.organisation, "geen-adres")
    assert response.status_code == 400
    assert "Enter an email address like name@example.nl." in text_of(response)
    assert outbox.messages == []


def test_wrong_account_cannot_accept(
    quiet_english_client, other_english_client, session, org_world, outbox
):
    factories.user(session, "uitgenodigd@example.org")
    intruder = factories.user(session, "indringer@example.org")
    log_in(quiet_english_client, org_world.admin.email)
    _invite(quiet_english_client, org_world.organisation, "uitgenodigd@example.org")
    link = _link(outbox, "uitgenodigd@example.org")
    log_in(other_english_client, intruder.email)
    page = other_english_client.get(link)
    assert page.status_code == 403
    assert "This invitation is for another email address." in text_of(page)
    token = csrf_token(other_english_client, "/account/")
    assert other_english_client.post(link, data={"csrf_token": token}).status_code == 403
    assert intruder.email not in _members(session, org_world.organisation)


def test_unconfirmed_account_cannot_accept(
    quiet_english_client, other_english_client, session, org_world
):
    unconfirmed = factories.user(session, "onbevestigd@example.org", confirmed=False)
    with quiet_english_client.application.test_request_context():
        token = services.make_invite_token(org_world.organisation, unconfirmed.email)
    invitation = services.Invitation(org_world.organisation, unconfirmed.email_key)
    from consult.permissions import allowed

    assert not allowed(unconfirmed, "organisation:invitation:accept", invitation)
    assert token


def test_token_for_one_organisation_cannot_join_another(
    quiet_english_client, session, org_world, outbox
):
    guest = factories.user(session, "gast@example.org")
    other = factories.organisation(session, "Andere Stichting", verified=True)
    log_in(quiet_english_client, org_world.admin.email)
    _invite(quiet_english_client, org_world.organisation, guest.email)
    link = _link(outbox, guest.email)
    token = link.rsplit("/", 1)[1]
    quiet_english_client.get("/account/uitloggen")
    log_in(quiet_english_client, guest.email)
    swapped = f"/organisaties/{other.id}/uitnodiging/{token}"
    response = quiet_english_client.get(swapped)
    assert response.status_code == 400
    assert "This invitation link is not valid." in text_of(response)
    assert (
        quiet_english_client.post(
            swapped, data={"csrf_token": csrf_token(quiet_english_client, "/account/")}
        ).status_code
        == 400
    )
    assert guest.email not in _members(session, other)


def test_forged_and_expired_tokens_are_refused(
    quiet_english_client, session, app, org_world, monkeypatch
):
    guest = factories.user(session, "gast2@example.org")
    log_in(quiet_english_client, guest.email)
    forged = URLSafeTimedSerializer("not-our-secret", salt="consult.organisation-invite").dumps(
        {"o": org_world.organisation.id, "e": guest.email_key, "p": "organisation-invite"}
    )
    base = f"/organisaties/{org_world.organisation.id}/uitnodiging"
    assert "not valid" in text_of(quiet_english_client.get(f"{base}/{forged}"))
    # Signed by us for another purpose (an account link) is no invitation either.
    with app.test_request_context():
        other_purpose = URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt="consult.confirm-email"
        ).dumps({"o": org_world.organisation.id, "e": guest.email_key, "p": "organisation-invite"})
        real = services.make_invite_token(org_world.organisation, guest.email)
    assert quiet_english_client.get(f"{base}/{other_purpose}").status_code == 400
    monkeypatch.setattr(services, "INVITE_MAX_AGE", -1)
    expired = quiet_english_client.get(f"{base}/{real}")
    assert expired.status_code == 400
    assert "This invitation has expired." in text_of(expired)
    assert guest.email not in _members(session, org_world.organisation)


def test_invites_are_rate_limited(quiet_english_client, app, org_world, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ORGANISATION_INVITE", "2 per hour")
    log_in(quiet_english_client, org_world.admin.email)
    assert _invite(quiet_english_client, org_world.organisation, "a@example.org").status_code == 302
    assert _invite(quiet_english_client, org_world.organisation, "b@example.org").status_code == 302
    assert _invite(quiet_english_client, org_world.organisation, "c@example.org").status_code == 429
    assert len(outbox.messages) == 2


# -- roles and removal ------------------------------------------------------------------------


def test_admin_changes_roles_but_not_of_the_last_admin(quiet_english_client, session, org_world):
    organisation = org_world.organisation
    path = f"/organisaties/{organisation.id}/leden"
    log_in(quiet_english_client, org_world.admin.email)
    me = services.membership(session, organisation, org_world.admin)
    them = services.membership(session, organisation, org_world.member)
    token = csrf_token(quiet_english_client, path)
    refused = quiet_english_client.post(
        f"{path}/{me.id}/rol", data={"role": "member", "csrf_token": token}
    )
    assert "An organisation needs at least one admin." in text_of(
        quiet_english_client.get(refused.location)
    )
    assert _members(session, organisation)[org_world.admin.email] is True

    promoted = quiet_english_client.post(
        f"{path}/{them.id}/rol", data={"role": "admin", "csrf_token": token}
    )
    assert promoted.status_code == 302
    assert _members(session, organisation)[org_world.member.email] is True
    quiet_english_client.post(f"{path}/{me.id}/rol", data={"role": "member", "csrf_token": token})
    assert _members(session, organisation)[org_world.admin.email] is False
    # No longer an admin: managing is over, but the list is still there to read.
    assert "Invite a member" not in text_of(quiet_english_client.get(path))
    bad = quiet_english_client.post(
        f"{path}/{them.id}/rol", data={"role": "member", "csrf_token": token}
    )
    assert bad.status_code == 404


def test_remove_asks_first_and_refuses_the_last_admin(quiet_english_client, session, org_world):
    organisation = org_world.organisation
    path = f"/organisaties/{organisation.id}/leden"
    log_in(quiet_english_client, org_world.admin.email)
    me = services.membership(session, organisation, org_world.admin)
    them = services.membership(session, organisation, org_world.member)

    page = quiet_english_client.get(f"{path}/{me.id}/verwijderen")
    assert "You cannot remove the last admin" in text_of(page)
    token = csrf_token(quiet_english_client, path)
    refused = quiet_english_client.post(f"{path}/{me.id}/verwijderen", data={"csrf_token": token})
    assert "An organisation needs at least one admin." in text_of(
        quiet_english_client.get(refused.location)
    )
    assert org_world.admin.email in _members(session, organisation)

    ask = quiet_english_client.get(f"{path}/{them.id}/verwijderen")
    assert f"Remove {org_world.member.display_name} from Stichting Stem?" in text_of(ask)
    assert org_world.member.email in _members(session, organisation)  # a GET changes nothing
    done = submit_form(quiet_english_client, f"{path}/{them.id}/verwijderen", {})
    assert "The member has been removed." in text_of(quiet_english_client.get(done.location))
    assert _members(session, organisation) == {org_world.admin.email: True}


def test_every_write_needs_the_csrf_token(quiet_english_client, session, org_world, outbox):
    organisation = org_world.organisation
    path = f"/organisaties/{organisation.id}/leden"
    log_in(quiet_english_client, org_world.admin.email)
    them = services.membership(session, organisation, org_world.member)
    assert (
        quiet_english_client.post(f"{path}/uitnodigen", data={"email": "x@example.org"}).status_code
        == 400
    )
    assert (
        quiet_english_client.post(f"{path}/{them.id}/rol", data={"role": "admin"}).status_code
        == 400
    )
    # Without a token the removal form is shown again, nothing removed.
    quiet_english_client.post(f"{path}/{them.id}/verwijderen", data={})
    assert _members(session, organisation)[org_world.member.email] is False
    assert outbox.messages == []
