"""Versions: numbering, anchors that follow a section, editing drafts, locking for good."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.documents import services
from consult.documents.importing import SectionDraft
from consult.documents.models import DocumentVersion, Section, VersionSource
from consult.ledger.canonical import digest as content_hash
from tests import factories

ANCHOR = re.compile(r"^s-[a-z2-7]{8}$")


def drafts(*pairs: tuple[str, str]) -> list[SectionDraft]:
    return [
        SectionDraft(heading=h, body_html=f"<p>{b}</p>", number=str(i))
        for i, (h, b) in enumerate(pairs, 1)
    ]


@pytest.fixture
def document(session, official):
    return services.create_document(
        session, official, factories.region(session, "JZ22"), " Regiovisie ", " Kort. "
    )


FIRST = drafts(
    ("Inleiding", "Waarom deze visie er is en voor wie zij geschreven is."),
    ("Wachttijden", "Kinderen wachten te lang op specialistische jeugdhulp in onze regio."),
    ("Samenwerken", "Gemeenten kopen samen in en delen de risico's eerlijk."),
    ("Onderwijs", "Scholen en jeugdhulp werken samen in de klas."),
)


def test_versions_are_numbered_and_anchors_are_random_and_unique(session, official, document):
    first = services.create_version(session, official, document, FIRST, VersionSource.MARKDOWN)
    second = services.create_version(session, official, document, FIRST, VersionSource.MARKDOWN)
    assert (first.number, second.number) == (1, 2)
    assert document.title == "Regiovisie"
    assert document.summary == "Kort."
    anchors = [s.anchor for s in first.sections]
    assert all(ANCHOR.match(a) for a in anchors)
    assert len(set(anchors)) == 4
    assert [s.anchor for s in second.sections] == anchors


def test_anchors_follow_reworded_sections_and_new_ones_get_new_anchors(session, official, document):
    first = services.create_version(session, official, document, FIRST, VersionSource.DOCX)
    old = {s.heading: s.anchor for s in first.sections}
    second = services.create_version(
        session,
        official,
        document,
        drafts(
            ("INLEIDING ", "Iets anders geschreven."),  # same heading, other text
            (
                "Wachten op hulp",
                "Kinderen wachten veel te lang op specialistische jeugdhulp in de regio.",
            ),
            ("Vervoer", "Een heel nieuw onderdeel over leerlingenvervoer."),
            ("Onderwijs", "Scholen en jeugdhulp werken samen in de klas."),
        ),
        VersionSource.DOCX,
    )
    new = [s.anchor for s in second.sections]
    assert new[0] == old["Inleiding"]  # matched on heading
    assert new[1] == old["Wachttijden"]  # matched on similar text
    assert new[2] not in old.values()
    assert ANCHOR.match(new[2])
    assert new[3] == old["Onderwijs"]
    assert old["Samenwerken"] not in new  # removed section's anchor is gone


def test_each_old_anchor_is_used_once(session, official, document):
    services.create_version(session, official, document, FIRST[:1], VersionSource.MARKDOWN)
    second = services.create_version(
        session, official, document, FIRST[:1] + FIRST[:1], VersionSource.MARKDOWN
    )
    assert len({s.anchor for s in second.sections}) == 2


def test_stored_html_is_sanitised_by_the_service(session, official, document):
    version = services.create_version(
        session,
        official,
        document,
        [SectionDraft(heading="<b>Kop</b>", body_html='<p onclick="x">a<script>b</script></p>')],
        VersionSource.EDITOR,
    )
    assert version.sections[0].heading == "Kop"
    assert version.sections[0].body_html == "<p>a</p>"


def test_edit_add_move_remove_on_a_draft(session, official, document):
    version = services.create_version(session, official, document, FIRST, VersionSource.EDITOR)
    first, second, _third, _fourth = version.sections
    services.edit_section(session, official, second, "Wachten", "<p>Nieuw <em>tekst</em></p>")
    added = services.add_section(session, official, version, "Vervoer", "<p>Bus</p>", after=first)
    assert ANCHOR.match(added.anchor)
    session.expire_all()
    version = session.get(DocumentVersion, version.id)
    assert [(s.number, s.heading) for s in version.sections] == [
        ("1", "Inleiding"),
        ("2", "Vervoer"),
        ("3", "Wachten"),
        ("4", "Samenwerken"),
        ("5", "Onderwijs"),
    ]
    onderwijs = version.sections[-1]
    assert services.move_section(session, official, onderwijs, -1)
    assert not services.move_section(session, official, version.sections[0], -1)
    services.remove_section(session, official, version.sections[1])
    session.expire_all()
    version = session.get(DocumentVersion, version.id)
    assert [(s.position, s.number, s.heading) for s in version.sections] == [
        (1, "1", "Inleiding"),
        (2, "2", "Wachten"),
        (3, "3", "Onderwijs"),
        (4, "4", "Samenwerken"),
    ]
    assert version.sections[1].body_html == "<p>Nieuw <em>tekst</em></p>"


def test_locking_fixes_a_hash_of_the_canonical_content(session, official, document):
    version = services.create_version(session, official, document, FIRST, VersionSource.EDITOR)
    services.lock_version(session, version)
    assert version.is_locked
    assert version.locked_at.tzinfo is not None
    expected = content_hash(
        {"sections": [[s.anchor, s.number, s.heading, s.body_html] for s in version.sections]}
    )
    assert version.content_hash == expected
    moment = version.locked_at
    services.lock_version(session, version)  # a second consultation on it changes nothing
    assert version.locked_at == moment


def test_a_locked_version_refuses_every_change(session, official, document):
    version = services.create_version(session, official, document, FIRST, VersionSource.EDITOR)
    services.lock_version(session, version)
    section = version.sections[0]
    before = [(s.id, s.position, s.heading, s.body_html) for s in version.sections]
    with pytest.raises(services.VersionLocked):
        services.edit_section(session, official, section, "Anders", "<p>anders</p>")
    for attempt in (
        lambda: services.add_section(session, official, version, "Nieuw", "<p>x</p>"),
        lambda: services.remove_section(session, official, section),
        lambda: services.move_section(session, official, version.sections[1], -1),
    ):
        with pytest.raises(services.VersionLocked):
            attempt()
    session.expire_all()
    stored = session.scalars(
        select(Section).where(Section.version_id == version.id).order_by(Section.position)
    ).all()
    assert [(s.id, s.position, s.heading, s.body_html) for s in stored] == before


def test_the_flush_guard_refuses_changes_that_bypass_the_services(session, official, document):
    version = services.create_version(session, official, document, FIRST, VersionSource.EDITOR)
    services.lock_version(session, version)
    version_id = version.id

    def refused(change) -> None:
        savepoint = session.begin_nested()
        locked = session.get(DocumentVersion, version_id)
        change(locked)
        with pytest.raises(services.VersionLocked):
            session.flush()
        savepoint.rollback()
        session.expire_all()

    def edit(locked):
        locked.sections[0].body_html = "<p>stiekem</p>"

    def reorder(locked):
        locked.sections[0].position = 42

    def add(locked):
        locked.sections.append(Section(position=99, anchor="s-aaaaaaaa", heading="x"))

    def rehash(locked):
        locked.content_hash = "0" * 64

    for change in (edit, reorder, lambda v: session.delete(v.sections[0]), add, rehash):
        refused(change)
    session.delete(session.get(DocumentVersion, version_id))
    with pytest.raises(services.VersionLocked):
        session.flush()


def test_a_correction_is_a_new_draft_with_the_same_anchors(session, official, document):
    version = services.create_version(session, official, document, FIRST, VersionSource.DOCX)
    services.lock_version(session, version)
    copy = services.new_version_from(session, official, version, change_note="Typfout")
    assert copy.number == 2
    assert not copy.is_locked
    assert copy.source is VersionSource.EDITOR
    assert [s.anchor for s in copy.sections] == [s.anchor for s in version.sections]
    services.edit_section(session, official, copy.sections[0], "Inleiding", "<p>Verbeterd</p>")
    assert version.sections[0].body_html != "<p>Verbeterd</p>"
