"""Questionnaire answers given after sending: when (null for answers sent with the
submission, which its content hash holds).

Revision ID: 0021_later_answers
Revises: 0020_outbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0021_later_answers"
down_revision: str | Sequence[str] | None = "0020_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question_answers") as batch:
        batch.add_column(sa.Column("answered_later_at", consult.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question_answers") as batch:
        batch.drop_column("answered_later_at")
