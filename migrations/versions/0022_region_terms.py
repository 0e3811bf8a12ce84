"""A region's own words and their plain explanations (``region_terms``).

Revision ID: 0022_region_terms
Revises: 0021_later_answers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_region_terms"
down_revision: str | Sequence[str] | None = "0021_later_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("explanation", sa.String(length=400), nullable=False),
        sa.CheckConstraint("length(term) > 0", name=op.f("ck_region_terms_term_not_empty")),
        sa.CheckConstraint(
            "length(explanation) > 0", name=op.f("ck_region_terms_explanation_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_region_terms_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_terms")),
    )
    op.create_index(
        "uq_region_terms_region_term", "region_terms", ["region_id", "term"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_region_terms_region_term", table_name="region_terms")
    op.drop_table("region_terms")
