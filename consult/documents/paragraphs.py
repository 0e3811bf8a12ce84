"""The paragraphs of a section, and the stable anchors people comment on.

A section's body is sanitised HTML (:mod:`consult.documents.sanitising`). Its top-level
paragraphs, lists, tables and quotes are its *blocks*; each block gets an anchor
(``p-`` and 8 lowercase base32 characters), stored in order in
``Section.paragraph_anchors`` when the section is written. The anchors are data, not a
function of the block's place: the page puts them back as ``id`` attributes
(:func:`chunks`), so ``#p-xxxxxxxx`` links work, and a comment names its paragraph by anchor.

**Carrying anchors into the next version** (:func:`match_paragraphs`), deterministic:

1. a block whose text (words, case and spacing ignored) equals an earlier block's text
   takes that block's anchor (the first unused one, in document order);
2. the remaining blocks are paired with the remaining earlier blocks by similarity: the
   word-level ``difflib.SequenceMatcher`` ratio, at least :data:`SIMILARITY_THRESHOLD`
   (0.7, "lightly changed": a sentence reworded, a word or two added). Pairs are taken
   best first (ties: earlier new block, then earlier old block), each anchor once;
3. every other block is new and gets a new anchor.

The earlier blocks are those of the section with the same section anchor in the version
before (for an edit of a draft: the section's own blocks first, then those), so matching
by similarity stays inside one section. After step 2, the blocks of earlier sections that
do not continue in the new version (removed or merged) lend their anchors to blocks with
an equal text anywhere; a paragraph moved between two sections that both continue gets a
new anchor (its section changed, and so does what a comment on it is about).

A new anchor is derived, not random: SHA-256 of the section's anchor, the block's text and
its occurrence, so the migration that gave existing versions their anchors
(``0019_paragraph_anchors``) and every re-run give the same anchors. A clash within the
version (as good as impossible) takes the next counter.

The anchors are not part of a version's content hash: that hash was fixed for versions
locked before anchors existed. A locked version's anchors never change (the flush guard
in :mod:`consult.documents.services` and the database's trigger on locked sections).
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from markupsafe import Markup

from consult.documents.sanitising import plain_text

SIMILARITY_THRESHOLD = 0.7
PARAGRAPH_ANCHOR = re.compile(r"^p-[a-z2-7]{8}$")
# Top-level elements that are a paragraph one can comment on. Headings inside a section
# (h4-h6) are not: they name the paragraphs below them.
BLOCK_TAGS = frozenset({"p", "ul", "ol", "table", "blockquote"})
_VOID = frozenset({"br", "hr", "img", "wbr", "input", "col", "area", "source"})


@dataclass(frozen=True)
class Piece:
    """A top-level piece of a section's HTML: a block (``tag`` in BLOCK_TAGS) or other."""

    tag: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A piece of a section's HTML ready to show; ``anchor`` is set for a block."""

    html: Markup
    anchor: str | None
    text: str


class _TopLevel(HTMLParser):
    """The top-level elements of well-formed (sanitised) HTML, with their offsets."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0]
        for index, character in enumerate(source):
            if character == "\n":
                self.line_starts.append(index + 1)
        self.source = source
        self.depth = 0
        self.open: tuple[str, int] | None = None
        self.pieces: list[Piece] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self.depth == 0:
            self.open = (tag, self._offset())
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0 and self.open is not None:
            start = self.open[1]
            end = self.source.index(">", self._offset()) + 1
            self.pieces.append(Piece(self.open[0], start, end))
            self.open = None


@lru_cache(maxsize=512)
def _pieces(body_html: str) -> tuple[Piece, ...]:
    parser = _TopLevel(body_html)
    parser.feed(body_html)
    parser.close()
    return tuple(parser.pieces)


def blocks(body_html: str) -> list[tuple[str, str]]:
    """The blocks of a body: (tag, HTML) in order."""
    return [
        (p.tag, body_html[p.start : p.end]) for p in _pieces(body_html or "") if p.tag in BLOCK_TAGS
    ]


def block_texts(body_html: str) -> list[str]:
    """The plain text of each block, in order."""
    return [plain_text(html) for _tag, html in blocks(body_html)]


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def derived_anchor(section_anchor: str, text: str, occurrence: int) -> str:
    """``p-`` and 8 base32 characters of SHA-256(section anchor, text, occurrence)."""
    seed = f"{section_anchor}\n{_normal(text)}\n{occurrence}".encode()
    return "p-" + base64.b32encode(hashlib.sha256(seed).digest()[:5]).decode("ascii").lower()


def new_anchors(section_anchor: str, texts: Sequence[str], taken: Iterable[str] = ()) -> list[str]:
    """A fresh, derived anchor for each text, none in ``taken`` nor twice."""
    used = set(taken)
    result = []
    for text in texts:
        occurrence = 0
        anchor = derived_anchor(section_anchor, text, occurrence)
        while anchor in used:
            occurrence += 1
            anchor = derived_anchor(section_anchor, text, occurrence)
        used.add(anchor)
        result.append(anchor)
    return result


def word_similarity(
    old_words: Sequence[str], new_words: Sequence[str], threshold: float
) -> float | None:
    """difflib's ratio of two word lists when it reaches ``threshold``, else None (the
    cheap upper bounds first, so most pairs cost little). Sections match with it too."""
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= threshold else None


def match_paragraphs(
    earlier: Sequence[tuple[str, str]],
    texts: Sequence[str],
    *,
    section_anchor: str,
    taken: Iterable[str] = (),
    elsewhere: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """An anchor per text in ``texts``: carried from ``earlier`` (anchor, text) pairs, see
    the module's description, or new. ``elsewhere``: blocks of the earlier version's other
    sections, whose anchors carry only for an equal text. ``taken``: anchors already used
    in the new version (by its other sections), never given again."""
    taken = set(taken)
    result: list[str | None] = [None] * len(texts)
    free = [(a, t) for a, t in earlier if a not in taken]
    used: set[str] = set()

    def take_equal(pool: Sequence[tuple[str, str]]) -> None:
        by_text: dict[str, list[str]] = {}
        for anchor, text in pool:
            if anchor not in used and anchor not in taken:
                by_text.setdefault(_normal(text), []).append(anchor)
        for i, text in enumerate(texts):
            if result[i] is None and (candidates := by_text.get(_normal(text))):
                anchor = candidates.pop(0)
                result[i] = anchor
                used.add(anchor)

    take_equal(free)
    open_texts = [i for i, anchor in enumerate(result) if anchor is None]
    rest = [(a, t.split()) for a, t in free if a not in used]
    pairs: list[tuple[float, int, int]] = []
    for i in open_texts:
        words = texts[i].split()
        for j, (_anchor, old_words) in enumerate(rest):
            ratio = word_similarity(old_words, words, SIMILARITY_THRESHOLD)
            if ratio is not None:
                pairs.append((ratio, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    for _ratio, i, j in pairs:
        anchor = rest[j][0]
        if result[i] is None and anchor not in used:
            result[i] = anchor
            used.add(anchor)
    if elsewhere and any(anchor is None for anchor in result):
        take_equal(elsewhere)

    missing = [i for i, anchor in enumerate(result) if anchor is None]
    fresh = new_anchors(
        section_anchor, [texts[i] for i in missing], taken | used | {a for a, _ in earlier}
    )
    for i, anchor in zip(missing, fresh, strict=True):
        result[i] = anchor
    return [anchor for anchor in result if anchor is not None]


def paragraphs_of(body_html: str, anchors: Sequence[str] | None) -> list[tuple[str, str]]:
    """(anchor, plain text) of each block that has a stored anchor."""
    return list(zip(anchors or [], block_texts(body_html), strict=False))


def paragraph_text(body_html: str, anchors: Sequence[str] | None, anchor: str) -> str | None:
    """The plain text of the block with ``anchor``, or None when the section has none."""
    for own, text in paragraphs_of(body_html, anchors):
        if own == anchor:
            return text
    return None


def chunks(body_html: str, anchors: Sequence[str] | None) -> list[Chunk]:
    """The body cut into its top-level pieces, each block with its stored anchor as ``id``.

    ``body_html`` must be sanitised HTML (it has no ``id`` of its own); the anchors are
    checked against :data:`PARAGRAPH_ANCHOR` before they are written into it."""
    body_html = body_html or ""
    anchors = list(anchors or [])
    result: list[Chunk] = []
    block_index = 0
    position = 0
    for piece in _pieces(body_html):
        between = body_html[position : piece.start]
        if between.strip():
            result.append(Chunk(Markup(between), None, plain_text(between)))  # noqa: S704
        position = piece.end
        html = body_html[piece.start : piece.end]
        anchor = None
        if piece.tag in BLOCK_TAGS:
            if block_index < len(anchors) and PARAGRAPH_ANCHOR.match(anchors[block_index]):
                anchor = anchors[block_index]
                opening = 1 + len(piece.tag)
                html = f'{html[:opening]} id="{anchor}"{html[opening:]}'
            block_index += 1
        # Sanitised on the way into the database (and again by the caller); the id added
        # above matched PARAGRAPH_ANCHOR.
        result.append(Chunk(Markup(html), anchor, plain_text(html)))  # noqa: S704
    tail = body_html[position:]
    if tail.strip():
        result.append(Chunk(Markup(tail), None, plain_text(tail)))  # noqa: S704
    return result


def with_ids(body_html: str, anchors: Sequence[str] | None) -> Markup:
    """The whole body with the anchors as ``id`` attributes on its blocks."""
    return Markup("").join(chunk.html for chunk in chunks(body_html, anchors))
