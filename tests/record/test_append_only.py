"""The database refuses to change or remove the record (triggers of migration 0005)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from consult.ledger import checkpoints, services
from consult.ledger.models import RecordCheckpoint, RecordEvent, RecordHead, RecordNode
from tests import factories


def refused(session, statement) -> str:
    """Run ``statement`` in a savepoint and return the database's refusal."""
    with pytest.raises(DBAPIError) as error, session.begin_nested():
        session.execute(statement)
    return str(error.value.orig)


@pytest.fixture
def record(session, consultation, in_app):
    factories.record_events(session, consultation, 4)
    checkpoint = checkpoints.make(session, "manual")
    assert checkpoint is not None
    return checkpoint


def test_events_cannot_be_changed_or_deleted(session, record):
    assert "a record event never changes" in refused(
        session, update(RecordEvent).where(RecordEvent.leaf_index == 1).values(kind="x")
    )
    assert "a record event never changes" in refused(
        session, update(RecordEvent).values(payload={})
    )
    assert "a record event is never deleted" in refused(
        session, delete(RecordEvent).where(RecordEvent.leaf_index == 3)
    )


def test_nodes_and_checkpoints_cannot_be_changed_or_deleted(session, record):
    assert "a node of the record tree never changes" in refused(
        session, update(RecordNode).values(hash="0" * 64)
    )
    assert "never deleted" in refused(session, delete(RecordNode))
    assert "a signed checkpoint never changes" in refused(
        session, update(RecordCheckpoint).values(root_hash="0" * 64)
    )
    assert "a signed checkpoint is never deleted" in refused(session, delete(RecordCheckpoint))


def test_the_head_only_grows(session, record):
    assert "the record head only grows" in refused(
        session, update(RecordHead).values(tree_size=RecordHead.tree_size - 1)
    )
    assert "the record head only grows" in refused(
        session,
        update(RecordHead).values(frontier=[]),  # same size, another tree
    )
    assert "the record head is never deleted" in refused(session, delete(RecordHead))
    # Appending still grows it.
    services.append(
        session,
        kind="comment_reported",
        consultation=None,
        object_type="comment",
        object_id="comment:9",
        actor_role="participant",
    )
    assert services.head(session).tree_size == 5


@pytest.mark.parametrize("table", ["record_events", "record_nodes", "record_checkpoints"])
def test_a_table_of_the_record_cannot_be_emptied(session, record, table):
    """TRUNCATE on PostgreSQL; SQLite has none, and its unconditional DELETE (which it
    would otherwise run as a truncate) is refused row by row."""
    if session.get_bind().dialect.name == "postgresql":
        message = refused(session, text(f"TRUNCATE {table} CASCADE"))
        assert f"{table} is evidence and is never truncated" in message
    else:
        assert "never deleted" in refused(session, text(f"DELETE FROM {table}"))


def test_the_head_cannot_be_emptied(session, record):
    if session.get_bind().dialect.name == "postgresql":
        assert "never truncated" in refused(session, text("TRUNCATE record_head"))
    else:
        assert "never deleted" in refused(session, text("DELETE FROM record_head"))
