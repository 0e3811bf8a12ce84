"""Searching one consultation's published comments and published answers.

Only what the public may read is ever found: comments that are public (confirmed, with
consent to publish, not hidden, not withdrawn: ``Comment.is_public``) and current published
answers; the words of anything else find nothing. PostgreSQL searches with its Dutch text
search configuration (``websearch_to_tsquery``: words, "a phrase", -not), so "wachtlijsten"
also finds "wachtlijst"; SQLite with FTS5 (every word must occur, a word also matches as
the start of a longer one). Both mark the words found; the text around them is escaped
here, so a comment can never inject markup through its own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import (
    Integer,
    String,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.responses.models import Answer, AnsweredComment

MAX_QUERY_LENGTH = 200
PER_PAGE = 20
# Private-use characters mark where a found word starts and ends; everything else is
# escaped before they become <mark> tags.
START, STOP = "\ue000", "\ue001"
# PostgreSQL: at most two fragments of about 30 words each.
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=30, MinWords=12"
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Found:
    kind: str  # "comment" or "answer"
    id: int
    snippet: Markup


@dataclass(frozen=True)
class Results:
    items: list[Found]
    total: int


def marked(snippet: str) -> Markup:
    """The snippet escaped, with the found words in <mark>; markers that do not pair up
    (a text that held the private-use characters itself) are dropped, not trusted."""
    safe = str(escape(snippet))
    if safe.count(START) != safe.count(STOP):
        return Markup(safe.replace(START, "").replace(STOP, ""))  # noqa: S704 - escaped above
    return Markup(safe.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704


def words_of(query: str) -> list[str]:
    return WORD.findall(query[:MAX_QUERY_LENGTH])


def search(session: Session, consultation: Consultation, query: str, page: int = 1) -> Results:
    """One page of what matches ``query`` in ``consultation``, best matches first."""
    if not words_of(query):
        return Results([], 0)
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql(session, consultation, query[:MAX_QUERY_LENGTH], page)
    return _sqlite(session, consultation, query, page)


def _postgresql(session: Session, consultation: Consultation, query: str, page: int) -> Results:
    tsquery = func.websearch_to_tsquery("dutch", query)
    comment_vector = func.to_tsvector("dutch", Comment.body)
    answer_vector = func.to_tsvector("dutch", Answer.reason)
    comments = select(
        literal("comment", String).label("kind"),
        Comment.id.label("id"),
        Comment.body.label("text"),
        func.ts_rank(comment_vector, tsquery).label("rank"),
    ).where(
        Comment.consultation_id == consultation.id,
        Comment.is_public.is_(True),
        comment_vector.op("@@")(tsquery),
    )
    answers = select(
        literal("answer", String).label("kind"),
        Answer.id.label("id"),
        Answer.reason.label("text"),
        func.ts_rank(answer_vector, tsquery).label("rank"),
    ).where(
        Answer.consultation_id == consultation.id,
        Answer.is_current,
        answer_vector.op("@@")(tsquery),
    )
    found = union_all(comments, answers).subquery()
    total = session.scalar(select(func.count()).select_from(found)) or 0
    ranked = (
        select(found.c.kind, found.c.id, found.c.text)
        .order_by(found.c.rank.desc(), found.c.kind, found.c.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .subquery()
    )
    rows = session.execute(
        select(
            ranked.c.kind,
            ranked.c.id,
            func.ts_headline("dutch", ranked.c.text, tsquery, HEADLINE),
        )
    ).all()
    return Results([Found(kind, id_, marked(snippet)) for kind, id_, snippet in rows], total)


def _fts5_query(query: str) -> str:
    """Every word, quoted (so nothing in it is FTS5 syntax), matching as a prefix too."""
    return " ".join(f'"{word}"*' for word in words_of(query))


def _sqlite(session: Session, consultation: Consultation, query: str, page: int) -> Results:
    match = _fts5_query(query)
    parts = []
    for kind, fts, model, key, visible in (
        ("comment", "search_comments", Comment, Comment.id, Comment.is_public.is_(True)),
        ("answer", "search_answers", Answer, Answer.id, Answer.is_current),
    ):
        index = table(fts, column("rowid", Integer))
        name = literal_column(fts)
        parts.append(
            select(
                literal(kind, String).label("kind"),
                key.label("id"),
                func.snippet(name, 0, START, STOP, "…", 30).label("snippet"),
                func.bm25(name).label("rank"),
            )
            .select_from(index)
            .join(model, key == index.c.rowid)
            .where(
                name.op("MATCH")(match),
                model.consultation_id == consultation.id,
                visible,
            )
        )
    found = union_all(*parts).subquery()
    total = session.scalar(select(func.count()).select_from(found)) or 0
    rows = session.execute(
        select(found.c.kind, found.c.id, found.c.snippet)
        .order_by(found.c.rank, found.c.kind, found.c.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return Results([Found(kind, id_, marked(snippet)) for kind, id_, snippet in rows], total)


@dataclass(frozen=True)
class Shown:
    """A result as the page shows it: what it is, where it belongs, and its words."""

    found: Found
    comment: Comment | None = None
    answer: Answer | None = None
    # The comment (or, for an answer, its first public comment) whose section page it is on.
    anchor_comment: Comment | None = None


def shown(session: Session, results: Results) -> list[Shown]:
    """The results with their comments and answers, in two queries."""
    comment_ids = [f.id for f in results.items if f.kind == "comment"]
    answer_ids = [f.id for f in results.items if f.kind == "answer"]
    comments = {
        c.id: c
        for c in session.scalars(
            select(Comment).where(Comment.id.in_(comment_ids)).options(joinedload(Comment.section))
        )
    }
    answers = {
        a.id: a
        for a in session.scalars(
            select(Answer)
            .where(Answer.id.in_(answer_ids))
            .options(
                selectinload(Answer.links)
                .joinedload(AnsweredComment.comment)
                .joinedload(Comment.section)
            )
        )
    }
    out = []
    for found in results.items:
        if found.kind == "comment" and found.id in comments:
            comment = comments[found.id]
            out.append(Shown(found, comment=comment, anchor_comment=comment))
        elif found.kind == "answer" and found.id in answers:
            answer = answers[found.id]
            public = [link.comment for link in answer.links if link.comment.is_public]
            out.append(Shown(found, answer=answer, anchor_comment=public[0] if public else None))
    return out
