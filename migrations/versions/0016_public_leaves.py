"""Public leaves: the salt of a submission's commitment to its sender's group, age band
and municipality, so the record's leaves can be published (C2SP tiles) without them.

``submissions.attributes_salt`` is on the live table, not in the append-only record: the
record holds only the commitment, and erasing the salt leaves the commitment pointing at
nobody while the record still verifies.

Revision ID: 0016_public_leaves
Revises: 0015_cosignatures
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_public_leaves"
down_revision: str | Sequence[str] | None = "0015_cosignatures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("attributes_salt", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("attributes_salt")
