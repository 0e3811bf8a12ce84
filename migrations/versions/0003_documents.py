"""Schema changes of the documents domain (issue 4 work in progress; squashed before release).

Revision ID: 0003_documents
Revises: e1c5149fb3c6
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import consult.db  # noqa: F401

revision: str = "0003_documents"
down_revision: str | Sequence[str] | None = "e1c5149fb3c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
