"""The canonical content of a submission and its SHA-256, as printed on the receipt.

The content is canonical JSON per RFC 8785 (JCS), fingerprinted by
:func:`consult.ledger.canonical.digest`. The sender's receipt page shows that
exact JSON (and offers it as a file), so whoever holds it can recompute the fingerprint
with any JCS library, or with ``sha256sum`` on the file, and compare it with the receipt.
The public page alone is not enough for that: unpublished texts, answers and the age band
are part of the content but are not published.

The contact data kept apart for erasure (email address, display name) is never part of
it; what someone typed in a comment is, exactly as typed. Everything in it is fixed at
the moment of receipt: a known organisation is named by its id (a rename changes
nothing), the document version by its number and its own content hash (set when it was
locked), moments in UTC with milliseconds (the same on every database).

A random ``nonce`` (kept on the submission, shown in the receipt's JSON) makes the hash
hiding: the record publishes it, and without the nonce nobody can test guesses of a short
unpublished text or a questionnaire answer against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from consult.ledger.canonical import moment


def organisation_of(
    organisation_id: int | None, organisation_name: str | None, verified: bool
) -> dict[str, Any] | None:
    """A known organisation by its id (its name may change), a typed name as typed."""
    if organisation_id is not None:
        return {"id": organisation_id, "verified": verified}
    if organisation_name:
        return {"name": organisation_name, "verified": False}
    return None


def _comment(section: str | None, text: str, paragraph: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"section": section, "text": text}
    if paragraph is not None:
        content["paragraph"] = paragraph
    return content


def submission_content(
    *,
    consultation_slug: str,
    document_id: int,
    version_number: int,
    version_hash: str | None,
    received_at: datetime,
    stakeholder_group: str,
    age_band: str | None,
    municipality: str | None,
    organisation_id: int | None,
    organisation_name: str | None,
    organisation_verified: bool,
    publish_text: bool,
    publish_name: bool,
    comments: list[tuple[str | None, str]] | list[tuple[str | None, str, str | None]],
    answers: list[tuple[int, Any]],
    nonce: str | None = None,
    attachments: list[tuple[str, str, int, str]] | None = None,
) -> dict[str, Any]:
    """The canonical content of a submission from plain values: the one place it is built.

    ``comments`` are (section anchor or None, text) in their order in the submission,
    or (section anchor, text, paragraph anchor or None): a comment on one paragraph holds
    ``"paragraph"``, others hash exactly as before paragraphs existed;
    ``answers`` are (question position, value), sorted here by position. ``nonce`` is the
    submission's random value (absent from submissions received before it existed).
    ``attachments`` are (file name, content type, size, SHA-256 of the bytes) in the order
    they were sent; the key is only there when there are any, so a submission without
    attachments hashes exactly as before attachments joined the hash.
    """
    content = {
        "consultation": consultation_slug,
        "version": {
            "document_id": document_id,
            "number": version_number,
            "content_hash": version_hash,
        },
        "received_at": moment(received_at),
        "stakeholder_group": stakeholder_group,
        "age_band": age_band,
        "municipality": municipality,
        "organisation": organisation_of(organisation_id, organisation_name, organisation_verified),
        "publish_text": publish_text,
        "publish_name": publish_name,
        "comments": [_comment(*item) for item in comments],
        "answers": [
            {"question": position, "value": value}
            for position, value in sorted(answers, key=lambda a: a[0])
        ],
    }
    if nonce is not None:
        content["nonce"] = nonce
    if attachments:
        content["attachments"] = [
            {"name": name, "type": content_type, "size": size, "sha256": sha256}
            for name, content_type, size, sha256 in attachments
        ]
    return content
