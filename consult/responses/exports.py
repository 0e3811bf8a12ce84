"""Streaming open-data exports of a consultation's published comments and answers.

``/consultaties/<slug>/reacties.csv`` (and ``.jsonl``): one row per public comment, with
what its public page shows (section, stakeholder group, age band, municipality, the
organisation it speaks for, the name only where :func:`public_name`'s rule allows it, the
date) and its current published answer (disposition, reason, date, and what it corrected).
``/consultaties/<slug>/antwoorden.csv`` (and ``.jsonl``): one row per published answer,
corrections included, with the number of comments it covers.

Public means the comment is confirmed, its text was consented to, and it is neither hidden
nor withdrawn: ``Comment.is_public`` and, checked again in SQL, each condition behind it,
so a stale flag never exports a text. No email address, tracking code or unpublished answer
is ever selected.

The rows are streamed: one Core query (no ORM object per row), read in batches of
``BATCH`` rows (on PostgreSQL the driver's tuples from a server-side cursor, the next batch
fetched in a thread while this one is written), written out a batch at a time and sent in
chunks of about ``CHUNK`` characters, so memory stays flat however many comments there are
(bench/export.py measures it). The per-row work is done once per query
where it can be: enums come out of the database as the strings they are stored as, CSV
cells that a spreadsheet would read as a formula get their leading apostrophe in SQL
(:func:`consult.web.spreadsheet.formula_safe_sql`), and a batch is written by one
``csv.writer.writerows`` or one JSON encoder built once; moments come written in ISO 8601
(:class:`consult.db.iso_moment`).
tests/responses/test_export_format.py holds the output to what the first, per-row
implementation wrote, byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import Any

from flask import Blueprint, Response, abort, current_app, stream_with_context
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, String, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from consult.comments.models import Comment, Submission, SubmissionContact, SubmissionState
from consult.consultations.models import Consultation
from consult.consultations.services import public_consultation
from consult.db import batches as db_batches
from consult.db import driver_batches, iso_moment, read_ahead
from consult.documents.models import Section
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.permissions import Permission, authorize
from consult.regions.models import Municipality
from consult.responses.models import Answer, AnsweredComment, AnswerState
from consult.stakeholders.models import StakeholderGroup
from consult.web.spreadsheet import formula_safe_sql

bp = Blueprint("exports", __name__)

BATCH = 1000
CHUNK = 64 * 1024  # characters a chunk of the response holds, about
UNDER_16 = ("under_12", "12_15")

COMMENT_COLUMNS = (
    "comment_id",
    "created_at",
    "section",
    "section_title",
    "stakeholder_group",
    "stakeholder_group_label",
    "age_band",
    "municipality",
    "organisation",
    "organisation_verified",
    "name",
    "text",
    "answer_id",
    "disposition",
    "answer_reason",
    "answer_published_at",
    "corrects_answer_id",
    "corrected_disposition",
    "correction_note",
)

ANSWER_COLUMNS = (
    "answer_id",
    "disposition",
    "reason",
    "published_at",
    "comments",
    "current",
    "superseded_at",
    "corrects_answer_id",
    "correction_note",
)


# -- the rows --------------------------------------------------------------------------------


def _public_text() -> Any:
    """The comment's text is public (on Comment joined to its Submission)."""
    return and_(
        Comment.is_public.is_(True),
        Comment.hidden_at.is_(None),
        Comment.withdrawn_at.is_(None),
        Submission.publish_text.is_(True),
        Submission.state == SubmissionState.CONFIRMED,
    )


def _current_answers(consultation: Consultation) -> Any:
    """Each answered comment of the consultation with the id of its current answer
    (published, not superseded; the lowest, should there be two): a table joined once.
    Looked up per row instead (a correlated subquery), PostgreSQL ran the lookup twice
    for every comment, which cost more than all the rest of the export."""
    return (
        select(
            AnsweredComment.comment_id.label("comment_id"),
            func.min(AnsweredComment.answer_id).label("answer_id"),
        )
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(Answer.consultation_id == consultation.id, Answer.is_current)
        .group_by(AnsweredComment.comment_id)
        .subquery("current")
    )


def _as_stored(enum_column: Any) -> ColumnElement[Any]:
    """An enum column as the string it is stored as (its member's value), without making
    a member per row only to take its value again."""
    return type_coerce(enum_column, String)


def _cell(value: Any) -> Any:
    return value


def comments_query(consultation: Consultation, text_cell: Callable[[Any], Any] = _cell) -> Select:
    """Every public comment of the consultation with its current answer, oldest first.

    ``text_cell`` wraps each text column that people or regions write (:func:`formula_safe_sql`
    for CSV); the platform's own codes (a group's code, an age band, a disposition) and the
    CBS municipality names never start like a formula, so they are left as they are."""
    answer = aliased(Answer, name="answer")
    earlier = aliased(Answer, name="earlier")
    # The name rule of comments.services.public_name, in SQL.
    may_name = and_(
        Submission.publish_name.is_(True),
        SubmissionContact.erased_at.is_(None),
        or_(Submission.age_band.is_(None), Submission.age_band.not_in(UNDER_16)),
    )
    organisation = func.coalesce(Organisation.name, Submission.organisation_name)
    current = _current_answers(consultation)
    return (
        select(
            Comment.id,
            iso_moment(Comment.created_at),
            text_cell(Section.number),
            text_cell(Section.heading),
            StakeholderGroup.code,
            text_cell(StakeholderGroup.label_nl),
            _as_stored(Submission.age_band),
            Municipality.name,
            text_cell(organisation),
            case((organisation.is_not(None), Submission.organisation_verified), else_=None),
            text_cell(case((may_name, SubmissionContact.display_name), else_=None)),
            text_cell(Comment.body),
            answer.id,
            _as_stored(answer.disposition),
            text_cell(answer.reason),
            iso_moment(answer.published_at),
            earlier.id,
            _as_stored(earlier.disposition),
            text_cell(answer.correction_note),
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(StakeholderGroup, StakeholderGroup.id == Submission.stakeholder_group_id)
        .outerjoin(Section, Section.id == Comment.section_id)
        .outerjoin(SubmissionContact, SubmissionContact.submission_id == Submission.id)
        .outerjoin(Municipality, Municipality.id == Submission.municipality_id)
        .outerjoin(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(current, current.c.comment_id == Comment.id)
        .outerjoin(answer, answer.id == current.c.answer_id)
        .outerjoin(earlier, earlier.id == answer.supersedes_id)
        .where(Comment.consultation_id == consultation.id, _public_text())
        .order_by(Comment.id)
    )


def answers_query(consultation: Consultation, text_cell: Callable[[Any], Any] = _cell) -> Select:
    """Every published answer (corrections and the answers they replaced), oldest first."""
    covered = (
        select(func.count(AnsweredComment.id))
        .where(AnsweredComment.answer_id == Answer.id)
        .scalar_subquery()
    )
    return (
        select(
            Answer.id,
            _as_stored(Answer.disposition),
            text_cell(Answer.reason),
            iso_moment(Answer.published_at),
            covered,
            Answer.superseded_at.is_(None),
            iso_moment(Answer.superseded_at),
            Answer.supersedes_id,
            text_cell(Answer.correction_note),
        )
        .where(Answer.consultation_id == consultation.id, Answer.state == AnswerState.PUBLISHED)
        .order_by(Answer.id)
    )


def batches(session: Session, query: Select) -> Generator[Sequence[Any]]:
    """The query's rows in batches of ``BATCH``, read from one cursor as they are needed,
    every cell already what the writers write. On PostgreSQL the driver's own tuples from a
    server-side cursor, the next batch fetched in a thread while this one is written
    (:func:`consult.db.read_ahead`): the database's time and ours overlap. Elsewhere Core
    rows (SQLite's booleans need SQLAlchemy's conversion)."""
    if session.get_bind().dialect.name != "postgresql":
        yield from db_batches(session, query, BATCH)
        return
    ahead = read_ahead(driver_batches(session, query, BATCH))
    try:
        yield from ahead
    finally:
        ahead.close()


# -- writing -------------------------------------------------------------------------------------


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """A byte order mark and header, then CSV text in chunks of about ``CHUNK``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for batch in rows:
        writer.writerows(batch)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps's output, without its per-call setup


def jsonl_lines(columns: Sequence[str], rows: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """One JSON object a line (JSON Lines), in chunks of about ``CHUNK``; texts exactly."""
    encode = _JSON.encode
    lines: list[str] = []
    size = 0
    for batch in rows:
        for row in batch:
            line = encode(dict(zip(columns, row, strict=True)))
            lines.append(line)
            size += len(line)
        if size >= CHUNK:
            lines.append("")
            yield "\n".join(lines)
            lines.clear()
            size = 0
    if lines:
        lines.append("")
        yield "\n".join(lines)


WRITERS: dict[str, tuple[Callable[..., Iterator[str]], str]] = {
    "csv": (csv_lines, "text/csv; charset=utf-8"),
    "jsonl": (jsonl_lines, "application/jsonl; charset=utf-8"),
}


# -- the views -------------------------------------------------------------------------------


def _consultation(slug: str) -> Consultation:
    consultation = public_consultation(db.session, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, Permission.CONSULTATION_PAGE_VIEW, consultation, hide=True)
    return consultation


def _stream(consultation: Consultation, what: str, format: str) -> Response:
    text_cell = formula_safe_sql if format == "csv" else _cell
    query, columns = (
        (comments_query(consultation, text_cell), COMMENT_COLUMNS)
        if what == "reacties"
        else (answers_query(consultation, text_cell), ANSWER_COLUMNS)
    )
    write, mimetype = WRITERS[format]

    def lines() -> Generator[str]:
        rows = batches(db.session, query)
        try:
            yield from write(columns, rows)
        finally:
            rows.close()  # the cursor, and the thread reading ahead, end with the response

    body = stream_with_context(lines())
    response = current_app.response_class(body, content_type=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{what}-{consultation.slug}.{format}"'
    )
    # New comments and answers keep arriving: a few minutes is fresh enough.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/consultaties/<slug>/reacties.<any(csv, jsonl):format>")
def comments(slug: str, format: str) -> Response:
    return _stream(_consultation(slug), "reacties", format)


@bp.get("/consultaties/<slug>/antwoorden.<any(csv, jsonl):format>")
def answers(slug: str, format: str) -> Response:
    return _stream(_consultation(slug), "antwoorden", format)
