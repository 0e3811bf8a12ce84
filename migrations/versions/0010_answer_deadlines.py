"""Answer deadlines: the day a region promises its answers, and each move of it.

Consultations that are no longer drafts get the default promise: eight weeks after the
Amsterdam day they close (the region's new ``answer_weeks``).

Revision ID: 0010_answer_deadlines
Revises: 0009_api_tokens
"""

from collections.abc import Sequence
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0010_answer_deadlines"
down_revision: str | Sequence[str] | None = "0009_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_WEEKS = 8
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def upgrade() -> None:
    op.create_table(
        "consultation_answer_date_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("old_due_on", sa.Date(), nullable=False),
        sa.Column("new_due_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "new_due_on <> old_due_on", name=op.f("ck_consultation_answer_date_changes_moved")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_consultation_answer_date_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_answer_date_changes_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_answer_date_changes")),
    )
    with op.batch_alter_table("consultation_answer_date_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_answer_date_changes_consultation_id"),
            ["consultation_id"],
            unique=False,
        )

    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_due_on", sa.Date(), nullable=True))

    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "answer_weeks",
                sa.Integer(),
                server_default=sa.text(str(DEFAULT_WEEKS)),
                nullable=False,
            )
        )
        batch_op.create_check_constraint("answer_weeks_in_range", "answer_weeks BETWEEN 1 AND 26")

    consultations = sa.table(
        "consultations",
        sa.column("id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("closes_at", consult.db.UTCDateTime(timezone=True)),
        sa.column("answers_due_on", sa.Date),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(consultations.c.id, consultations.c.closes_at).where(
            consultations.c.state != "draft"
        )
    ).all()
    for consultation_id, closes_at in rows:
        closes = closes_at if closes_at.tzinfo else closes_at.replace(tzinfo=UTC)
        due = closes.astimezone(AMSTERDAM).date() + timedelta(weeks=DEFAULT_WEEKS)
        bind.execute(
            consultations.update()
            .where(consultations.c.id == consultation_id)
            .values(answers_due_on=due)
        )


def downgrade() -> None:
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_regions_answer_weeks_in_range"), type_="check")
        batch_op.drop_column("answer_weeks")

    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_column("answers_due_on")

    with op.batch_alter_table("consultation_answer_date_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_answer_date_changes_consultation_id"))

    op.drop_table("consultation_answer_date_changes")
