"""The documents workspace and public pages: the whole path, access, CSRF, locked versions."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from consult.documents import services
from consult.documents.importing import SectionDraft
from consult.documents.models import Document, DocumentVersion, Section, VersionSource
from tests import factories
from tests.conftest import csrf_token, log_in, submit_form
from tests.documents.conftest import make_docx, tiny_png
from tests.regions.conftest import text_of

BASE = "/regios/JZ22/beheer/documenten"


def make_document(session, official, *, locked=False, versions=1):
    document = services.create_document(
        session, official, factories.region(session, "JZ22"), "Regiovisie Utrecht", "Kort."
    )
    made = []
    for number in range(versions):
        version = services.create_version(
            session,
            official,
            document,
            [
                SectionDraft("Inleiding", f"<p>Versie {number + 1} van de inleiding.</p>", "1"),
                SectionDraft("Doelen", "<p>Jeugdhulp dichtbij huis.</p>", "2"),
            ],
            VersionSource.EDITOR,
        )
        if locked:
            services.lock_version(session, version)
        made.append(version)
    session.flush()
    return document, made


def version_count(session, document_id):
    session.expire_all()
    return session.scalar(
        select(func.count())
        .select_from(DocumentVersion)
        .where(DocumentVersion.document_id == document_id)
    )


def test_an_official_imports_a_word_file_previews_and_edits_it(english_client, session, official):
    log_in(english_client, official.email)
    response = submit_form(
        english_client,
        f"{BASE}/nieuw",
        {"title": "Regiovisie jeugdhulp 2026", "summary": "Wat we samen willen doen."},
    )
    assert response.status_code == 302
    document = session.scalar(select(Document).where(Document.title == "Regiovisie jeugdhulp 2026"))
    new_version = f"{BASE}/{document.id}/versies/nieuw"
    assert response.location.endswith(new_version)

    response = english_client.post(
        f"{new_version}/word",
        data={
            "csrf_token": csrf_token(english_client, new_version),
            "word_file": (io.BytesIO(make_docx(images=2)), "visie.docx"),
            "word_change_note": "Eerste versie",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text_of(response)[:500]
    # The upload waits on its progress page, which moves on to the version once it is made
    # (the tests run jobs in the request, so it is made already).
    assert "/versies/nieuw/import/" in response.location
    preview = english_client.get(response.location, follow_redirects=True)
    page = text_of(preview)
    assert "Version 1 has been made. Check the preview." in page
    assert "Preview of version 1" in page
    assert "2 images were left out." in page
    assert "1.1.1 Wat ouders zeggen" in page
    body = preview.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body
    assert "javascript:" not in body
    version = session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == document.id)
    )
    session.refresh(version)
    for section in version.sections:
        assert f'id="{section.anchor}"' in body

    # Edit one section in the browser.
    section = version.sections[2]
    edit = f"{BASE}/{document.id}/versies/1/onderdelen/{section.id}"
    form_page = english_client.get(edit).get_data(as_text=True)
    assert "- Jeugdhulp dichtbij huis" in form_page
    response = submit_form(
        english_client,
        edit,
        {
            "heading": "Onze doelen",
            "number": "1.1",
            "level": "2",
            "body": "Nieuw **doel** <b>x</b>",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    changed = session.get(Section, section.id)
    assert changed.body_html == "<p>Nieuw <strong>doel</strong> &lt;b&gt;x&lt;/b&gt;</p>"

    # The draft is not public; the team sees it at the public address too.
    assert english_client.get(f"/documenten/{document.id}/versies/1").status_code == 200
    english_client.post("/account/uitloggen", data={"csrf_token": csrf_token(english_client, "/")})
    assert english_client.get(f"/documenten/{document.id}/versies/1").status_code == 404


def test_a_renamed_png_is_refused_with_a_clear_message(english_client, session, official):
    document, _ = make_document(session, official, versions=0)
    log_in(english_client, official.email)
    page = f"{BASE}/{document.id}/versies/nieuw"
    response = english_client.post(
        f"{page}/word",
        data={
            "csrf_token": csrf_token(english_client, page),
            "word_file": (io.BytesIO(tiny_png()), "visie.docx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "This file is not a Word file (.docx)." in text_of(response)
    assert version_count(session, document.id) == 0


def test_markdown_with_raw_html_is_imported_as_text(english_client, session, official):
    document, _ = make_document(session, official, versions=0)
    log_in(english_client, official.email)
    response = submit_form(
        english_client,
        f"{BASE}/{document.id}/versies/nieuw",
        {"markdown_text": "# Kop\n\n<script>alert(1)</script> <img src=x onerror=alert(1)>"},
        action=f"{BASE}/{document.id}/versies/nieuw/markdown",
    )
    assert response.status_code == 302
    body = english_client.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_empty_markdown_form_keeps_the_page_with_an_error(english_client, session, official):
    document, _ = make_document(session, official, versions=0)
    log_in(english_client, official.email)
    response = submit_form(
        english_client,
        f"{BASE}/{document.id}/versies/nieuw",
        {"markdown_text": "  ", "markdown_change_note": "mijn notitie"},
        action=f"{BASE}/{document.id}/versies/nieuw/markdown",
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Paste Markdown text or choose a Markdown file." in page
    assert "mijn notitie" in response.get_data(as_text=True)


def test_a_locked_version_cannot_be_edited_through_the_pages(english_client, session, official):
    document, (version,) = make_document(session, official, locked=True)
    section = version.sections[0]
    log_in(english_client, official.email)
    base = f"{BASE}/{document.id}/versies/1"
    response = english_client.get(f"{base}/bewerken")
    assert response.status_code == 302
    assert "This version is locked" in text_of(english_client.get(response.location))
    token = csrf_token(english_client, base)
    for path, data in [
        (f"{base}/onderdelen/{section.id}", {"heading": "Anders", "level": "1", "body": "x"}),
        (f"{base}/onderdelen/nieuw", {"heading": "Nieuw", "level": "1", "body": "x"}),
        (f"{base}/onderdelen/{section.id}/verplaatsen", {"direction": "down"}),
        (f"{base}/onderdelen/{section.id}/verwijderen", {}),
    ]:
        response = english_client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 302, path
    session.expire_all()
    stored = session.scalars(select(Section).where(Section.version_id == version.id)).all()
    assert [(s.heading, s.position) for s in sorted(stored, key=lambda s: s.position)] == [
        ("Inleiding", 1),
        ("Doelen", 2),
    ]
    # The way out: a new version based on the locked one.
    page = english_client.get(base)
    assert "locked on" in text_of(page)
    response = submit_form(
        english_client, base, {"change_note": "Correctie"}, action=f"{base}/kopie"
    )
    assert response.status_code == 302
    assert version_count(session, document.id) == 2


def test_editor_move_and_remove_with_confirmation(english_client, session, official):
    document, (version,) = make_document(session, official)
    first, second = version.sections
    log_in(english_client, official.email)
    base = f"{BASE}/{document.id}/versies/1"
    response = submit_form(
        english_client, f"{base}/bewerken", {"direction": "down"},
        action=f"{base}/onderdelen/{first.id}/verplaatsen",
    )  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    assert [s.heading for s in session.get(DocumentVersion, version.id).sections] == [
        "Doelen",
        "Inleiding",
    ]
    confirm = english_client.get(f"{base}/onderdelen/{second.id}/verwijderen")
    assert "Remove “Doelen”?" in text_of(confirm)
    response = submit_form(english_client, f"{base}/onderdelen/{second.id}/verwijderen", {})
    assert response.status_code == 302
    session.expire_all()
    assert [s.heading for s in session.get(DocumentVersion, version.id).sections] == ["Inleiding"]


def test_post_without_csrf_token_is_refused(english_client, session, official):
    document, (version,) = make_document(session, official)
    log_in(english_client, official.email)
    response = english_client.post(
        f"{BASE}/{document.id}/versies/1/onderdelen/{version.sections[0].id}/verwijderen"
    )
    assert response.status_code == 400
    response = english_client.post(f"{BASE}/nieuw", data={"title": "x", "summary": "y"})
    assert response.status_code == 400
    assert version_count(session, document.id) == 1


def test_officials_of_another_region_cannot_see_or_change_anything(
    english_client, session, official, other_official
):
    document, (version,) = make_document(session, official)
    section = version.sections[0]
    log_in(english_client, other_official.email)
    for path in [
        BASE,
        f"{BASE}/nieuw",
        f"{BASE}/{document.id}",
        f"{BASE}/{document.id}/versies/nieuw",
        f"{BASE}/{document.id}/versies/1",
        f"{BASE}/{document.id}/versies/1/bewerken",
        f"{BASE}/{document.id}/versies/1/onderdelen/{section.id}",
    ]:
        assert english_client.get(path).status_code in (403, 404), path
    # JZ22's ids under JZ24's own address: not found.
    own = "/regios/JZ24/beheer/documenten"
    for path in [
        f"{own}/{document.id}",
        f"{own}/{document.id}/versies/1",
        f"{own}/{document.id}/versies/1/onderdelen/{section.id}",
    ]:
        assert english_client.get(path).status_code == 404, path
    token = csrf_token(english_client, f"{own}/nieuw")
    attempts = [
        (
            f"{BASE}/{document.id}/versies/1/onderdelen/{section.id}",
            {"heading": "Weg", "level": "1"},
        ),
        (
            f"{own}/{document.id}/versies/1/onderdelen/{section.id}",
            {"heading": "Weg", "level": "1"},
        ),
        (f"{BASE}/{document.id}/versies/1/onderdelen/{section.id}/verwijderen", {}),
        (f"{own}/{document.id}/versies/1/onderdelen/{section.id}/verwijderen", {}),
        (f"{BASE}/{document.id}/versies/1/kopie", {}),
        (f"{own}/{document.id}/versies/1/kopie", {}),
        (f"{BASE}/{document.id}/versies/nieuw/markdown", {"markdown_text": "# x"}),
    ]
    for path, data in attempts:
        response = english_client.post(path, data={**data, "csrf_token": token})
        assert response.status_code in (403, 404), path
    # A JZ24 document with a JZ22 section id in its address: not found either.
    _theirs, (their_version,) = make_document(session, official)
    own_document = services.create_document(
        session, other_official, factories.region(session, "JZ24"), "Haaglanden", "Kort"
    )
    services.create_version(
        session, other_official, own_document, [SectionDraft("A", "<p>a</p>")], VersionSource.EDITOR
    )
    session.flush()
    path = f"{own}/{own_document.id}/versies/1/onderdelen/{their_version.sections[0].id}"
    assert english_client.get(path).status_code == 404
    session.expire_all()
    assert session.get(Section, section.id).heading == "Inleiding"
    assert version_count(session, document.id) == 1


@pytest.mark.parametrize("role", ["moderator", "responder"])
def test_team_members_may_look_but_not_change(english_client, session, official, role):
    document, _ = make_document(session, official)
    person = factories.region_user(session, role, "JZ22")
    log_in(english_client, person.email)
    assert english_client.get(f"{BASE}/{document.id}").status_code == 200
    assert english_client.get(f"{BASE}/{document.id}/versies/1").status_code == 200
    assert english_client.get(f"{BASE}/{document.id}/versies/1/bewerken").status_code == 403
    assert english_client.get(f"{BASE}/nieuw").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(english_client, session, official):
    document, _ = make_document(session, official)
    response = english_client.get(f"{BASE}/{document.id}")
    assert response.status_code == 302
    assert "/account/inloggen" in response.location


def test_public_pages_only_for_locked_versions(english_client, session, official):
    document, (first, second) = make_document(session, official, versions=2)
    assert english_client.get(f"/documenten/{document.id}/versies/1").status_code == 404
    assert (
        english_client.get(f"/documenten/{document.id}/verschillen?van=1&naar=2").status_code == 404
    )
    services.lock_version(session, first)
    session.flush()
    response = english_client.get(f"/documenten/{document.id}/versies/1")
    assert response.status_code == 200
    assert f'id="{first.sections[0].anchor}"' in response.get_data(as_text=True)
    assert first.content_hash in text_of(response)
    # One of the two still a draft: the diff stays private.
    assert (
        english_client.get(f"/documenten/{document.id}/verschillen?van=1&naar=2").status_code == 404
    )
    assert english_client.get(f"/documenten/{document.id}/versies/2").status_code == 404
    services.lock_version(session, second)
    session.flush()
    response = english_client.get(f"/documenten/{document.id}/verschillen?van=1&naar=2")
    assert response.status_code == 200
    page = text_of(response)
    assert "1 section changed, 1 section unchanged" in page
    body = response.get_data(as_text=True)
    assert re.search(
        r"<del[^>]*><span class=\"consult-visually-hidden\">removed: </span>"
        r"<span lang=\"nl\">1</span></del>",
        body,
    )
    assert re.search(
        r"<ins[^>]*><span class=\"consult-visually-hidden\">added: </span>"
        r"<span lang=\"nl\">2</span></ins>",
        body,
    )
    assert "Changed" in page
    assert "Unchanged" in page
    assert english_client.get(f"/documenten/{document.id + 999}/versies/1").status_code == 404


def test_the_team_sees_the_diff_of_drafts(english_client, session, official):
    document, _ = make_document(session, official, versions=2)
    log_in(english_client, official.email)
    response = english_client.get(f"/documenten/{document.id}/verschillen?van=1&naar=2")
    assert response.status_code == 200
    assert "What changed between version 1 and version 2" in text_of(response)
