"""An index on the record's events by kind, in leaf order (``ix_record_events_kind``).

``consult record verify`` runs a dozen cross-checks that each read the events of a few
kinds in leaf order; without this index each of them scanned the whole record (about
0.4 s per check at a million events on PostgreSQL, most of them finding nothing).

Revision ID: 0023_record_event_kind_index
Revises: 0022_region_terms
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_record_event_kind_index"
down_revision: str | Sequence[str] | None = "0022_region_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_record_events_kind", "record_events", ["kind", "leaf_index"])


def downgrade() -> None:
    op.drop_index("ix_record_events_kind", table_name="record_events")
