"""An index on a consultation's comments in order (``ix_comments_consultation_order``).

A streamed export reads one consultation's comments oldest first through a cursor; with
only the primary key to keep that order, PostgreSQL walked the comments of every
consultation and dropped the others', which grows with the platform, not the consultation.

Revision ID: 0024_comment_order_index
Revises: 0023_record_event_kind_index
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_comment_order_index"
down_revision: str | Sequence[str] | None = "0023_record_event_kind_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_comments_consultation_order", "comments", ["consultation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_comments_consultation_order", table_name="comments")
