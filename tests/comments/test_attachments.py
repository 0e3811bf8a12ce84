"""Attachments: checked by content, at most three of 10 MB, served only to who may see them."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from consult.comments.models import Attachment, Submission
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


def test_good_files_are_stored(client, session, outbox):
    consultation = factories.consultation(session)
    response = _submit_with(client, consultation, _files(("advies.pdf", PDF), ("foto.png", PNG)))
    assert response.status_code == 302
    stored = session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.content_type) for a in stored] == [
        ("advies.pdf", "application/pdf"),
        ("foto.png", "image/png"),
    ]
    assert stored[0].data == PDF
    assert "advies.pdf" in client.get(response.location).get_data(as_text=True)


def test_disguised_pdf_is_refused(client, session):
    consultation = factories.consultation(session)
    response = _submit_with(
        client, consultation, _files(("advies.pdf", b"<html><script>alert(1)</script></html>"))
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


def test_oversize_file_is_refused(client, session):
    consultation = factories.consultation(session)
    big = PDF + b"0" * (10 * 1024 * 1024)
    response = _submit_with(client, consultation, _files(("groot.pdf", big)))
    assert response.status_code == 422
    assert "larger than 10 MB" in response.get_data(as_text=True)
    assert _count(session) == 0


def test_far_too_large_request_gets_413(client, session):
    consultation = factories.consultation(session)
    huge = PDF + b"0" * (32 * 1024 * 1024)
    response = _submit_with(client, consultation, _files(("enorm.pdf", huge)))
    assert response.status_code == 413
    assert _count(session) == 0


def test_four_files_are_refused(client, session):
    consultation = factories.consultation(session)
    response = _submit_with(client, consultation, _files(*[(f"{n}.pdf", PDF) for n in range(4)]))
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
