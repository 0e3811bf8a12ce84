"""Uploads are converted by a job in a limited process: a hostile file costs a bounded amount
of work and ends with a clear message, never a stuck request; the page shows the progress."""

from __future__ import annotations

import io
import random
import string
import zipfile

import pytest
from sqlalchemy import func, select

from consult import jobs
from consult.documents import imports
from consult.documents.models import DocumentImport, VersionSource
from tests.conftest import csrf_token, log_in
from tests.documents.conftest import make_docx
from tests.documents.test_views import BASE, make_document, version_count
from tests.regions.conftest import text_of


def rebuilt_docx(extra: dict[str, bytes] | None = None, paragraphs: int = 0) -> bytes:
    """The test Word file with extra zip members, or a body of many random paragraphs."""
    source = zipfile.ZipFile(io.BytesIO(make_docx(images=0)))
    out = io.BytesIO()
    rng = random.Random(7)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if paragraphs and info.filename == "word/document.xml":
                head = data.decode().partition("<w:body>")[0]
                body = "".join(
                    f"<w:p><w:r><w:t>{''.join(rng.choices(string.ascii_letters, k=24))}"
                    "</w:t></w:r></w:p>"
                    for _ in range(paragraphs)
                )
                data = f"{head}<w:body>{body}<w:sectPr/></w:body></w:document>".encode()
            archive.writestr(info, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def upload(client, document, data: bytes):
    page = f"{BASE}/{document.id}/versies/nieuw"
    return client.post(
        f"{page}/word",
        data={
            "csrf_token": csrf_token(client, page),
            "word_file": (io.BytesIO(data), "visie.docx"),
            "word_change_note": "mijn notitie",
        },
        content_type="multipart/form-data",
    )


def import_count(session) -> int:
    return session.scalar(select(func.count()).select_from(DocumentImport))


@pytest.mark.parametrize(
    ("members", "message"),
    [
        # 5 MB of one byte packs into a few kB: a zip bomb's ratio.
        ({"word/media/bomb.bin": b"\0" * (5 * 1024 * 1024)}, "unpacks into far more data"),
        ({f"customXml/extra{n}.xml": b"<a/>" for n in range(1001)}, "far more parts"),
    ],
    ids=["compression-ratio", "zip-entries"],
)
def test_a_zip_bomb_is_refused_in_the_request_before_it_is_unpacked(
    english_client, session, official, members, message
):
    document, _ = make_document(session, official, versions=0)
    log_in(english_client, official.email)
    before = import_count(session)
    response = upload(english_client, document, rebuilt_docx(members))
    assert response.status_code == 200
    page = text_of(response)
    assert message in page
    assert "mijn notitie" in response.get_data(as_text=True)  # what was typed stays
    assert import_count(session) == before  # nothing stored, no job
    assert version_count(session, document.id) == 0


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"IMPORT_CPU_SECONDS": 1}, "Reading this file took too long"),
        ({"IMPORT_MEMORY_MB": 80}, "Reading this file needed too much memory"),
    ],
    ids=["cpu", "memory"],
)
def test_a_file_that_is_too_heavy_to_convert_is_stopped_with_a_clear_message(
    app, english_client, session, official, monkeypatch, limits, message
):
    for name, value in limits.items():
        monkeypatch.setitem(app.config, name, value)
    document, _ = make_document(session, official, versions=0)
    log_in(english_client, official.email)
    # 20,000 paragraphs of random text: an honest zip (it packs about 3 times), but its
    # conversion needs several seconds of CPU and over 100 MB.
    response = upload(english_client, document, rebuilt_docx(paragraphs=20_000))
    assert response.status_code == 302
    progress = english_client.get(response.location)
    assert progress.status_code == 200
    page = text_of(progress)
    assert message in page
    assert "Choose another file" in page
    assert version_count(session, document.id) == 0
    session.expire_all()
    item = session.scalar(select(DocumentImport).order_by(DocumentImport.id.desc()))
    assert item.refusal in {"too_slow", "too_complex"}
    assert item.data == b""  # the file is not kept once it was handled


def test_a_good_upload_becomes_a_version_and_its_file_is_not_kept(
    english_client, session, official
):
    document, _ = make_document(session, official, versions=0)
    log_in(english_client, official.email)
    response = upload(english_client, document, make_docx(images=2))
    progress = english_client.get(response.location)
    assert progress.status_code == 302  # done already: on to the preview
    preview = text_of(english_client.get(progress.location))
    assert "2 images were left out." in preview  # the notice, in the uploader's language
    session.expire_all()
    item = session.scalar(select(DocumentImport).order_by(DocumentImport.id.desc()))
    assert item.version is not None
    assert item.version.change_note == "mijn notitie"
    assert item.data == b""
    # The page's own live update gets the finished part, not a redirect.
    fragment = english_client.get(response.location, headers={"X-Live-Refresh": "1"})
    assert fragment.status_code == 200
    assert "Version 1 has been made." in text_of(fragment)


def test_while_it_is_converted_the_page_shows_its_progress(english_client, session, official):
    document, _ = make_document(session, official, versions=0)
    # Queued but not started, as it is when a worker has not picked it up yet.
    item = imports.queue(session, official, document, VersionSource.MARKDOWN, b"# Kop\n\nTekst")
    jobs.forget_planned(session)
    session.flush()
    log_in(english_client, official.email)
    response = english_client.get(f"{BASE}/{document.id}/versies/nieuw/import/{item.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'data-live-refresh="2"' in body
    assert "<progress" in body
    assert "Reload now" in body


def test_an_import_is_seen_only_by_its_own_regions_team(
    english_client, session, official, other_official
):
    document, _ = make_document(session, official, versions=0)
    item = imports.queue(session, official, document, VersionSource.MARKDOWN, b"# Kop\n\nTekst")
    jobs.forget_planned(session)
    session.flush()
    other_document, _ = make_document(session, official, versions=0)
    log_in(english_client, other_official.email)
    own = f"{BASE}/{document.id}/versies/nieuw/import/{item.id}"
    assert english_client.get(own).status_code in (403, 404)
    # Nor through another document of the same region (the id must belong to the document).
    english_client.post("/account/uitloggen", data={"csrf_token": csrf_token(english_client, "/")})
    log_in(english_client, official.email)
    wrong = f"{BASE}/{other_document.id}/versies/nieuw/import/{item.id}"
    assert english_client.get(wrong).status_code == 404
