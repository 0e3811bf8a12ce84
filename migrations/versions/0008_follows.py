"""Follows of regions, consultations and organisations, and the notices sent to followers.

Revision ID: 0008_follows
Revises: 0007_record_lookup
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0008_follows"
down_revision: str | Sequence[str] | None = "0007_record_lookup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "target_kind",
            _enum("targetkind", "region", "consultation", "organisation"),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("frequency", _enum("frequency", "immediate", "daily"), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint(
            "user_id",
            "target_kind",
            "target_id",
            name=op.f("uq_follows_user_id_target_kind_target_id"),
        ),
    )
    op.create_index("ix_follows_target", "follows", ["target_kind", "target_id"])
    op.create_index(op.f("ix_follows_user_id"), "follows", ["user_id"])
    op.create_table(
        "follow_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("follow_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=160), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_follow_notices_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["follow_id"],
            ["follows.id"],
            name=op.f("fk_follow_notices_follow_id_follows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_follow_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_notices")),
        sa.UniqueConstraint(
            "user_id", "event_key", name=op.f("uq_follow_notices_user_id_event_key")
        ),
    )
    op.create_index(
        op.f("ix_follow_notices_consultation_id"), "follow_notices", ["consultation_id"]
    )
    op.create_index(op.f("ix_follow_notices_follow_id"), "follow_notices", ["follow_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_notices_follow_id"), table_name="follow_notices")
    op.drop_index(op.f("ix_follow_notices_consultation_id"), table_name="follow_notices")
    op.drop_table("follow_notices")
    op.drop_index(op.f("ix_follows_user_id"), table_name="follows")
    op.drop_index("ix_follows_target", table_name="follows")
    op.drop_table("follows")
