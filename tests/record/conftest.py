"""Helpers for the record tests: events on a consultation, and tampering past the triggers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests import factories


@contextlib.contextmanager
def tampering(session: Session) -> Iterator[None]:
    """What someone with direct database access could do: the triggers are off until the
    test's transaction is rolled back (DDL is transactional on both databases). PostgreSQL
    skips every trigger for the transaction (session_replication_role); SQLite drops every
    trigger (the record's of migration 0005, and those that guard comments, submissions,
    answers, versions and reports) and, as a careful intruder would, puts them back
    afterwards (that the triggers are missing is a failure of its own)."""
    session.flush()
    postgresql = session.get_bind().dialect.name == "postgresql"
    saved: list[tuple[str, str]] = []
    if postgresql:
        session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        saved = list(
            session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        )
        for name, _sql in saved:
            session.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))
    yield
    session.flush()
    if postgresql:
        session.execute(text("SET LOCAL session_replication_role = origin"))
    for _name, sql in saved:
        session.execute(text(sql))
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
