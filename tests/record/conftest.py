"""Helpers for the record tests: events on a consultation, and tampering past the triggers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from consult.record import services
from consult.record.models import RecordEvent
from tests import factories

# The evidence triggers of migration 0005, by table (SQLite drops them; PostgreSQL skips
# every trigger for the transaction with session_replication_role).
TRIGGERS = {
    "record_events": ["record_event_fixed", "record_event_kept"],
    "record_nodes": ["record_node_fixed", "record_node_kept"],
    "record_checkpoints": ["record_checkpoint_fixed", "record_checkpoint_kept"],
    "record_head": ["record_head_grows", "record_head_kept"],
    "comments": ["comment_text_fixed", "comment_kept"],
    "submissions": ["receipt_fixed", "submission_kept"],
}


@contextlib.contextmanager
def tampering(session: Session) -> Iterator[None]:
    """What someone with direct database access could do: the triggers are off until the
    test's transaction is rolled back (DDL is transactional on both databases)."""
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        for names in TRIGGERS.values():
            for name in names:
                session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    yield
    session.flush()
    session.expire_all()


@pytest.fixture
def in_app(app) -> Iterator[None]:
    """An app context, for what reads settings (the signing key, the checkpoint origin).
    Not for tests that use the client."""
    with app.app_context():
        yield


@pytest.fixture
def consultation(session):
    return factories.consultation(session)


def record_some(session: Session, consultation, count: int, **kwargs) -> list[RecordEvent]:
    """``count`` events in the consultation's chain (comment reports, say)."""
    return [
        services.append(
            session,
            kind=kwargs.get("kind", "comment_reported"),
            consultation=consultation,
            object_type="comment",
            object_id=f"comment:{n}",
            actor_role="participant",
            payload={"number": n},
        )
        for n in range(count)
    ]
