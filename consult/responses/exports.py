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

The rows are streamed: one query, read in batches of ``BATCH`` rows (``yield_per``; a
server-side cursor on PostgreSQL), written out batch by batch, so memory stays flat however
many comments there are (bench/export.py measures it). CSV cells that a spreadsheet would
read as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, stream_with_context
from flask_login import current_user
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from consult.comments.models import Comment, Submission, SubmissionContact, SubmissionState
from consult.consultations.models import Consultation
from consult.consultations.services import public_consultation
from consult.documents.models import Section
from consult.extensions import db
from consult.organisations.models import Organisation
from consult.permissions import Permission, authorize
from consult.regions.models import Municipality
from consult.responses.models import Answer, AnsweredComment, AnswerState
from consult.stakeholders.models import StakeholderGroup
from consult.web.spreadsheet import formula_safe

bp = Blueprint("exports", __name__)

BATCH = 1000
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


def _current_answer_id() -> Any:
    """Correlated to Comment: the id of the comment's current answer (published, not
    superseded), or NULL. Looked up per row through the index on the comment, so the
    database streams the first rows at once instead of grouping every link first."""
    return (
        select(func.min(AnsweredComment.answer_id))
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(
            AnsweredComment.comment_id == Comment.id,
            Answer.is_current,
        )
        .correlate(Comment)
        .scalar_subquery()
    )


def comments_query(consultation: Consultation) -> Select:
    """Every public comment of the consultation with its current answer, oldest first."""
    answer = aliased(Answer, name="answer")
    earlier = aliased(Answer, name="earlier")
    # The name rule of comments.services.public_name, in SQL.
    may_name = and_(
        Submission.publish_name.is_(True),
        SubmissionContact.erased_at.is_(None),
        or_(Submission.age_band.is_(None), Submission.age_band.not_in(UNDER_16)),
    )
    organisation = func.coalesce(Organisation.name, Submission.organisation_name)
    return (
        select(
            Comment.id,
            Comment.created_at,
            Section.number,
            Section.heading,
            StakeholderGroup.code,
            StakeholderGroup.label_nl,
            Submission.age_band,
            Municipality.name,
            organisation,
            case((organisation.is_not(None), Submission.organisation_verified), else_=None),
            case((may_name, SubmissionContact.display_name), else_=None),
            Comment.body,
            answer.id,
            answer.disposition,
            answer.reason,
            answer.published_at,
            earlier.id,
            earlier.disposition,
            answer.correction_note,
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(StakeholderGroup, StakeholderGroup.id == Submission.stakeholder_group_id)
        .outerjoin(Section, Section.id == Comment.section_id)
        .outerjoin(SubmissionContact, SubmissionContact.submission_id == Submission.id)
        .outerjoin(Municipality, Municipality.id == Submission.municipality_id)
        .outerjoin(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(answer, answer.id == _current_answer_id())
        .outerjoin(earlier, earlier.id == answer.supersedes_id)
        .where(Comment.consultation_id == consultation.id, _public_text())
        .order_by(Comment.id)
    )


def answers_query(consultation: Consultation) -> Select:
    """Every published answer (corrections and the answers they replaced), oldest first."""
    covered = (
        select(func.count(AnsweredComment.id))
        .where(AnsweredComment.answer_id == Answer.id)
        .scalar_subquery()
    )
    return (
        select(
            Answer.id,
            Answer.disposition,
            Answer.reason,
            Answer.published_at,
            covered,
            Answer.superseded_at.is_(None),
            Answer.superseded_at,
            Answer.supersedes_id,
            Answer.correction_note,
        )
        .where(Answer.consultation_id == consultation.id, Answer.state == AnswerState.PUBLISHED)
        .order_by(Answer.id)
    )


def _plain(value: Any) -> Any:
    """A cell as data: enums by their value, moments in ISO 8601, the rest as it is."""
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    return value


def batches(session: Session, query: Select) -> Iterator[Sequence[Any]]:
    """The query's rows in batches of ``BATCH``, read from one cursor as they are needed."""
    result = session.execute(query.execution_options(yield_per=BATCH))
    try:
        yield from result.partitions()
    finally:
        result.close()


# -- writing -------------------------------------------------------------------------------------


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """A byte order mark and header, then one chunk of CSV text per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield "\ufeff" + buffer.getvalue()
    for batch in rows:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            writer.writerow([formula_safe(_plain(value)) for value in row])
        yield buffer.getvalue()


def jsonl_lines(columns: Sequence[str], rows: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """One JSON object a line (JSON Lines), one chunk per batch of rows; texts exactly."""
    for batch in rows:
        yield "".join(
            json.dumps(
                dict(zip(columns, (_plain(v) for v in row), strict=True)), ensure_ascii=False
            )
            + "\n"
            for row in batch
        )


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
    query, columns = (
        (comments_query(consultation), COMMENT_COLUMNS)
        if what == "reacties"
        else (answers_query(consultation), ANSWER_COLUMNS)
    )
    write, mimetype = WRITERS[format]
    body = stream_with_context(write(columns, batches(db.session, query)))
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
