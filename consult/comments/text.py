"""Showing a comment's plain text as HTML: escaped, in paragraphs, with harmless links.

A comment is stored exactly as typed. On the way out every character is escaped first;
only then do blank lines become paragraphs, single line breaks ``<br>``, and web addresses
(``http://``, ``https://`` and ``www.``) links that search engines do not follow. Nothing
else ever becomes a link, so ``javascript:`` and ``data:`` stay plain text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Matched on the escaped text: an address runs until white space or an escaped quote or
# angle bracket; trailing punctuation belongs to the sentence, not to the address.
_ADDRESS = re.compile(
    r"(?<![\w/])((?:https?://|www\.)[^\s<>\"']+?)(?=[.,;:!?)\]]*(?:\s|$|&lt;|&gt;|&#34;|&#39;|&quot;))"
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
REL = "nofollow ugc noopener"


def normalise_newlines(text: str | None) -> str:
    """Browsers send ``\\r\\n``; count and store one character per line break."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _link(match: re.Match[str]) -> str:
    shown = match.group(1)
    href = shown if not shown.startswith("www.") else f"https://{shown}"
    return f'<a class="utrecht-link" href="{href}" rel="{REL}">{shown}</a>'


def render_comment(text: str | None) -> Markup:
    """Plain text to safe HTML paragraphs. Escaping happens before anything else."""
    escaped = str(escape(normalise_newlines(text).strip()))
    if not escaped:
        return Markup("")
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(escaped):
        block = block.strip("\n")
        if not block:
            continue
        linked = _ADDRESS.sub(_link, block)
        paragraphs.append('<p class="utrecht-paragraph">' + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(paragraphs))  # noqa: S704 - every part was escaped above
