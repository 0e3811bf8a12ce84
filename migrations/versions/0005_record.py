"""The evidence record: events, the Merkle tree's nodes, its head, signed checkpoints.

Events, nodes and checkpoints are append-only: the database refuses UPDATE and DELETE on
them (both databases) and TRUNCATE (PostgreSQL). The head is the one row every append
updates; it may only grow (a larger tree_size) and is never deleted. The migration
inserts it, for an empty tree.

Revision ID: 0005_record
Revises: 0004_answers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0005_record"
down_revision: str | Sequence[str] | None = "0004_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("made_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "state_change",
                "hourly",
                "manual",
                name="checkpointreason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("tree_size >= 1", name=op.f("ck_record_checkpoints_tree_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_checkpoints")),
    )
    with op.batch_alter_table("record_checkpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_checkpoints_tree_size"), ["tree_size"], unique=False
        )

    op.create_table(
        "record_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_record_head_one_row")),
        sa.CheckConstraint("tree_size >= 0", name=op.f("ck_record_head_tree_size_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_head")),
    )
    op.create_table(
        "record_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_record_nodes_level_from_one")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_nodes")),
        sa.UniqueConstraint("level", "position", name=op.f("uq_record_nodes_level_position")),
    )
    op.create_table(
        "record_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("chain", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_role", sa.String(length=30), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("leaf_index >= 0", name=op.f("ck_record_events_leaf_index_from_zero")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_record_events_seq_from_one")),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_record_events_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_events")),
        sa.UniqueConstraint("chain", "seq", name=op.f("uq_record_events_chain_seq")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_record_events_leaf_index")),
    )
    with op.batch_alter_table("record_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_events_consultation_id"), ["consultation_id"], unique=False
        )

    op.execute("INSERT INTO record_head (id, tree_size, frontier) VALUES (1, 0, '[]')")
    _protect_record()


def downgrade() -> None:
    _unprotect_record()
    with op.batch_alter_table("record_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_events_consultation_id"))

    op.drop_table("record_events")
    op.drop_table("record_nodes")
    op.drop_table("record_head")
    with op.batch_alter_table("record_checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_checkpoints_tree_size"))

    op.drop_table("record_checkpoints")


# -- append-only ---------------------------------------------------------------------------------

# (trigger name, table, event, condition on OLD/NEW or None for always, message)
RULES = [
    ("record_event_fixed", "record_events", "UPDATE", None, "a record event never changes"),
    ("record_event_kept", "record_events", "DELETE", None, "a record event is never deleted"),
    (
        "record_node_fixed",
        "record_nodes",
        "UPDATE",
        None,
        "a node of the record tree never changes",
    ),
    (
        "record_node_kept",
        "record_nodes",
        "DELETE",
        None,
        "a node of the record tree is never deleted",
    ),
    (
        "record_checkpoint_fixed",
        "record_checkpoints",
        "UPDATE",
        None,
        "a signed checkpoint never changes",
    ),
    (
        "record_checkpoint_kept",
        "record_checkpoints",
        "DELETE",
        None,
        "a signed checkpoint is never deleted",
    ),
    (
        "record_head_grows",
        "record_head",
        "UPDATE",
        "NEW.tree_size <= OLD.tree_size OR NEW.id <> OLD.id",
        "the record head only grows",
    ),
    ("record_head_kept", "record_head", "DELETE", None, "the record head is never deleted"),
]
TRUNCATE_PROTECTED = ["record_events", "record_nodes", "record_checkpoints", "record_head"]


def _protect_record() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, event, condition, message in RULES:
        row = "OLD" if event == "DELETE" else "NEW"
        if dialect == "sqlite":
            when = f"WHEN {condition} " if condition else ""
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {when}"
                f"BEGIN SELECT RAISE(ABORT, 'consult: {message}'); END"
            )
            continue
        check = f"IF {condition} THEN" if condition else "IF TRUE THEN"
        op.execute(
            f"""
            CREATE FUNCTION consult_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
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
    if dialect == "postgresql":
        for table in TRUNCATE_PROTECTED:
            op.execute(
                f"""
                CREATE FUNCTION consult_{table}_not_truncated() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'consult: {table} is evidence and is never truncated';
                END $$
                """
            )
            op.execute(
                f"CREATE TRIGGER {table}_not_truncated BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION consult_{table}_not_truncated()"
            )


def _unprotect_record() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _event, _condition, _message in RULES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS consult_{name}()")
    if dialect == "postgresql":
        for table in TRUNCATE_PROTECTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_not_truncated ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS consult_{table}_not_truncated()")
