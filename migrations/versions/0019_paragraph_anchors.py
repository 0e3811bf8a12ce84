"""Paragraph anchors: every paragraph, list, table and quote of a section has a stable
anchor, and a comment can be about one paragraph.

``sections.paragraph_anchors`` holds a section's block anchors in order
(consult/documents/paragraphs.py); ``comments.paragraph`` the anchor a comment is about
(None: the whole section or plan). The received comment's trigger now also keeps its
paragraph fixed.

Existing versions get their anchors here, deterministically: per document, version by
version in number order, each carried from the version before by the same matching the
services use (equal text, then similarity), new anchors derived from the section's
anchor and the block's text. Locked sections are otherwise never updated, so their
trigger is switched off for this one backfill and back on after it. The version content
hashes do not change: anchors are not part of them.

Revision ID: 0019_paragraph_anchors
Revises: 0018_premoderation
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from consult.documents import paragraphs

revision: str = "0019_paragraph_anchors"
down_revision: str | Sequence[str] | None = "0018_premoderation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMENT_FIXED = (
    "NEW.body <> OLD.body OR NEW.position <> OLD.position"
    " OR NEW.submission_id <> OLD.submission_id"
    " OR NEW.consultation_id <> OLD.consultation_id OR NEW.created_at <> OLD.created_at"
    " OR {section_changed}"
)
COMMENT_MESSAGE = "a received comment text cannot change; withdraw or hide it instead"


def _distinct(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"NEW.{column} IS NOT OLD.{column}"
    return f"NEW.{column} IS DISTINCT FROM OLD.{column}"


def _comment_trigger(with_paragraph: bool) -> None:
    dialect = op.get_bind().dialect.name
    changed = _distinct("section_id", dialect)
    if with_paragraph:
        changed += " OR " + _distinct("paragraph", dialect)
    condition = COMMENT_FIXED.format(section_changed=changed)
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS comment_text_fixed")
        op.execute(
            f"CREATE TRIGGER comment_text_fixed BEFORE UPDATE ON comments FOR EACH ROW "
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, 'consult: {COMMENT_MESSAGE}'); END"
        )
        return
    # The trigger calls this function; replacing it changes the rule in place.
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION consult_comment_text_fixed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF {condition} THEN
                RAISE EXCEPTION 'consult: {COMMENT_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.id, s.anchor, s.body_html, v.id, v.document_id "
            "FROM sections s JOIN document_versions v ON v.id = s.version_id "
            "ORDER BY v.document_id, v.number, s.position"
        )
    ).all()
    versions: dict[int, list[tuple[int, str, str]]] = {}
    order: list[tuple[int, int]] = []
    for section_id, anchor, body, version_id, document_id in rows:
        if version_id not in versions:
            versions[version_id] = []
            order.append((document_id, version_id))
        versions[version_id].append((section_id, anchor, body or ""))

    earlier: dict[str, list[tuple[str, str]]] = {}
    document = None
    updates: list[dict[str, object]] = []
    for document_id, version_id in order:
        if document_id != document:
            document, earlier = document_id, {}
        sections = versions[version_id]
        continuing = {anchor for _id, anchor, _body in sections}
        orphans = [b for a, blocks in earlier.items() if a not in continuing for b in blocks]
        taken: set[str] = set()
        current: dict[str, list[tuple[str, str]]] = {}
        for section_id, anchor, body in sections:
            texts = paragraphs.block_texts(body)
            anchors = paragraphs.match_paragraphs(
                earlier.get(anchor, []),
                texts,
                section_anchor=anchor,
                taken=taken,
                elsewhere=orphans,
            )
            taken.update(anchors)
            current[anchor] = list(zip(anchors, texts, strict=True))
            updates.append({"id": section_id, "anchors": json.dumps(anchors)})
        earlier = current

    if not updates:
        return
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        trigger_sql = bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": "locked_section_fixed"},
        ).scalar()
        op.execute("DROP TRIGGER IF EXISTS locked_section_fixed")
    else:
        op.execute("ALTER TABLE sections DISABLE TRIGGER locked_section_fixed")
    bind.execute(
        sa.text("UPDATE sections SET paragraph_anchors = :anchors WHERE id = :id"), updates
    )
    if sqlite:
        if trigger_sql:
            op.execute(trigger_sql)
    else:
        op.execute("ALTER TABLE sections ENABLE TRIGGER locked_section_fixed")


def upgrade() -> None:
    # Plain ADD/DROP COLUMN, never a batch copy of the table: a copy would lose the
    # evidence triggers of sections and comments on SQLite.
    op.add_column(
        "sections",
        sa.Column("paragraph_anchors", sa.JSON(), server_default="[]", nullable=False),
    )
    op.add_column("comments", sa.Column("paragraph", sa.String(length=16), nullable=True))
    _comment_trigger(with_paragraph=True)
    _backfill()


def downgrade() -> None:
    _comment_trigger(with_paragraph=False)  # first: SQLite keeps a column a trigger uses
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE comments DROP COLUMN paragraph")
        op.execute("ALTER TABLE sections DROP COLUMN paragraph_anchors")
    else:
        op.drop_column("comments", "paragraph")
        op.drop_column("sections", "paragraph_anchors")
