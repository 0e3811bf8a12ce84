"""Full-text search over comments and answers, kept by the database.

PostgreSQL: GIN indexes over the Dutch text search vector of a comment's body and an
answer's reason (the query uses the same expression). SQLite: FTS5 tables whose rowid is
the comment's or answer's id, filled by triggers and from what is there now. Which rows a
visitor may find (published comments, current published answers) is decided by the query
in consult/public/search.py, never by these tables.

Revision ID: 0011_search
Revises: 0010_answer_deadlines
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_search"
down_revision: str | Sequence[str] | None = "0010_answer_deadlines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (FTS table, source table, source column): fixed names, never input, so the f-strings
# below build DDL, not queries with data in them.
# ruff: noqa: S608
SOURCES = (("search_comments", "comments", "body"), ("search_answers", "answers", "reason"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for _search, table, column in SOURCES:
            op.execute(
                f"CREATE INDEX ix_search_{table} ON {table} "
                f"USING gin (to_tsvector('dutch', {column}))"
            )
        return
    for search, table, column in SOURCES:
        op.execute(
            f"CREATE VIRTUAL TABLE {search} USING fts5("
            f"{column}, tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute(f"INSERT INTO {search} (rowid, {column}) SELECT id, {column} FROM {table}")
        op.execute(
            f"CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {search} (rowid, {column}) VALUES (new.id, new.{column}); END"
        )
        op.execute(
            f"CREATE TRIGGER {search}_update AFTER UPDATE OF {column} ON {table} BEGIN "
            f"UPDATE {search} SET {column} = new.{column} WHERE rowid = old.id; END"
        )
        op.execute(
            f"CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM {search} WHERE rowid = old.id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for _search, table, _column in SOURCES:
            op.execute(f"DROP INDEX IF EXISTS ix_search_{table}")
        return
    for search, _table, _column in SOURCES:
        for suffix in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {search}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {search}")
