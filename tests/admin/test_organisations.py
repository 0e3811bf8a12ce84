"""Platform admins add and verify organisations; nobody else can."""

from sqlalchemy import select

from consult.organisations.models import Organisation
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form


def test_admin_adds_an_organisation_and_it_is_listed_unverified(client, session):
    admin = factories.user(session, admin=True)
    log_in(client, admin.email)
    response = submit_form(
        client,
        "/beheer/organisaties",
        {
            "name": "Cliëntenraad Utrecht",
            "kind": "client_council",
            "website": "https://example.org",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Cliëntenraad Utrecht" in page
    organisation = session.scalar(
        select(Organisation).where(Organisation.name == "Cliëntenraad Utrecht")
    )
    assert organisation.slug == "clientenraad-utrecht"
    assert organisation.verified_at is None


def test_a_failed_form_keeps_what_was_typed(client, session):
    admin = factories.user(session, admin=True)
    log_in(client, admin.email)
    response = submit_form(
        client,
        "/beheer/organisaties",
        {"name": "Jongerenraad", "kind": "youth_council", "website": "not a url"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Jongerenraad"' in page
    assert 'value="not a url"' in page
    assert 'aria-invalid="true"' in page
    assert 'href="#website"' in page  # the error summary links to the field


def test_verification_asks_first_then_verifies(client, session):
    admin = factories.user(session, admin=True)
    organisation = factories.organisation(session, "Ouders Samen")
    log_in(client, admin.email)
    path = f"/beheer/organisaties/{organisation.id}/verificatie"
    question = client.get(path).get_data(as_text=True)
    assert "Ouders Samen" in question
    session.expire_all()
    assert session.get(Organisation, organisation.id).verified_at is None
    submit_form(client, path, {})
    session.expire_all()
    verified = session.get(Organisation, organisation.id)
    assert verified.verified_at is not None
    assert verified.verified_by_id == admin.id


def test_region_official_cannot_reach_platform_admin(client, session):
    official = factories.region_user(session, "official")
    organisation = factories.organisation(session)
    log_in(client, official.email)
    assert client.get("/beheer/organisaties").status_code == 403
    token = csrf_token(client, "/account/")  # a valid token of their own session
    response = client.post(
        f"/beheer/organisaties/{organisation.id}/verificatie", data={"csrf_token": token}
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Organisation, organisation.id).verified_at is None


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/beheer/organisaties")
    assert response.status_code == 302
    assert "/account/inloggen" in response.headers["Location"]


def test_verification_needs_csrf(client, session):
    admin = factories.user(session, admin=True)
    organisation = factories.organisation(session)
    log_in(client, admin.email)
    response = client.post(f"/beheer/organisaties/{organisation.id}/verificatie", data={})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Organisation, organisation.id).verified_at is None


def test_unknown_organisation_is_404(client, session):
    admin = factories.user(session, admin=True)
    log_in(client, admin.email)
    assert client.get("/beheer/organisaties/999999/verificatie").status_code == 404


def test_a_website_must_be_a_web_address(client, session):
    admin = factories.user(session, admin=True)
    log_in(client, admin.email)
    response = submit_form(
        client,
        "/beheer/organisaties",
        {
            "name": "Raad",
            "kind": "client_council",
            "website": "javascript://example.org/%0aalert(1)",
        },
    )
    assert response.status_code == 200
    assert session.scalar(select(Organisation).where(Organisation.name == "Raad")) is None


def test_a_stale_second_submit_does_not_flip_the_verification_back(client, session):
    admin = factories.user(session, admin=True)
    organisation = factories.organisation(session, "Dubbel Klik")
    log_in(client, admin.email)
    path = f"/beheer/organisaties/{organisation.id}/verificatie"
    token = csrf_token(client, path)
    for _ in range(2):  # the same "yes, verify" form sent twice
        client.post(path, data={"csrf_token": token, "verify": "yes"})
    session.expire_all()
    assert session.get(Organisation, organisation.id).verified_at is not None
