"""Typst markup made from our HTML (consult.files.typeset): no text becomes markup."""

from __future__ import annotations

import io
import re

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


def test_a_link_to_a_mark_in_another_volume_is_kept_as_its_text():
    body = '<section id="a"><h2 id="a-kop">Een</h2><p>x</p></section>' + "".join(
        f'<section id="s{i}"><h3 id="s{i}-kop">Deel {i}</h3><p><a href="#a">terug {i}</a></p>'
        "</section>"
        for i in range(30)
    )
    figures: dict = {}
    data = typeset.typeset_pdf(_html(body), volume_chars=600, figures=figures)
    assert figures["volumes"] > 2
    printed = _text(data)
    for i in range(30):
        assert f"terug {i}" in printed


def test_typst_itself_reads_no_file_of_the_machine():
    """Defence in depth: even Typst code (which no text can become) finds no file."""
    with pytest.raises(Exception, match="file not found"):
        typeset.compile_typst('#read("/etc/hostname")')
