"""The channel a submission came in by, and the kept PDF of a locked version.

``submissions.via_code``: the channel code of a poster's link (``?via=school``).
Only the code is kept (at most 30 characters of [a-z0-9-], checked by the service; the
database checks the length). On SQLite the column is added with ALTER TABLE, not by
rebuilding the table, so the triggers that keep submissions fixed stay in place.

``version_pdfs``: a locked version laid out as a tagged PDF, made once and kept.

Revision ID: 0017_submission_channel
Revises: 0016_public_leaves
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

revision: str = "0017_submission_channel"
down_revision: str | Sequence[str] | None = "0016_public_leaves"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "ck_submissions_via_code_length"
RULE = "length(via_code) BETWEEN 1 AND 30"


def upgrade() -> None:
    op.create_table(
        "version_pdfs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_version_pdfs_not_empty")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_version_pdfs_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_pdfs")),
        sa.UniqueConstraint("version_id", name=op.f("uq_version_pdfs_version_id")),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE submissions ADD COLUMN via_code VARCHAR(30) CONSTRAINT {CHECK} CHECK ({RULE})"
        )
    else:
        op.add_column("submissions", sa.Column("via_code", sa.String(length=30), nullable=True))
        op.create_check_constraint(op.f(CHECK), "submissions", RULE)


def downgrade() -> None:
    op.drop_table("version_pdfs")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE submissions DROP COLUMN via_code")
    else:
        op.drop_constraint(op.f(CHECK), "submissions", type_="check")
        op.drop_column("submissions", "via_code")
