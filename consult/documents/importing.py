"""Turning a Word file or Markdown into the sections of a version.

Both routes end in the same place: HTML (mammoth for .docx, markdown-it-py with raw HTML
off for Markdown), sanitised, then split at its h1–h3 headings into sections. Text before
the first heading becomes an unnumbered section called "Inleiding": the document's own
numbering stays as the author meant it, and that text can still be commented on.

Numbering: when any heading brings its own number ("2.1 Wat we willen"), the document is
numbered by its author; we keep those numbers and leave other headings unnumbered rather
than invent numbers that could clash. Otherwise every heading is numbered by its depth
(1, 1.1, 1.1.1, 2 ...), counting only the heading levels the document really uses, so a
document that starts at Heading 2 is still numbered 1, 2, 3.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

import mammoth
from flask_babel import ngettext
from markdown_it import MarkdownIt

from consult.documents.sanitising import plain_text, sanitise_body, sanitise_for_splitting
from consult.files.uploads import DOCX, sniff

MAX_DOCX_SIZE = 10 * 1024 * 1024
# A .docx is a zip; refuse one that unpacks into far more than any real text could need (a
# 300-page plan with tables unpacks into about 10 MB), has more parts than Word ever writes,
# or packs a large part far more tightly than text packs.
MAX_UNPACKED_SIZE = 60 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM = 1024 * 1024
MAX_MARKDOWN_LENGTH = 1_000_000
INTRO_HEADING = "Inleiding"
MAX_HEADING_LENGTH = 500

# Word's built-in headings (English and Dutch style names) become h1–h3; deeper headings
# stay inside their section as h4–h6. Lists and tables mammoth keeps by itself.
STYLE_MAP = """
p[style-name='Heading 1'] => h1:fresh
p[style-name='Heading 2'] => h2:fresh
p[style-name='Heading 3'] => h3:fresh
p[style-name='Kop 1'] => h1:fresh
p[style-name='Kop 2'] => h2:fresh
p[style-name='Kop 3'] => h3:fresh
p[style-name='Heading 4'] => h4:fresh
p[style-name='Heading 5'] => h5:fresh
p[style-name='Heading 6'] => h6:fresh
"""

_OWN_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3}){0,5})\.?\s+(?=\S)")


class ImportRefused(ValueError):
    """``reason``: not_docx, too_large, unreadable, empty, not_text, too_many_parts,
    packed_too_tightly, too_slow, too_complex."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SectionDraft:
    """A section before it is stored; ``anchor`` is set when it continues an earlier one."""

    heading: str
    body_html: str
    number: str = ""
    level: int = 1
    anchor: str | None = None
    # The paragraph anchors of a copy (one per block of ``body_html``), kept as they are.
    paragraph_anchors: list[str] | None = None


@dataclass
class ImportResult:
    sections: list[SectionDraft]
    notices: list[str] = field(default_factory=list)


# -- Word ------------------------------------------------------------------------------------


def check_docx(data: bytes) -> None:
    """Refuse, cheaply and before any unpacking, what is not a reasonable Word file.

    A .docx is a zip. Its central directory tells each member's packed and unpacked size,
    and Python's zipfile never unpacks more than that size, so these checks bound the work
    of the conversion: at most ``MAX_ZIP_ENTRIES`` members, at most ``MAX_UNPACKED_SIZE``
    unpacked, and no large member packed more than ``MAX_COMPRESSION_RATIO`` times (real
    Word XML packs about 5 to 15 times; a zip bomb thousands of times).
    """
    if not data:
        raise ImportRefused("empty")
    if len(data) > MAX_DOCX_SIZE:
        raise ImportRefused("too_large")
    if sniff(data) != DOCX:
        raise ImportRefused("not_docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ImportRefused("unreadable") from error
    if len(members) > MAX_ZIP_ENTRIES:
        raise ImportRefused("too_many_parts")
    if sum(member.file_size for member in members) > MAX_UNPACKED_SIZE:
        raise ImportRefused("packed_too_tightly")
    for member in members:
        if member.file_size >= RATIO_CHECKED_FROM and (
            member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise ImportRefused("packed_too_tightly")


def convert_docx(data: bytes) -> tuple[list[SectionDraft], int]:
    """The sections of a checked Word file and how many images were left out (no limits
    here: :mod:`consult.documents.sandbox` runs this under them)."""
    images = 0

    def drop_image(_image: object) -> list[object]:
        nonlocal images
        images += 1
        return []

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=STYLE_MAP, convert_image=drop_image
        )
    except MemoryError:
        raise  # the sandbox's limit, not a broken file
    except Exception as error:  # mammoth raises many kinds on a broken file
        raise ImportRefused("unreadable") from error
    return split_sections(result.value), images


def finish(sections: list[SectionDraft], images: int) -> ImportResult:
    """The import's result, with a notice for a person to read about what was left out."""
    if not sections:
        raise ImportRefused("empty")
    notices = []
    if images:
        notices.append(
            ngettext("%(num)d image was left out.", "%(num)d images were left out.", images)
        )
    return ImportResult(sections, notices)


def import_docx(data: bytes) -> ImportResult:
    """A Word file's sections, in this process (for trusted files; uploads go through
    :func:`consult.documents.sandbox.convert_bounded`)."""
    check_docx(data)
    return finish(*convert_docx(data))


# -- Markdown --------------------------------------------------------------------------------


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown_to_html(text: str) -> str:
    """Markdown (raw HTML off: it shows as text) to sanitised HTML, for one section's body."""
    return sanitise_body(_markdown().render(text or ""))


def decode_markdown_file(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportRefused("not_text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused("not_text") from error


def check_markdown(text: str) -> None:
    if not text or not text.strip():
        raise ImportRefused("empty")
    if len(text) > MAX_MARKDOWN_LENGTH:
        raise ImportRefused("too_large")


def convert_markdown(text: str) -> tuple[list[SectionDraft], int]:
    rendered = _markdown().render(text)
    images = len(re.findall(r"<img\b", rendered))
    return split_sections(rendered), images


def import_markdown(text: str) -> ImportResult:
    """Markdown's sections, in this process (the demo's text; uploads go through the
    sandbox)."""
    check_markdown(text)
    return finish(*convert_markdown(text))


# -- splitting into sections -----------------------------------------------------------------


class _TopLevelSplitter(HTMLParser):
    """Cuts well-formed HTML into top-level headings (h1–h3) and the HTML between them."""

    VOID = frozenset({"br", "hr", "img", "wbr", "input", "col", "area", "source"})
    HEADINGS = frozenset({"h1", "h2", "h3"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, int, str]] = []  # ("body", 0, html) or ("heading", n, text)
        self.depth = 0
        self.buffer: list[str] = []
        self.heading_level = 0
        self.heading_text: list[str] = []

    def _flush_body(self) -> None:
        if self.buffer:
            self.parts.append(("body", 0, "".join(self.buffer)))
            self.buffer = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0 and tag in self.HEADINGS:
            self._flush_body()
            self.heading_level = int(tag[1])
            self.heading_text = []
            self.depth += 1
            return
        if self.heading_level:
            if tag == "br":
                self.heading_text.append(" ")
            if tag not in self.VOID:
                self.depth += 1
            return
        self.buffer.append(self.get_starttag_text() or "")
        if tag not in self.VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.heading_level:
            return
        self.buffer.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        self.depth = max(0, self.depth - 1)
        if self.heading_level:
            if self.depth == 0:
                text = " ".join("".join(self.heading_text).split())
                self.parts.append(("heading", self.heading_level, text))
                self.heading_level = 0
            return
        self.buffer.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.heading_level:
            self.heading_text.append(data)
        else:
            self.buffer.append(html.escape(data, quote=False))

    def close(self) -> None:
        super().close()
        self._flush_body()


def split_sections(raw_html: str) -> list[SectionDraft]:
    """Sections from HTML: each h1–h3 starts one; text before the first is the introduction."""
    splitter = _TopLevelSplitter()
    splitter.feed(sanitise_for_splitting(raw_html))
    splitter.close()

    drafts: list[SectionDraft] = []
    levels: list[int] = []
    current: SectionDraft | None = None
    for kind, level, content in splitter.parts:
        if kind == "heading":
            if not content:
                continue  # an empty heading paragraph: nothing to show or comment on
            current = SectionDraft(heading=content[:MAX_HEADING_LENGTH], body_html="")
            drafts.append(current)
            levels.append(level)
            continue
        if current is None:
            if not plain_text(content):
                continue
            current = SectionDraft(heading=INTRO_HEADING, body_html="")
            drafts.append(current)
            levels.append(0)
        current.body_html += content
    for draft in drafts:
        draft.body_html = sanitise_body(draft.body_html)
    _number(drafts, levels)
    return drafts


def _number(drafts: list[SectionDraft], levels: list[int]) -> None:
    used = sorted({level for level in levels if level})
    depth_of = {level: depth for depth, level in enumerate(used, start=1)}
    own = [_OWN_NUMBER.match(d.heading) for d in drafts]
    for draft, level in zip(drafts, levels, strict=True):
        draft.level = depth_of.get(level, 1)
    if any(own):
        for draft, match in zip(drafts, own, strict=True):
            if match:
                draft.number = match.group(1)
                draft.heading = draft.heading[match.end() :].strip() or draft.heading
        return
    numbered = [level != 0 for level in levels]
    for draft, number in zip(
        drafts, auto_numbers([d.level for d in drafts], numbered), strict=True
    ):
        draft.number = number


def auto_numbers(levels: list[int], numbered: list[bool]) -> list[str]:
    """Hierarchical numbers (1, 1.1, 2) for the sections that carry one, by their depth."""
    counters: list[int] = []
    result = []
    for level, has_number in zip(levels, numbered, strict=True):
        if not has_number:
            result.append("")
            continue
        depth = max(1, min(level, len(counters) + 1))
        counters = counters[:depth]
        while len(counters) < depth:
            counters.append(0)
        counters[depth - 1] += 1
        result.append(".".join(str(n) for n in counters))
    return result


# -- back to Markdown, for editing a section in the browser ----------------------------------


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


_ESCAPE_ANYWHERE = re.compile(r"([\\`*_\[\]<>|])")
_LINE_START = re.compile(r"^(\s*)([#+\-=]|\d+[.)])(?=\s|$)", re.MULTILINE)


def _escape(text: str) -> str:
    return _LINE_START.sub(
        lambda m: m.group(1) + (m.group(2)[:-1] + "\\" + m.group(2)[-1]),
        _ESCAPE_ANYWHERE.sub(r"\\\1", text),
    )


def _inline(node: _Node | str) -> str:
    if isinstance(node, str):
        return _escape(re.sub(r"\s+", " ", node))
    inner = "".join(_inline(child) for child in node.children)
    if node.tag == "br":
        return "\\\n"
    if node.tag == "strong":
        return f"**{inner.strip()}**" if inner.strip() else ""
    if node.tag == "em":
        return f"*{inner.strip()}*" if inner.strip() else ""
    if node.tag == "a" and node.attrs.get("href"):
        return f"[{inner.strip()}](<{node.attrs['href']}>)"
    if node.tag in ("p", "li"):
        return inner.strip()
    return inner


def _blocks(node: _Node, list_depth: int = 0) -> list[str]:
    blocks: list[str] = []
    inline_run: list[str] = []

    def close_run() -> None:
        text = "".join(inline_run).strip()
        if text:
            blocks.append(text)
        inline_run.clear()

    for child in node.children:
        if isinstance(child, str) or child.tag not in _BLOCK_TAGS:
            inline_run.append(_inline(child))
            continue
        close_run()
        if child.tag == "p":
            text = _inline(child).strip()
            if text:
                blocks.append(text)
        elif child.tag in ("h4", "h5", "h6"):
            blocks.append("#" * int(child.tag[1]) + " " + _inline(child).strip())
        elif child.tag in ("ul", "ol"):
            blocks.append(_list(child, list_depth))
        elif child.tag == "blockquote":
            inner = "\n\n".join(_blocks(child))
            blocks.append("\n".join(f"> {line}" if line else ">" for line in inner.split("\n")))
        elif child.tag == "table":
            blocks.append(_table(child))
        else:
            blocks.extend(_blocks(child, list_depth))
    close_run()
    return blocks


_BLOCK_TAGS = frozenset(
    {"p", "ul", "ol", "blockquote", "table", "h4", "h5", "h6", "thead", "tbody", "caption"}
)


def _list(node: _Node, depth: int) -> str:
    lines = []
    indent = "   " * depth
    for index, item in enumerate((c for c in node.children if isinstance(c, _Node)), start=1):
        marker = f"{index}." if node.tag == "ol" else "-"
        own = [c for c in item.children if isinstance(c, str) or c.tag not in ("ul", "ol")]
        text = " ".join(
            part for part in (_inline(_Node("li", children=[c])).strip() for c in own) if part
        )
        lines.append(f"{indent}{marker} {text}")
        for sub in (c for c in item.children if isinstance(c, _Node) and c.tag in ("ul", "ol")):
            lines.append(_list(sub, depth + 1))
    return "\n".join(lines)


def _rows(node: _Node) -> list[tuple[bool, list[str]]]:
    rows: list[tuple[bool, list[str]]] = []
    for child in node.children:
        if not isinstance(child, _Node):
            continue
        if child.tag == "tr":
            cells = [c for c in child.children if isinstance(c, _Node) and c.tag in ("th", "td")]
            header = bool(cells) and all(c.tag == "th" for c in cells)
            texts = [
                " ".join(_inline(_Node("p", children=list(c.children))).replace("\n", " ").split())
                for c in cells
            ]
            rows.append((header, texts))
        elif child.tag in ("thead", "tbody"):
            rows.extend(_rows(child))
    return rows


def _table(node: _Node) -> str:
    rows = _rows(node)
    if not rows:
        return ""
    width = max(len(cells) for _, cells in rows) or 1
    padded = [cells + [""] * (width - len(cells)) for _, cells in rows]
    head, body = padded[0], padded[1:]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def html_to_markdown(body_html: str) -> str:
    """A section's HTML as Markdown for the editor; see :func:`converts_losslessly`."""
    builder = _TreeBuilder()
    builder.feed(body_html or "")
    builder.close()
    return "\n\n".join(block for block in _blocks(builder.root) if block)


def _compact(fragment: str) -> str:
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", " ".join(fragment.split())).strip()


def converts_losslessly(body_html: str) -> bool:
    """Whether editing the Markdown and saving it unchanged gives back the same HTML."""
    return _compact(markdown_to_html(html_to_markdown(body_html))) == _compact(
        sanitise_body(body_html)
    )
