"""Seed data builders: the demo consultation (``consult seed demo``) and load data
(``consult seed load``).

The seeds write rows directly (the load seed in bulk), so they compute each submission's
content hash from plain values with :func:`content_of`: the same dict as
:func:`consult.comments.services.canonical_content` makes from a stored submission, so
the receipt of seeded data is recomputable (a test checks the two agree).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from consult.comments.canonical import moment


def content_of(
    *,
    consultation_slug: str,
    document_id: int,
    version_number: int,
    received_at: datetime,
    stakeholder_group: str,
    age_band: str | None,
    municipality: str | None,
    organisation: str | None,
    organisation_verified: bool,
    publish_text: bool,
    publish_name: bool,
    comments: list[tuple[str | None, str]],
    answers: list[tuple[int, Any]],
) -> dict[str, Any]:
    """The canonical content of a submission from plain values (no personal data).

    ``comments`` are (section anchor or None, text) in their order in the submission;
    ``answers`` are (question position, value), sorted here by position.
    """
    return {
        "consultation": consultation_slug,
        "version": {"document_id": document_id, "number": version_number},
        "received_at": moment(received_at),
        "stakeholder_group": stakeholder_group,
        "age_band": age_band,
        "municipality": municipality,
        "organisation": organisation,
        "organisation_verified": organisation_verified,
        "publish_text": publish_text,
        "publish_name": publish_name,
        "comments": [{"section": anchor, "text": text} for anchor, text in comments],
        "answers": [{"question": position, "value": value} for position, value in sorted(answers)],
    }
