"""The region's admin page: who may see it, and managing the team without guessing ids."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import RegionRole
from consult.accounts.services import grant_region_role
from consult.permissions import RegionRoleKind
from tests import factories
from tests.conftest import csrf_token
from tests.regions.conftest import fragment, login_as, text_of


def roles_in(session, code: str) -> set[tuple[str, str]]:
    session.expire_all()
    region = factories.region(session, code)
    return {
        (grant.user.email, grant.role.value)
        for grant in session.scalars(select(RegionRole).where(RegionRole.region_id == region.id))
    }


@pytest.fixture
def official(session):
    return factories.region_user(session, "official", "JZ22", email="official@utrecht.example")


@pytest.fixture
def other_region_grant(session):
    """A role in Haaglanden (JZ24), held by its own official."""
    person = factories.region_user(session, "official", "JZ24", email="official@haaglanden.example")
    return person.region_roles[0]


# -- who may open the page ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(english_client):
    response = english_client.get("/regios/JZ22/beheer")
    assert response.status_code == 302
    assert response.location.startswith("/account/inloggen")
    assert "next=%2Fregios%2FJZ22%2Fbeheer" in response.location


@pytest.mark.parametrize("role", ["official", "moderator", "responder"])
def test_every_team_role_opens_its_own_region_admin_page(app, english_client, session, role):
    person = factories.region_user(session, role, "JZ22")
    login_as(app, english_client, person)
    response = english_client.get("/regios/JZ22/beheer")
    assert response.status_code == 200
    page = text_of(response)
    assert "Admin page of Utrecht Stad" in page
    assert person.email in fragment(response, "team")
    assert "This youth region has not yet put a regional vision out for consultation." in page
    assert ("Add someone to the team" in page) is (role == "official")
    # The public region page links to it.
    assert "Go to the admin page of this youth region" in text_of(
        english_client.get("/regios/JZ22")
    )


def test_a_platform_admin_opens_every_region_admin_page_and_manages_the_team(
    app, english_client, session
):
    login_as(app, english_client, factories.user(session, admin=True))
    for code in ("JZ22", "JZ24"):
        page = text_of(english_client.get(f"/regios/{code}/beheer"))
        assert "Add someone to the team" in page
        assert "Nobody has a role in this youth region yet." in page


@pytest.mark.parametrize("path", ["/regios/JZ24/beheer", "/regios/jz24/beheer"])
def test_an_official_of_one_region_gets_403_on_another_region(
    app, english_client, session, official, path
):
    login_as(app, english_client, official)
    response = english_client.get(path, follow_redirects=True)
    assert response.status_code == 403
    assert "Admin page" not in text_of(response)
    assert "Go to the admin page" not in text_of(english_client.get("/regios/JZ24"))


def test_a_person_without_a_role_gets_403(app, english_client, session):
    login_as(app, english_client, factories.user(session))
    assert english_client.get("/regios/JZ22/beheer").status_code == 403


# -- changing another region's team --------------------------------------------------------


def test_an_official_cannot_add_people_to_another_region(app, english_client, session, official):
    factories.user(session, "newcomer@example.org")
    login_as(app, english_client, official)
    token = csrf_token(english_client, "/regios/JZ22/beheer")
    response = english_client.post(
        "/regios/JZ24/beheer/team",
        data={"csrf_token": token, "email": "newcomer@example.org", "role": "official"},
    )
    assert response.status_code == 403
    assert roles_in(session, "JZ24") == set()


def test_an_official_cannot_remove_roles_of_another_region(
    app, english_client, session, official, other_region_grant
):
    login_as(app, english_client, official)
    token = csrf_token(english_client, "/regios/JZ22/beheer")
    url = f"/regios/JZ24/beheer/team/{other_region_grant.id}/verwijderen"
    assert english_client.get(url).status_code == 403
    assert english_client.post(url, data={"csrf_token": token}).status_code == 403
    # Nor by putting the other region's role id in the address of their own region.
    own_url = f"/regios/JZ22/beheer/team/{other_region_grant.id}/verwijderen"
    assert english_client.get(own_url).status_code == 404
    assert english_client.post(own_url, data={"csrf_token": token}).status_code == 404
    assert roles_in(session, "JZ24") == {("official@haaglanden.example", "official")}


def test_moderators_and_responders_cannot_manage_the_team(app, english_client, session, official):
    moderator = factories.region_user(session, "moderator", "JZ22")
    grant = official.region_roles[0]
    login_as(app, english_client, moderator)
    token = csrf_token(english_client, "/regios/JZ22/beheer")
    assert "Remove" not in text_of(english_client.get("/regios/JZ22/beheer"))
    add = english_client.post(
        "/regios/JZ22/beheer/team",
        data={"csrf_token": token, "email": moderator.email, "role": "official"},
    )
    assert add.status_code == 403
    remove_url = f"/regios/JZ22/beheer/team/{grant.id}/verwijderen"
    assert english_client.get(remove_url).status_code == 403
    assert english_client.post(remove_url, data={"csrf_token": token}).status_code == 403
    assert (moderator.email, "official") not in roles_in(session, "JZ22")


def test_posts_without_a_csrf_token_are_refused(app, english_client, session, official):
    factories.user(session, "newcomer@example.org")
    helper = factories.region_user(session, "responder", "JZ22")
    login_as(app, english_client, official)
    add = english_client.post(
        "/regios/JZ22/beheer/team", data={"email": "newcomer@example.org", "role": "responder"}
    )
    assert add.status_code == 400
    remove_url = f"/regios/JZ22/beheer/team/{helper.region_roles[0].id}/verwijderen"
    assert english_client.post(remove_url).status_code == 400
    assert roles_in(session, "JZ22") == {
        ("official@utrecht.example", "official"),
        (helper.email, "responder"),
    }


# -- adding and removing team members ------------------------------------------------------


def test_an_official_adds_a_team_member(app, english_client, session, official):
    factories.user(session, "Nieuw.Lid@Example.org", display_name="Noor de Vries")
    login_as(app, english_client, official)
    token = csrf_token(english_client, "/regios/JZ22/beheer")
    response = english_client.post(
        "/regios/JZ22/beheer/team",
        data={"csrf_token": token, "email": "  nieuw.lid@example.org ", "role": "moderator"},
    )
    assert response.status_code == 302
    assert response.location.endswith("/regios/JZ22/beheer")
    page = english_client.get(response.location)
    assert "Nieuw.Lid@Example.org is now moderator in this region." in text_of(page)
    team = fragment(page, "team")
    assert "Noor de Vries" in team
    assert "Nieuw.Lid@Example.org moderator" in team
    assert ("Nieuw.Lid@Example.org", "moderator") in roles_in(session, "JZ22")
    session.expire_all()
    grant = session.scalar(select(RegionRole).where(RegionRole.role == RegionRoleKind.MODERATOR))
    assert grant.granted_by_id == official.id

    again = english_client.post(
        "/regios/JZ22/beheer/team",
        data={"csrf_token": token, "email": "nieuw.lid@example.org", "role": "moderator"},
        follow_redirects=True,
    )
    assert "Nieuw.Lid@Example.org was already moderator in this region." in text_of(again)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "There is no confirmed account with this email address."),
        ("unconfirmed@example.org", "There is no confirmed account with this email address."),
        ("not an address", "Fill in an email address like name@example.nl."),
        ("", "Fill in the email address of the person you want to add."),
    ],
)
def test_adding_someone_without_a_confirmed_account_keeps_what_was_typed(
    app, english_client, session, official, email, message
):
    factories.user(session, "unconfirmed@example.org", confirmed=False)
    login_as(app, english_client, official)
    token = csrf_token(english_client, "/regios/JZ22/beheer")
    response = english_client.post(
        "/regios/JZ22/beheer/team", data={"csrf_token": token, "email": email, "role": "responder"}
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Please correct the following" in page
    assert message in page
    assert f'value="{email}"' in response.text
    assert '<option selected value="responder">' in response.text
    assert roles_in(session, "JZ22") == {("official@utrecht.example", "official")}


def test_an_unknown_role_is_refused(app, english_client, session, official):
    factories.user(session, "newcomer@example.org")
    login_as(app, english_client, official)
    token = csrf_token(english_client, "/regios/JZ22/beheer")
    response = english_client.post(
        "/regios/JZ22/beheer/team",
        data={"csrf_token": token, "email": "newcomer@example.org", "role": "admin"},
    )
    assert response.status_code == 200
    assert "Please correct the following" in text_of(response)
    assert roles_in(session, "JZ22") == {("official@utrecht.example", "official")}


def test_an_official_removes_a_team_member_after_confirming(app, english_client, session, official):
    helper = factories.region_user(session, "responder", "JZ22", email="helper@example.org")
    grant_id = helper.region_roles[0].id
    login_as(app, english_client, official)
    url = f"/regios/JZ22/beheer/team/{grant_id}/verwijderen"
    assert url in english_client.get("/regios/JZ22/beheer").text

    confirm = english_client.get(url)
    assert confirm.status_code == 200
    assert "Are you sure you want to remove helper@example.org as responder?" in text_of(confirm)
    assert roles_in(session, "JZ22") == {
        ("official@utrecht.example", "official"),
        ("helper@example.org", "responder"),
    }

    response = english_client.post(url, data={"csrf_token": csrf_token(english_client, url)})
    assert response.status_code == 302
    page = english_client.get(response.location)
    assert "helper@example.org is no longer responder in this region." in text_of(page)
    assert "helper@example.org" not in fragment(page, "team")
    assert roles_in(session, "JZ22") == {("official@utrecht.example", "official")}
    assert english_client.get(url).status_code == 404


def test_the_last_official_cannot_be_removed(app, english_client, session, official):
    url = f"/regios/JZ22/beheer/team/{official.region_roles[0].id}/verwijderen"
    login_as(app, english_client, official)
    assert "Only official: cannot be removed" in text_of(english_client.get("/regios/JZ22/beheer"))
    confirm = english_client.get(url)
    assert "is the only official of this region and cannot be removed" in text_of(confirm)
    assert "Yes, remove" not in text_of(confirm)

    token = csrf_token(english_client, "/regios/JZ22/beheer")
    response = english_client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert (
        "official@utrecht.example is the only official of this region and cannot be removed. "
        "Add another official first." in text_of(response)
    )
    assert roles_in(session, "JZ22") == {("official@utrecht.example", "official")}


def test_an_official_can_step_down_when_another_official_remains(
    app, english_client, session, official
):
    second = factories.region_user(session, "official", "JZ22", email="second@example.org")
    assert second.email
    url = f"/regios/JZ22/beheer/team/{official.region_roles[0].id}/verwijderen"
    login_as(app, english_client, official)
    response = english_client.post(url, data={"csrf_token": csrf_token(english_client, url)})
    assert response.status_code == 302
    # They are no longer on the team, so they land on the public page of the region.
    assert response.location.endswith("/regios/JZ22")
    assert english_client.get("/regios/JZ22/beheer").status_code == 403
    assert roles_in(session, "JZ22") == {("second@example.org", "official")}


def test_a_platform_admin_adds_the_first_official(app, english_client, session):
    factories.user(session, "first@example.org")
    login_as(app, english_client, factories.user(session, admin=True))
    token = csrf_token(english_client, "/regios/JZ24/beheer")
    response = english_client.post(
        "/regios/JZ24/beheer/team",
        data={"csrf_token": token, "email": "first@example.org", "role": "official"},
    )
    assert response.status_code == 302
    assert roles_in(session, "JZ24") == {("first@example.org", "official")}


def test_roles_granted_through_the_service_show_up(app, english_client, session, official):
    other = factories.user(session, "colleague@example.org")
    grant_region_role(
        session, other, factories.region(session, "JZ22"), RegionRoleKind.RESPONDER, official
    )
    session.flush()
    login_as(app, english_client, official)
    assert "colleague@example.org responder" in fragment(
        english_client.get("/regios/JZ22/beheer"), "team"
    )
