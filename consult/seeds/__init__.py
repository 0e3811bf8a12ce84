"""Seed data builders: the demo consultation (``consult seed demo``) and load data
(``consult seed load``).

The seeds write rows directly (the load seed in bulk), so they compute each submission's
content hash from plain values with :func:`content_of`. It is the very function that
:func:`consult.comments.services.canonical_content` builds a stored submission's content
with, so the receipt of seeded data is recomputable (a test checks the two agree).
"""

from __future__ import annotations

from consult.comments.canonical import submission_content as content_of

__all__ = ["content_of"]
