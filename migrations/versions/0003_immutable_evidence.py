"""The database itself refuses to change what is evidence.

A locked document version and its sections, a received comment's text and place, a
submission's receipt (code, moment, hash), and the histories of moderation, state changes
and closing-date moves can no longer be updated or deleted, whatever code runs. Withdrawal
and moderation stay possible: they set their own columns, never the text.

Revision ID: 0003_immutable_evidence
Revises: e1c5149fb3c6
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_immutable_evidence"
down_revision: str | Sequence[str] | None = "e1c5149fb3c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (trigger name, table, event, condition on OLD/NEW or None for always, message)
RULES = [
    (
        "locked_version_fixed",
        "document_versions",
        "UPDATE",
        "OLD.locked_at IS NOT NULL",
        "a locked document version cannot change; make a new version",
    ),
    (
        "locked_version_kept",
        "document_versions",
        "DELETE",
        "OLD.locked_at IS NOT NULL",
        "a locked document version cannot be deleted",
    ),
    (
        "locked_section_fixed",
        "sections",
        "UPDATE",
        "{locked}",
        "a section of a locked version cannot change; make a new version",
    ),
    (
        "locked_section_kept",
        "sections",
        "DELETE",
        "{locked}",
        "a section of a locked version cannot be deleted",
    ),
    (
        "comment_text_fixed",
        "comments",
        "UPDATE",
        "NEW.body <> OLD.body OR NEW.position <> OLD.position"
        " OR NEW.submission_id <> OLD.submission_id"
        " OR NEW.consultation_id <> OLD.consultation_id OR NEW.created_at <> OLD.created_at"
        " OR {section_changed}",
        "a received comment text cannot change; withdraw or hide it instead",
    ),
    ("comment_kept", "comments", "DELETE", None, "a received comment is never deleted"),
    (
        "receipt_fixed",
        "submissions",
        "UPDATE",
        "NEW.tracking_code <> OLD.tracking_code"
        # The hash is written once, in the transaction that stores the submission.
        " OR (OLD.content_hash <> '' AND NEW.content_hash <> OLD.content_hash)"
        " OR NEW.received_at <> OLD.received_at OR NEW.consultation_id <> OLD.consultation_id",
        "the receipt of a submission (code, moment, hash) cannot change",
    ),
    ("submission_kept", "submissions", "DELETE", None, "a received submission is never deleted"),
    ("moderation_fixed", "moderation_actions", "UPDATE", None, "moderation history is fixed"),
    ("moderation_kept", "moderation_actions", "DELETE", None, "moderation history is kept"),
    ("state_change_fixed", "consultation_state_changes", "UPDATE", None, "state history is fixed"),
    ("state_change_kept", "consultation_state_changes", "DELETE", None, "state history is kept"),
    (
        "closing_change_fixed",
        "consultation_closing_changes",
        "UPDATE",
        None,
        "closing history is fixed",
    ),
    (
        "closing_change_kept",
        "consultation_closing_changes",
        "DELETE",
        None,
        "closing history is kept",
    ),
]


def _condition(template: str | None, dialect: str) -> str | None:
    if template is None:
        return None
    section_changed = (
        "NEW.section_id IS NOT OLD.section_id"
        if dialect == "sqlite"
        else "NEW.section_id IS DISTINCT FROM OLD.section_id"
    )
    locked = "(SELECT locked_at FROM document_versions WHERE id = OLD.version_id) IS NOT NULL"
    return template.format(section_changed=section_changed, locked=locked)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, event, template, message in RULES:
        condition = _condition(template, dialect)
        if dialect == "sqlite":
            when = f"WHEN {condition} " if condition else ""
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {when}"
                f"BEGIN SELECT RAISE(ABORT, 'consult: {message}'); END"
            )
        else:
            check = f"IF {condition} THEN" if condition else "IF TRUE THEN"
            op.execute(
                f"""
                CREATE FUNCTION consult_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {check}
                        RAISE EXCEPTION 'consult: {message}' USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN {"OLD" if event == "DELETE" else "NEW"};
                END $$
                """
            )
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION consult_{name}()"
            )
    if dialect == "postgresql":
        for table in {rule[1] for rule in RULES}:
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


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _event, _template, _message in RULES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS consult_{name}()")
    if dialect == "postgresql":
        for table in {rule[1] for rule in RULES}:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_not_truncated ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS consult_{table}_not_truncated()")
