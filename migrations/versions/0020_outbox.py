"""The outbox: one row per mail, written with the change that causes it; and what a job
runs, so a job whose start was lost is started by the next poll.

Revision ID: 0020_outbox
Revises: 0019_paragraph_anchors
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0020_outbox"
down_revision: str | Sequence[str] | None = "0019_paragraph_anchors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("pending", "sending", "sent", "dead")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(*STATES, name="outboxstate", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", consult.db.UTCDateTime(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", consult.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", consult.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index(
        "ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"], unique=False
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("work", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("restarted_at", consult.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("restarted_at")
        batch.drop_column("work")
    op.drop_index("ix_outbox_state_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
