"""The public page of a verified organisation: only public comments, with their answers."""

from __future__ import annotations

from consult.organisations import services
from consult.public import services as public_services
from tests import factories
from tests.conftest import log_in
from tests.responses.tracing_support import text_of

from .conftest import (
    ANSWERED_TEXT,
    CORRECTED_REASON,
    FIRST_REASON,
    OPEN_TEXT,
    OTHER_REGION_TEXT,
)


def test_page_lists_public_comments_across_regions_with_current_answers(
    quiet_english_client, org_world
):
    response = quiet_english_client.get("/organisaties/stichting-stem")
    assert response.status_code == 200
    text = text_of(response)
    assert "Stichting Stem" in text
    assert "advocacy group" in text.lower()
    assert "3 published comments in all regions." in text
    for body in (ANSWERED_TEXT, OPEN_TEXT, OTHER_REGION_TEXT):
        assert body in text
    # Grouped per consultation, with the region named.
    assert org_world.world.consultation.title in text
    assert "Utrecht" in text or org_world.world.consultation.region.name in text
    # The current answer (the correction), not the superseded one, and no draft answer.
    assert "Partly adopted" in text or "partly adopted" in text.lower()
    assert CORRECTED_REASON in text
    assert FIRST_REASON not in text
    # The hidden and the withdrawn comment keep their place, without their text; the hidden
    # one still waits for its answer.
    assert "A moderator hid this comment. Reason: contains personal data of someone else." in text
    assert "The sender withdrew this comment." in text
    assert text.count("Answer from the region: not answered yet.") == 3


def test_page_never_shows_private_content_names_or_emails(quiet_english_client, org_world):
    body = quiet_english_client.get("/organisaties/stichting-stem").get_data(as_text=True)
    for secret in org_world.secrets:
        assert secret not in body, secret
    assert "@" not in text_of(quiet_english_client.get("/organisaties/stichting-stem"))


def test_page_is_reachable_by_id_and_unverified_organisations_have_none(
    quiet_english_client, org_world
):
    by_id = quiet_english_client.get(f"/organisaties/{org_world.organisation.id}")
    assert by_id.status_code == 200
    assert ANSWERED_TEXT in text_of(by_id)
    assert quiet_english_client.get(f"/organisaties/{org_world.unverified.slug}").status_code == 404
    assert quiet_english_client.get(f"/organisaties/{org_world.unverified.id}").status_code == 404
    assert quiet_english_client.get("/organisaties/bestaat-niet").status_code == 404


def test_list_shows_verified_organisations_only(quiet_english_client, org_world):
    text = text_of(quiet_english_client.get("/organisaties"))
    assert "Stichting Stem" in text
    assert "Ongecontroleerd Collectief" not in text
    assert "1 verified organisation" in text


def test_empty_states(quiet_english_client, session):
    empty = quiet_english_client.get("/organisaties")
    assert "There are no verified organisations yet." in text_of(empty)
    factories.organisation(session, "Stille Stichting", verified=True)
    page = quiet_english_client.get("/organisaties/stille-stichting")
    assert "This organisation has no published comments yet." in text_of(page)


def test_page_is_paginated(quiet_english_client, session, org_world, monkeypatch):
    monkeypatch.setattr(services, "PUBLIC_PER_PAGE", 2)
    first = text_of(quiet_english_client.get("/organisaties/stichting-stem"))
    assert "Page 1 of 3" in first  # 3 published comments and 2 traces
    second = quiet_english_client.get("/organisaties/stichting-stem?pagina=2")
    second_text = text_of(second)
    assert "Page 2 of 3" in second_text
    shown = [t for t in (ANSWERED_TEXT, OPEN_TEXT, OTHER_REGION_TEXT) if t in first]
    rest = [t for t in (ANSWERED_TEXT, OPEN_TEXT, OTHER_REGION_TEXT) if t in second_text]
    assert len(shown) == 2
    assert len(rest) == 1
    assert not set(shown) & set(rest)
    assert 'rel="prev"' in second.get_data(as_text=True)


def test_fifty_comments_per_page(session, org_world):
    groups, total, published = public_services.organisation_comments(
        session, org_world.organisation, 1
    )
    assert (total, published) == (5, 3)  # and the traces of a hidden and a withdrawn one
    assert services.PUBLIC_PER_PAGE == 50
    assert sum(len(g.comments) for g in groups) == 5
    assert len(groups) == 2


def test_public_comment_links_to_the_organisation_page(app, session, org_world):
    """The shared comment macro (used on the consultation page) links a verified sender."""
    verified = org_world.public[0]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        macro = app.jinja_env.get_template("comments/_macros.html").module.comment_item
        linked = str(macro(verified, "en"))
    assert 'href="/organisaties/stichting-stem"' in linked
    assert "on behalf of" in linked
    org_world.organisation.verified_at = None  # verification withdrawn: no link to a 404
    session.flush()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        macro = app.jinja_env.get_template("comments/_macros.html").module.comment_item
        plain = str(macro(verified, "en"))
    assert "/organisaties/" not in plain
    assert "Stichting Stem" in plain


def test_account_page_lists_my_organisations_with_links(quiet_english_client, org_world):
    log_in(quiet_english_client, org_world.member.email)
    body = quiet_english_client.get("/account/").get_data(as_text=True)
    assert 'href="/organisaties/stichting-stem"' in body
    assert f'href="/organisaties/{org_world.organisation.id}/leden"' in body
    assert "Ongecontroleerd Collectief" in body
    assert f'href="/organisaties/{org_world.unverified.slug}"' not in body


def test_pages_render_in_dutch_too(dutch_client, org_world):
    for path in ("/organisaties", "/organisaties/stichting-stem"):
        response = dutch_client.get(path)
        assert response.status_code == 200
        assert "Stichting Stem" in text_of(response)
        assert 'lang="nl"' in response.get_data(as_text=True)
