"""Which version follows the consulted one, and which of its sections changed because of answers.

An answer points to the sections of a later version of the document that changed because
of it (:class:`AnswerSection`); the comments the answer covers are then the comments that
caused the change. Links may be added to draft, approved and published answers alike: the
next version is often written after the answering. They can be removed again until the
reactienota is published; from then on the report says what changed after which comments,
so the links stay as they are.

The public side reads only published answers: the diff page says "changed after N
comments" per section, and the participant's status page shows their answer with the
sections it changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from consult.comments.models import Comment, Submission
from consult.consultations import lifecycle
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.documents.diff import SectionChange, Status, VersionDiff, diff_versions
from consult.documents.models import DocumentVersion, Section
from consult.permissions import Actor
from consult.responses.models import Answer, AnsweredComment, AnswerSection, AnswerState

log = logging.getLogger(__name__)

# Statuses that mean "the text of this section is different in the next version".
CHANGED_STATUSES = frozenset({Status.CHANGED, Status.ADDED})
# How many words of a reason the lists show before "...".
# Public comments shown per answer on the public "what changed" page.
COMMENTS_SHOWN_PER_ANSWER = 10


class TracingError(ValueError):
    """A link that may not be made or removed; ``message`` is translated, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- loading ----------------------------------------------------------------------------------


# -- the versions -----------------------------------------------------------------------------


def is_later_section(consultation: Consultation, section: Section) -> bool:
    """The section belongs to a version of the consulted document after the consulted one."""
    consulted = consultation.version
    version = section.version
    return version.document_id == consulted.document_id and version.number > consulted.number


def later_section(session: Session, consultation: Consultation, section_id: int) -> Section | None:
    """A section of a later version of this consultation's document, or None (a 404)."""
    section = session.scalar(
        select(Section)
        .where(Section.id == section_id)
        .options(joinedload(Section.version).joinedload(DocumentVersion.document))
    )
    if section is None or not is_later_section(consultation, section):
        return None
    return section


def version_diff(
    session: Session, consultation: Consultation, version: DocumentVersion | None = None
) -> VersionDiff | None:
    """The consulted version against ``version`` (the next one by default), section by section."""
    newer = version or lifecycle.next_version(session, consultation)
    if newer is None:
        return None
    return diff_versions(consultation.version, newer)


def changes_by_section(diff: VersionDiff | None) -> dict[int, SectionChange]:
    """The diff's change for each section of the newer version, by section id."""
    if diff is None:
        return {}
    return {change.new.id: change for change in diff.changes if change.new is not None}


# -- counting the comments behind a change ----------------------------------------------------


def _tracing_query(section_ids: Sequence[int], *, published_only: bool) -> Any:
    query = (
        select(
            AnswerSection.section_id,
            Answer.consultation_id,
            func.count(func.distinct(AnsweredComment.comment_id)),
            func.count(func.distinct(Answer.id)),
        )
        .join(Answer, Answer.id == AnswerSection.answer_id)
        .join(AnsweredComment, AnsweredComment.answer_id == Answer.id)
        .where(AnswerSection.section_id.in_(list(section_ids)))
        .group_by(AnswerSection.section_id, Answer.consultation_id)
    )
    if published_only:
        # A corrected answer still tells which comments caused the change.
        query = query.where(Answer.state == AnswerState.PUBLISHED)
    return query


@dataclass
class Count:
    comments: int = 0
    answers: int = 0


def counts_by_section(
    session: Session,
    consultation: Consultation,
    section_ids: Iterable[int],
    *,
    published_only: bool = False,
) -> dict[int, Count]:
    """Per section: the distinct comments (and answers) of this consultation linked to it.

    The team counts every answer, drafts included; the public only published answers.
    """
    ids = list(section_ids)
    if not ids:
        return {}
    rows = session.execute(
        _tracing_query(ids, published_only=published_only).where(
            Answer.consultation_id == consultation.id
        )
    )
    return {section_id: Count(comments, answers) for section_id, _c, comments, answers in rows}


@dataclass
class TracedSection:
    """A section of the next version, whether it changed, and the comments behind it."""

    section: Section
    status: Status
    comments: int = 0
    answers: int = 0

    @property
    def changed(self) -> bool:
        return self.status in CHANGED_STATUSES


def changed_sections(
    session: Session, consultation: Consultation, *, published_only: bool = False
) -> list[TracedSection]:
    """Every section of the next version, in its order: changed or not, and how many
    comments (distinct, through the answers linked to it) caused the change.

    Empty when there is no next version yet.
    """
    diff = version_diff(session, consultation)
    if diff is None:
        return []
    counts = counts_by_section(
        session, consultation, [s.id for s in diff.new.sections], published_only=published_only
    )
    changes = changes_by_section(diff)
    return [
        TracedSection(
            section=section,
            status=changes[section.id].status,
            comments=counts.get(section.id, Count()).comments,
            answers=counts.get(section.id, Count()).answers,
        )
        for section in diff.new.sections
    ]


@dataclass
class PublicTrace:
    """On the public diff: this section changed after ``comments`` comments of ``consultation``."""

    consultation: Consultation
    comments: int


def public_traces(session: Session, section_ids: Iterable[int]) -> dict[int, list[PublicTrace]]:
    """For the public diff: per section, the published answers' comments per consultation.

    Only consultations the public can see (no drafts) count; two queries in all.
    """
    ids = list(section_ids)
    if not ids:
        return {}
    rows = list(session.execute(_tracing_query(ids, published_only=True)))
    if not rows:
        return {}
    consultations = {
        c.id: c
        for c in session.scalars(
            select(Consultation).where(
                Consultation.id.in_({row[1] for row in rows}),
                Consultation.state != ConsultationState.DRAFT,
            )
        )
    }
    traces: dict[int, list[PublicTrace]] = {}
    for section_id, consultation_id, comments, _answers in rows:
        if consultation_id in consultations:
            traces.setdefault(section_id, []).append(
                PublicTrace(consultations[consultation_id], comments)
            )
    for found in traces.values():
        found.sort(key=lambda trace: trace.consultation.id)
    return traces


# -- linking ----------------------------------------------------------------------------------


def links_are_fixed(consultation: Consultation) -> bool:
    """Once the reactienota is published, it says what changed after which comments."""
    return consultation.state is ConsultationState.REPORT_PUBLISHED


def _require_changeable(consultation: Consultation) -> None:
    if links_are_fixed(consultation):
        raise TracingError(
            _(
                "The reactienota has been published, so the links between answers and "
                "changed sections can no longer change."
            )
        )


def _require_linkable(answer: Answer) -> None:
    if answer.superseded_at is not None:
        raise TracingError(
            _("This answer was replaced by a correction. Link the sections to the correction.")
        )


def _require_later_sections(consultation: Consultation, sections: Iterable[Section]) -> None:
    if not all(is_later_section(consultation, section) for section in sections):
        raise TracingError(
            _("Only sections of a later version of the consulted document can be linked.")
        )


def link(
    session: Session,
    actor: Actor | None,
    answer: Answer,
    sections: Iterable[Section],
    now: datetime | None = None,
) -> list[AnswerSection]:
    """Say that ``sections`` changed because of ``answer``; returns the links made now.

    A section already linked to the answer stays linked once (not twice).
    """
    consultation = answer.consultation
    sections = list(sections)
    _require_changeable(consultation)
    _require_linkable(answer)
    _require_later_sections(consultation, sections)
    have = set(
        session.scalars(
            select(AnswerSection.section_id).where(AnswerSection.answer_id == answer.id)
        )
    )
    made = []
    moment = now or utcnow()
    for section in sections:
        if section.id in have:
            continue
        have.add(section.id)
        made.append(
            AnswerSection(
                answer_id=answer.id,
                section_id=section.id,
                linked_at=moment,
                linked_by_id=getattr(actor, "id", None),
            )
        )
    session.add_all(made)
    session.flush()
    if made:
        session.expire(answer, ["section_links"])
        log.info(
            "answer %s linked to section(s) %s by user %s",
            answer.id,
            ", ".join(str(link.section_id) for link in made),
            getattr(actor, "id", None),
        )
    return made


def unlink(
    session: Session, actor: Actor | None, answer: Answer, sections: Iterable[Section]
) -> int:
    """Remove the links between ``answer`` and ``sections``; returns how many there were."""
    _require_changeable(answer.consultation)
    ids = [section.id for section in sections]
    if not ids:
        return 0
    result = session.execute(
        delete(AnswerSection)
        .where(AnswerSection.answer_id == answer.id, AnswerSection.section_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    removed = int(getattr(result, "rowcount", 0) or 0)
    session.expire(answer, ["section_links"])
    if removed:
        log.info(
            "answer %s unlinked from section(s) %s by user %s",
            answer.id,
            ", ".join(str(i) for i in ids),
            getattr(actor, "id", None),
        )
    return removed


@dataclass
class LinkChange:
    added: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def set_answer_sections(
    session: Session,
    actor: Actor,
    answer: Answer,
    shown: Iterable[Section],
    chosen: Iterable[Section],
    now: datetime | None = None,
) -> LinkChange:
    """The form of one answer: of the ``shown`` sections, exactly ``chosen`` are linked."""
    shown = list(shown)
    chosen_ids = {section.id for section in chosen}
    linked = set(
        session.scalars(
            select(AnswerSection.section_id).where(AnswerSection.answer_id == answer.id)
        )
    )
    to_add = [s for s in shown if s.id in chosen_ids and s.id not in linked]
    to_remove = [s for s in shown if s.id not in chosen_ids and s.id in linked]
    if to_add or to_remove:
        _require_changeable(answer.consultation)
    if to_add:
        _require_linkable(answer)
    change = LinkChange()
    change.removed = unlink(session, actor, answer, to_remove) if to_remove else 0
    change.added = len(link(session, actor, answer, to_add, now)) if to_add else 0
    return change


def set_section_answers(
    session: Session,
    actor: Actor,
    consultation: Consultation,
    section: Section,
    shown: Iterable[Answer],
    chosen: Iterable[Answer],
    now: datetime | None = None,
) -> LinkChange:
    """The form of one changed section: of the ``shown`` answers, exactly ``chosen`` link to it."""
    _require_later_sections(consultation, [section])
    shown = [a for a in shown if a.consultation_id == consultation.id]
    chosen_ids = {answer.id for answer in chosen}
    linked = set(
        session.scalars(
            select(AnswerSection.answer_id).where(
                AnswerSection.section_id == section.id,
                AnswerSection.answer_id.in_([a.id for a in shown]),
            )
        )
    )
    to_add = [a for a in shown if a.id in chosen_ids and a.id not in linked]
    to_remove = [a for a in shown if a.id not in chosen_ids and a.id in linked]
    if to_add or to_remove:
        _require_changeable(consultation)
    for answer in to_add:
        _require_linkable(answer)
    change = LinkChange()
    for answer in to_remove:
        change.removed += unlink(session, actor, answer, [section])
    for answer in to_add:
        change.added += len(link(session, actor, answer, [section], now))
    return change


# -- the answers a changed section can be linked to -------------------------------------------


def answer_in_consultation(
    session: Session, consultation: Consultation, answer_id: int
) -> Answer | None:
    """An answer of this consultation with its comments and links, or None (a 404)."""
    return session.scalar(
        select(Answer)
        .where(Answer.id == answer_id, Answer.consultation_id == consultation.id)
        .options(
            selectinload(Answer.links)
            .joinedload(AnsweredComment.comment)
            .joinedload(Comment.section),
            selectinload(Answer.section_links),
        )
    )


def linkable_answers(
    session: Session,
    consultation: Consultation,
    *,
    consulted_section: Section | None = None,
    whole_document: bool = False,
    linked_to: Section | None = None,
) -> list[Answer]:
    """Draft, approved and current published answers of the consultation, oldest first.

    With ``consulted_section`` only answers to comments on that section of the consulted
    version (``whole_document``: on the document as a whole); answers already linked to
    ``linked_to`` are always included, so the form never hides a link it would remove.
    """
    query = select(Answer).where(
        Answer.consultation_id == consultation.id, Answer.superseded_at.is_(None)
    )
    filters = []
    if consulted_section is not None or whole_document:
        on_section = (
            Comment.section_id.is_(None)
            if whole_document
            else Comment.section_id == consulted_section.id  # type: ignore[union-attr]
        )
        filters.append(
            Answer.id.in_(
                select(AnsweredComment.answer_id)
                .join(Comment, Comment.id == AnsweredComment.comment_id)
                .where(on_section)
            )
        )
        if linked_to is not None:
            filters.append(
                Answer.id.in_(
                    select(AnswerSection.answer_id).where(AnswerSection.section_id == linked_to.id)
                )
            )
        query = query.where(or_(*filters))
    return list(
        session.scalars(
            query.order_by(Answer.id).options(
                selectinload(Answer.links)
                .joinedload(AnsweredComment.comment)
                .joinedload(Comment.section),
                selectinload(Answer.section_links),
            )
        )
    )


# -- the public page of one changed section ---------------------------------------------------


@dataclass
class AnswerWithComments:
    answer: Answer
    comment_count: int
    public_comments: list[Comment] = field(default_factory=list)
    public_count: int = 0


def published_answers_for_section(
    session: Session,
    consultation: Consultation,
    section: Section,
    per_answer: int = COMMENTS_SHOWN_PER_ANSWER,
) -> list[AnswerWithComments]:
    """The published answers linked to ``section``, current ones first, with the first
    published comments of each (only those with consent and not hidden), in four queries."""
    answers = list(
        session.scalars(
            select(Answer)
            .join(AnswerSection, AnswerSection.answer_id == Answer.id)
            .where(
                AnswerSection.section_id == section.id,
                Answer.consultation_id == consultation.id,
                Answer.state == AnswerState.PUBLISHED,
            )
            .order_by(Answer.superseded_at.is_not(None), Answer.published_at, Answer.id)
        )
    )
    if not answers:
        return []
    ids = [a.id for a in answers]
    counts = session.execute(
        select(
            AnsweredComment.answer_id,
            func.count(AnsweredComment.comment_id),
            func.count(Comment.id).filter(Comment.is_public.is_(True)),
        )
        .join(Comment, Comment.id == AnsweredComment.comment_id)
        .where(AnsweredComment.answer_id.in_(ids))
        .group_by(AnsweredComment.answer_id)
    )
    totals = {answer_id: (total, public) for answer_id, total, public in counts}
    ranked = (
        select(
            AnsweredComment.answer_id.label("answer_id"),
            Comment.id.label("comment_id"),
            func.row_number()
            .over(partition_by=AnsweredComment.answer_id, order_by=Comment.id)
            .label("rank"),
        )
        .join(Comment, Comment.id == AnsweredComment.comment_id)
        .where(AnsweredComment.answer_id.in_(ids), Comment.is_public.is_(True))
        .subquery()
    )
    shown: dict[int, list[Comment]] = {}
    rows = session.execute(
        select(ranked.c.answer_id, Comment)
        .join(ranked, ranked.c.comment_id == Comment.id)
        .where(ranked.c.rank <= per_answer)
        .order_by(ranked.c.answer_id, Comment.id)
        .options(
            joinedload(Comment.submission).joinedload(Submission.stakeholder_group),
            joinedload(Comment.submission).joinedload(Submission.municipality),
            joinedload(Comment.submission).joinedload(Submission.contact),
            joinedload(Comment.section),
        )
    ).unique()
    for answer_id, comment in rows:
        shown.setdefault(answer_id, []).append(comment)
    return [
        AnswerWithComments(
            answer=answer,
            comment_count=totals.get(answer.id, (0, 0))[0],
            public_count=totals.get(answer.id, (0, 0))[1],
            public_comments=shown.get(answer.id, []),
        )
        for answer in answers
    ]


# -- what the participant sees ----------------------------------------------------------------
