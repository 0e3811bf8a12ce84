"""Word and Markdown into sections: headings, numbering, lists, tables, images, XSS."""

from __future__ import annotations

import io
import zipfile

import pytest

from consult.documents.importing import (
    ImportRefused,
    converts_losslessly,
    html_to_markdown,
    import_docx,
    import_markdown,
    markdown_to_html,
)
from tests.documents.conftest import make_docx, tiny_png

pytestmark = pytest.mark.usefixtures("request_context")


def test_a_word_file_becomes_numbered_sections():
    result = import_docx(make_docx(images=2))
    headings = [(s.number, s.heading, s.level) for s in result.sections]
    assert headings == [
        ("", "Inleiding", 1),
        ("1", "Waarom een regiovisie", 1),
        ("1.1", "Onze doelen", 2),
        ("1.1.1", "Wat ouders zeggen", 3),
        ("2", "Samenwerken", 1),
    ]
    intro, _why, goals, parents, together = result.sections
    assert intro.body_html == "<p>Dit is de tekst voor de eerste kop.</p>"
    assert "<ul><li>Jeugdhulp dichtbij huis</li><li>Minder wachttijd</li></ul>" in goals.body_html
    assert "<table>" in goals.body_html
    assert "<td><p>370.000</p></td>" in goals.body_html
    assert "<img" not in goals.body_html
    assert result.notices == ["2 images were left out."]
    assert together.body_html == "<p>De regio koopt samen in.</p>"
    assert parents.body_html == "<p>Ouders willen één vaste contactpersoon.</p>"


def test_word_script_text_stays_text_and_javascript_links_lose_their_address():
    why = import_docx(make_docx()).sections[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in why.body_html
    assert "<script" not in why.body_html
    assert "javascript:" not in why.body_html
    assert "klik hier" in why.body_html
    assert (
        '<a href="https://www.nji.nl/" rel="nofollow noopener">Nederlands Jeugdinstituut</a>'
        in why.body_html
    )


def test_one_image_is_counted_in_the_singular():
    assert import_docx(make_docx(images=1)).notices == ["1 image was left out."]
    assert import_docx(make_docx(images=0)).notices == []


@pytest.mark.parametrize(
    "data",
    [
        tiny_png(),
        b"PK\x03\x04 not really a zip",
        b"%PDF-1.7 a pdf",
        b"<html><script>alert(1)</script></html>",
    ],
    ids=["png", "broken-zip", "pdf", "html"],
)
def test_files_that_are_not_word_files_are_refused(data):
    with pytest.raises(ImportRefused) as refused:
        import_docx(data)
    assert refused.value.reason == "not_docx"


def test_a_plain_zip_renamed_to_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hallo")
    with pytest.raises(ImportRefused) as refused:
        import_docx(buffer.getvalue())
    assert refused.value.reason == "not_docx"


def test_an_empty_file_is_refused():
    with pytest.raises(ImportRefused) as refused:
        import_docx(b"")
    assert refused.value.reason == "empty"


MARKDOWN = """\
Voor de eerste kop <script>alert(1)</script>.

## Doelen

Tekst <img src=x onerror=alert(1)> en [een link](javascript:alert(1)) en [NJi](https://nji.nl).

- een
- twee

| Gemeente | Inwoners |
|---|---|
| Utrecht | 370.000 |

![foto](https://example.org/foto.png)

### Subdoel

Meer tekst.

## Aanpak
"""


def test_markdown_becomes_sections_with_raw_html_as_text():
    result = import_markdown(MARKDOWN)
    assert [(s.number, s.heading, s.level) for s in result.sections] == [
        ("", "Inleiding", 1),
        ("1", "Doelen", 1),
        ("1.1", "Subdoel", 2),
        ("2", "Aanpak", 1),
    ]
    intro, goals, _sub, approach = result.sections
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in intro.body_html
    assert "<script" not in intro.body_html
    assert "<img" not in goals.body_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in goals.body_html
    assert 'href="javascript' not in goals.body_html
    assert '<a href="https://nji.nl" rel="nofollow noopener">NJi</a>' in goals.body_html
    assert "<li>een</li>" in goals.body_html
    assert "<th>Gemeente</th>" in goals.body_html
    assert "<td>370.000</td>" in goals.body_html
    assert result.notices == ["1 image was left out."]
    assert approach.body_html == ""


def test_headings_with_their_own_numbers_keep_them():
    result = import_markdown("# 3 Inleiding\n\nx\n\n## 3.1. Doelen\n\ny\n\n## Bijlage\n\nz")
    assert [(s.number, s.heading) for s in result.sections] == [
        ("3", "Inleiding"),
        ("3.1", "Doelen"),
        ("", "Bijlage"),
    ]


def test_a_document_starting_at_heading_2_is_numbered_from_1():
    result = import_markdown("## Een\n\nx\n\n### Een a\n\ny\n\n## Twee\n")
    assert [s.number for s in result.sections] == ["1", "1.1", "2"]


def test_empty_markdown_is_refused():
    with pytest.raises(ImportRefused):
        import_markdown("   \n ")


@pytest.mark.parametrize(
    "html",
    [
        "<p>Een <strong>vet</strong> woord * en [haken] en 2. geen lijst</p>",
        "<ul><li>een</li><li>twee<ul><li>diep</li></ul></li></ul><ol><li>a</li></ol>",
        "<table><thead><tr><th>a</th><th>b</th></tr></thead>"
        "<tbody><tr><td>1</td><td>2 | 3</td></tr></tbody></table>",
        '<p><a href="https://a.nl/x_y" rel="nofollow noopener">site</a><br>regel</p>',
        "<blockquote><p>citaat</p></blockquote><h4>Kleine kop</h4><p>x &lt;b&gt;</p>",
    ],
)
def test_section_html_survives_the_editor_round_trip(html):
    assert converts_losslessly(html)
    assert markdown_to_html(html_to_markdown(html)).replace("\n", "") == html


def test_layout_markdown_cannot_hold_is_reported():
    assert not converts_losslessly("<table><tr><td>zonder kop</td></tr></table>")
