"""Council decisions: each member municipality's council decides on the regiovisie.

One row per consultation and municipality (a correction replaces its values; the evidence
record keeps every entry as a ``council_decision_recorded`` event).

Revision ID: 0012_council_decisions
Revises: 0011_search
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0012_council_decisions"
down_revision: str | Sequence[str] | None = "0011_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOMES = ("adopted", "adopted_with_amendments", "rejected", "postponed")


def upgrade() -> None:
    op.create_table(
        "council_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(*OUTCOMES, name="counciloutcome", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("recorded_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("corrections", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "corrections >= 0", name=op.f("ck_council_decisions_corrections_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_council_decisions_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_council_decisions_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_council_decisions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_decisions")),
        sa.UniqueConstraint(
            "consultation_id",
            "municipality_id",
            name=op.f("uq_council_decisions_consultation_id_municipality_id"),
        ),
    )
    with op.batch_alter_table("council_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_decisions_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_decisions_municipality_id"), ["municipality_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("council_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_decisions_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_council_decisions_consultation_id"))
    op.drop_table("council_decisions")
