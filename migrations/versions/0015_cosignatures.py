"""Witnesses' cosignatures of the record's checkpoints (C2SP tlog-cosignature/v1).

``record_cosignatures`` is append-only like the rest of the record: UPDATE and DELETE are
refused on both databases, TRUNCATE on PostgreSQL.

Revision ID: 0015_cosignatures
Revises: 0014_document_imports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0015_cosignatures"
down_revision: str | Sequence[str] | None = "0014_document_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (trigger name, event, message): fixed names, never input (the f-strings build DDL).
RULES = [
    ("record_cosignature_fixed", "UPDATE", "a cosignature never changes"),
    ("record_cosignature_kept", "DELETE", "a cosignature is never deleted"),
]
TABLE = "record_cosignatures"


def _trigger(name: str, event: str, message: str) -> None:
    row = "OLD" if event == "DELETE" else "NEW"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {TABLE} FOR EACH ROW "
            f"BEGIN SELECT RAISE(ABORT, 'consult: {message}'); END"
        )
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION consult_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'consult: {message}' USING ERRCODE = 'integrity_constraint_violation';
            RETURN {row};
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {event} ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION consult_{name}()"
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=44), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.String(length=120), nullable=False),
        sa.Column("received_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["record_checkpoints.id"],
            name=op.f("fk_record_cosignatures_checkpoint_id_record_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_cosignatures")),
        sa.UniqueConstraint(
            "checkpoint_id",
            "public_key",
            name=op.f("uq_record_cosignatures_checkpoint_id_public_key"),
        ),
    )
    op.create_index(
        op.f("ix_record_cosignatures_checkpoint_id"), TABLE, ["checkpoint_id"], unique=False
    )
    for rule in RULES:
        _trigger(*rule)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION consult_record_cosignatures_not_truncated() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'consult: record_cosignatures is evidence and is never truncated';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER record_cosignatures_not_truncated BEFORE TRUNCATE ON "
            "record_cosignatures FOR EACH STATEMENT EXECUTE FUNCTION "
            "consult_record_cosignatures_not_truncated()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS record_cosignatures_not_truncated ON record_cosignatures"
        )
        op.execute("DROP FUNCTION IF EXISTS consult_record_cosignatures_not_truncated()")
    for name, _event, _message in RULES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
            op.execute(f"DROP FUNCTION IF EXISTS consult_{name}()")
    op.drop_index(op.f("ix_record_cosignatures_checkpoint_id"), table_name=TABLE)
    op.drop_table(TABLE)
