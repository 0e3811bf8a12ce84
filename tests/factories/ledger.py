"""Events in the record, written by the ledger's own service."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult.consultations.models import Consultation
from consult.ledger import services
from consult.ledger.models import RecordEvent


def record_events(
    session: Session, consultation: Consultation, count: int, *, kind: str = "comment_reported"
) -> list[RecordEvent]:
    """``count`` events in the consultation's chain (comment reports, say), numbered from 0."""
    return [
        services.append(
            session,
            kind=kind,
            consultation=consultation,
            object_type="comment",
            object_id=f"comment:{n}",
            actor_role="participant",
            payload={"number": n},
        )
        for n in range(count)
    ]
