"""Typst markup made from our HTML (consult.files.typeset): no text becomes markup."""

from __future__ import annotations

import io
import re

import pikepdf
import pypdf
import pytest

from consult.files import typeset

# Each would do something in Typst markup or code if it were not a string.
NASTY = [
    '#panic("boem")',
    '"; #panic("x"); "',
    '\\"; #panic(); //',
    "] #panic() [",
    "*vet* _schuin_ $x^2$ @ref <label> = Kop",
    '#import "/etc/passwd": *',
    '#read("/etc/passwd")',
    "```raw``` `code` \\u{41}",
    "/* comment */ // comment",
    '#image("/etc/hosts")',
]


def _text(data: bytes) -> str:
    return " ".join(
        " ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages
    )


def _html(body: str) -> str:
    return (
        '<!doctype html><html lang="nl"><head><title>Test</title></head><body>'
        f'<h1 id="t">Titel</h1>{body}</body></html>'
    )


@pytest.mark.parametrize("nasty", NASTY)
def test_a_text_is_a_typst_string_wherever_it_stands(nasty):
    from markupsafe import escape

    text = str(escape(nasty))
    body = (
        f'<h2 id="k">{text}</h2><p>{text} <strong>{text}</strong></p>'
        f"<blockquote><p>{text}</p></blockquote>"
        f'<ul class="consult-report__comments"><li>{text}</li></ul>'
        f"<table><caption>{text}</caption><tr><th>{text}</th><td>{text}</td></tr></table>"
        f'<p><a href="https://example.org/?q={text}">{text}</a> <a href="#k">{text}</a></p>'
    )
    source = typeset.html_to_typst(_html(body))
    markup = source.markup()
    # Outside string literals, the nasty text never appears.
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', markup)
    assert "panic" not in outside
    assert "passwd" not in outside
    assert "comment" not in outside
    data = typeset.compile_typst(markup)
    printed = _text(data)
    assert printed.count(" ".join(nasty.split())) >= 7, printed


def test_the_title_language_and_meta_come_from_the_html():
    html = (
        '<!doctype html><html lang="nl"><head><title>Reactienota: "x" #panic()</title>'
        '<meta name="author" content="Regio #1"><meta name="keywords" content="a, b">'
        "</head><body><h1>Titel</h1><p>Tekst</p></body></html>"
    )
    data = typeset.typeset_pdf(html)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == 'Reactienota: "x" #panic()'
    assert reader.metadata.author == "Regio #1"
    assert str(reader.trailer["/Root"]["/Lang"]) == "nl"


def _links(data: bytes) -> list[tuple[int, int]]:
    """(the page of each link inside the file, the page it lands on), counted from 0."""
    with pikepdf.open(io.BytesIO(data)) as opened:
        pages = {page.objgen: index for index, page in enumerate(opened.pages)}
        found = []
        for index, page in enumerate(opened.pages):
            for annotation in page.get("/Annots", []):
                assert "/A" not in annotation, annotation  # no address left of the join
                found.append((index, pages.get(annotation.Dest[0].objgen, -1)))
        return found


def test_a_link_to_a_mark_in_another_volume_lands_on_its_heading():
    body = (
        '<p><a href="#z">naar het eind</a></p>'
        '<section id="a"><h2 id="a-kop">Een</h2><p>x</p></section>'
        + "".join(
            f'<section id="s{i}"><h3 id="s{i}-kop">Deel {i}</h3>'
            f'<p><a href="#a">terug {i}</a> <a href="#nergens">nergens {i}</a></p></section>'
            for i in range(30)
        )
        + '<section id="z"><h2>Het eind</h2><p>z</p></section>'
    )
    figures: dict = {}
    data = typeset.typeset_pdf(_html(body), volume_chars=600, figures=figures)
    assert figures["volumes"] > 2
    printed = _text(data)
    for i in range(30):
        assert f"terug {i}" in printed
        assert f"nergens {i}" in printed  # no such mark: the text alone
    pages = [
        " ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages
    ]
    links = _links(data)
    # Back to "Een" from every section (most in other volumes), forward to "Het eind" once.
    assert len(links) == 31
    een = next(i for i, text in enumerate(pages) if "Een" in text)
    eind = next(i for i, text in enumerate(pages) if "Het eind" in text)
    assert (0, eind) in links
    assert sorted(target for _page, target in links)[:30] == [een] * 30
    assert len({page for page, _target in links}) > 3


def test_page_numbers_are_written_as_the_language_writes_them():
    assert typeset._page_of("pagina {page} van {pages}", 3, 2159, "nl") == "pagina 3 van 2.159"
    assert typeset._page_of("page {page} of {pages}", 1024, 2159, "en") == "page 1,024 of 2,159"
    assert typeset._page_of("{page} / {pages}", 3, 2159, "xx-onbekend") == "3 / 2159"


def test_every_page_but_the_cover_says_its_number_of_all():
    body = "".join(
        f'<section class="consult-report__chapter"><h2>Hoofdstuk {i}</h2><p>tekst</p></section>'
        for i in range(12)
    )
    html = _html(body).replace(
        "<title>", '<meta name="consult:page-of" content="pagina {page} van {pages}"><title>'
    )
    figures: dict = {}
    data = typeset.typeset_pdf(html, volume_chars=300, figures=figures)
    assert figures["volumes"] > 2
    pages = [
        " ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages
    ]
    total = len(pages)
    assert "pagina" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert text.endswith(f"pagina {number} van {total}"), text


def test_typst_itself_reads_no_file_of_the_machine():
    """Defence in depth: even Typst code (which no text can become) finds no file."""
    with pytest.raises(Exception, match="file not found"):
        typeset.compile_typst('#read("/etc/hostname")')
