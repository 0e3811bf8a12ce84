"""Under every published comment, wherever the public reads it, its current published answer.

The section page, the consultation page, an organisation's page, the sender's status page,
the API and the Atom feeds: the disposition in words, the reason, the day, how many alike
comments got the same answer, and a link to the change it caused. Never a draft or an
approved answer that waits for publication; a hidden or withdrawn comment keeps its place as
a trace without its text. From closing on, the consultation page says what was said and done.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date

from consult.comments.models import HideReason
from consult.consultations.lifecycle import answers_due, today_in_amsterdam
from consult.consultations.models import ConsultationState
from consult.db import utcnow
from consult.moderation import services as moderation
from consult.public import kept
from consult.responses.models import Disposition
from consult.responses.tracing import services as tracing
from tests import factories
from tests.consultations.conftest import count_queries
from tests.responses.tracing_support import World, make_world, section, text_of

ADOPTED_REASON = "Op elke school komt een vaste jeugdhulpverlener."
NOTED_REASON = "We nemen dit mee bij de inkoop van volgend jaar."
DRAFT_REASON = "GEHEIM-concept-antwoord-nog-niet-goedgekeurd"
APPROVED_REASON = "GEHEIM-goedgekeurd-maar-niet-gepubliceerd"
HIDDEN_TEXT = "GEHEIM-verborgen-reactie-met-adres"
WITHDRAWN_TEXT = "GEHEIM-ingetrokken-reactie"


@pytest.fixture
def world(session) -> World:
    return make_world(session)


def _answered(world: World, *, campaign: int = 3):
    """On s-2: one comment adopted (changed s-2 in version 2) and a campaign of ``campaign``
    alike comments answered together; a draft and an approved answer on two more."""
    v2 = world.next_version(locked=True)
    single = world.submission([("s-2", "Een vaste hulpverlener op school.")])
    adopted = world.answer([single.comments[0]], Disposition.ADOPTED, ADOPTED_REASON)
    tracing.link(world.session, world.official, adopted, [section(v2, "s-2")])
    alike = [
        world.submission([("s-2", f"Meer geld voor scholen, zeg ik ook ({n}).")]).comments[0]
        for n in range(campaign)
    ]
    world.answer(alike, Disposition.NOTED, NOTED_REASON)
    drafted = world.submission([("s-2", "Een reactie met een concept-antwoord.")])
    world.answer([drafted.comments[0]], Disposition.NOT_ADOPTED, DRAFT_REASON, publish=False)
    approved = world.submission([("s-2", "Een reactie met een goedgekeurd antwoord.")])
    factories.answer(
        world.session,
        world.consultation,
        [approved.comments[0]],
        Disposition.NOT_ADOPTED,
        APPROVED_REASON,
        responder=world.responder,
        official=world.official,
        state="approved",
    )
    world.session.flush()
    return v2, single, alike


def _section_page(client, world: World, anchor: str = "s-2"):
    return client.get(f"/consultaties/{world.consultation.slug}/onderdelen/{anchor}/reacties")


def test_the_section_page_shows_each_published_answer_and_never_a_draft(english_client, world):
    v2, _single, _alike = _answered(world)
    page = _section_page(english_client, world)
    assert page.status_code == 200
    text = text_of(page)
    html = page.get_data(as_text=True)
    assert "Answer from the region: Adopted" in text
    assert ADOPTED_REASON in text
    assert "Answer from the region: Noted" in text
    assert text.count(NOTED_REASON) == 3
    assert text.count("This answer was given to 3 similar comments.") == 3
    assert "This part of the plan changed because of it: 2 Hulp op school (version 2)" in text
    diff = f"/documenten/{v2.document_id}/verschillen?van=1&amp;naar=2#wijziging-s-2"
    assert f'href="{diff}"' in html
    # The day it was published, in words.
    assert "on " + today_in_amsterdam().strftime("%B").lower() in text.lower()
    assert DRAFT_REASON not in html
    assert APPROVED_REASON not in html
    assert text.count("Answer from the region: not answered yet.") == 2


def test_the_group_sentence_is_dutch_and_counts(client, world):
    _answered(world, campaign=14)
    text = text_of(_section_page(client, world))
    assert text.count("Dit antwoord kregen 14 vergelijkbare reacties.") == 14
    assert "Antwoord van de regio: Voor kennisgeving aangenomen" in text


def test_a_hidden_or_withdrawn_comment_leaves_a_trace_without_its_text(
    english_client, dutch_client, world
):
    hidden = world.submission([("s-2", HIDDEN_TEXT)]).comments[0]
    withdrawn = world.submission([("s-2", WITHDRAWN_TEXT)]).comments[0]
    unconsented = world.submission([("s-2", "GEHEIM-geen-toestemming")], publish_text=False)
    world.submission([("s-2", "Een gewone reactie.")])
    moderation.hide_comment(world.session, world.moderator, hidden, HideReason.PERSONAL_DATA, "")
    withdrawn.withdrawn_at = utcnow()
    withdrawn.is_public = False
    world.session.flush()
    answer_to_hidden = "Ook een verborgen reactie krijgt een antwoord."
    world.answer([hidden], Disposition.NOTED, answer_to_hidden)

    for page in (
        _section_page(english_client, world),
        english_client.get(f"/consultaties/{world.consultation.slug}"),
    ):
        html = page.get_data(as_text=True)
        text = text_of(page)
        assert HIDDEN_TEXT not in html
        assert WITHDRAWN_TEXT not in html
        assert "GEHEIM-geen-toestemming" not in html
        assert "Een gewone reactie." in text
        assert (
            "A moderator hid this comment. Reason: contains personal data of someone else." in text
        )
        assert "The sender withdrew this comment." in text
        # Moderation hides, it does not silence: the hidden comment's answer is public.
        assert answer_to_hidden in text
        assert f'id="reactie-{unconsented.comments[0].id}"' not in html

    dutch = text_of(_section_page(dutch_client, world))
    assert "Een moderator heeft deze reactie verborgen." in dutch
    assert "De schrijver heeft deze reactie ingetrokken." in dutch


def test_the_consultation_page_shows_answers_and_what_was_done(english_client, world):
    v2, _single, _alike = _answered(world)
    world.submission([(None, "Over het hele plan, nog zonder antwoord.")])
    page = english_client.get(f"/consultaties/{world.consultation.slug}")
    assert page.status_code == 200
    text = text_of(page)
    html = page.get_data(as_text=True)
    assert "Answer from the region: Adopted" in text
    assert ADOPTED_REASON in text
    assert DRAFT_REASON not in html
    assert APPROVED_REASON not in html
    # The block: 4 of 7 answered (1 adopted, 3 noted; the draft, the approved and the one on
    # the whole plan wait), the promised day, per section the counts and the change.
    assert "What you said, what we did" in text
    assert "4 of 7 comments answered" in text
    due = format_date(answers_due(world.consultation), "long", locale="en")
    assert f"Answers promised by {due}." in text
    assert "What we did with the answered comments: Adopted 1 Noted 3" in text
    assert (
        "2 Hulp op school : 6 comments, 4 answered Adopted 1 Noted 3 "
        "Changed: 2 Hulp op school (version 2)"
    ) in text
    assert "The whole plan : 1 comment, 0 answered" in text
    diff = f"/documenten/{v2.document_id}/verschillen?van=1&amp;naar=2#wijziging-s-2"
    assert f'href="{diff}"' in html
    assert "The reactienota is expected by" in text


def test_the_block_shows_days_late_and_waits_for_closing(english_client, session):
    version = factories.document_version(session, locked=True)
    late = factories.closed_consultation(
        session, version=version, opens_in_days=-100, closes_in_days=-60
    )
    late.answers_due_on = today_in_amsterdam() - timedelta(days=10)
    factories.submission(session, late, [(None, "Wanneer krijg ik antwoord?")])
    session.flush()
    text = text_of(english_client.get(f"/consultaties/{late.slug}"))
    assert "0 of 1 comment answered" in text
    assert "The answers are 10 days late." in text
    assert "The reactienota is not published yet; it was promised for" in text
    assert "The reactienota is expected by" not in text

    open_one = factories.consultation(session)
    factories.submission(session, open_one, [(None, "Nog open.")])
    text = text_of(english_client.get(f"/consultaties/{open_one.slug}"))
    assert "What you said, what we did" not in text


def test_the_reactienota_address_says_when_it_is_expected(english_client, client, world):
    world.consultation.answers_due_on = today_in_amsterdam() + timedelta(days=20)
    world.session.flush()
    page = english_client.get(f"/consultaties/{world.consultation.slug}/reactienota")
    assert page.status_code == 200
    text = text_of(page)
    assert "The reactienota is not published yet" in text
    day = world.consultation.answers_due_on
    assert f"The region promised the answers by {day.strftime('%B')} {day.day}, {day.year}" in text
    dutch = text_of(client.get(f"/consultaties/{world.consultation.slug}/reactienota"))
    assert "De reactienota is nog niet gepubliceerd" in dutch
    # A draft consultation has no such address.
    draft = factories.draft_consultation(world.session)
    assert english_client.get(f"/consultaties/{draft.slug}/reactienota").status_code == 404


def test_the_organisation_page_shows_the_answer_and_its_group(english_client, world):
    org = factories.organisation(world.session, "Stichting Ouderstem", verified=True)
    sent = world.submission(
        [("s-2", "Namens ons: meer hulp op school.")],
        organisation=org,
        organisation_verified=True,
    )
    other = world.submission([("s-2", "Ik ook: meer hulp op school.")])
    world.answer([sent.comments[0], other.comments[0]], Disposition.PARTLY_ADOPTED, NOTED_REASON)
    text = text_of(english_client.get(f"/organisaties/{org.slug}"))
    assert "Answer from the region: Partly adopted" in text
    assert NOTED_REASON in text
    assert "This answer was given to 2 similar comments." in text


def test_the_status_page_says_the_answer_went_to_a_group(english_client, world):
    _v2, _single, alike = _answered(world)
    text = text_of(english_client.get(f"/ontvangst/{alike[0].submission.tracking_code}"))
    assert "Answer from the region: Noted" in text
    assert "This answer was given to 3 similar comments." in text


def test_the_api_carries_the_answer_of_each_comment(client, world):
    v2, single, alike = _answered(world)
    body = client.get(f"/api/v1/consultations/{world.consultation.slug}/comments").get_json()
    by_id = {item["id"]: item for item in body["data"]}
    adopted = by_id[single.comments[0].id]["answer"]
    assert adopted["disposition"] == "adopted"
    assert adopted["reason"] == ADOPTED_REASON
    assert adopted["answered_on"] == today_in_amsterdam().isoformat()
    assert adopted["group_size"] == 1
    assert adopted["changes"] == [
        {
            "section": "s-2",
            "version": 2,
            "url": f"http://consult.test/documenten/{v2.document_id}/verschillen?van=1&naar=2"
            "#wijziging-s-2",
        }
    ]
    assert by_id[alike[0].id]["answer"]["group_size"] == 3
    waiting = [item for item in body["data"] if item["answer"] is None]
    assert len(waiting) == 2  # the draft and the approved answer are not published
    assert DRAFT_REASON not in str(body)
    assert APPROVED_REASON not in str(body)
    one = client.get(
        f"/api/v1/consultations/{world.consultation.slug}/comments/{alike[1].id}"
    ).get_json()
    assert one["answer"]["disposition"] == "noted"


def test_only_the_answers_entry_of_the_feed_quotes_the_answers(client, world):
    world.consultation.state = ConsultationState.CLOSED
    _answered(world)
    feed = client.get(f"/consultaties/{world.consultation.slug}/nieuws.atom")
    assert feed.status_code == 200
    body = feed.get_data(as_text=True)
    entries = body.split("<entry>")[1:]
    quoting = [e for e in entries if ADOPTED_REASON in e or NOTED_REASON in e]
    assert quoting, body
    assert all("/answers/" in e for e in quoting)
    assert DRAFT_REASON not in body
    assert APPROVED_REASON not in body


def _count(app, fetch) -> int:
    # As the first request after a change: the consultation page builds its blocks again
    # (consult/public/kept.py); kept, it costs two queries whatever the size.
    kept.clear()
    with count_queries(app) as statements:
        assert fetch().status_code == 200
    return len(statements)


def test_the_answers_cost_the_same_queries_for_few_or_many_comments(
    app, english_client, world, quiet_housekeeping
):
    v2 = world.next_version(locked=True)

    def add(n: int) -> None:
        for i in range(n):
            comment = world.submission([("s-2", f"Reactie {i}.")]).comments[0]
            answer = world.answer([comment], Disposition.ADOPTED, f"Antwoord {i}.")
            tracing.link(world.session, world.official, answer, [section(v2, "s-2")])
        world.session.flush()

    slug = world.consultation.slug
    pages = {
        "section": lambda: _section_page(english_client, world),
        "consultation": lambda: english_client.get(f"/consultaties/{slug}"),
        "api": lambda: english_client.get(f"/api/v1/consultations/{slug}/comments"),
    }
    add(2)
    for fetch in pages.values():
        fetch()  # warm up
    few = {name: _count(app, fetch) for name, fetch in pages.items()}
    add(8)
    many = {name: _count(app, fetch) for name, fetch in pages.items()}
    assert few == many
    assert text_of(_section_page(english_client, world)).count("Answer from the region:") == 10
    pages["consultation"]()
    with count_queries(app) as statements:
        pages["consultation"]()
    assert len(statements) == 2  # kept: the consultation and its place in the record


def test_a_search_result_shows_the_comments_answer(english_client, world, in_app):
    _answered(world)
    page = english_client.get(
        f"/consultaties/{world.consultation.slug}/zoeken", query_string={"q": "hulpverlener"}
    )
    assert page.status_code == 200
    text = text_of(page)
    assert "Answer from the region: Adopted" in text
    assert ADOPTED_REASON in text
    assert DRAFT_REASON not in page.get_data(as_text=True)


def test_the_organisation_page_keeps_a_trace_of_a_hidden_comment(english_client, world):
    org = factories.organisation(world.session, "Stichting Spoor", verified=True)
    sent = world.submission(
        [("s-1", HIDDEN_TEXT), ("s-2", "Een zichtbare reactie van de stichting.")],
        organisation=org,
        organisation_verified=True,
    )
    moderation.hide_comment(
        world.session, world.moderator, sent.comments[0], HideReason.OFFENSIVE, ""
    )
    page = english_client.get(f"/organisaties/{org.slug}")
    text = text_of(page)
    assert HIDDEN_TEXT not in page.get_data(as_text=True)
    assert "A moderator hid this comment. Reason: offensive or abusive language." in text
    assert "Een zichtbare reactie van de stichting." in text


def test_an_answer_cannot_inject_markup(english_client, world):
    comment = world.submission([("s-2", "Een gewone vraag.")]).comments[0]
    world.answer([comment], Disposition.NOTED, '<script>alert("x")</script> <b>vet</b>')
    html = _section_page(english_client, world).get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "<b>vet</b>" not in html
    assert "&lt;script&gt;" in html
