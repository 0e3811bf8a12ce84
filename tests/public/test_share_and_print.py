"""Sharing a page, printing it, and the plan as a tagged PDF (issue 17, item 8)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix

from consult.documents import printing
from consult.documents import services as documents
from consult.documents.models import VersionPdf
from consult.jobs import Job
from tests import factories
from tests.conftest import make_client

FORGED = "forged-host.invalid"
STATIC = Path(__file__).resolve().parents[2] / "consult" / "static"
SECTIONS = [
    ("Inleiding", "<p>Waarom deze visie er is.</p>"),
    ("Wat we willen bereiken", '<p>Zie <a href="https://example.org/bron">de bron</a>.</p>'),
    ("Hoe we samenwerken", "<p>Gemeenten kopen samen in.</p>"),
]


@pytest.fixture
def consultation(session):
    version = factories.document_version(session, sections=SECTIONS)
    version.sections[1].level = 3  # "1.1" sits under "1" (level 2, the factory's) in the outline
    version.sections[1].number = "1.1"
    documents.lock_version(session, version)
    return factories.consultation(session, version)


@pytest.fixture
def behind_a_proxy(app, monkeypatch):
    """As in production: behind a proxy that passes X-Forwarded-Host, no SERVER_NAME."""
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))


def _share_field(body: str) -> str:
    found = re.search(r"<input[^>]*data-share-url[^>]*>", body)
    assert found, "no share field"
    value = re.search(r'value="([^"]+)"', found.group(0))
    assert value
    return value.group(1)


# -- share -----------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{"Host": FORGED}, {"X-Forwarded-Host": FORGED}])
def test_the_share_link_is_the_canonical_address_whatever_the_host(
    app, consultation, behind_a_proxy, headers
):
    client = make_client(app, "nl")
    slug = consultation.slug
    page = client.get(f"/consultaties/{slug}", headers=headers).get_data(as_text=True)
    assert _share_field(page) == f"http://consult.test/consultaties/{slug}"
    section = client.get(f"/consultaties/{slug}/onderdelen/s-2/reacties", headers=headers)
    body = section.get_data(as_text=True)
    assert _share_field(body) == f"http://consult.test/consultaties/{slug}/onderdelen/s-2/reacties"
    for text in (page, body):
        assert FORGED not in text
        # Without script: a labelled read-only field, an e-mail link, the plan as PDF.
        assert re.search(
            r'<label class="consult-share__label" for="deel-link-\w+">'
            r"Link naar deze pagina</label>",
            text,
        )
        assert "readonly" in re.search(r"<input[^>]*data-share-url[^>]*>", text).group(0)
        assert "mailto:?subject=" in text
        assert "Download het plan als PDF" in text
        # With script: the button (hidden until share.js shows it) and a status line.
        assert 'data-text-copied="Link gekopieerd"' in text
        assert 'role="status" data-share-status=' in text
        assert "/static/js/share.js" in text


def test_the_share_link_carries_no_channel_code(client, consultation):
    """A visitor who came by a poster shares the plain address, not the poster's code."""
    page = client.get(f"/consultaties/{consultation.slug}?via=school").get_data(as_text=True)
    assert _share_field(page).endswith(f"/consultaties/{consultation.slug}")


def test_the_script_has_a_share_sheet_and_a_spoken_copy_status():
    script = (STATIC / "js" / "share.js").read_text()
    assert "navigator.share" in script
    assert "navigator.clipboard.writeText" in script
    assert '"(pointer: coarse)"' in script
    assert "data-text-copied" in script


# -- print -----------------------------------------------------------------------------------


def _rules(css: str) -> dict[str, str]:
    """Selector list -> declarations, for the flat rules of a stylesheet."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return {
        " ".join(selectors.split()): body
        for selectors, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css)
    }


def test_the_print_stylesheet_hides_what_only_works_on_a_screen(client, consultation):
    page = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert re.search(r'<link rel="stylesheet" href="/static/print.css[^"]*" media="print">', page)
    rules = _rules((STATIC / "print.css").read_text())
    hidden = next(body for selectors, body in rules.items() if "display: none" in body)
    hiding = next(selectors for selectors, body in rules.items() if body is hidden)
    screen_only = (
        "form button .consult-header .consult-footer .consult-nav .utrecht-breadcrumb-nav "
        ".consult-follow .consult-search .consult-share .consult-section__bar "
        ".consult-comment__report"
    )
    for what in screen_only.split():
        assert what in [s.strip() for s in hiding.split(",")], what
    headings = rules["h1, h2, h3, h4, h5, h6"]
    assert "break-after: avoid" in headings
    link_rule = next(body for selectors, body in rules.items() if "::after" in selectors)
    assert "attr(href)" in link_rule
    assert "@page" in (STATIC / "print.css").read_text()


# -- the plan as a PDF -----------------------------------------------------------------------


def _outline(reader: pypdf.PdfReader) -> list:
    def walk(items):
        result = []
        for item in items:
            if isinstance(item, list):
                result[-1] = (result[-1], walk(item))
            else:
                result.append(item.title)
        return result

    return walk(reader.outline)


def test_the_plan_pdf_is_tagged_dutch_with_the_sections_as_outline(
    app, client, session, consultation
):
    version = consultation.version
    status = client.get(f"/documenten/{version.document_id}/versies/{version.number}/pdf")
    # The inline job runner of the tests made it within the request.
    assert status.status_code == 200
    assert "Download het plan als PDF" in status.get_data(as_text=True)

    response = client.get(f"/documenten/{version.document_id}/versies/{version.number}/plan.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"].strip('"') == printing.stored_pdf(session, version).sha256
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert str(catalog["/Lang"]) == "nl"
    assert reader.metadata.title == version.document.title
    # The outline is the sections' headings, 1.1 under 1, the cover's title not in it.
    assert _outline(reader) == [
        ("1 Inleiding", ["1.1 Wat we willen bereiken"]),
        "3 Hoe we samenwerken",
    ]
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Gemeenten kopen samen in." in text
    assert "de bron (https://example.org/bron)" in " ".join(text.split())
    assert f"http://consult.test/documenten/{version.document_id}/versies/{version.number}" in text

    # Kept: asked again, it is served from the database, no new job.
    jobs_before = session.scalar(select(func.count(Job.id)))
    again = client.get(f"/documenten/{version.document_id}/versies/{version.number}/plan.pdf",
                       headers={"If-None-Match": response.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304
    client.get(f"/documenten/{version.document_id}/versies/{version.number}/pdf")
    assert session.scalar(select(func.count(Job.id))) == jobs_before
    assert session.scalar(select(func.count(VersionPdf.id))) == 1


def test_the_link_leads_to_the_file_or_first_to_the_page_that_makes_it(client, consultation):
    version = consultation.version
    base = f"/documenten/{version.document_id}/versies/{version.number}"
    page = client.get(f"/consultaties/{consultation.slug}").get_data(as_text=True)
    assert f'href="{base}/plan.pdf">Download het plan als PDF</a>' in page
    missing = client.get(f"{base}/plan.pdf")
    assert missing.status_code == 303
    assert missing.location.endswith(f"{base}/pdf")
    made = client.get(missing.location).get_data(as_text=True)
    assert f'href="{base}/plan.pdf"' in made
    assert client.get(f"{base}/plan.pdf").mimetype == "application/pdf"


def test_a_draft_version_has_no_pdf(client, session):
    draft = factories.draft_consultation(session)
    version = draft.version
    for path in ("pdf", "plan.pdf"):
        assert (
            client.get(
                f"/documenten/{version.document_id}/versies/{version.number}/{path}"
            ).status_code
            == 404
        )
    assert session.scalar(select(func.count(Job.id)).where(Job.kind == printing.PDF_KIND)) == 0
