"""Files sent with a submission."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from consult.comments.models import Submission
from consult.files.models import Attachment


def attachment(
    session: Session,
    submission: Submission,
    data: bytes = b"%PDF-1.4 test",
    *,
    filename: str = "brief.pdf",
    content_type: str = "application/pdf",
) -> Attachment:
    """A file of ``submission``, stored as the upload check leaves it (size and SHA-256)."""
    item = Attachment(
        submission_id=submission.id,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    session.add(item)
    session.flush()
    return item
