"""Consultations in a given state, and their questions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from consult.consultations.models import (
    Consultation,
    ConsultationState,
    Question,
    QuestionKind,
)
from consult.db import utcnow
from consult.documents.models import DocumentVersion
from tests.factories._support import next_number
from tests.factories.documents import document_version


def consultation(
    session: Session,
    version: DocumentVersion | None = None,
    *,
    state: str = "open",
    opens_in_days: float = -7,
    closes_in_days: float = 35,
    slug: str | None = None,
) -> Consultation:
    """A consultation on ``version`` (a fresh one when None), by default open for five weeks."""
    version = version or document_version(session, locked=state != "draft")
    now = utcnow()
    item = Consultation(
        slug=slug or f"consultatie-{next_number()}",
        region_id=version.document.region_id,
        version=version,
        title=f"Consultatie {version.document.title}",
        introduction="Vertel ons wat jij vindt.",
        contact_name="Team Jeugd",
        contact_email="jeugd@example.org",
        opens_at=now + timedelta(days=opens_in_days),
        closes_at=now + timedelta(days=closes_in_days),
        state=ConsultationState(state),
    )
    session.add(item)
    session.flush()
    return item


def draft_consultation(session: Session, region_code: str = "JZ22", **kwargs: Any) -> Consultation:
    """A draft on a fresh (unlocked) version that opens in a week and runs six weeks."""
    kwargs.setdefault("opens_in_days", 7)
    kwargs.setdefault("closes_in_days", 49)
    version = document_version(session, region_code)
    return consultation(session, version, state="draft", **kwargs)


def closed_consultation(
    session: Session,
    region_code: str = "JZ22",
    *,
    version: DocumentVersion | None = None,
    **kwargs: Any,
) -> Consultation:
    """Closed yesterday after seven weeks, on ``version`` (a fresh locked one when None):
    ready to be answered."""
    kwargs.setdefault("opens_in_days", -50)
    kwargs.setdefault("closes_in_days", -1)
    version = version or document_version(session, region_code, locked=True)
    return consultation(session, version, state="closed", **kwargs)


def question(
    session: Session,
    consultation: Consultation,
    text: str,
    kind: QuestionKind = QuestionKind.OPEN_TEXT,
    *,
    position: int,
    required: bool = False,
    options: Sequence[str] = (),
) -> Question:
    """Question number ``position`` of ``consultation``'s questionnaire.

    Made directly: the consultations' service only adds questions while the consultation
    is a draft, and tests need them on open consultations too.
    """
    item = Question(
        consultation=consultation,
        position=position,
        kind=kind,
        text=text,
        required=required,
        options=list(options),
    )
    session.add(item)
    session.flush()
    return item
