"""Comments on one paragraph: chosen from the plan, checked, stored, shown under it.

From the plan's paragraph link to the form (the paragraph quoted), the stored comment, its
receipt content and record event, the margin count, the section's comments grouped by
paragraph, the API's ``paragraph`` and the reactienota's quote; and an anchor that is not
the chosen part's, or of another consultation, refused with the typed text kept.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from consult.comments import services
from consult.comments.models import Comment, Submission
from consult.db import utcnow
from consult.evidence.verify import verify
from consult.ledger.models import EventKind, RecordEvent
from consult.public import services as public_services
from consult.reports import services as reactienota
from tests import factories
from tests.comments.conftest import form_tokens, open_form, post_form, text_of, valid_data

SECTIONS = [
    ("Inleiding", "<p>Waarom deze visie er is.</p>"),
    (
        "Wachttijden",
        "<p>Kinderen wachten te lang op specialistische jeugdhulp.</p>"
        "<ul><li>Overbruggingszorg voor wie wacht</li><li>Een wachtlijst per aanbieder</li></ul>"
        "<p>Gemeenten kopen samen in en delen de risico's eerlijk.</p>",
    ),
    ("Samenwerken", "<p>Scholen en jeugdhulp werken samen in de klas.</p>"),
]


@pytest.fixture
def consultation(session):
    version = factories.document_version(session, sections=SECTIONS, locked=True)
    return factories.consultation(session, version)


def _paragraph_form(client, slug, paragraph):
    """The form opened from a paragraph's link: (page, tokens)."""
    response = client.get(f"/consultaties/{slug}/reageren?alinea={paragraph}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, form_tokens(page)


def _section(consultation, anchor):
    return next(s for s in consultation.version.sections if s.anchor == anchor)


def _confirm_all(session, consultation):
    for submission in session.scalars(
        select(Submission).where(Submission.consultation_id == consultation.id)
    ):
        services.confirm(session, submission, utcnow())
    session.flush()


def test_a_comment_on_one_paragraph_from_plan_to_public_page(
    english_client, session, consultation, outbox
):
    slug = consultation.slug
    waiting = _section(consultation, "s-2")
    first, listed, _last = waiting.paragraph_anchors

    plan = english_client.get(f"/consultaties/{slug}").get_data(as_text=True)
    # Every block carries its stored anchor as id, and a link to comment on it.
    assert f'<p id="{first}">Kinderen wachten' in plan
    assert f'<ul id="{listed}">' in plan
    assert f"/consultaties/{slug}/reageren?alinea={listed}" in plan
    assert "Comment on this paragraph" in plan
    # Its accessible name says which paragraph, the Dutch part's name marked as Dutch.
    assert '(paragraph 2 of <span lang="nl">2 Wachttijden</span>)' in plan
    # The version's own page carries the same ids.
    version = consultation.version
    shown = english_client.get(f"/documenten/{version.document_id}/versies/{version.number}")
    assert f'<ul id="{listed}">' in shown.get_data(as_text=True)

    form_page, tokens = _paragraph_form(english_client, slug, listed)
    assert "You comment on this paragraph:" in form_page
    assert "Overbruggingszorg voor wie wacht Een wachtlijst per aanbieder" in form_page
    assert re.search(rf'name="paragraph_1"[^>]*value="{listed}"', form_page)
    # The part follows from the paragraph: it travels along instead of being asked.
    assert '<input type="hidden" name="section_1" value="s-2">' in form_page

    response = post_form(
        english_client,
        slug,
        tokens,
        valid_data(section_1="s-2", paragraph_1=listed, text_1="Overbrugging moet sneller."),
    )
    assert response.status_code == 302, text_of(response)[:2000]
    receipt = text_of(english_client.get(response.location))
    assert "About this paragraph:" in receipt
    assert "Overbruggingszorg voor wie wacht Een wachtlijst per aanbieder" in receipt
    submission = session.scalar(
        select(Submission).where(Submission.consultation_id == consultation.id)
    )
    [comment] = submission.comments
    assert (comment.section.anchor, comment.paragraph) == ("s-2", listed)

    # The receipt's content and the record hold the paragraph.
    content = services.canonical_content(submission)
    assert content["comments"] == [
        {"section": "s-2", "paragraph": listed, "text": "Overbrugging moet sneller."}
    ]
    event = session.scalar(
        select(RecordEvent).where(
            RecordEvent.kind == EventKind.SUBMISSION_RECEIVED.value,
            RecordEvent.object_id == submission.tracking_code,
        )
    )
    assert event.payload["paragraphs"] == [listed]
    assert event.payload["sections"] == ["s-2"]

    # A comment on the whole section and one on another paragraph, then all confirmed.
    _page, tokens = open_form(english_client, slug, "s-2")
    post_form(english_client, slug, tokens, valid_data(text_1="Over het hele onderdeel."))
    _page, tokens = _paragraph_form(english_client, slug, first)
    post_form(
        english_client,
        slug,
        tokens,
        valid_data(paragraph_1=first, text_1="Wachten is het grootste probleem."),
    )
    _confirm_all(session, consultation)

    plan = english_client.get(f"/consultaties/{slug}").get_data(as_text=True)
    count_link = f"/consultaties/{slug}/onderdelen/s-2/reacties?alinea={listed}"
    assert re.search(rf'href="{re.escape(count_link)}">1 comment<', plan)
    assert "About this paragraph:" in plan  # the comment quotes its paragraph

    # The section's comments: per paragraph in the order of the text, then the section's.
    page = text_of(english_client.get(f"/consultaties/{slug}/onderdelen/s-2/reacties"))
    order = [
        page.index("Wachten is het grootste probleem."),
        page.index("Overbrugging moet sneller."),
        page.index("Over het hele onderdeel."),
    ]
    assert order == sorted(order)
    assert page.index("About the whole part") > order[1]

    # Only one paragraph's comments, behind the margin count.
    only = text_of(english_client.get(count_link))
    assert "Overbrugging moet sneller." in only
    assert "Over het hele onderdeel." not in only
    assert "Wachten is het grootste probleem." not in only
    elsewhere = f"/consultaties/{slug}/onderdelen/s-3/reacties?alinea={listed}"
    assert english_client.get(elsewhere).status_code == 404

    # The API names the paragraph (null for the whole section).
    body = english_client.get(f"/api/v1/consultations/{slug}/comments").get_json()
    by_text = {c["text"]: c for c in body["data"]}
    assert by_text["Overbrugging moet sneller."]["paragraph"] == listed
    assert by_text["Over het hele onderdeel."]["paragraph"] is None
    assert by_text["Over het hele onderdeel."]["section"] == "s-2"


@pytest.mark.parametrize(
    ("case", "part", "message"),
    [
        (
            "another consultation's",
            "s-2",
            "We vinden de alinea die je koos niet in dit plan. Je tekst staat er nog.",
        ),
        ("another part's", "s-3", "De alinea die je koos staat in onderdeel 2 Wachttijden."),
    ],
)
def test_a_paragraph_not_of_the_chosen_part_is_refused_and_the_text_kept(
    dutch_client, session, consultation, case, part, message
):
    """A changed page (tampering) or a part changed after choosing a paragraph: refused
    with a clear message, nothing stored, the typed text kept, the paragraph dropped."""
    elsewhere = [("Anders", "<p>Een plan in een andere regio, met eigen alinea's.</p>")] * 2
    other = factories.consultation(
        session, factories.document_version(session, "JZ24", sections=elsewhere, locked=True)
    )
    paragraph = (
        _section(other, "s-2")
        if case == "another consultation's"
        else _section(consultation, "s-2")
    ).paragraph_anchors[0]

    # In a link a foreign paragraph is ignored: no quote is offered.
    form_page, tokens = _paragraph_form(dutch_client, consultation.slug, paragraph)
    assert ("Je reageert op deze alinea:" in form_page) is (case == "another part's")

    response = post_form(
        dutch_client,
        consultation.slug,
        tokens,
        valid_data(section_1=part, paragraph_1=paragraph, text_1="Mijn getypte tekst blijft."),
    )
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert "Mijn getypte tekst blijft." in page
    assert not re.search(r'name="paragraph_1"[^>]*value="p-', response.get_data(as_text=True))
    stored = select(Comment.id).where(Comment.consultation_id == consultation.id)
    assert session.scalar(stored) is None


def test_the_service_refuses_a_paragraph_its_section_lacks(app, session, consultation):
    paragraph = _section(consultation, "s-2").paragraph_anchors[0]
    draft = services.Draft(
        idempotency_key="a" * 32,
        stakeholder_group=factories.stakeholder_group(session, "parent"),
        comments=[(_section(consultation, "s-3"), "Tekst.")],
        paragraphs=[paragraph],
    )
    with app.test_request_context(), pytest.raises(services.ParagraphRefused):
        services.submit(session, consultation, draft, utcnow())


def test_the_record_and_its_cross_check_follow_the_paragraph(app, session, consultation):
    """A comment moved to another paragraph in the database no longer matches its receipt;
    the record then names it."""
    from tests.record.conftest import tampering
    from tests.record.test_verify import rebuild_tree, rehash

    waiting = _section(consultation, "s-2")
    draft = services.Draft(
        idempotency_key="b" * 32,
        stakeholder_group=factories.stakeholder_group(session, "parent"),
        comments=[(waiting, "Over de lijst."), (None, "Algemeen.")],
        paragraphs=[waiting.paragraph_anchors[1]],
        user=factories.user(session, "deelnemer@example.org"),
        publish_text=True,
    )
    with app.app_context():
        submission, _created = services.submit(session, consultation, draft, utcnow())
        assert [c.paragraph for c in submission.comments] == [waiting.paragraph_anchors[1], None]
        assert verify(session).ok
        event = session.scalar(
            select(RecordEvent).where(
                RecordEvent.kind == EventKind.SUBMISSION_RECEIVED.value,
                RecordEvent.object_id == submission.tracking_code,
            )
        )
        with tampering(session):
            # A forger rewrites the event to name another paragraph: the live row disagrees.
            payload = {**event.payload, "paragraphs": [waiting.paragraph_anchors[2], None]}
            rehash(session, event, payload=payload)
            rebuild_tree(session)
        failures = " ".join(verify(session).failures)
        assert "the paragraphs its comments are about differ from the recorded ones" in failures
        with tampering(session):
            # Someone moves the comment to another paragraph in the database.
            session.execute(
                update(Comment)
                .where(Comment.id == submission.comments[0].id)
                .values(paragraph=waiting.paragraph_anchors[2])
            )
        failures = " ".join(verify(session).failures)
    assert f"submission {submission.tracking_code}" in failures
    assert "no longer matches the content recorded on arrival" in failures


def test_the_reactienota_quotes_the_paragraph(session, consultation):
    paragraph = _section(consultation, "s-2").paragraph_anchors[1]
    factories.submission(session, consultation, [("s-2", "Sneller graag.", paragraph)])
    content = reactienota.build_content(session, consultation)
    [entry] = [s for s in content["sections"] if s["anchor"] == "s-2"]
    [item] = entry["unanswered"]["items"]
    assert item["paragraph"] == {
        "anchor": paragraph,
        "text": "Overbruggingszorg voor wie wacht Een wachtlijst per aanbieder",
    }
    # A comment on the whole section has no paragraph key: older editions read the same.
    other = factories.submission(session, consultation, [("s-3", "Over de klas.")])
    content = reactienota.build_content(session, consultation)
    [entry] = [s for s in content["sections"] if s["anchor"] == "s-3"]
    assert "paragraph" not in entry["unanswered"]["items"][0]
    assert other.comments[0].paragraph is None


def test_the_reactienota_page_and_pdf_body_show_the_quote(app, session, consultation):
    """The web page and the PDF share the body template: both print the quote first."""
    from flask import render_template

    from consult.reports.rendering import ReportView

    paragraph = _section(consultation, "s-2").paragraph_anchors[2]
    factories.submission(session, consultation, [("s-2", "Eerlijk delen graag.", paragraph)])
    content = reactienota.build_content(session, consultation)
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        article = render_template("reports/_report_article.html", r=ReportView(content, "nl"))
    quote = article.index("Over deze alinea van het plan:")
    assert article.index("Gemeenten kopen samen in en delen de risico") > quote
    assert article.index("Eerlijk delen graag.") > quote


def test_the_grouped_section_page_pages_through_every_comment_once(session, consultation):
    """Numbered pages over (paragraph's place, id): small pages give the grouped order."""
    waiting = _section(consultation, "s-2")
    first, listed, last = waiting.paragraph_anchors
    sent = [(last, "c1"), (None, "c2"), (first, "c3"), (listed, "c4"), (first, "c5"), (None, "c6")]
    for paragraph, text in sent:
        factories.submission(session, consultation, [("s-2", text, paragraph)])
    walked: list[str] = []
    for page in range(1, 10):
        comments = public_services.section_comments_page(
            session, consultation, waiting, page, per_page=2
        )
        if not comments:
            break
        walked += [c.body for c in comments]
    assert walked == ["c3", "c5", "c4", "c1", "c2", "c6"]
    only = public_services.section_comments_page(session, consultation, waiting, 1, paragraph=first)
    assert [c.body for c in only] == ["c3", "c5"]
