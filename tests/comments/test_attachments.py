"""Attachments: checked by content, at most three of 10 MB, served only to who may see them."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from consult.comments.models import Submission
from consult.files import uploads
from consult.files.models import Attachment
from tests import factories
from tests.comments.conftest import open_form, post_form, valid_data
from tests.conftest import log_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _files(*items: tuple[str, bytes]):
    return [(io.BytesIO(data), name) for name, data in items]


def _submit_with(client, consultation, files, **changes):
    _page, tokens = open_form(client, consultation.slug)
    return post_form(client, consultation.slug, tokens, valid_data(attachments=files, **changes))


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Submission))


def test_good_files_are_stored(english_client, session, outbox):
    consultation = factories.consultation(session)
    response = _submit_with(
        english_client, consultation, _files(("advies.pdf", PDF), ("foto.png", PNG))
    )
    assert response.status_code == 302
    stored = session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.content_type) for a in stored] == [
        ("advies.pdf", "application/pdf"),
        ("foto.png", "image/png"),
    ]
    assert stored[0].data == PDF
    assert "advies.pdf" in english_client.get(response.location).get_data(as_text=True)


def test_disguised_pdf_is_refused(english_client, session):
    consultation = factories.consultation(session)
    response = _submit_with(
        english_client,
        consultation,
        _files(("advies.pdf", b"<html><script>alert(1)</script></html>")),
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "We cannot accept advies.pdf" in body
    assert "choose the files again" in body
    assert (
        'value="Zorg dat hulp dichtbij school is."' in body
        or "Zorg dat hulp dichtbij school is." in body
    )
    assert _count(session) == 0


def test_oversize_file_is_refused(english_client, session):
    consultation = factories.consultation(session)
    big = PDF + b"0" * (10 * 1024 * 1024)
    response = _submit_with(english_client, consultation, _files(("groot.pdf", big)))
    assert response.status_code == 422
    assert "larger than 10 MB" in response.get_data(as_text=True)
    assert _count(session) == 0


def test_far_too_large_request_gets_413(english_client, session):
    consultation = factories.consultation(session)
    huge = PDF + b"0" * (32 * 1024 * 1024)
    response = _submit_with(english_client, consultation, _files(("enorm.pdf", huge)))
    assert response.status_code == 413
    assert _count(session) == 0


def test_four_files_are_refused(english_client, session):
    consultation = factories.consultation(session)
    response = _submit_with(
        english_client, consultation, _files(*[(f"{n}.pdf", PDF) for n in range(4)])
    )
    assert response.status_code == 422
    assert "at most 3 files" in response.get_data(as_text=True)
    assert _count(session) == 0


def test_download_only_for_sender_with_account_and_region_team(app, session):
    consultation = factories.consultation(session)
    sender = factories.user(session, email="afzender@example.org")
    submission = factories.submission(session, consultation, user=sender)
    attachment = Attachment(
        submission=submission,
        filename="advies.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        data=PDF,
    )
    session.add(attachment)
    factories.user(session, email="vreemde@example.org")
    factories.region_user(session, "moderator", email="moderator@example.org")
    factories.region_user(session, "official", "JZ24", email="ander-regio@example.org")
    session.flush()
    path = f"/bijlagen/{attachment.id}"

    assert app.test_client().get(path).status_code == 404
    for email, expected in (
        ("vreemde@example.org", 404),
        ("ander-regio@example.org", 404),
        ("afzender@example.org", 200),
        ("moderator@example.org", 200),
    ):
        client = app.test_client()
        log_in(client, email)
        response = client.get(path)
        assert response.status_code == expected, email
        if expected == 200:
            assert response.data == PDF
            assert response.headers["Content-Disposition"].startswith("attachment")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.mimetype == "application/pdf"
    assert app.test_client().get("/bijlagen/999999").status_code == 404


# -- zip archives are judged by their directory, never unpacked --------------------------------


def _zip(entries: list[tuple[str, bytes | int, int]]) -> bytes:
    """A zip of (name, data or a number of zero bytes, compression) entries, in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, compression in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            with archive.open(info, "w", force_zip64=True) as entry:
                if isinstance(data, bytes):
                    entry.write(data)
                else:
                    chunk = b"\0" * (1024 * 1024)
                    for _ in range(data // len(chunk)):
                        entry.write(chunk)
    return buffer.getvalue()


def _nothing_is_unpacked(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("a zip entry was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def test_odt_and_docx_are_recognised(monkeypatch):
    odt = _zip(
        [
            ("mimetype", uploads.ODT.encode(), zipfile.ZIP_STORED),
            ("content.xml", b"<office:document-content/>" * 100, zipfile.ZIP_DEFLATED),
        ]
    )
    docx = _zip(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED),
            ("word/document.xml", b"<w:document/>" * 100, zipfile.ZIP_DEFLATED),
        ]
    )
    assert uploads.sniff(odt) == uploads.ODT
    _nothing_is_unpacked(monkeypatch)
    assert uploads.sniff(docx) == uploads.DOCX


def test_a_compressed_mimetype_bomb_is_refused_without_unpacking(monkeypatch):
    # The right mimetype followed by 50 MB of padding, squeezed into some 50 kB.
    padding = b" " * (50 * 1024 * 1024)
    bomb = _zip([("mimetype", uploads.ODT.encode() + padding, zipfile.ZIP_DEFLATED)])
    del padding
    assert len(bomb) < 1024 * 1024
    _nothing_is_unpacked(monkeypatch)
    assert uploads.sniff(bomb) is None


def test_a_compressed_mimetype_is_no_odt(monkeypatch):
    # OpenDocument stores its mimetype uncompressed; anything else is not what it says.
    odd = _zip([("mimetype", uploads.ODT.encode(), zipfile.ZIP_DEFLATED)])
    _nothing_is_unpacked(monkeypatch)
    assert uploads.sniff(odd) is None


def test_archives_that_unpack_huge_or_hold_too_many_entries_are_refused(monkeypatch):
    mimetype = ("mimetype", uploads.ODT.encode(), zipfile.ZIP_STORED)
    huge_odt = _zip([mimetype, ("content.xml", 101 * 1024 * 1024, zipfile.ZIP_DEFLATED)])
    huge_docx = _zip(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED),
            ("word/document.xml", 101 * 1024 * 1024, zipfile.ZIP_DEFLATED),
        ]
    )
    crowded = _zip(
        [mimetype] + [(f"e{n}", b"", zipfile.ZIP_STORED) for n in range(uploads.MAX_ZIP_ENTRIES)]
    )
    assert len(huge_odt) < uploads.MAX_FILE_SIZE
    assert len(crowded) < uploads.MAX_FILE_SIZE
    _nothing_is_unpacked(monkeypatch)
    assert uploads.sniff(huge_odt) is None
    assert uploads.sniff(huge_docx) is None
    assert uploads.sniff(crowded) is None


def test_reading_uploads_stops_just_past_the_limit():
    big = io.BytesIO(PDF + b"0" * (12 * 1024 * 1024))
    small = io.BytesIO(PDF)
    read = uploads.read_uploads(
        [
            FileStorage(stream=big, filename="groot.pdf"),
            FileStorage(stream=small, filename="klein.pdf"),
            FileStorage(stream=io.BytesIO(b""), filename=""),  # an empty file input
        ],
        max_files=3,
    )
    assert big.tell() == uploads.MAX_FILE_SIZE + 1
    assert [(r.reason, r.filename) for r in read.refused] == [("too_large", "groot.pdf")]
    assert [f.filename for f in read.files] == ["klein.pdf"]
    too_many = uploads.read_uploads(
        [FileStorage(stream=io.BytesIO(PDF), filename=f"{n}.pdf") for n in range(3)], max_files=2
    )
    assert [r.reason for r in too_many.refused] == ["too_many"]
    assert too_many.files == []


# -- downloads -----------------------------------------------------------------------------


def _assert_served_as_download(response, filename: str, content_type: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert filename in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_activity_and_submission_files_are_served_alike(app, session):
    from consult.consultations import activities
    from consult.consultations.models import ActivityKind

    consultation = factories.consultation(session)
    odt = _zip([("mimetype", uploads.ODT.encode(), zipfile.ZIP_STORED)])
    activity = activities.register_activity(
        session,
        None,
        consultation,
        activities.ActivityDetails(
            kind=ActivityKind.MEETING,
            held_on=date(2026, 1, 20),
            place="Wijkcentrum",
            summary="Ouders vertelden.",
            participants={(factories.stakeholder_group(session, "parent").id, None): 5},
            attachments=[uploads.check_upload("verslag.odt", odt)],
        ),
    )
    stored = session.scalar(select(Attachment).where(Attachment.activity_id == activity.id))
    assert stored.content_type == uploads.ODT
    response = app.test_client().get(
        f"/consultaties/{consultation.slug}/activiteiten/bijlagen/{stored.id}"
    )
    _assert_served_as_download(response, "verslag.odt", uploads.ODT)
    assert response.data == odt

    sender = factories.user(session, email="afzender@example.org")
    submission = factories.submission(session, consultation, user=sender)
    checked = uploads.check_upload("advies.odt", odt)
    attachment = Attachment(
        submission=submission,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        data=checked.data,
    )
    session.add(attachment)
    session.flush()
    client = app.test_client()
    log_in(client, "afzender@example.org")
    _assert_served_as_download(client.get(f"/bijlagen/{attachment.id}"), "advies.odt", uploads.ODT)
