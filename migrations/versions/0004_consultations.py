"""Schema changes of the consultations domain (issue 4 work in progress; squashed before release).

Revision ID: 0004_consultations
Revises: 0003_documents
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import consult.db  # noqa: F401

revision: str = "0004_consultations"
down_revision: str | Sequence[str] | None = "0003_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
