"""The Lundy checklist: per consultation and element, what the region did, with links.

Statements are not evidence themselves while they are written; the reactienota edition
that publishes them keeps a frozen copy in its content.

Revision ID: 0006_lundy
Revises: 0005_record
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0006_lundy"
down_revision: str | Sequence[str] | None = "0005_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lundy_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column(
            "element",
            sa.Enum(
                "space",
                "voice",
                "audience",
                "influence",
                name="lundyelement",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("what_we_did", sa.Text(), nullable=False),
        sa.Column("evidence_links", sa.JSON(), nullable=False),
        sa.Column("updated_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "length(what_we_did) BETWEEN 1 AND 4000",
            name=op.f("ck_lundy_statements_what_we_did_length"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_lundy_statements_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_lundy_statements_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lundy_statements")),
        sa.UniqueConstraint(
            "consultation_id", "element", name=op.f("uq_lundy_statements_consultation_id_element")
        ),
    )


def downgrade() -> None:
    op.drop_table("lundy_statements")
