"""Showing a comment's plain text as HTML: escaped, in paragraphs, with harmless links.

A comment is stored exactly as typed. On the way out it is cut into plain pieces and web
addresses (``http://``, ``https://`` and ``www.``), and every piece is escaped; blank lines
become paragraphs and single line breaks ``<br>``. An address becomes a link that search
engines do not follow. Nothing else ever becomes a link, so ``javascript:`` and ``data:``
stay plain text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Greedy and without lookahead, so matching takes linear time whatever is typed: an address
# runs until white space, a quote or an angle bracket. Punctuation at its end belongs to the
# sentence and is given back by _trim.
_ADDRESS = re.compile(r"(?<![\w/])(?:https?://|www\.)[^\s<>\"']+")
_PREFIX = re.compile(r"https?://|www\.")
_TRAILING = ".,;:!?)]}"
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
REL = "nofollow ugc noopener"


def normalise_newlines(text: str | None) -> str:
    """Browsers send ``\\r\\n``; count and store one character per line break."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _trim(address: str) -> str:
    """Drop sentence punctuation from the end; keep a ``)`` that closes a ``(`` inside."""
    end = len(address)
    while end and address[end - 1] in _TRAILING:
        closing = address[end - 1]
        if closing == ")" and address.count("(", 0, end) >= address.count(")", 0, end):
            break
        end -= 1
    return address[:end]


def _link(address: str) -> str:
    href = address if not address.startswith("www.") else f"https://{address}"
    return f'<a class="utrecht-link" href="{escape(href)}" rel="{REL}">{escape(address)}</a>'


def _linked(block: str) -> str:
    """One paragraph of plain text as escaped HTML with its addresses as links."""
    parts: list[str] = []
    position = 0
    for match in _ADDRESS.finditer(block):
        address = _trim(match.group())
        if len(address) <= _PREFIX.match(address).end():  # type: ignore[union-attr]
            continue  # only "www." or "https://": nothing to link to
        parts.append(str(escape(block[position : match.start()])))
        parts.append(_link(address))
        position = match.start() + len(address)
    parts.append(str(escape(block[position:])))
    return "".join(parts)


def render_comment(text: str | None) -> Markup:
    """Plain text to safe HTML paragraphs. Every character typed is escaped."""
    plain = normalise_newlines(text).strip()
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(plain):
        block = block.strip("\n")
        if not block:
            continue
        paragraphs.append(
            '<p class="utrecht-paragraph">' + _linked(block).replace("\n", "<br>\n") + "</p>"
        )
    return Markup("\n".join(paragraphs))  # noqa: S704 - every part was escaped above


EXCERPT_WORDS = 18


def excerpt(text: str, words: int = EXCERPT_WORDS) -> str:
    """The first words of a text, with "..." when there is more."""
    parts = (text or "").split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + " …"
