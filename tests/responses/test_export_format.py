"""The exports' bytes stay what they were before they were made fast (issue 19).

The streamed exports were rewritten for speed (Core rows, lookups made once, writers
without per-row work). This file keeps the plain per-row implementation they replaced,
verbatim: its query and its writers. On a world with every kind of row the exports leave
out or change (no consent, hidden, withdrawn, unconfirmed, under 16, an erased contact,
corrections, formulas, quotes, line breaks, tabs, control characters, non-Latin text),
the streamed response must be byte for byte what the old implementation writes. A change
of the format fails here; make it on purpose, in both places.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from consult.comments.models import Comment, Submission, SubmissionContact, SubmissionState
from consult.consultations.models import Consultation
from consult.documents.models import Section
from consult.organisations.models import Organisation
from consult.regions.models import Municipality
from consult.responses import exports
from consult.responses.models import Answer, AnsweredComment, AnswerState
from consult.stakeholders.models import AgeBand, StakeholderGroup
from consult.web.spreadsheet import formula_safe
from tests import factories
from tests.responses.test_exports import world  # noqa: F401 - the fixture

UNDER_16 = ("under_12", "12_15")

# -- the implementation before issue 19, verbatim ---------------------------------------------


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


# -- the comparison ------------------------------------------------------------------------------

TRICKY_TEXTS = [
    'Komma, "aanhalingstekens" en een\nnieuwe regel.',
    "Windows-regel\r\nerna, en een tab\tertussen.",
    "\tBegint met een tab.",
    "\rBegint met een carriage return.",
    "Control \x07 teken en \x1f en \u2028 en \u2029.",
    "Ünïcödé: é ñ ß 🎉 中文 עברית \\ backslash",
    "-1",
    "  spaties vooraan en achteraan  ",
    "",
]


@pytest.fixture
def tricky(session, world):  # noqa: F811 - the fixture imported above
    """Comments and submissions with every kind of value a cell can hold."""
    consultation = world.consultation
    town = Municipality(
        code="GM9901",
        name="'s-Hertogenbosch",
        province="Noord-Brabant",
        search_key="shertogenbosch",
    )
    session.add(town)
    verified = factories.organisation(session, '=Raad, "Oost"', verified=True)
    factories.submission(
        session,
        consultation,
        [("s-2", text) for text in TRICKY_TEXTS],
        email="tricky@example.org",
        display_name='+Jan "de" Vries',
        publish_name=True,
        age_band=AgeBand.FROM_16_TO_17,
        municipality=town,
        organisation=verified,
        organisation_verified=True,
    )
    with time_machine.travel(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), tick=False):
        # On the second: Python writes the moment without a fraction.
        erased = factories.submission(
            session,
            consultation,
            [(None, "Van iemand wiens gegevens zijn gewist.")],
            email="gewist@example.org",
            display_name="Gewiste Naam",
            publish_name=True,
        )
    erased.contact.erased_at = erased.confirmed_at
    session.flush()
    return world


def _old(session, consultation, what: str, format: str) -> bytes:
    query, columns = (
        (comments_query(consultation), exports.COMMENT_COLUMNS)
        if what == "reacties"
        else (answers_query(consultation), exports.ANSWER_COLUMNS)
    )
    rows = session.execute(query).all()
    batches = [rows[start : start + 4] for start in range(0, len(rows), 4)]
    write = csv_lines if format == "csv" else jsonl_lines
    return "".join(write(columns, batches)).encode("utf-8")


@pytest.mark.parametrize("format", ["csv", "jsonl"])
@pytest.mark.parametrize("what", ["reacties", "antwoorden"])
def test_the_streamed_exports_write_what_the_old_exports_wrote(
    client, session, tricky, what, format
):
    consultation = tricky.consultation
    expected = _old(session, consultation, what, format)
    response = client.get(f"/consultaties/{consultation.slug}/{what}.{format}")
    assert response.status_code == 200
    body = response.get_data()
    assert body == expected
    if what == "reacties":  # the world holds every kind of row: the test compares something
        text = body.decode("utf-8")
        if format == "csv":
            rows = list(csv.DictReader(io.StringIO(text[1:])))
            expected_texts = {formula_safe(t) for t in TRICKY_TEXTS}
            name = formula_safe('+Jan "de" Vries')
        else:
            rows = [json.loads(line) for line in text.split("\n") if line]
            expected_texts = set(TRICKY_TEXTS)
            name = '+Jan "de" Vries'
        assert expected_texts <= {row["text"] for row in rows}
        names = {row["name"] for row in rows}
        assert "Gewiste Naam" not in names
        assert name in names
        assert "2026-03-02T09:30:00+00:00" in {row["created_at"] for row in rows}


def test_the_format_holds_for_many_batches(client, session, world, monkeypatch):  # noqa: F811
    """Rows written across several reads of the cursor join up exactly."""
    monkeypatch.setattr(exports, "BATCH", 2)
    consultation = world.consultation
    for format in ("csv", "jsonl"):
        expected = _old(session, consultation, "reacties", format)
        body = client.get(f"/consultaties/{consultation.slug}/reacties.{format}").get_data()
        assert body == expected
