"""Answers, comment groups, the reactienota, background jobs; two new consultation states.

A published answer, its links to comments and a published report edition are evidence:
the database refuses to change or delete them (a correction is a new row). A published
answer's only writable column is ``superseded_at``, written once when a correction
replaces it. The consultation states gain "answered" and "report_published".

Revision ID: 0004_answers
Revises: 0003_immutable_evidence
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consult.db

STATES_BEFORE = ("draft", "scheduled", "open", "closed")
STATES_AFTER = (*STATES_BEFORE, "answered", "report_published")
# (table, column, CHECK constraint name as the naming convention makes it)
STATE_COLUMNS = [
    ("consultations", "state", "ck_consultations_consultationstate"),
    ("consultation_state_changes", "from_state", "ck_consultation_state_changes_from_state"),
    ("consultation_state_changes", "to_state", "ck_consultation_state_changes_to_state"),
]


revision: str = "0004_answers"
down_revision: str | Sequence[str] | None = "0003_immutable_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="jobstate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_subject"), ["subject"], unique=False)

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column(
            "disposition",
            sa.Enum(
                "adopted",
                "partly_adopted",
                "not_adopted",
                "already_covered",
                "out_of_scope",
                "noted",
                name="disposition",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "approved",
                "published",
                name="answerstate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("drafted_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("self_approved", sa.Boolean(), nullable=False),
        sa.Column("published_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("correction_note", sa.Text(), nullable=False),
        sa.Column("superseded_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "disposition <> 'not_adopted' OR length(trim(reason)) > 0",
            name=op.f("ck_answers_not_adopted_has_reason"),
        ),
        sa.CheckConstraint(
            "state <> 'published' OR (published_at IS NOT NULL AND approved_at IS NOT NULL)",
            name=op.f("ck_answers_published_was_approved"),
        ),
        sa.CheckConstraint(
            "superseded_at IS NULL OR state = 'published'",
            name=op.f("ck_answers_only_published_superseded"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_answers_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_answers_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_id"],
            ["users.id"],
            name=op.f("fk_answers_drafted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_answers_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["answers.id"], name=op.f("fk_answers_supersedes_id_answers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_answers_supersedes_id")),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answers_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_index(
            "ix_answers_current", ["consultation_id", "state", "superseded_at"], unique=False
        )

    op.create_table(
        "response_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("generated_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("generated_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", consult.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("correction_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_response_reports_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["generated_by_id"],
            ["users.id"],
            name=op.f("fk_response_reports_generated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_response_reports_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_reports")),
        sa.UniqueConstraint(
            "consultation_id", "edition", name=op.f("uq_response_reports_consultation_id_edition")
        ),
    )
    with op.batch_alter_table("response_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_reports_consultation_id"), ["consultation_id"], unique=False
        )

    op.create_table(
        "answer_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_answer_sections_answer_id_answers")
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"],
            ["users.id"],
            name=op.f("fk_answer_sections_linked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_answer_sections_section_id_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_sections")),
        sa.UniqueConstraint(
            "answer_id", "section_id", name=op.f("uq_answer_sections_answer_id_section_id")
        ),
    )
    with op.batch_alter_table("answer_sections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_sections_answer_id"), ["answer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_answer_sections_section_id"), ["section_id"], unique=False
        )

    op.create_table(
        "response_report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["response_reports.id"],
            name=op.f("fk_response_report_files_report_id_response_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_report_files")),
        sa.UniqueConstraint(
            "report_id", "format", name=op.f("uq_response_report_files_report_id_format")
        ),
    )
    with op.batch_alter_table("response_report_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_report_files_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "answered_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_answered_comments_answer_id_answers")
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_answered_comments_comment_id_comments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answered_comments")),
        sa.UniqueConstraint(
            "answer_id", "comment_id", name=op.f("uq_answered_comments_answer_id_comment_id")
        ),
    )
    with op.batch_alter_table("answered_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answered_comments_answer_id"), ["answer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_answered_comments_comment_id"), ["comment_id"], unique=False
        )

    op.create_table(
        "comment_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("representative_id", sa.Integer(), nullable=False),
        sa.Column("created_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_comment_groups_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_comment_groups_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["representative_id"],
            ["comments.id"],
            name=op.f("fk_comment_groups_representative_id_comments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_groups")),
    )
    with op.batch_alter_table("comment_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_groups_consultation_id"), ["consultation_id"], unique=False
        )

    op.create_table(
        "comment_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("added_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_comment_group_members_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_group_members_comment_id_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["comment_groups.id"],
            name=op.f("fk_comment_group_members_group_id_comment_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_group_members")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_comment_group_members_comment_id")),
    )
    with op.batch_alter_table("comment_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_group_members_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "answer_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_answer_notices_answer_id_answers")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_answer_notices_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_notices")),
        sa.UniqueConstraint(
            "submission_id", "answer_id", name=op.f("uq_answer_notices_submission_id_answer_id")
        ),
    )
    with op.batch_alter_table("answer_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_notices_answer_id"), ["answer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_answer_notices_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "comment_kept_apart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("kept_apart_at", consult.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kept_apart_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_comment_kept_apart_comment_id_comments")
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_comment_kept_apart_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["kept_apart_by_id"],
            ["users.id"],
            name=op.f("fk_comment_kept_apart_kept_apart_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_kept_apart")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_comment_kept_apart_comment_id")),
    )
    with op.batch_alter_table("comment_kept_apart", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_kept_apart_consultation_id"), ["consultation_id"], unique=False
        )

    _set_states(STATES_AFTER)

    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "allow_self_approval", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )

    _protect_evidence()


def downgrade() -> None:
    _unprotect_evidence()
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_column("allow_self_approval")

    _set_states(STATES_BEFORE)

    with op.batch_alter_table("comment_kept_apart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_kept_apart_consultation_id"))
    op.drop_table("comment_kept_apart")

    with op.batch_alter_table("answer_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_notices_submission_id"))
        batch_op.drop_index(batch_op.f("ix_answer_notices_answer_id"))
    op.drop_table("answer_notices")

    with op.batch_alter_table("comment_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_group_members_group_id"))

    op.drop_table("comment_group_members")
    with op.batch_alter_table("comment_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_groups_consultation_id"))

    op.drop_table("comment_groups")
    with op.batch_alter_table("answered_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answered_comments_comment_id"))
        batch_op.drop_index(batch_op.f("ix_answered_comments_answer_id"))

    op.drop_table("answered_comments")
    with op.batch_alter_table("response_report_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_report_files_report_id"))

    op.drop_table("response_report_files")
    with op.batch_alter_table("answer_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_sections_section_id"))
        batch_op.drop_index(batch_op.f("ix_answer_sections_answer_id"))

    op.drop_table("answer_sections")
    with op.batch_alter_table("response_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_reports_consultation_id"))

    op.drop_table("response_reports")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_current")
        batch_op.drop_index(batch_op.f("ix_answers_consultation_id"))

    op.drop_table("answers")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_subject"))

    op.drop_table("jobs")


# -- the state columns -----------------------------------------------------------------------


def _check(column: str, states: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(state) for state in states)})"


def _set_states(states: tuple[str, ...]) -> None:
    """Widen (or narrow) the state columns and their CHECK constraints.

    SQLite cannot alter a CHECK constraint, and rebuilding these tables would drop the
    evidence triggers and trip the foreign keys that point at them; the SQLite manual
    (ALTER TABLE, section 7) describes editing the stored schema text instead, which
    changes no stored data. PostgreSQL alters the constraint itself.
    """
    length = max(len(state) for state in states)
    old = STATES_AFTER if states == STATES_BEFORE else STATES_BEFORE
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, column, constraint in STATE_COLUMNS:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR({length})")
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {constraint} CHECK ({_check(column, states)})"
            )
        return
    old_length = max(len(state) for state in old)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    for table in {table for table, _column, _constraint in STATE_COLUMNS}:
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar_one()
        for other_table, column, _constraint in STATE_COLUMNS:
            if other_table != table:
                continue
            before = sql
            sql = sql.replace(_check(column, old), _check(column, states))
            sql = sql.replace(f"{column} VARCHAR({old_length})", f"{column} VARCHAR({length})")
            if sql == before:
                raise RuntimeError(f"could not find the state check of {table}.{column}")
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
        )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


# -- evidence ----------------------------------------------------------------------------------

# (trigger name, table, event, condition on OLD/NEW or None for always, message)
RULES = [
    (
        "published_answer_fixed",
        "answers",
        "UPDATE",
        "OLD.state = 'published' AND ("
        "NEW.state <> OLD.state OR NEW.disposition <> OLD.disposition"
        " OR NEW.reason <> OLD.reason OR NEW.consultation_id <> OLD.consultation_id"
        " OR NEW.drafted_at <> OLD.drafted_at OR NEW.approved_at <> OLD.approved_at"
        " OR NEW.published_at <> OLD.published_at OR NEW.self_approved <> OLD.self_approved"
        " OR NEW.correction_note <> OLD.correction_note"
        " OR {supersedes_changed}"
        " OR (OLD.superseded_at IS NOT NULL AND {superseded_changed}))",
        "a published answer cannot change; publish a correction instead",
    ),
    (
        "published_answer_kept",
        "answers",
        "DELETE",
        "OLD.state = 'published'",
        "a published answer is never deleted",
    ),
    ("answer_link_fixed", "answered_comments", "UPDATE", None, "the links of an answer are fixed"),
    (
        "answer_link_kept",
        "answered_comments",
        "DELETE",
        "(SELECT state FROM answers WHERE id = OLD.answer_id) = 'published'",
        "the link between a published answer and a comment is never removed",
    ),
    (
        "answer_link_closed",
        "answered_comments",
        "INSERT",
        "(SELECT state FROM answers WHERE id = NEW.answer_id) = 'published'",
        "a published answer cannot cover more comments; publish a correction instead",
    ),
    (
        "published_report_fixed",
        "response_reports",
        "UPDATE",
        "OLD.published_at IS NOT NULL AND ("
        "{content_changed} OR NEW.content_hash <> OLD.content_hash"
        " OR NEW.edition <> OLD.edition OR NEW.consultation_id <> OLD.consultation_id"
        " OR NEW.published_at <> OLD.published_at OR NEW.generated_at <> OLD.generated_at"
        " OR NEW.correction_note <> OLD.correction_note)",
        "a published reactienota cannot change; publish a new edition instead",
    ),
    (
        "published_report_kept",
        "response_reports",
        "DELETE",
        "OLD.published_at IS NOT NULL",
        "a published reactienota is never deleted",
    ),
    (
        "published_report_file_fixed",
        "response_report_files",
        "UPDATE",
        "{report_published}",
        "the file of a published reactienota cannot change",
    ),
    (
        "published_report_file_kept",
        "response_report_files",
        "DELETE",
        "{report_published}",
        "the file of a published reactienota is never deleted",
    ),
]
TRUNCATE_PROTECTED = ["answers", "answered_comments", "response_reports", "response_report_files"]


def _condition(template: str | None, dialect: str) -> str | None:
    if template is None:
        return None
    distinct = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return template.format(
        supersedes_changed=f"NEW.supersedes_id {distinct} OLD.supersedes_id",
        superseded_changed=f"NEW.superseded_at {distinct} OLD.superseded_at",
        content_changed=(
            "NEW.content <> OLD.content"
            if dialect == "sqlite"
            else "NEW.content::text <> OLD.content::text"
        ),
        report_published=(
            "(SELECT published_at FROM response_reports WHERE id = OLD.report_id) IS NOT NULL"
        ),
    )


def _protect_evidence() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, event, template, message in RULES:
        condition = _condition(template, dialect)
        row = "OLD" if event == "DELETE" else "NEW"
        if dialect == "sqlite":
            when = f"WHEN {condition} " if condition else ""
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {when}"
                f"BEGIN SELECT RAISE(ABORT, 'consult: {message}'); END"
            )
            continue
        check = f"IF {condition} THEN" if condition else "IF TRUE THEN"
        op.execute(
            f"""
            CREATE FUNCTION consult_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {check}
                    RAISE EXCEPTION 'consult: {message}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN {row};
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION consult_{name}()"
        )
    if dialect == "postgresql":
        for table in TRUNCATE_PROTECTED:
            op.execute(
                f"""
                CREATE FUNCTION consult_{table}_not_truncated() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'consult: {table} is evidence and is never truncated';
                END $$
                """
            )
            op.execute(
                f"CREATE TRIGGER {table}_not_truncated BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION consult_{table}_not_truncated()"
            )


def _unprotect_evidence() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _event, _template, _message in RULES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS consult_{name}()")
    if dialect == "postgresql":
        for table in TRUNCATE_PROTECTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_not_truncated ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS consult_{table}_not_truncated()")
