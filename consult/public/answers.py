"""The answers the public reads under comments, and what a consultation did with them.

One loader for every public place that shows a comment (the consultation page, a section's
comments, an organisation's page, the status and receipt pages, search, the API, the
feeds): per comment its current published answer (:attr:`Answer.is_current`; never a draft,
an approved but unpublished answer or a replaced one), how many alike comments got the same
answer, and the sections of a later version that changed because of it. The number of
queries is the same for one comment or a thousand.

:func:`said_and_done` counts, for the block "what you said, what we did" on the consultation
page, per section the comments, the dispositions and the changed sections, with ``GROUP BY``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from consult.comments.models import Comment, Submission
from consult.consultations.lifecycle import answers_due, to_amsterdam, today_in_amsterdam
from consult.consultations.models import Consultation, ConsultationState
from consult.documents.models import DocumentVersion, Section
from consult.responses import queries
from consult.responses.models import (
    Answer,
    AnsweredComment,
    AnswerSection,
    Disposition,
)

# From closing on, the consultation page says what was done with the comments.
ANSWERING_STATES = (
    ConsultationState.CLOSED,
    ConsultationState.ANSWERED,
    ConsultationState.REPORT_PUBLISHED,
)


@dataclass(frozen=True)
class Change:
    """A section of a later version that changed because of an answer.

    ``public`` is False while that version is not published: the public then reads that a
    change is coming, without a link to text nobody may read yet.
    """

    document_id: int
    anchor: str
    number: str
    heading: str
    version: int
    consulted: int
    public: bool


@dataclass
class PublicAnswer:
    """A comment's current published answer, as every public place shows it."""

    answer: Answer
    # Comments that got this one answer (a letter campaign answered together), this one too.
    group_size: int = 1
    changes: list[Change] = field(default_factory=list)
    # Answers this one corrected, newest first (shown only on the sender's own pages).
    earlier: list[Answer] = field(default_factory=list)

    @property
    def disposition(self) -> Disposition:
        return self.answer.disposition

    @property
    def corrected(self) -> bool:
        return bool(self.earlier)

    @property
    def answered_on(self) -> date:
        """The day it was published, in Amsterdam."""
        assert self.answer.published_at is not None  # published_was_approved
        return to_amsterdam(self.answer.published_at).date()


def _change(section: Section, consulted: int) -> Change:
    version = section.version
    return Change(
        document_id=version.document_id,
        anchor=section.anchor,
        number=section.number or "",
        heading=section.heading,
        version=version.number,
        consulted=consulted,
        public=version.is_locked,
    )


def answers_for(session: Session, comment_ids: Iterable[int]) -> dict[int, PublicAnswer]:
    """Per comment with one: its current published answer. One query, whatever the
    number of comments (answers with their consultation's version, their changed sections
    and the size of each answer's group); none for no comments."""
    found: dict[int, PublicAnswer] = {}
    published = queries.published_answers(session, set(comment_ids), group_sizes=True)
    for comment_id, entry in published.items():
        answer = entry.current
        consulted = answer.consultation.version.number
        changes = sorted(
            (_change(link.section, consulted) for link in answer.section_links),
            key=lambda change: (change.version, change.anchor),
        )
        found[comment_id] = PublicAnswer(
            answer, group_size=entry.group_size, changes=changes, earlier=entry.earlier
        )
    return found


# -- "what you said, what we did" --------------------------------------------------------------


@dataclass
class SectionOutcome:
    """One section (None: the whole plan): its comments, their dispositions, its changes."""

    section: Section | None
    comments: int = 0
    answered: int = 0
    dispositions: list[tuple[Disposition, int]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


@dataclass
class SaidAndDone:
    status: queries.AnswerStatus
    sections: list[SectionOutcome]
    dispositions: list[tuple[Disposition, int]]


def shows_said_and_done(consultation: Consultation) -> bool:
    return consultation.state in ANSWERING_STATES


def said_counts_query(consultation: Consultation) -> Select[Any]:
    """(section id, disposition of the current published answer or None, comments) over
    the comments that need an answer: what :func:`said_and_done` counts, for a caller
    that reads it with other counts in one statement."""
    current = _current_answers(consultation)
    return (
        select(Comment.section_id, current.c.disposition, func.count(Comment.id))
        .join(Submission, Submission.id == Comment.submission_id)
        .outerjoin(current, current.c.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id, queries.needs_answer_clause())
        .group_by(Comment.section_id, current.c.disposition)
    )


def said_changes_query(consultation: Consultation) -> Select[Any]:
    """(section id, document id, anchor, number, heading, version number, 1 when that
    version is published) of every section of a later version that changed because of
    the current answer to a comment on the section: the changes :func:`said_and_done`
    shows per section."""
    current = _current_answers(consultation)
    return (
        select(
            Comment.section_id,
            DocumentVersion.document_id,
            Section.anchor,
            Section.number,
            Section.heading,
            DocumentVersion.number,
            case((DocumentVersion.locked_at.is_not(None), 1), else_=0),
        )
        .join(Submission, Submission.id == Comment.submission_id)
        .join(current, current.c.comment_id == Comment.id)
        .join(AnswerSection, AnswerSection.answer_id == current.c.answer_id)
        .join(Section, Section.id == AnswerSection.section_id)
        .join(DocumentVersion, DocumentVersion.id == Section.version_id)
        .where(Comment.consultation_id == consultation.id, queries.needs_answer_clause())
        .distinct()
    )


def _current_answers(consultation: Consultation) -> Any:
    return (
        select(AnsweredComment.comment_id, Answer.id.label("answer_id"), Answer.disposition)
        .join(Answer, Answer.id == AnsweredComment.answer_id)
        .where(Answer.consultation_id == consultation.id, Answer.is_current)
        .subquery()
    )


def said_and_done(
    session: Session,
    consultation: Consultation,
    sections: list[Any],
    counted: list[tuple[int | None, Disposition | None, int]] | None = None,
    changed: list[tuple[Any, ...]] | None = None,
) -> SaidAndDone | None:
    """The block on the consultation page from closing on (None before); three queries,
    none when ``counted`` and ``changed`` (the rows of :func:`said_counts_query` and
    :func:`said_changes_query`) were read already.

    Counted are the comments that need an answer (hidden ones too: moderation hides, it does
    not silence), each under its current published answer's disposition. How far the
    answering is (:class:`consult.responses.queries.AnswerStatus`) adds these up: a comment
    has at most one current answer, so it is what
    :func:`~consult.responses.queries.answer_status` counts.
    """
    if not shows_said_and_done(consultation):
        return None
    if counted is None:
        status = queries.answer_status(session, [consultation])[consultation.id]
        counted = [tuple(row) for row in session.execute(said_counts_query(consultation))]
    else:
        status = queries.AnswerStatus(
            comments=sum(n for _section, _disposition, n in counted),
            answered=sum(n for _section, disposition, n in counted if disposition is not None),
            due_on=answers_due(consultation),
            today=today_in_amsterdam(),
        )
    if changed is None:
        changed = (
            [] if not status.answered else session.execute(said_changes_query(consultation)).all()
        )
    consulted = consultation.version.number

    outcomes: dict[int | None, SectionOutcome] = {s.id: SectionOutcome(s) for s in sections}
    outcomes[None] = SectionOutcome(None)
    totals: dict[Disposition, int] = {}
    for section_id, disposition, count in counted:
        outcome = outcomes.setdefault(section_id, SectionOutcome(None))
        outcome.comments += count
        if disposition is not None:
            outcome.answered += count
            outcome.dispositions.append((disposition, count))
            totals[disposition] = totals.get(disposition, 0) + count
    for section_id, document_id, anchor, number, heading, version, public in changed:
        outcomes.setdefault(section_id, SectionOutcome(None)).changes.append(
            Change(
                document_id=document_id,
                anchor=anchor,
                number=number or "",
                heading=heading,
                version=version,
                consulted=consulted,
                public=bool(public),
            )
        )
    order = list(Disposition)
    for outcome in outcomes.values():
        outcome.dispositions.sort(key=lambda pair: order.index(pair[0]))
        outcome.changes.sort(key=lambda change: (change.version, change.anchor))
    shown = [outcomes[s.id] for s in sections if outcomes[s.id].comments]
    if outcomes[None].comments:
        shown.append(outcomes[None])
    return SaidAndDone(
        status=status,
        sections=shown,
        dispositions=sorted(totals.items(), key=lambda pair: order.index(pair[0])),
    )
