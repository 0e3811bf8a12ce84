"""Comments without e-mail: a submission a moderator approves or rejects first.

``submissions`` gets ``premoderated`` (sent without an account and without an e-mail
address), the states ``awaiting`` and ``rejected``, and the rejection's moment, reason and
note. A CHECK keeps both states to premoderated submissions.

SQLite cannot alter a CHECK constraint, and rebuilding ``submissions`` would drop its
evidence triggers and trip the foreign keys that point at it; as in ``0004_answers``, the
state check is edited in the stored schema text (SQLite manual, ALTER TABLE section 7),
which changes no stored data. The new columns are added with ``ALTER TABLE ADD COLUMN``,
their checks inline. PostgreSQL alters the constraints themselves.

Revision ID: 0018_premoderation
Revises: 0017_submission_channel
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0018_premoderation"
down_revision: str | Sequence[str] | None = "0017_submission_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES_BEFORE = ("pending", "confirmed", "discarded")
STATES_AFTER = (*STATES_BEFORE, "awaiting", "rejected")
STATE_CHECK = "ck_submissions_submissionstate"
REASONS = ("personal_data", "offensive", "discrimination", "threat", "spam", "other")
REASON_CHECK = "ck_submissions_rejection_reason"
AWAITS_CHECK = "ck_submissions_only_premoderated_awaits"
AWAITS = "premoderated OR state NOT IN ('awaiting', 'rejected')"
NEW_COLUMNS = ("rejection_note", "rejection_reason", "rejected_at", "premoderated")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_state_check(STATES_BEFORE, STATES_AFTER)
        for column in (
            f"premoderated BOOLEAN DEFAULT 0 NOT NULL CONSTRAINT {AWAITS_CHECK} CHECK ({AWAITS})",
            "rejected_at DATETIME",
            f"rejection_reason VARCHAR(14) CONSTRAINT {REASON_CHECK} "
            f"CHECK ({_in('rejection_reason', REASONS)})",
            "rejection_note TEXT",
        ):
            op.execute(f"ALTER TABLE submissions ADD COLUMN {column}")
        return
    op.execute(f"ALTER TABLE submissions DROP CONSTRAINT {STATE_CHECK}")
    op.execute(
        f"ALTER TABLE submissions ADD CONSTRAINT {STATE_CHECK} CHECK ({_in('state', STATES_AFTER)})"
    )
    op.add_column(
        "submissions",
        sa.Column("premoderated", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "submissions",
        sa.Column("rejected_at", consult.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("submissions", sa.Column("rejection_reason", sa.String(14), nullable=True))
    op.add_column("submissions", sa.Column("rejection_note", sa.Text(), nullable=True))
    op.execute(
        f"ALTER TABLE submissions ADD CONSTRAINT {REASON_CHECK} "
        f"CHECK ({_in('rejection_reason', REASONS)})"
    )
    op.execute(f"ALTER TABLE submissions ADD CONSTRAINT {AWAITS_CHECK} CHECK ({AWAITS})")


def downgrade() -> None:
    # Before this revision nobody could send without e-mail: one still waiting goes back to
    # waiting for a confirmation it will not get (and is discarded), a rejected one is
    # discarded. The record keeps what happened.
    op.execute("UPDATE submissions SET state = 'pending' WHERE state = 'awaiting'")
    op.execute("UPDATE submissions SET state = 'discarded' WHERE state = 'rejected'")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for column in NEW_COLUMNS:
            op.execute(f"ALTER TABLE submissions DROP COLUMN {column}")
        _sqlite_state_check(STATES_AFTER, STATES_BEFORE)
        return
    op.execute(f"ALTER TABLE submissions DROP CONSTRAINT {AWAITS_CHECK}")
    op.execute(f"ALTER TABLE submissions DROP CONSTRAINT {REASON_CHECK}")
    for column in NEW_COLUMNS:
        op.drop_column("submissions", column)
    op.execute(f"ALTER TABLE submissions DROP CONSTRAINT {STATE_CHECK}")
    op.execute(
        f"ALTER TABLE submissions ADD CONSTRAINT {STATE_CHECK} CHECK ({_in('state', STATES_BEFORE)})"
    )


def _sqlite_state_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Swap the state's CHECK in the stored CREATE TABLE text (no data changes)."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'submissions'"
    ).scalar_one()
    changed = sql.replace(_in("state", old), _in("state", new))
    if changed == sql:
        raise RuntimeError("could not find the state check of submissions.state")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'submissions'",
        (changed,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
