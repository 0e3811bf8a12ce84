"""Laying out a long PDF with Typst: tagged, archival (PDF/A-2a and PDF/UA-1), fast.

WeasyPrint (:mod:`consult.files.pdf`) lays a reactienota of 20,000 comments out in about
450 s and 3.5 GB; Typst, a compiled typesetter, does it in a fraction of both. The
document is still written once, as HTML by our Jinja templates (so every sentence and its
translation has one home); this module turns that HTML into Typst markup and compiles it.

Safety: no text from the HTML ever becomes Typst markup. Every text node is written as a
Typst *string literal* (``#"..."``, with ``\\`` and ``"`` escaped, and ended with ``;`` so
nothing after it is read as a field access), and a string is shown as plain characters.
A comment that says ``#panic()``, ``*bold*``, ``]`` or ``"; #x`` is printed as exactly
that. Links become ``link("...")`` with the address as a string literal, and jump targets
become labels only when the id is a plain name. Typst reads no file and no package: its
input is one in-memory source, and the only fonts are DejaVu (``fonts-dejavu-core``) and
the ones shipped inside the ``typst`` package.

Only the HTML our report templates use is understood (headings, paragraphs, lists, tables
with a caption, quotes, description lists, links, inline SVG); an unknown element is laid
out as its text. The HTML's table of contents (``<nav>``) is replaced by a contents page
with page numbers, each entry a link; the PDF's bookmarks come from the headings
``h1``-``h3``.

A long document is laid out in volumes (:func:`typeset_pdf`), which are joined into one
file afterwards (:func:`join`). Two things only the whole file knows are added then:
"pagina 3 van 2.159" in each footer (the words from ``<meta name="consult:page-of">``,
drawn over the page once the page count is known), and links between volumes (Typst links
only within a document, so such a link is written as an address ``consult-jump:<label>``
and made a link to the heading's place when joining; a link to an element's id goes to
the heading directly after it, as only headings are places in the PDF's catalogue).
"""

from __future__ import annotations

import html as html_lib
import io
import json
import logging
import re
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The PDF standards the documents claim: archival (PDF/A-2, level a: tagged, Unicode) and
# accessible (PDF/UA-1). Typst checks both while it writes, and refuses what breaks them.
PDF_STANDARDS = ["a-2a", "ua-1"]
LATER_VOLUME_STANDARDS = ["a-2a"]
FONT_DIRECTORIES = ("/usr/share/fonts/truetype/dejavu",)
FONTS = ("DejaVu Sans", "Libertinus Serif")
MONO_FONTS = ("DejaVu Sans Mono",)

_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_\-.:]*$")
_ID = re.compile(r"""\sid\s*=\s*["']([^"']+)["']""")
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SPACE = re.compile(r"\s+")

# A volume is laid out in a process of its own: Typst keeps every page it laid out, and
# more, until its process ends (about 1.5 MB a page). About 700,000 characters of markup
# make some 150 pages, which keeps each such process near 300 MB.
VOLUME_CHARS = 700_000

# The page: A4, its margins; a call that the header and footer arguments complete.
PAGE = '#set page(paper: "a4", margin: (top: 22mm, right: 20mm, bottom: 24mm, left: 22mm),'
# The right end of the footer, left free for "page 2,159 of 2,159".
PAGE_NUMBER_ROOM = "42mm"
# A link to a heading in another volume, until :func:`join` makes it a link inside the file.
JUMP = "consult-jump:"

# Elements whose content is laid out as a block of its own.
_BLOCKS = {"p", "div", "section", "article", "dl", "dd", "figure", "main", "header", "footer"}
# Elements whose children are arguments of a Typst function call: text between them is
# only whitespace in our HTML and must not be written there.
_ARGUMENT_LISTS = {"ul", "ol", "appendix", "table", "thead", "tbody", "tfoot", "tr"}
_SKIPPED = {"head", "script", "style", "template", "nav"}


def literal(text: str) -> str:
    """``text`` as a Typst string literal in markup: shown as it is, never interpreted."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    escaped = escaped.replace("\x00", "\\u{0}")  # NUL marks our own placeholders
    return f'#"{escaped}";'


def _number(value: int, lang: str) -> str:
    """``value`` as the language writes it (Dutch "2.159"; plain digits if Babel does not
    know the language)."""
    from babel.core import UnknownLocaleError
    from babel.numbers import format_decimal

    try:
        return format_decimal(value, locale=lang or "nl")
    except (ValueError, UnknownLocaleError):
        return str(value)


def _page_of(pattern: str, page: int, pages: int, lang: str) -> str:
    """``pattern`` ("pagina {page} van {pages}") with the numbers as the language writes
    them ("pagina 3 van 2.159")."""
    return pattern.replace("{page}", _number(page, lang)).replace("{pages}", _number(pages, lang))


def _string(text: str) -> str:
    """``text`` as a Typst string literal in code (an argument)."""
    return literal(text)[1:-1]


@dataclass
class Heading:
    """A heading of the document: for the bookmarks and the table of contents."""

    level: int
    title: str
    label: str | None
    piece: int
    listed: bool = True  # in the table of contents (the bookmarks have every h1-h3)


@dataclass
class Piece:
    """Markup between two places where the document may be cut into volumes."""

    markup: str
    chapter: str  # the chapter (h2) the piece starts in, for the page footer
    labels: set[str] = field(default_factory=set)
    tables: int = 0


@dataclass
class TypstSource:
    """What :func:`html_to_typst` makes: the markup in pieces, and the document's facts."""

    pieces: list[Piece] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    title: str = ""
    lang: str = "nl"
    author: str = ""
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    contents_title: str = ""
    # "page {page} of {pages}" in the document's language (``<meta name="consult:page-of">``)
    page_of: str = "{page} / {pages}"
    # A mark (an element's id) that a heading directly follows: the heading's label. Only
    # headings are link targets in the PDF's catalogue, so a link across volumes goes there.
    aliases: dict[str, str] = field(default_factory=dict)

    def destinations(self) -> set[str]:
        """The labels Typst makes a named destination of: those of headings."""
        return {heading.label for heading in self.headings if heading.label}

    def preamble(self, *, first_page: int = 1, chapter: str = "") -> str:
        """Page, fonts and styles; ``first_page`` and ``chapter`` where a volume starts."""
        lang, _sep, region = self.lang.partition("-")
        keywords = ", ".join(_string(k) for k in self.keywords)
        document = [f"title: {_string(self.title)}"]
        if self.author:
            document.append(f"author: {_string(self.author)}")
        if self.description:
            document.append(f"description: {_string(self.description)}")
        if keywords:
            document.append(f"keywords: ({keywords},)")
        fonts = ", ".join(_string(f) for f in FONTS)
        mono = ", ".join(_string(f) for f in MONO_FONTS)
        region_arg = f", region: {_string(region)}" if region else ""
        grey = 'rgb("#4a5a6a")'
        return "\n".join(
            [
                f"#set document({', '.join(document)})",
                f"#set text(lang: {_string(lang)}{region_arg}, font: ({fonts},), size: 9.5pt,"
                ' fill: rgb("#1b2733"))',
                f"#show raw: set text(font: ({mono},), size: 8pt)",
                "#set par(leading: 0.55em, spacing: 0.9em)",
                '#show link: set text(fill: rgb("#005a8c"))',
                '#show heading: set text(fill: rgb("#0b2540"))',
                "#show heading.where(level: 1): set text(size: 24pt)",
                "#show heading.where(level: 2): set text(size: 16pt)",
                "#show heading.where(level: 3): set text(size: 12.5pt)",
                "#show heading.where(level: 4): set text(size: 10.5pt)",
                "#show heading: set block(above: 1.6em, below: 0.8em)",
                '#show quote.where(block: true): it => block(stroke: (left: 2pt + rgb("#9fb3c8")),'
                " inset: (left: 3mm, y: 1mm), it.body)",
                '#set table(stroke: 0.4pt + rgb("#9fb3c8"), inset: 1.2mm, align: left)',
                "#set figure(gap: 1.5mm, numbering: none)",
                "#show figure.caption: set text(weight: 700)",
                f"#let chapter-before = {_string(chapter)}",
                # An entry of the contents is a link to its heading (``target``: a label in
                # this volume, or an address :func:`join` makes a link into another one).
                "#let toc-entry(level, title, page, target) = block(spacing: 0.5em,"
                ' link(target, text(fill: rgb("#1b2733"), {',
                "  h(if level > 2 { 6mm } else { 0mm })",
                "  text(weight: if level > 2 { 400 } else { 700 }, title)",
                "  box(width: 1fr, repeat(gap: 1.5pt)[.])",
                "  box(width: 12mm, align(right, page)) })))",
                PAGE,
                "  header: context { if counter(page).get().first() > 1 {"
                f" align(right, text(size: 8pt, fill: {grey}, {_string(self.title)})) }} }},",
                # The page number ("page 3 of 2,159") is laid over the footer's right end
                # when the volumes are joined (see :func:`page_numbers`): only then is the
                # number of pages known.
                "  footer: context { if counter(page).get().first() > 1 {",
                "    let chapters = query(heading.where(level: 2).before(here()))",
                f"    set text(size: 8pt, fill: {grey})",
                f"    block(width: 100% - {PAGE_NUMBER_ROOM}, if chapters.len() > 0"
                " { chapters.last().body } else { chapter-before }) } })",
                f"#counter(page).update({first_page})" if first_page != 1 else "",
            ]
        )

    def markup(self) -> str:
        """The whole document as one Typst source (small documents, tests)."""
        return typst_volume(self, list(range(len(self.pieces))), first_page=1, toc={})

    def page_number_markup(self, pages: int) -> str:
        """A document of ``pages`` empty pages whose footers say "page n of N" (in the
        document's language), in the place the volumes' footers leave for it."""
        lang = self.lang.partition("-")[0] or "nl"
        texts = ", ".join(
            _string(_page_of(self.page_of, number, pages, lang)) for number in range(1, pages + 1)
        )
        fonts = ", ".join(_string(f) for f in FONTS)
        return "\n".join(
            [
                f"#set text(lang: {_string(lang)}, font: ({fonts},), size: 8pt,"
                ' fill: rgb("#4a5a6a"))',
                f"#let numbers = ({texts},)",
                PAGE,
                "  footer: context { let n = counter(page).get().first()",
                "    if n > 1 { align(right, numbers.at(n - 1)) } })",
                f"#for n in range({pages}) {{ if n > 0 {{ pagebreak() }} }}",
            ]
        )


class _Converter(HTMLParser):
    """Streams our report HTML into Typst markup (see the module's docstring)."""

    def __init__(self, targets: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.targets = targets  # ids a link may jump to (present once, plain names)
        self.labelled: set[str] = set()
        self.out: list[str] = []
        self.stack: list[tuple[str, str]] = []  # (tag, what to write when it closes)
        self.skip = 0  # depth inside an element whose content is not laid out
        self.source = TypstSource()
        self.chapter = ""  # the title of the last chapter (h2) so far
        self.piece_chapter = ""
        self.piece_labels: set[str] = set()
        self.piece_tables = 0
        self.heading_text: list[str] | None = None
        self.appendix_items = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.svg: list[str] | None = None
        self.svg_depth = 0
        self.svg_alt: list[str] = []
        self.svg_in_title = False
        self.tables: list[dict[str, Any]] = []  # open tables: rows of cells, the caption
        self.buffers: list[list[str]] = []  # where a table cell or caption is written
        self.contents_title_next = False
        self.marks: list[str] = []  # marks made since the last text, image or heading

    # output ------------------------------------------------------------------------------------
    def write(self, text: str) -> None:
        (self.buffers[-1] if self.buffers else self.out).append(text)

    def anchor(self, attrs: dict[str, str | None]) -> str:
        """A label for an element with an id a link may jump to (once per id)."""
        ident = attrs.get("id")
        if ident and ident in self.targets and ident not in self.labelled:
            self.labelled.add(ident)
            self.piece_labels.add(ident)
            return f" <{ident}>"
        return ""

    def cut(self) -> None:
        """Mark a place where a volume may end: only between blocks, nothing open."""
        if self.buffers or any(closing.strip() for _tag, closing in self.stack):
            return
        self.flush_piece()

    def flush_piece(self) -> None:
        markup = "".join(self.out)
        if markup.strip():
            self.source.pieces.append(
                Piece(markup, self.piece_chapter, self.piece_labels, self.piece_tables)
            )
            self.out = []
            self.piece_labels = set()
            self.piece_tables = 0
            self.piece_chapter = self.chapter

    # parser events -----------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        if self.svg is not None:
            self.svg.append(self.get_starttag_text() or "")
            self.svg_depth += 1
            if tag == "title" and not self.svg_alt:
                self.svg_in_title = True
            return
        attrs = dict(attrs_list)
        classes = set((attrs.get("class") or "").split())
        if tag == "html":
            self.source.lang = attrs.get("lang") or self.source.lang
            return
        if tag == "meta":
            self._meta(attrs)
            return
        if tag == "title" and not self.stack:
            self.in_title = True
            return
        if self.skip or tag in _SKIPPED or "consult-visually-hidden" in classes:
            if tag == "nav":
                self.contents_title_next = True
            if tag not in _VOID:
                self.skip += 1
            return
        if tag == "svg":
            self.svg = [self.get_starttag_text() or ""]
            self.svg_depth = 1
            self.svg_alt = []
            return
        self._open(tag, attrs, classes)

    def handle_startendtag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        if self.svg is not None:
            self.svg.append(self.get_starttag_text() or "")
            return
        self.handle_starttag(tag, attrs_list)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.svg is not None:
            self.svg.append(f"</{tag}>")
            self.svg_in_title = False
            self.svg_depth -= 1
            if self.svg_depth == 0:
                self._image("".join(self.svg), " ".join(self.svg_alt))
                self.svg = None
            return
        if tag == "title" and self.in_title:
            self.in_title = False
            self.source.title = _SPACE.sub(" ", "".join(self.title_parts)).strip()
            return
        if self.skip:
            if tag not in _VOID:
                self.skip -= 1
                if tag == "nav" and self.skip == 0:
                    self.write(f"\n{TOC}\n#pagebreak(weak: true)\n")
            return
        if tag in _VOID:
            return
        # Close up to the matching element (our HTML is well formed; be lenient anyway).
        while self.stack:
            open_tag, closing = self.stack.pop()
            self._close(open_tag, closing)
            if open_tag == tag or (open_tag == "appendix" and tag == "ol"):
                break

    def handle_data(self, data: str) -> None:
        if self.svg is not None:
            if self.svg_in_title:
                self.svg_alt.append(data)
            self.svg.append(html_lib.escape(data, quote=False))
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.skip:
            if self.contents_title_next and data.strip():
                self.source.contents_title = data.strip()
                self.contents_title_next = False
            return
        if self.stack and self.stack[-1][0] in _ARGUMENT_LISTS:
            return  # whitespace between list items or table cells
        if self.stack and self.stack[-1][0] == "pre":
            self.write(literal(data))
            return
        text = _SPACE.sub(" ", data)
        if self.heading_text is not None:
            self.heading_text.append(text)
        if not text.strip():
            if text:
                self.write(" ")
            return
        core = text.strip(" ")
        if self.heading_text is None:
            self.marks = []
        self.write(
            (" " if text[0] == " " else "") + literal(core) + (" " if text[-1] == " " else "")
        )

    # elements ----------------------------------------------------------------------------------
    def _meta(self, attrs: dict[str, str | None]) -> None:
        name, content = attrs.get("name"), attrs.get("content") or ""
        if name == "author":
            self.source.author = content
        elif name == "description":
            self.source.description = content
        elif name == "consult:page-of" and "{page}" in content:
            self.source.page_of = content
        elif name == "keywords":
            self.source.keywords = [k.strip() for k in content.split(",") if k.strip()]

    def _open(self, tag: str, attrs: dict[str, str | None], classes: set[str]) -> None:
        if tag in {"section", "article"}:
            self.cut()
        in_arguments = bool(self.stack) and self.stack[-1][0] in _ARGUMENT_LISTS
        label = "" if in_arguments else self.anchor(attrs)
        closing = "\n"
        if tag == "section" and "consult-report__chapter" in classes:
            self.write("\n#pagebreak(weak: true)\n")
        if label and tag not in _HEADINGS:
            # Something to jump to: an invisible, locatable mark where the element starts.
            self.write(f"\n#metadata(none){label}\n")
            self.marks.append(label.strip(" <>"))
            label = ""
        if tag in _HEADINGS:
            level = int(tag[1])
            # Bookmarks and the outline: chapters (h2) and sections (h3); the title (h1) is
            # on the cover; answers (h4) would make the outline a second appendix.
            outlined = "true" if level in (2, 3) else "false"
            # The bookmarks are made when the volumes are joined (see :func:`join`).
            self.write(f"\n#heading(level: {level}, outlined: {outlined}, bookmarked: false)[")
            listed = bool(label)  # in the contents: the headings the HTML links to
            if not label and level <= 3:
                # A bookmark needs a target: a heading without an id gets a label of ours.
                label = f" <consult-typst-h{len(self.source.headings)}>"
                self.piece_labels.add(label.strip(" <>"))
            closing = f"]{label}\n"
            for mark in self.marks:  # marks with nothing between them and this heading
                if label:
                    self.source.aliases[mark] = label.strip(" <>")
            self.marks = []
            self.source.headings.append(
                Heading(level, "", label.strip(" <>") or None, len(self.source.pieces), listed)
            )
            self.heading_text = []
            label = ""
        elif tag in {"ul", "ol"}:
            bare = {"consult-report__comments", "consult-report__appendix-list"} & classes
            function = "enum" if tag == "ol" and not bare else "list"
            options = BARE_LIST if bare else ""
            if "consult-report__appendix-list" in classes:
                options = APPENDIX_OPTIONS
                self.write(APPENDIX_OPEN)
                closing = ")]\n"
                tag = "appendix"
            else:
                closing = ")\n"
            self.write(f"\n#{function}({options}")
        elif tag == "li":
            self.write("[")
            closing = "],"
        elif tag == "blockquote":
            self.write("\n#quote(block: true)[")
            closing = "]\n"
        elif tag in {"strong", "b", "dt"}:
            self.write("#strong[")
            closing = "]: " if tag == "dt" else "]"
        elif tag in {"em", "i"}:
            self.write("#emph[")
            closing = "]"
        elif tag == "code":
            self.write(f"#text(font: ({', '.join(_string(f) for f in MONO_FONTS)},), size: 8pt)[")
            closing = "]"
        elif tag == "a":
            closing = self._link(attrs)
        elif tag == "br":
            self.write("#linebreak();")
            return
        elif tag == "table":
            self.piece_tables += 1
            self.tables.append({"rows": [], "caption": None, "part": "body"})
            return self.stack.append((tag, ""))
        elif tag in {"thead", "tbody", "tfoot"} and self.tables:
            self.tables[-1]["part"] = {"thead": "header", "tfoot": "footer"}.get(tag, "body")
            return self.stack.append((tag, ""))
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append((self.tables[-1]["part"], []))
            return self.stack.append((tag, ""))
        elif tag in {"td", "th", "caption"} and self.tables:
            self.buffers.append([])
            right = "consult-report__number" in classes
            return self.stack.append((tag, "right" if right else ""))
        elif tag in _BLOCKS:
            self.write("\n\n")
            closing = "\n\n"
            if "consult-report__cover" in classes:
                closing = "\n\n#pagebreak(weak: true)\n"  # the contents start a new page
        else:
            closing = ""
        self.stack.append((tag, closing))

    def _link(self, attrs: dict[str, str | None]) -> str:
        href = (attrs.get("href") or "").strip()
        if href.startswith("#"):
            target = href[1:]
            if target in self.targets:  # a mark made before or after this link
                # Made a link (or left as its text) by :func:`typst_volume`, which knows
                # which marks were made and in which volume each is.
                self.write(f"\x00L{target}\x00")
                return f"\x00/L{target}\x00"
            return ""
        if href.startswith(("http://", "https://", "mailto:")):
            self.write(f"#link({_string(href)})[")
            return "]"
        return ""

    def _close(self, tag: str, closing: str) -> None:
        if tag in {"td", "th", "caption"} and self.tables and self.buffers:
            body = "".join(self.buffers.pop()).strip()
            table = self.tables[-1]
            if tag == "caption":
                table["caption"] = body
                return
            cell = f"[#strong[{body}]]" if tag == "th" else f"[{body}]"
            if closing == "right":
                cell = f"table.cell(align: right){cell}"
            if table["rows"]:
                table["rows"][-1][1].append(cell)
            return
        if tag == "table" and self.tables:
            self._table(self.tables.pop())
            return
        if tag in _HEADINGS and self.heading_text is not None:
            title = _SPACE.sub(" ", "".join(self.heading_text)).strip()
            self.source.headings[-1].title = title
            if tag == "h2":
                self.chapter = title
            self.heading_text = None
        self.write(closing)
        if tag == "li" and self.stack and self.stack[-1][0] == "appendix":
            self.appendix_items += 1
            if self.appendix_items % APPENDIX_LINES_PER_PIECE == 0:
                # Close the list, mark a place to cut, and go on in a new list.
                appendix, closing_list = self.stack.pop()
                self.write(closing_list)
                self.cut()
                self.write(APPENDIX_OPEN + "#list(" + APPENDIX_OPTIONS)
                self.stack.append((appendix, closing_list))

    def _table(self, table: dict[str, Any]) -> None:
        rows = table["rows"]
        columns = max((len(cells) for _part, cells in rows), default=1) or 1
        parts: dict[str, list[str]] = {"header": [], "body": [], "footer": []}
        for part, cells in rows:
            parts[part].extend(cells + ["[]"] * (columns - len(cells)))
        # The first column (the row's name) takes the room the figures leave.
        arguments = [f"columns: (1fr,{' auto,' * (columns - 1)})"]
        if parts["header"]:
            arguments.append(f"table.header({', '.join(parts['header'])})")
        arguments.extend(parts["body"])
        if parts["footer"]:
            arguments.append(f"table.footer(repeat: false, {', '.join(parts['footer'])})")
        grid = f"table({', '.join(arguments)})"
        if table["caption"] is not None:
            self.write(
                "\n#figure(kind: table, caption: figure.caption(position: top)"
                f"[{table['caption']}], {grid})\n"
            )
        else:
            self.write(f"\n#{grid}\n")

    def _image(self, svg: str, alt: str) -> None:
        alt = _SPACE.sub(" ", alt).strip()
        self.marks = []
        self.write(
            f'\n#image(bytes({_string(svg)}), format: "svg", alt: {_string(alt)}, width: 100%)\n'
        )


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "meta", "link", "img", "hr", "input", "wbr", "col", "source"}
TOC = "\x00TOC\x00"
BARE_LIST = "marker: [], indent: 0pt, body-indent: 0pt, "
APPENDIX_OPTIONS = BARE_LIST + "spacing: 0.45em, "
APPENDIX_OPEN = "\n#[#set text(size: 7.5pt)\n"
APPENDIX_LINES_PER_PIECE = 400
_LINK = re.compile("\x00(/?)L([^\x00]*)\x00")


def html_to_typst(html: str) -> TypstSource:
    """Our report HTML as a Typst document in pieces (see the module's docstring)."""
    seen: dict[str, int] = {}
    for ident in _ID.findall(_SVG.sub("", html)):
        seen[ident] = seen.get(ident, 0) + 1
    targets = {i for i, n in seen.items() if n == 1 and _LABEL.match(i)}
    converter = _Converter(targets)
    converter.feed(html)
    converter.close()
    while converter.stack:
        tag, closing = converter.stack.pop()
        converter._close(tag, closing)
    converter.flush_piece()
    if not converter.source.contents_title:
        converter.source.contents_title = converter.source.title
    return converter.source


def typst_volume(
    source: TypstSource, pieces: list[int], *, first_page: int, toc: dict[str, str]
) -> str:
    """The Typst source of one volume: the pieces ``pieces``, numbered from ``first_page``.

    A link to a mark in this volume is a Typst link; one to a mark in another volume goes
    to the heading at that mark, through an address :func:`join` turns into a link inside
    the joined file (Typst links only within a document); a link to a mark that is neither
    is left as its text. ``toc`` gives the page number of each heading's label for the
    contents.
    """
    here = set().union(*(source.pieces[i].labels for i in pieces))
    elsewhere = source.destinations()

    def link(match: re.Match[str]) -> str:
        closing, target = match.group(1), match.group(2)
        destination = _destination(source, target, here, elsewhere)
        if destination is None:
            return ""
        return "]" if closing else f"#link({destination})["

    chapter = source.pieces[pieces[0]].chapter if pieces else ""
    parts = [source.preamble(first_page=first_page, chapter=chapter)]
    for index in pieces:
        markup = _LINK.sub(link, source.pieces[index].markup)
        if TOC in markup:
            markup = markup.replace(TOC, contents(source, toc, here, elsewhere))
        parts.append(markup)
    return "\n".join(parts)


def _destination(
    source: TypstSource, target: str, here: set[str], elsewhere: set[str]
) -> str | None:
    """Where a link to the mark ``target`` goes, as a Typst destination (or None)."""
    if target in here:
        return f"<{target}>"
    heading = target if target in elsewhere else source.aliases.get(target)
    if heading is None or heading not in elsewhere:
        return None
    return _string(JUMP + heading)


def contents(
    source: TypstSource, pages: dict[str, str], here: set[str], elsewhere: set[str]
) -> str:
    """The table of contents: chapters and sections with their page numbers, each a link
    to its heading."""
    lines = [
        "#heading(level: 2, outlined: false, bookmarked: false)"
        + f"[{literal(source.contents_title)}]"
    ]
    for heading in source.headings:
        if heading.level in (2, 3) and heading.label and heading.listed:
            page = pages.get(heading.label, "")
            target = _destination(source, heading.label, here, elsewhere)
            lines.append(
                f"#toc-entry({heading.level}, {_string(heading.title)}, {_string(page)}, {target})"
            )
    return "\n".join(lines)


def font_paths() -> list[str]:
    return [d for d in FONT_DIRECTORIES if Path(d).is_dir()]


def compile_typst(
    markup: str, *, timestamp: datetime | None = None, standards: list[str] | None = None
) -> bytes:
    """Compile one Typst source to a tagged PDF/A-2a and PDF/UA-1 file, in this process."""
    import typst

    options: dict[str, Any] = {}
    if timestamp is not None:
        options["timestamp"] = timestamp.replace(microsecond=0)  # Typst takes whole seconds
    # Defence in depth: Typst may read files only under its root; give it an empty one.
    with tempfile.TemporaryDirectory(prefix="consult-typst-") as root:
        pdf = typst.compile(
            markup.encode("utf-8"),
            root=root,
            font_paths=font_paths(),
            ignore_system_fonts=True,
            pdf_standards=PDF_STANDARDS if standards is None else standards,
            **options,
        )
    assert isinstance(pdf, bytes)
    return pdf


# -- volumes: laid out one by one, each in a process of its own, then joined ----------------------


def plan_volumes(source: TypstSource, budget: int = VOLUME_CHARS) -> list[list[int]]:
    """The pieces of each volume, in order, each volume at most ``budget`` characters."""
    volumes: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index, piece in enumerate(source.pieces):
        if current and size + len(piece.markup) > budget:
            volumes.append(current)
            current, size = [], 0
        current.append(index)
        size += len(piece.markup)
    if current:
        volumes.append(current)
    return volumes


def compile_in_child(
    markup: str, *, timestamp: datetime | None = None, standards: list[str] | None = None
) -> tuple[bytes, float]:
    """Compile ``markup`` in a new process; the PDF and that process's peak memory (MB).

    Typst frees what it laid out only when its process ends, so a long-running worker
    that compiled in its own process would keep growing.
    """
    return _in_child(
        {
            "markup": markup,
            "timestamp": timestamp.isoformat() if timestamp else None,
            "standards": standards,
        }
    )


def join_in_child(
    volumes: list[Path], source: TypstSource, plan: list[list[int]], page_numbers: Path
) -> tuple[bytes, float]:
    """:func:`join` in a new process; the PDF and that process's peak memory (MB).

    Joining holds every object of the file at once (some 200 MB at 2,000 pages), and a
    worker's memory, once grown, is seldom given back.
    """
    return _in_child(
        {
            "join": [str(volume) for volume in volumes],
            "plan": plan,
            "tables": [piece.tables for piece in source.pieces],
            "headings": [[h.level, h.title, h.label, h.piece, h.listed] for h in source.headings],
            "page_numbers": str(page_numbers),
            "folder": str(page_numbers.parent),
        }
    )


def _in_child(request: dict[str, Any]) -> tuple[bytes, float]:
    done = subprocess.run(
        [sys.executable, "-m", "consult.files.typeset"],
        input=json.dumps(request).encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Typst failed: {done.stderr.decode('utf-8', 'replace')[-2000:]}")
    peak = 0.0
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("peak_mb="):
            peak = float(line.partition("=")[2])
    return done.stdout, peak


def _child() -> None:
    """``python -m consult.files.typeset``: a request on stdin (JSON), a PDF on stdout:
    a Typst source to compile, or volumes to join."""
    request = json.loads(sys.stdin.buffer.read())
    if "join" in request:
        source = TypstSource(
            pieces=[Piece("", "", tables=tables) for tables in request["tables"]],
            headings=[Heading(*heading) for heading in request["headings"]],
        )
        pdf = join(
            [Path(volume) for volume in request["join"]],
            source,
            request["plan"],
            page_numbers=Path(request["page_numbers"]),
            folder=Path(request["folder"]),
        )
    else:
        moment = request.get("timestamp")
        pdf = compile_typst(
            request["markup"],
            timestamp=datetime.fromisoformat(moment) if moment else None,
            standards=request.get("standards"),
        )
    sys.stdout.buffer.write(pdf)
    sys.stdout.flush()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stderr.write(f"peak_mb={peak:.1f}\n")


def _destinations(pdf: Any) -> dict[str, int]:
    """Page index (from 0) of each named destination of a Typst PDF."""
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    names = pdf.Root.get("/Names")
    found: dict[str, int] = {}
    if names is None or "/Dests" not in names:
        return found
    for name, dest in _name_tree(names.Dests):
        target = dest[0] if len(dest) else None
        if target is not None and target.objgen in pages:
            found[str(name)] = pages[target.objgen]
    return found


def _name_tree(node: Any, key: str = "/Names") -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a PDF name or number tree (``key`` "/Nums" for numbers)."""
    pairs: list[tuple[Any, Any]] = []
    if key in node:
        entries = node[key]
        pairs.extend((entries[i], entries[i + 1]) for i in range(0, len(entries), 2))
    for kid in node.get("/Kids", []):
        pairs.extend(_name_tree(kid, key))
    return pairs


def typeset_pdf(
    html: str,
    *,
    timestamp: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
    on_step: Callable[[str], None] | None = None,
    figures: dict[str, Any] | None = None,
    volume_chars: int = VOLUME_CHARS,
) -> bytes:
    """Lay ``html`` out as one tagged PDF/A-2a and PDF/UA-1 file with Typst, in volumes.

    Each volume is compiled in a process of its own (so memory is bounded by the largest
    volume, not the document), numbered on from the one before; then the contents page
    is made again with the page numbers now known, and the volumes are joined into one
    file with one structure tree, one set of bookmarks and one set of link targets.
    ``on_page(pages)`` is told how many pages are laid out after each volume, and
    ``on_step("write")`` when the volumes are joined.
    """
    source = html_to_typst(html)
    plan = plan_volumes(source, volume_chars)
    # The volumes wait in files, not in memory, until they are joined.
    with tempfile.TemporaryDirectory(prefix="consult-volumes-") as folder:
        return _typeset_volumes(source, plan, Path(folder), timestamp, on_page, on_step, figures)


def _typeset_volumes(
    source: TypstSource,
    plan: list[list[int]],
    folder: Path,
    timestamp: datetime | None,
    on_page: Callable[[int], None] | None,
    on_step: Callable[[str], None] | None,
    figures: dict[str, Any] | None,
) -> bytes:
    import pikepdf

    volumes: list[Path] = []
    pages_at: dict[str, int] = {}
    first_page = 1
    peaks: list[float] = []
    for number, pieces in enumerate(plan):
        # Typst's PDF/UA-1 check wants a document to start at heading level 1: only the
        # first volume does. The later ones are checked as PDF/A-2a (tagged) alone; the
        # joined file carries the first volume's claims, its headings in order.
        pdf, peak = compile_in_child(
            typst_volume(source, pieces, first_page=first_page, toc={}),
            timestamp=timestamp,
            standards=PDF_STANDARDS if number == 0 else LATER_VOLUME_STANDARDS,
        )
        peaks.append(peak)
        with pikepdf.open(io.BytesIO(pdf)) as opened:
            count = len(opened.pages)
            for label, index in _destinations(opened).items():
                pages_at[label] = first_page + index
        volumes.append(folder / f"volume-{number}.pdf")
        volumes[-1].write_bytes(pdf)
        del pdf
        first_page += count
        if on_page:
            on_page(first_page - 1)
    # The contents' page numbers as the footers write them ("1.007" in Dutch).
    lang = source.lang.partition("-")[0]
    toc = {label: _number(page, lang) for label, page in pages_at.items()}
    if any(TOC in source.pieces[i].markup for i in plan[0]):
        first, peak = compile_in_child(
            typst_volume(source, plan[0], first_page=1, toc=toc), timestamp=timestamp
        )
        peaks.append(peak)
        volumes[0].write_bytes(first)
        del first
    # Now that the number of pages is known: "page n of N" for every page, laid over the
    # footers when the volumes are joined.
    numbers, peak = compile_in_child(source.page_number_markup(first_page - 1), standards=[])
    peaks.append(peak)
    page_numbers = folder / "page-numbers.pdf"
    page_numbers.write_bytes(numbers)
    del numbers
    if on_step:
        on_step("write")
    data, join_peak = join_in_child(volumes, source, plan, page_numbers)
    if figures is not None:
        figures.update(
            volumes=len(plan),
            pages=first_page - 1,
            child_peak_mb=max(peaks, default=0.0),
            join_peak_mb=join_peak,
        )
    return data


def join(
    volumes: list[bytes] | list[Path],
    source: TypstSource,
    plan: list[list[int]],
    *,
    page_numbers: bytes | Path | None = None,
    folder: Path | None = None,
) -> bytes:
    """One PDF of the volumes: their pages, structure trees, link targets and bookmarks.

    The first volume is the frame (catalog, XMP metadata with the PDF/A claim, output
    intent, language). Each next volume's pages are appended; the top elements of its
    structure tree are moved under the first volume's Document element; its parent-tree
    keys are shifted past the ones already used; its table-cell ids get a prefix of their
    own so they stay unique; its named destinations are added. Then each link to a
    heading in another volume (an address ``consult-jump:<label>``) becomes a link to that
    heading's place; the bookmarks are made from the headings, so a section continues its
    chapter across volumes; and ``page_numbers``, a PDF with as many pages as the joined
    file, is laid over its pages (its footers, "page n of N", are artifacts).
    """
    import pikepdf

    def opened(volume: bytes | Path) -> Any:
        return pikepdf.open(volume if isinstance(volume, Path) else io.BytesIO(volume))

    pdf = opened(volumes[0])
    tree = pdf.Root.StructTreeRoot
    document = tree.K[0]
    parent_tree = pikepdf.Array([x for pair in _name_tree(tree.ParentTree, "/Nums") for x in pair])
    next_key = int(tree.get("/ParentTreeNextKey", 0))
    role_map = tree.get("/RoleMap", pikepdf.Dictionary())
    ids = [x for pair in _name_tree(tree.IDTree) for x in pair] if "/IDTree" in tree else []
    dests: dict[str, Any] = {}
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        dests.update((str(k), v) for k, v in _name_tree(pdf.Root.Names.Dests))
    for number, (data, pieces) in enumerate(zip(volumes[1:], plan[1:], strict=True), start=2):
        part = opened(data)
        part_tree = part.Root.StructTreeRoot
        offset = next_key
        for page in part.pages:
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annotation in page.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        if any(source.pieces[i].tables for i in pieces):
            _prefix_ids(part, f"v{number}-")
        pdf.pages.extend(part.pages)
        top = part_tree.K[0]
        for kid in top.K:
            if isinstance(kid, pikepdf.Dictionary) and "/P" in kid:
                del kid.P  # or copying it would bring the whole foreign tree along
        for kid in top.K:
            copied = pdf.copy_foreign(kid) if kid.is_indirect else kid
            if isinstance(copied, pikepdf.Dictionary):
                copied.P = document
            document.K.append(copied)
        for key, value in _name_tree(part_tree.ParentTree, "/Nums"):
            parent_tree.append(int(key) + offset)
            parent_tree.append(
                pdf.copy_foreign(value if value.is_indirect else part.make_indirect(value))
            )
        next_key = offset + int(part_tree.get("/ParentTreeNextKey", 0))
        for role, standard in part_tree.get("/RoleMap", {}).items():
            role_map[role] = standard
        if "/IDTree" in part_tree:
            for name, element in _name_tree(part_tree.IDTree):
                ids.extend([name, pdf.copy_foreign(element)])
        if "/Names" in part.Root and "/Dests" in part.Root.Names:
            for name, dest in _name_tree(part.Root.Names.Dests):
                dests[str(name)] = pdf.copy_foreign(
                    dest if dest.is_indirect else part.make_indirect(dest)
                )
    tree.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=parent_tree))
    tree.ParentTreeNextKey = next_key
    if len(role_map):
        tree.RoleMap = role_map
    if ids:
        pairs = sorted(zip(ids[::2], ids[1::2], strict=True), key=lambda p: bytes(p[0]))
        tree.IDTree = pikepdf.Dictionary(Names=pikepdf.Array([x for p in pairs for x in p]))
    if dests:
        ordered = [x for name in sorted(dests) for x in (pikepdf.String(name), dests[name])]
        pdf.Root.Names.Dests = pikepdf.Dictionary(Names=pikepdf.Array(ordered))
    _jumps(pdf, source, dests)
    _bookmarks(pdf, source, set(dests))
    if page_numbers is not None:
        _lay_over(pdf, page_numbers)
    # Written to a file and read back once every volume is closed: the bytes never sit in
    # memory next to the volumes' objects.
    with tempfile.TemporaryDirectory(prefix="consult-joined-") as own:
        path = (folder or Path(own)) / "joined.pdf"
        pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        pdf.close()
        del pdf, dests, parent_tree, ids, tree, document
        return path.read_bytes()


def _jumps(pdf: Any, source: TypstSource, dests: dict[str, Any]) -> None:
    """Make each link to ``consult-jump:<label>`` a link to the place of that heading."""
    import pikepdf

    titles = {heading.label: heading.title for heading in source.headings if heading.label}
    prefix = JUMP.encode("ascii")
    for page in pdf.pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get("/A")
            if action is None or action.get("/S") != pikepdf.Name.URI:
                continue
            address = bytes(action.URI)
            if not address.startswith(prefix):
                continue
            label = address[len(prefix) :].decode("utf-8")
            del annotation.A
            dest = dests.get(label)
            if dest is None:  # cannot happen: only headings with a destination are jumped to
                log.warning("a link to %s, which has no place in the PDF", label)
                continue
            annotation.Dest = dest
            # What a screen reader says of the link (Typst wrote the address).
            annotation.Contents = pikepdf.String(titles.get(label) or label)


def _lay_over(pdf: Any, page_numbers: bytes | Path) -> None:
    """Draw each page of ``page_numbers`` over the same page of ``pdf`` (not the cover).

    Each page's drawing is added to the end of that page's content, its resources under
    names of their own (``/N…``); a form object per page would cost several objects a
    page, and memory, at 2,000 pages.
    """
    import pikepdf

    numbers = pikepdf.open(
        page_numbers if isinstance(page_numbers, Path) else io.BytesIO(page_numbers)
    )
    if len(numbers.pages) != len(pdf.pages):
        raise RuntimeError(f"{len(numbers.pages)} page numbers for {len(pdf.pages)} pages")
    copied: dict[tuple[int, int], Any] = {}
    save = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))  # one for every page
    for page, over in zip(pdf.pages[1:], numbers.pages[1:], strict=True):
        names: list[bytes] = []
        resources = page.obj.get("/Resources")
        if resources is None:
            resources = page.obj.Resources = pikepdf.Dictionary()
        for kind, entries in over.obj.get("/Resources", pikepdf.Dictionary()).items():
            if not isinstance(entries, pikepdf.Dictionary):
                continue  # /ProcSet
            own = resources.get(kind)
            if own is None:
                own = resources[kind] = pikepdf.Dictionary()
            for name, value in entries.items():
                key = value.objgen if value.is_indirect else None
                if key is None:
                    local = pdf.copy_foreign(numbers.make_indirect(value))
                elif key in copied:
                    local = copied[key]
                else:
                    local = copied[key] = pdf.copy_foreign(value)
                own["/N" + name[1:]] = local
                names.append(name[1:].encode("ascii"))
        drawing = over.obj.Contents.read_bytes() if "/Contents" in over.obj else b""
        if names:
            pattern = rb"/(" + b"|".join(re.escape(n) for n in names) + rb")(?=[\s/\[\]<>(){}%])"
            drawing = re.sub(pattern, rb"/N\1", drawing + b"\n")
        contents = page.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        ending = pikepdf.Stream(pdf, b"\nQ\n" + drawing)
        page.obj.Contents = pikepdf.Array([save, *[c for c in streams if c is not None], ending])


def _prefix_ids(part: Any, prefix: str) -> None:
    """Give a volume's structure ids (table cells and their header refs) ``prefix``."""
    import pikepdf

    for obj in part.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        if "/ID" in obj and isinstance(obj.ID, pikepdf.String) and "/S" in obj:
            obj.ID = pikepdf.String(prefix + str(obj.ID))
        attributes = obj.get("/A")
        if attributes is None or "/S" not in obj:
            continue
        for attribute in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if isinstance(attribute, pikepdf.Dictionary) and "/Headers" in attribute:
                attribute.Headers = pikepdf.Array(
                    [pikepdf.String(prefix + str(h)) for h in attribute.Headers]
                )
    tree = part.Root.StructTreeRoot
    if "/IDTree" in tree:
        pairs = _name_tree(tree.IDTree)
        tree.IDTree = pikepdf.Dictionary(
            Names=pikepdf.Array([x for n, e in pairs for x in (pikepdf.String(prefix + str(n)), e)])
        )


def _bookmarks(pdf: Any, source: TypstSource, targets: set[str]) -> None:
    """Bookmarks for the title (h1), the chapters (h2) and their sections (h3)."""
    import pikepdf

    with pdf.open_outline() as outline:
        outline.root.clear()
        chapter = None
        for heading in source.headings:
            if heading.level > 3 or not heading.label or heading.label not in targets:
                continue
            item = pikepdf.OutlineItem(heading.title, destination=pikepdf.String(heading.label))
            if heading.level == 3 and chapter is not None:
                chapter.children.append(item)
            else:
                outline.root.append(item)
                chapter = item if heading.level == 2 else None


def typeset_pdf_for_job(
    html: str,
    progress: Callable[[int, int, str], None],
    *,
    step: int,
    total: int,
    timestamp: datetime | None = None,
) -> bytes:
    """:func:`typeset_pdf` inside a job: ``"layout:<pages>"`` after each volume, then
    ``"write"`` (step ``step + 1``) while the volumes are joined."""
    progress(step, total, "layout:0")
    return typeset_pdf(
        html,
        timestamp=timestamp,
        on_page=lambda pages: progress(step, total, f"layout:{pages}"),
        on_step=lambda name: progress(step + 1, total, name),
    )


if __name__ == "__main__":
    _child()
