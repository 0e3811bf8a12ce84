"""The reactienota's PDF (Typst, in volumes): its text, contents and page numbers, its tags,
bookmarks, language and PDF/A claim, that a comment cannot become markup, and that
WeasyPrint (which still lays out other PDFs) fetches nothing."""

from __future__ import annotations

import hashlib
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pikepdf
import pypdf
from sqlalchemy import select, text

from consult import jobs
from consult.files import pdf, typeset
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
        data = rendering.pdf_bytes(report)
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = _pages(data)
    total = len(pages)
    assert total >= 5
    assert world.consultation.title in pages[0]
    assert report.content_hash in pages[0]
    # The contents: every section, with the page it starts on.
    contents = reader.pages[1].extract_text()
    for heading in ("Inleiding", "Wat we willen bereiken", "Hoe we samenwerken"):
        line = next(line for line in contents.splitlines() if heading in line)
        page = int(line.rstrip().rsplit(".", 1)[-1].strip())
        assert heading in pages[page - 1], (heading, page)
    # "pagina n van N" ends the footer of every page but the cover: N is the whole file's.
    assert "pagina" not in pages[0]
    for number, page in enumerate(pages[1:], start=2):
        assert page.endswith(f"pagina {number} van {total}"), (number, page[-60:])
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
    with app.app_context():
        data = rendering.pdf_bytes(report)
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
        data = rendering.pdf_bytes(report)
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


def _outline(reader: pypdf.PdfReader) -> list:
    """The bookmarks as (title, [children's titles]) pairs."""
    items: list = []
    for entry in reader.outline:
        if isinstance(entry, list):
            items[-1] = (
                items[-1][0],
                [child.title for child in entry if not isinstance(child, list)],
            )
        else:
            items.append((entry.title, []))
    return items


def _check_archival(data: bytes) -> pypdf.PdfReader:
    """Tagged, Dutch, titled, PDF/A-2a and PDF/UA-1 claimed in XMP, every font embedded."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"]
    assert str(catalog["/Lang"]) == "nl"
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>A</pdfaid:conformance>" in xmp
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert "/OutputIntents" in catalog
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for descendant in descendants:
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font
                fonts += 1
    assert fonts
    return reader


def _structure(reader: pypdf.PdfReader) -> tuple[list[str], set[int]]:
    """The headings (H1-H3) of the structure tree in order, and the pages it marks."""
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    headings: list[str] = []
    marked: set[int] = set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()]
    while stack:
        element = stack.pop()
        if not isinstance(element, dict) or "/S" not in element:
            continue
        if element["/S"] in ("/H1", "/H2", "/H3"):
            headings.append(element["/S"])
        if "/Pg" in element:
            marked.add(pages.get(element.raw_get("/Pg").idnum, -1))
        kids = element.get("/K")
        kids = kids if isinstance(kids, list) else [kids]
        stack.extend(reversed([k.get_object() for k in kids if k is not None]))
    return headings, marked


def _links(data: bytes) -> list[tuple[int, int, str]]:
    """Every link inside the file: (its page, the page it lands on, what it says it is),
    pages counted from 0; a link to a place that is no page of the file lands on -1."""
    links = []
    with pikepdf.open(io.BytesIO(data)) as opened:
        pages = {page.objgen: index for index, page in enumerate(opened.pages)}
        names = {}
        if "/Names" in opened.Root and "/Dests" in opened.Root.Names:
            tree = pikepdf.NameTree(opened.Root.Names.Dests)
            names = {str(name): dest for name, dest in tree.items()}
        for index, page in enumerate(opened.pages):
            for annotation in page.get("/Annots", []):
                if annotation.get("/Subtype") != pikepdf.Name.Link:
                    continue
                action = annotation.get("/A")
                if action is not None and action.get("/S") == pikepdf.Name.URI:
                    # Only addresses of the web: never one of our placeholders.
                    assert str(action.URI).startswith(("http://", "https://")), action.URI
                    continue
                dest = annotation.get("/Dest")
                if action is not None and action.get("/S") == pikepdf.Name.GoTo:
                    dest = action.D
                if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                    dest = names.get(str(dest).lstrip("/"))
                target = pages.get(dest[0].objgen, -1) if dest is not None else -1
                links.append((index, target, str(annotation.get("/Contents", ""))))
    return links


def test_the_pdf_is_archival_with_chapters_and_sections_as_bookmarks(app, session):
    _world, report = _report(session)
    with app.app_context():
        data = rendering.pdf_bytes(report)
    reader = _check_archival(data)
    outline = dict(_outline(reader))
    # The chapters, in Dutch, with the sections of the document under theirs.
    for chapter in (
        "Hoe de inspraak is verlopen",
        "Reacties en antwoorden per onderdeel",
        "Bijlage: alle reacties op code",
        "Over deze reactienota",
    ):
        assert chapter in outline, list(outline)
    sections = " ".join(outline["Reacties en antwoorden per onderdeel"])
    for heading in ("Inleiding", "Wat we willen bereiken", "Hoe we samenwerken"):
        assert heading in sections


def test_a_pdf_in_many_volumes_is_one_tagged_document(app, session):
    """Forced into small volumes, the joined file still has one structure tree over every
    page, headings in order, unique parent-tree keys, working bookmarks and links."""
    _world, report = _report(session)
    figures: dict = {}
    with app.app_context():
        html = rendering.pdf_html(report)
    data = typeset.typeset_pdf(html, volume_chars=4000, figures=figures)
    assert figures["volumes"] >= 4
    reader = _check_archival(data)
    assert len(reader.pages) == figures["pages"]
    headings, marked = _structure(reader)
    assert headings[0] == "/H1"
    assert headings[1] == "/H2"
    # Every page but blank ones has tagged content, and each belongs to the one tree.
    assert len(marked - {-1}) >= len(reader.pages) - 2
    assert -1 not in marked
    root = reader.trailer["/Root"]["/StructTreeRoot"]
    nums = root["/ParentTree"]["/Nums"]
    keys = [nums[i] for i in range(0, len(nums), 2)]
    assert len(keys) == len(set(keys)) == root["/ParentTreeNextKey"]
    for page in reader.pages:
        assert page["/StructParents"] in set(keys)
    # Every bookmark lands on a page, through a link target that exists.
    targets = set(reader.named_destinations)
    outline = _outline(reader)
    assert len(outline) >= 5
    for entry in reader.outline:
        if not isinstance(entry, list):
            assert reader.get_destination_page_number(entry) >= 0
    assert "rn-bijlage-kop" in targets
    assert "rn-over-kop" in targets
    # The contents page numbers point at the right pages across volumes.
    pages = _pages(data)
    contents = reader.pages[1].extract_text()
    line = next(line for line in contents.splitlines() if "Over deze reactienota" in line)
    page = int(line.rstrip().rsplit(".", 1)[-1].strip())
    assert pages[page - 1].startswith("Reactienota")
    assert "Over deze reactienota" in pages[page - 1]
    # The footers count the pages of the whole file, not of their volume.
    total = len(pages)
    assert pages[-1].endswith(f"pagina {total} van {total}")
    assert pages[2].endswith(f"pagina 3 van {total}")
    # Every link lands on a page of the file.
    links = _links(data)
    assert all(target >= 0 for _page, target, _says in links), links
    # Each entry of the contents is a link to the page its number says, where its
    # heading is (an entry in the first volume is Typst's own link, "pagina n").
    entries = [(target, says) for page, target, says in links if page == 1]
    assert len(entries) >= 8
    for target, says in entries:
        if says == f"pagina {target + 1}":  # Typst's own link, within the first volume
            continue
        assert says in pages[target], (target, says)
        line = next(line for line in contents.splitlines() if line.startswith(says))
        assert int(line.rstrip().rsplit(".", 1)[-1].strip()) == target + 1, (line, target)
    assert any(says == "Over deze reactienota" for _target, says in entries)
    # A line of the appendix links to the section that quotes its text, in another volume.
    appendix = next(
        i for i, text in enumerate(pages) if i > 1 and "Bijlage: alle reacties op code" in text
    )
    quoted = [(page, target, says) for page, target, says in links if page >= appendix]
    assert quoted
    for page, target, says in quoted:
        assert target < appendix, (page, target, says)
        assert says in pages[target], (page, target, says)
