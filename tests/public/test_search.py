"""Searching a consultation: published comments and current answers are found, marked and
paged; the words of anything that is not public find nothing."""

from __future__ import annotations

from sqlalchemy import update

from consult.comments import services as comment_services
from consult.comments.models import Comment, HideReason
from consult.db import utcnow
from consult.moderation import services as moderation
from consult.public import search
from consult.responses.answers import services as answers
from consult.responses.models import Disposition
from tests import factories

SEARCH = "/consultaties/{slug}/zoeken"


def test_a_published_comment_is_found_with_its_words_marked(english_client, session):
    consultation = factories.consultation(session, slug="zoek-open")
    factories.submission(
        session, consultation, [("s-1", "Wij willen kortere wachtlijsten voor de jeugd-ggz.")]
    )
    factories.submission(session, consultation, [("s-2", "Een ander onderwerp: vervoer.")])
    session.flush()
    body = english_client.get(SEARCH.format(slug="zoek-open"), query_string={"q": "wachtlijsten"})
    page = body.get_data(as_text=True)
    assert "1 result for “wachtlijsten”." in page
    assert "<mark>wachtlijsten</mark>" in page
    assert "vervoer" not in page
    assert "/consultaties/zoek-open/onderdelen/s-1/reacties#reactie-" in page


def test_what_is_not_public_is_never_found(client, session, in_app):
    """Hidden, withdrawn, unconfirmed and unconsented comments: their words find nothing,
    on both databases; a published comment with the same word is found."""
    consultation = factories.consultation(session, slug="zoek-geheim")
    hidden = factories.submission(session, consultation, [("s-1", "verborgenwoord staat hier")])
    official = factories.region_user(session, "official")
    moderation.hide_comment(
        session, official, hidden.comments[0], HideReason.OFFENSIVE, "Scheldwoord."
    )
    withdrawn = factories.submission(session, consultation, [("s-1", "ingetrokkenwoord hier")])
    comment_services.withdraw(session, withdrawn.comments[0], utcnow())
    factories.submission(session, consultation, [("s-1", "onbevestigdwoord hier")], confirmed=False)
    factories.submission(
        session, consultation, [("s-1", "zondertoestemmingwoord hier")], publish_text=False
    )
    factories.submission(session, consultation, [("s-1", "openbaarwoord hier")])
    session.flush()
    for word in (
        "verborgenwoord",
        "ingetrokkenwoord",
        "onbevestigdwoord",
        "zondertoestemmingwoord",
    ):
        results = search.search(session, consultation, word)
        assert results.total == 0, word
        page = client.get(SEARCH.format(slug="zoek-geheim"), query_string={"q": word})
        assert word not in page.get_data(as_text=True).split("</h1>", 1)[1].split("value=")[0]
    assert search.search(session, consultation, "openbaarwoord").total == 1


def test_a_draft_answer_is_not_found_and_a_published_one_is(english_client, session, in_app):
    consultation = factories.consultation(
        session, state="closed", opens_in_days=-40, closes_in_days=-2, slug="zoek-antwoord"
    )
    submission = factories.submission(session, consultation, [("s-1", "Hulp op school.")])
    responder = factories.region_user(session, "responder")
    approver = factories.region_user(session, "official")
    answer = answers.draft_answer(
        session,
        responder,
        consultation,
        submission.comments,
        Disposition.ADOPTED,
        "We zetten schoolmaatschappelijk werkers in.",
    )
    session.flush()
    assert search.search(session, consultation, "schoolmaatschappelijk").total == 0
    answers.approve(session, approver, answer)
    answers.publish(session, approver, consultation)
    session.flush()
    found = search.search(session, consultation, "schoolmaatschappelijk")
    assert [(f.kind, f.id) for f in found.items] == [("answer", answer.id)]
    page = english_client.get(
        SEARCH.format(slug="zoek-antwoord"), query_string={"q": "schoolmaatschappelijk"}
    ).get_data(as_text=True)
    assert "Answer of the region: adopted" in page


def test_only_this_consultations_texts_are_found(session):
    ours = factories.consultation(session, slug="zoek-ons")
    theirs = factories.consultation(session, slug="zoek-hen")
    factories.submission(session, theirs, [("s-1", "pleegzorgwoord bij de buren")])
    session.flush()
    assert search.search(session, ours, "pleegzorgwoord").total == 0
    assert search.search(session, theirs, "pleegzorgwoord").total == 1


def test_a_comment_cannot_inject_markup_through_its_text(client, session):
    consultation = factories.consultation(session, slug="zoek-xss")
    factories.submission(
        session,
        consultation,
        [("s-1", 'jeugdzorg <script>alert(1)</script> <b onclick="x()">vet</b> \ue000 jeugdzorg')],
    )
    session.flush()
    page = client.get(SEARCH.format(slug="zoek-xss"), query_string={"q": "jeugdzorg"})
    html = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert 'onclick="x()"' not in html
    assert "jeugdzorg" in html.split("</h1>", 1)[1]
    # An unpaired marker in the text does not leave an open <mark>.
    assert html.count("<mark>") == html.count("</mark>")


def test_results_are_paged(english_client, session, monkeypatch):
    consultation = factories.consultation(session, slug="zoek-veel")
    for n in range(5):
        factories.submission(session, consultation, [("s-1", f"Vervoer naar school, nummer {n}.")])
    session.flush()
    monkeypatch.setattr(search, "PER_PAGE", 2)
    first = english_client.get(SEARCH.format(slug="zoek-veel"), query_string={"q": "vervoer"})
    text = first.get_data(as_text=True)
    assert "5 results for “vervoer”." in text
    assert text.count('class="consult-search-result"') == 2
    assert "Page 1 of 3" in text
    third = english_client.get(
        SEARCH.format(slug="zoek-veel"), query_string={"q": "vervoer", "pagina": 3}
    ).get_data(as_text=True)
    assert third.count('class="consult-search-result"') == 1


def test_bad_searches_get_a_clear_message(english_client, session):
    factories.consultation(session, slug="zoek-fout")
    session.flush()
    long = english_client.get(SEARCH.format(slug="zoek-fout"), query_string={"q": "a" * 201})
    assert long.status_code == 400
    assert "Search with at most 200 characters." in long.get_data(as_text=True)
    punctuation = english_client.get(SEARCH.format(slug="zoek-fout"), query_string={"q": '"*()'})
    assert punctuation.status_code == 400
    assert "Search with at least one word." in punctuation.get_data(as_text=True)
    empty = english_client.get(SEARCH.format(slug="zoek-fout"))
    assert empty.status_code == 200
    assert 'name="q"' in empty.get_data(as_text=True)


def test_a_drafts_search_is_not_public(client, session):
    factories.consultation(session, state="draft", opens_in_days=5, slug="zoek-concept")
    session.flush()
    assert (
        client.get(SEARCH.format(slug="zoek-concept"), query_string={"q": "x"}).status_code == 404
    )


def test_the_consultation_page_has_the_search_box(client, session):
    factories.consultation(session, slug="zoek-pagina")
    session.flush()
    page = client.get("/consultaties/zoek-pagina").get_data(as_text=True)
    assert 'action="/consultaties/zoek-pagina/zoeken"' in page
    assert 'role="search"' in page


def test_hidden_afterwards_is_no_longer_found(session, in_app):
    consultation = factories.consultation(session, slug="zoek-later")
    submission = factories.submission(session, consultation, [("s-1", "laterverborgen tekst")])
    session.flush()
    assert search.search(session, consultation, "laterverborgen").total == 1
    session.execute(
        update(Comment).where(Comment.id == submission.comments[0].id).values(is_public=False)
    )
    session.flush()
    assert search.search(session, consultation, "laterverborgen").total == 0
