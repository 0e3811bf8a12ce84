"""A random nonce in each new submission's content, and an index to find an object's events.

The nonce makes the content hash (printed on the receipt and kept in the record) hiding:
without it, someone holding the record could try short texts or questionnaire answers
until a hash matched. Submissions received before keep their content and hash as they
were (no nonce).

The index serves the receipt's inclusion proof (the ``submission_received`` event of a
tracking code) and the cross-checks, which look events up by object.

The column is added with ALTER TABLE on both databases (no table copy on SQLite), so the
evidence triggers of ``submissions`` stay in place.

Revision ID: 0007_record_lookup
Revises: 0006_lundy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_record_lookup"
down_revision: str | Sequence[str] | None = "0006_lundy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("content_nonce", sa.String(length=32), nullable=True))
    op.create_index("ix_record_events_object", "record_events", ["object_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_record_events_object", table_name="record_events")
    if op.get_bind().dialect.name == "sqlite":
        # DROP COLUMN on SQLite refuses nothing here (no index or constraint uses it).
        op.execute("ALTER TABLE submissions DROP COLUMN content_nonce")
    else:
        op.drop_column("submissions", "content_nonce")
