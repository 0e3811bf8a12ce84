"""Seed data builders: the demo consultation (``consult seed demo``) and load data
(``consult seed load``).

The seeds write rows directly (the load seed in bulk), so they compute each submission's
content hash from plain values with :func:`content_of`. It is the very function that
:func:`consult.comments.services.canonical_content` builds a stored submission's content
with, so the receipt of seeded data is recomputable (a test checks the two agree).
"""

from __future__ import annotations

import re
from typing import Any

from consult.comments.canonical import submission_content as content_of
from consult.documents import paragraphs

__all__ = ["content_of", "paragraph_for"]

_WORD = re.compile(r"\w{5,}")
# A demo comment is about one paragraph when it shares this many longer words with it.
SHARED_WORDS = 3


def paragraph_for(section: Any, text: str, every: int, number: int) -> str | None:
    """The paragraph of ``section`` a demo comment is most plainly about (most shared words
    of five letters or more, at least :data:`SHARED_WORDS`; the earlier one on a tie), for
    one in ``every`` submissions (by ``number``); None otherwise. No randomness, so the
    rest of a seed stays as it was."""
    if section is None or number % every:
        return None
    words = {w.casefold() for w in _WORD.findall(text)}
    best: tuple[int, str] | None = None
    for anchor, block in paragraphs.paragraphs_of(section.body_html, section.paragraph_anchors):
        shared = len(words & {w.casefold() for w in _WORD.findall(block)})
        if shared >= SHARED_WORDS and (best is None or shared > best[0]):
            best = (shared, anchor)
    return best[1] if best else None
