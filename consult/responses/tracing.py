"""Which version follows the consulted one, and which of its sections changed because of answers.

(Partly written by the lead; the rest is being written.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.consultations.models import Consultation
from consult.documents.models import DocumentVersion


def next_version(session: Session, consultation: Consultation) -> DocumentVersion | None:
    """The newest version of the document after the consulted one, if the region made one."""
    consulted = consultation.version
    return session.scalars(
        select(DocumentVersion)
        .where(
            DocumentVersion.document_id == consulted.document_id,
            DocumentVersion.number > consulted.number,
        )
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    ).first()
