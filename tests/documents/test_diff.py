"""The diff between two versions: statuses per section and word-level marks."""

from __future__ import annotations

from consult.documents import services
from consult.documents.diff import Mark, Status, diff_versions, word_marks
from consult.documents.importing import SectionDraft
from consult.documents.models import VersionSource
from tests import factories


def test_word_marks():
    assert word_marks("kinderen wachten te lang", "kinderen wachten veel te lang op hulp") == [
        Mark("same", "kinderen wachten"),
        Mark("ins", "veel"),
        Mark("same", "te lang"),
        Mark("ins", "op hulp"),
    ]
    assert word_marks("a b c", "a c") == [Mark("same", "a"), Mark("del", "b"), Mark("same", "c")]


def make(session, official, document, sections):
    return services.create_version(
        session,
        official,
        document,
        [SectionDraft(heading=h, body_html=f"<p>{b}</p>", number="") for h, b in sections],
        VersionSource.EDITOR,
    )


def test_statuses_and_order(session, official, request_context):
    document = services.create_document(
        session, official, factories.region(session, "JZ22"), "Visie", "Kort"
    )
    old = make(
        session,
        official,
        document,
        [
            ("Inleiding", "Waarom deze visie."),
            ("Wachttijden", "Kinderen wachten te lang."),
            ("Samenwerken", "Gemeenten kopen samen in."),
            ("Onderwijs", "Scholen doen mee."),
            ("Geld", "Het budget is krap."),
        ],
    )
    new = make(
        session,
        official,
        document,
        [
            ("Inleiding", "Waarom deze visie."),
            ("Onderwijs", "Scholen doen mee."),  # moved up
            ("Wachttijden", "Kinderen wachten veel te lang."),  # changed
            ("Vervoer", "Helemaal nieuw over leerlingenvervoer."),  # added
            ("Geld en middelen", "Het budget is krap."),  # heading changed, same text
        ],
    )
    result = diff_versions(old, new)
    statuses = [(c.status, (c.new or c.old).heading) for c in result.changes]
    assert statuses == [
        (Status.UNCHANGED, "Inleiding"),
        (Status.MOVED, "Onderwijs"),
        (Status.CHANGED, "Wachttijden"),
        (Status.REMOVED, "Samenwerken"),
        (Status.ADDED, "Vervoer"),
        (Status.CHANGED, "Geld en middelen"),
    ]
    waiting = result.changes[2]
    assert Mark("ins", "veel") in waiting.text_marks
    assert not waiting.heading_changed
    money = result.changes[5]
    assert money.heading_changed
    assert not money.text_changed
    assert Mark("ins", "en middelen") in money.heading_marks
    assert result.summary() == (
        "2 sections changed, 1 section added, 1 section removed, 1 section moved, "
        "1 section unchanged"
    )
    assert str(Status.CHANGED.label) == "Changed"
