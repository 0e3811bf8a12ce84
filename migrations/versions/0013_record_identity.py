"""The record's fixed identity and promises: signed promises of inclusion, and the head
counts the checkpoints ever signed.

``record_promises`` (one signed promise per submission's leaf, made when it is stored) is
append-only like the rest of the record. ``record_head.checkpoint_count`` lets ``verify``
notice a deleted checkpoint row, the latest one too; the head's trigger now lets the head
stay the same size while the count grows (a checkpoint signs an unchanged tree), and
refuses either shrinking.

Revision ID: 0012_record_identity
Revises: 0011_search
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0013_record_identity"
down_revision: str | Sequence[str] | None = "0012_council_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (trigger name, table, event, condition on OLD/NEW or None for always, message): fixed
# names, never input: the f-strings below build DDL, not queries with data in them.
RULES = [
    ("record_promise_fixed", "record_promises", "UPDATE", None, "a signed promise never changes"),
    ("record_promise_kept", "record_promises", "DELETE", None, "a signed promise is never deleted"),
]
HEAD_OLD = "NEW.tree_size <= OLD.tree_size OR NEW.id <> OLD.id"
HEAD_NEW = (
    "NEW.tree_size < OLD.tree_size OR NEW.checkpoint_count < OLD.checkpoint_count "
    "OR NEW.id <> OLD.id "
    "OR (NEW.tree_size = OLD.tree_size AND NEW.checkpoint_count = OLD.checkpoint_count)"
)


def _trigger(name: str, table: str, event: str, condition: str | None, message: str) -> None:
    row = "OLD" if event == "DELETE" else "NEW"
    if op.get_bind().dialect.name == "sqlite":
        when = f"WHEN {condition} " if condition else ""
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {when}"
            f"BEGIN SELECT RAISE(ABORT, 'consult: {message}'); END"
        )
        return
    check = f"IF {condition} THEN" if condition else "IF TRUE THEN"
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION consult_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {check}
                RAISE EXCEPTION 'consult: {message}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN {row};
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION consult_{name}()"
    )


def _drop_trigger(name: str, table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS consult_{name}()")


def upgrade() -> None:
    op.create_table(
        "record_promises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("made_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "leaf_index >= 0", name=op.f("ck_record_promises_promise_leaf_from_zero")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_promises")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_record_promises_leaf_index")),
    )
    for rule in RULES:
        _trigger(*rule)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION consult_record_promises_not_truncated() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'consult: record_promises is evidence and is never truncated';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER record_promises_not_truncated BEFORE TRUNCATE ON record_promises "
            "FOR EACH STATEMENT EXECUTE FUNCTION consult_record_promises_not_truncated()"
        )

    _drop_trigger("record_head_grows", "record_head")
    op.add_column(
        "record_head",
        sa.Column("checkpoint_count", sa.Integer(), server_default="0", nullable=False),
    )
    op.execute(
        "UPDATE record_head SET checkpoint_count = (SELECT count(*) FROM record_checkpoints)"
    )
    _trigger("record_head_grows", "record_head", "UPDATE", HEAD_NEW, "the record head only grows")


def downgrade() -> None:
    _drop_trigger("record_head_grows", "record_head")
    with op.batch_alter_table("record_head", schema=None) as batch_op:
        batch_op.drop_column("checkpoint_count")
    _trigger("record_head_grows", "record_head", "UPDATE", HEAD_OLD, "the record head only grows")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS record_promises_not_truncated ON record_promises")
        op.execute("DROP FUNCTION IF EXISTS consult_record_promises_not_truncated()")
    for name, table, *_rest in RULES:
        _drop_trigger(name, table)
    op.drop_table("record_promises")
