"""Schema changes of the comments domain (issue 4 work in progress; squashed before release).

Revision ID: 0005_comments
Revises: 0004_consultations
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import consult.db  # noqa: F401

revision: str = "0005_comments"
down_revision: str | Sequence[str] | None = "0004_consultations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
