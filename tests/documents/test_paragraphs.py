"""Paragraph anchors: one per paragraph, list, table and quote; stable into the next version."""

from __future__ import annotations

import re

import pytest

from consult.documents import paragraphs, services
from consult.documents.importing import SectionDraft, import_markdown
from consult.documents.models import VersionSource
from tests import factories

PARAGRAPH = re.compile(r"^p-[a-z2-7]{8}$")

BODY = (
    "<p>Kinderen wachten te lang op specialistische jeugdhulp in onze regio.</p>"
    "<h4>Wat we doen</h4>"
    "<ul><li>Een wachtlijst per aanbieder</li><li>Overbruggingszorg</li></ul>"
    "<table><tbody><tr><td>2025</td><td>12 weken</td></tr></tbody></table>"
    "<blockquote><p>Ik wachtte een half jaar.</p></blockquote>"
    "<p>Gemeenten kopen samen in en delen de risico's eerlijk met elkaar.</p>"
)


@pytest.fixture
def document(session, official):
    return services.create_document(
        session, official, factories.region(session, "JZ22"), "Regiovisie", "Kort."
    )


def _version(session, official, document, *bodies: str):
    drafts = [
        SectionDraft(heading=f"Onderdeel {i}", body_html=body, number=str(i))
        for i, body in enumerate(bodies, 1)
    ]
    return services.create_version(session, official, document, drafts, VersionSource.EDITOR)


def test_every_paragraph_list_table_and_quote_gets_an_anchor_and_an_id(session, official, document):
    version = _version(session, official, document, BODY)
    [section] = version.sections
    anchors = section.paragraph_anchors
    assert len(anchors) == 5  # p, ul, table, blockquote, p; the h4 has none
    assert all(PARAGRAPH.match(a) for a in anchors)
    assert len(set(anchors)) == 5

    rendered = str(paragraphs.with_ids(section.body_html, anchors))
    for tag, anchor in zip(["p", "ul", "table", "blockquote", "p"], anchors, strict=True):
        assert f'<{tag} id="{anchor}">' in rendered
    assert "<h4>Wat we doen</h4>" in rendered
    assert paragraphs.paragraph_text(section.body_html, anchors, anchors[1]) == (
        "Een wachtlijst per aanbieder Overbruggingszorg"
    )


def test_markdown_import_gives_each_block_an_anchor(session, official, document, request_context):
    imported = import_markdown(
        "# Wachttijden\n\nEerste alinea.\n\n- een\n- twee\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    version = services.create_version(
        session, official, document, imported.sections, VersionSource.MARKDOWN
    )
    [section] = version.sections
    assert len(section.paragraph_anchors) == 3
    assert [tag for tag, _html in paragraphs.blocks(section.body_html)] == ["p", "ul", "table"]


def test_anchors_survive_a_republish_with_unchanged_and_lightly_changed_text(
    session, official, document
):
    first = _version(session, official, document, BODY)
    old = first.sections[0].paragraph_anchors
    services.lock_version(session, first)

    changed = BODY.replace(  # lightly changed: one word more, one changed
        "Kinderen wachten te lang op specialistische jeugdhulp in onze regio.",
        "Kinderen wachten veel te lang op specialistische jeugdhulp in deze regio.",
    ).replace(  # the quote gives way to a new paragraph
        "<blockquote><p>Ik wachtte een half jaar.</p></blockquote>",
        "<p>Een nieuwe alinea over iets heel anders.</p>",
    )
    assert changed.count("<p>") == 3
    second = services.new_version_from(session, official, first)
    assert second.sections[0].paragraph_anchors == old  # a copy keeps them all
    services.edit_section(session, official, second.sections[0], "Onderdeel 1", changed)
    new = second.sections[0].paragraph_anchors

    # p (lightly changed), ul, table: kept; the new paragraph: new; the last p: kept.
    assert new[0] == old[0]
    assert new[1:3] == old[1:3]
    assert new[-1] == old[-1]
    assert len(new) == 5
    assert new[3] not in old
    assert PARAGRAPH.match(new[3])
    assert len(set(new)) == 5


def test_an_imported_next_version_carries_anchors_by_similarity(session, official, document):
    first = _version(session, official, document, BODY, "<p>Een tweede onderdeel met tekst.</p>")
    services.lock_version(session, first)
    old = [s.paragraph_anchors for s in first.sections]
    rewritten = BODY.replace("eerlijk met elkaar", "eerlijk met elkaar en met de aanbieders")
    second = _version(
        session,
        official,
        document,
        "<p>Helemaal nieuwe openingszin voor dit onderdeel van het plan.</p>" + rewritten,
        "<p>Een tweede onderdeel met tekst.</p>",
    )
    new = [s.paragraph_anchors for s in second.sections]
    assert new[0][1:] == old[0]  # every old block kept its anchor, the lightly changed too
    assert new[0][0] not in old[0]  # the new first paragraph has a new anchor
    assert new[1] == old[1]
    # Locking never changed them, and a version is the same on every run: derived anchors.
    assert old[0] == paragraphs.new_anchors(
        first.sections[0].anchor, paragraphs.block_texts(first.sections[0].body_html)
    )


def test_matching_is_deterministic_and_below_the_threshold_is_new():
    earlier = [("p-aaaaaaaa", "Een korte zin over wachttijden in de jeugdhulp.")]
    texts = [
        "Iets totaal anders over vervoer naar school.",
        "Een korte zin over de wachttijden in de jeugdhulp.",
    ]
    once = paragraphs.match_paragraphs(earlier, texts, section_anchor="s-x")
    again = paragraphs.match_paragraphs(earlier, texts, section_anchor="s-x")
    assert once == again
    assert once[1] == "p-aaaaaaaa"
    assert once[0] != "p-aaaaaaaa"
    assert PARAGRAPH.match(once[0])
    # An anchor the version already uses elsewhere is never given again.
    assert "p-aaaaaaaa" not in paragraphs.match_paragraphs(
        earlier, texts, section_anchor="s-x", taken={"p-aaaaaaaa"}
    )


def test_a_locked_versions_anchors_cannot_change(session, official, document):
    version = _version(session, official, document, BODY)
    services.lock_version(session, version)
    version.sections[0].paragraph_anchors = ["p-aaaaaaaa"]
    with pytest.raises(services.VersionLocked):
        session.flush()
    session.rollback()
