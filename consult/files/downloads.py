"""Serving a stored attachment: always as a download, never as a page in our origin.

One function for every route that hands out an :class:`Attachment` (a submission's file,
an offline activity's file), so each gets the same protective headers.
"""

from __future__ import annotations

from io import BytesIO
from typing import Protocol

from flask import send_file
from werkzeug.wrappers import Response


class StoredFile(Protocol):
    """A file checked by content when it was stored (``comments.models.Attachment``)."""

    data: bytes
    content_type: str
    filename: str


# A sandboxed document with no sources: even a browser that renders it runs nothing.
ATTACHMENT_CSP = "default-src 'none'; sandbox"


def send_attachment(attachment: StoredFile) -> Response:
    """The file with the content type stored when it was checked, as an attachment."""
    response = send_file(
        BytesIO(attachment.data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = ATTACHMENT_CSP
    return response
