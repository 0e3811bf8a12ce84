"""A region's own words (issue 17, item 4): officials of the region keep the list, with
CSRF; the public plan explains each word where it first appears, at render time only."""

from __future__ import annotations

import re

from consult.regions import services as regions
from consult.regions.models import RegionTerm
from tests import factories
from tests.conftest import csrf_token, log_in

URL = "/regios/JZ22/beheer/woorden"
PLAN = [
    ("Het voorliggend veld", "<p>Het <strong>voorliggend veld</strong> helpt eerst.</p>"),
    ("Geld", "<p>Voorliggend veld en bekostiging: <a href='https://example.org'>ambulant</a>.</p>"),
]


def _log_out(client) -> None:
    client.post("/account/uitloggen", data={"csrf_token": csrf_token(client, "/account/")})


def test_only_the_regions_officials_keep_its_words_and_every_post_needs_csrf(
    english_client, session
):
    factories.region(session, "JZ22")
    other = factories.region_user(session, "official", "JZ01")
    moderator = factories.region_user(session, "moderator", "JZ22")
    official = factories.region_user(session, "official", "JZ22")
    data = {"term": "voorliggend veld", "explanation": "Hulp zonder indicatie."}

    assert english_client.get(URL).status_code == 302  # to the log-in page
    for person in (other, moderator):
        log_in(english_client, person.email)
        assert english_client.get(URL).status_code == 403, person.email
        token = csrf_token(english_client, "/account/")
        assert english_client.post(URL, data={**data, "csrf_token": token}).status_code == 403
        _log_out(english_client)

    log_in(english_client, official.email)
    assert english_client.post(URL, data=data).status_code == 400  # no CSRF token
    assert session.query(RegionTerm).count() == 0
    # Bad input: a clear message, what was typed is kept, nothing stored.
    token = csrf_token(english_client, URL)
    refused = english_client.post(
        URL, data={"term": "ambulant", "explanation": " ", "csrf_token": token}
    )
    assert refused.status_code == 400
    assert "Fill in the explanation." in refused.get_data(as_text=True)
    assert 'value="ambulant"' in refused.get_data(as_text=True)
    assert session.query(RegionTerm).count() == 0

    saved = english_client.post(URL, data={**data, "csrf_token": token})
    assert saved.status_code == 302
    [term] = regions.region_terms(session, official.region_roles[0].region_id)
    assert (term.term, term.explanation) == ("voorliggend veld", "Hulp zonder indicatie.")
    # The same word in other capitals gets the new explanation, not a second row.
    again = {"term": "Voorliggend  veld", "explanation": "Nieuw.", "csrf_token": token}
    english_client.post(URL, data=again)
    session.expire_all()
    assert [(t.term, t.explanation) for t in session.query(RegionTerm)] == [
        ("Voorliggend veld", "Nieuw.")
    ]

    remove = f"{URL}/{term.id}/verwijderen"
    assert english_client.post(remove).status_code == 400  # no CSRF token
    assert english_client.post(remove, data={"csrf_token": token}).status_code == 302
    assert session.query(RegionTerm).count() == 0


def test_another_regions_official_cannot_remove_a_word(english_client, session):
    region = factories.region(session, "JZ22")
    term = regions.save_term(session, region, "ambulant", "Hulp zonder dat je ergens woont.")
    other = factories.region_user(session, "official", "JZ01")
    log_in(english_client, other.email)
    token = csrf_token(english_client, "/account/")
    # Through its own region's address: the word is not there.
    assert (
        english_client.post(
            f"/regios/JZ01/beheer/woorden/{term.id}/verwijderen", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        english_client.post(
            f"/regios/JZ22/beheer/woorden/{term.id}/verwijderen", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert session.get(RegionTerm, term.id) is not None


def test_the_plan_explains_a_regions_word_at_its_first_appearance(client, session):
    version = factories.document_version(session, sections=PLAN, locked=True)
    consultation = factories.consultation(session, version)
    region = consultation.region
    regions.save_term(session, region, "voorliggend veld", "Hulp die je krijgt zonder indicatie.")
    regions.save_term(session, region, "ambulant", "Hulp terwijl je thuis blijft wonen.")
    stored = [s.body_html for s in version.sections]

    page = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    href = f"/woordenlijst?regio={region.code}#regio-voorliggend-veld"
    links = re.findall(r'<a class="utrecht-link consult-term" href="([^"]+)">([^<]+)</a>', page)
    assert links.count((href.replace("&", "&amp;"), "voorliggend veld")) == 1
    # Only the first appearance: the second ("Voorliggend veld") stays plain text ...
    assert "Voorliggend veld en bekostiging" in page
    # ... and a word that already is a link in the plan is left alone.
    assert not any(anchor.endswith("#regio-ambulant") for anchor, _word in links)
    # The stored text of the version is unchanged.
    session.expire_all()
    assert [s.body_html for s in version.sections] == stored

    glossary = client.get(f"/woordenlijst?regio={region.code}").get_data(as_text=True)
    assert 'id="regio-voorliggend-veld"' in glossary
    assert "Hulp die je krijgt zonder indicatie." in glossary
