"""The reactienota's PDF: its text, contents and page numbers, its tags, and that nothing in
it (or in a comment) can make WeasyPrint fetch a URL or read a local file."""

from __future__ import annotations

import hashlib
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pypdf
from sqlalchemy import select, text

from consult import jobs
from consult.files import pdf
from consult.jobs import Job, JobState
from consult.ledger import signing
from consult.reports import rendering
from consult.reports import services as reactienota
from consult.reports.models import ReportFile
from tests import factories
from tests.conftest import free_port
from tests.responses import report_world


def _report(session):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    with factories.app_context(session):  # signs a checkpoint
        reactienota.publish(session, world.official, report)
    session.flush()
    return world, report


def _pages(data: bytes) -> list[str]:
    """The text of each page, with line breaks and runs of spaces as one space."""
    return [
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages
    ]


def test_the_pdf_has_a_cover_contents_page_numbers_and_tags(app, session):
    world, report = _report(session)
    with app.app_context():
        data = pdf.render_pdf(rendering.pdf_html(report))
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = _pages(data)
    total = len(pages)
    assert total >= 5
    assert world.consultation.title in pages[0]
    assert report.content_hash in pages[0]
    # The contents: every section, with the page it starts on (target-counter).
    contents = reader.pages[1].extract_text()
    for heading in ("Inleiding", "Wat we willen bereiken", "Hoe we samenwerken"):
        line = next(line for line in contents.splitlines() if heading in line)
        assert line.rstrip()[-1].isdigit(), line
    # Page numbers "n / total" in the footer of every page but the cover.
    for number, page in enumerate(pages[1:], start=2):
        assert f"{number} / {total}" in page
    everything = "\n".join(pages)
    assert report_world.PUBLIC_TEXT in everything
    assert report_world.CAMPAIGN_TEXT in everything
    # Tagged for accessibility (PDF/UA-1): structure tree, marked, language, title.
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert str(catalog["/Lang"]).startswith("nl")
    assert reader.metadata.title.startswith("Reactienota")


def test_markup_in_a_comment_is_printed_and_fetches_nothing(app, session):
    _world, report = _report(session)
    fetcher = pdf.refusing_fetcher()
    with app.app_context():
        data = pdf.render_pdf(rendering.pdf_html(report), fetcher=fetcher)
    assert fetcher.refused == []
    everything = " ".join(_pages(data))
    assert '<img src="file:///etc/passwd">' in everything
    assert "<script>alert(1)</script>" in everything


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *_args):
        pass


def test_the_fetcher_refuses_files_web_addresses_and_data_urls(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("GEHEIM")
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Counter.hits = []
    try:
        html = f"""<!doctype html><html lang="nl"><head><title>t</title>
          <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
          <style>@import url("http://127.0.0.1:{port}/import.css");
                 body {{ background: url("file://{secret}") }}</style></head>
          <body><p>Tekst</p><img src="file:///etc/passwd" alt="">
          <img src="data:image/svg+xml;base64,PHN2Zy8+" alt="">
          <object data="file://{secret}"></object>
          <iframe src="http://127.0.0.1:{port}/frame"></iframe></body></html>"""
        fetcher = pdf.refusing_fetcher()
        data = pdf.render_pdf(html, fetcher=fetcher)
    finally:
        server.shutdown()
        server.server_close()
    assert _Counter.hits == []
    refused = " ".join(fetcher.refused)
    assert f"http://127.0.0.1:{port}/style.css" in refused
    assert f"http://127.0.0.1:{port}/import.css" in refused
    assert "file:///etc/passwd" in refused
    assert f"file://{secret}" in refused
    assert "data:image/svg+xml" in refused
    assert "GEHEIM" not in " ".join(_pages(data))


def test_the_pdf_job_keeps_the_file_and_reports_its_progress(app, session):
    _world, report = _report(session)
    job = rendering.start_pdf(session, report)
    jobs.forget_planned(session)  # the test runs the work itself
    session.commit()
    jobs.start(app, job.id, rendering.PDF_WORK)  # inline in the tests
    session.expire_all()
    done = session.get(Job, job.id)
    assert done.state is JobState.DONE, done.error
    assert (done.done, done.total, done.step) == (5, 5, "save")
    files = {
        f.format: f
        for f in session.scalars(select(ReportFile).where(ReportFile.report_id == report.id))
    }
    assert set(files) == {"pdf", "html-nl", "html-en"}
    stored = files["pdf"]
    assert stored.content_type == "application/pdf"
    assert stored.data.startswith(b"%PDF-")
    assert stored.size == len(stored.data)
    assert stored.sha256 == hashlib.sha256(stored.data).hexdigest()


def test_a_pdf_of_content_that_was_replaced_meanwhile_is_thrown_away(app, session):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    job = rendering.start_pdf(session, report)
    jobs.forget_planned(session)  # the test runs the work itself
    session.flush()
    steps = []

    def progress(done, total, step=""):
        steps.append(step)
        if step == "write":
            # The official makes the edition again while the PDF is being written.
            session.execute(
                text("UPDATE response_reports SET content_hash = :h WHERE id = :id"),
                {"h": "0" * 64, "id": report.id},
            )

    with app.app_context():
        rendering.make_pdf(session, job, progress)
    assert steps[:2] == ["pages", "html"]
    assert "write" in steps
    assert steps[-1] == "save"
    assert session.scalars(select(ReportFile).where(ReportFile.report_id == report.id)).all() == []


def test_the_last_page_prints_the_fingerprint_of_the_record_key(app, session):
    """Out of band: the key's fingerprint in the PDF is the one on /bewijs/sleutel, so a
    reader can see that the key page was not swapped along with the key."""
    _world, report = _report(session)
    with app.app_context():
        data = pdf.render_pdf(rendering.pdf_html(report))
        key_page = app.test_client().get("/bewijs/sleutel").get_data(as_text=True)
        public = signing.public_bytes(signing.signing_key())
    fingerprint = signing.fingerprint(public)
    assert fingerprint.replace(" ", "") == hashlib.sha256(public).hexdigest()
    assert fingerprint in key_page
    pages = _pages(data)
    assert fingerprint in pages[-1]
    # (the address may break over two lines after a slash)
    unbroken = pages[-1].replace("/ ", "/")
    assert "Vergelijk hem met de vingerafdruk op http://consult.test/bewijs/sleutel" in unbroken
