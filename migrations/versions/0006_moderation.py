"""Schema changes of the moderation domain (issue 4 work in progress; squashed before release).

Revision ID: 0006_moderation
Revises: 0005_comments
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import consult.db  # noqa: F401

revision: str = "0006_moderation"
down_revision: str | Sequence[str] | None = "0005_comments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
