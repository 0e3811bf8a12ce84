"""Consultations of a region: create and change them, and their questionnaire.

Plain functions, session first; they flush and never commit. The lifecycle itself
(schedule, open, close, extend) lives in :mod:`consult.consultations.lifecycle`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from consult.accounts.models import User
from consult.consultations.lifecycle import (
    EDITABLE_STATES,
    SCHEDULED,
    ConsultationError,
    move_answers_due,
    record_creation,
    to_amsterdam,
)
from consult.consultations.models import (
    AnswerDateChange,
    ClosingChange,
    Consultation,
    ConsultationState,
    InvitedGroup,
    Question,
    QuestionKind,
    StateChange,
)
from consult.db import utcnow
from consult.documents.models import Document, DocumentVersion, Section
from consult.permissions import Actor
from consult.regions.models import Region
from consult.stakeholders.models import StakeholderGroup

MAX_SLUG_LENGTH = 120
MIN_OPTIONS = 2
MAX_OPTIONS = 12
MAX_OPTION_LENGTH = 200
CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})


@dataclass
class ConsultationDetails:
    """What an official fills in for a consultation (create and edit share it)."""

    version: DocumentVersion
    title: str
    introduction: str
    contact_name: str
    contact_email: str
    contact_phone: str
    opens_at: datetime
    closes_at: datetime
    invited_group_ids: list[int]
    # None: the region's usual promise (its answer weeks after the closing day).
    answers_due_on: date | None = None


# -- reading -------------------------------------------------------------------------------


def region_consultations(
    session: Session, region: Region, page: int, per_page: int
) -> tuple[list[Consultation], int]:
    """One page of the region's consultations, newest opening first, and the total."""
    total = session.scalar(
        select(func.count(Consultation.id)).where(Consultation.region_id == region.id)
    )
    rows = session.scalars(
        select(Consultation)
        .where(Consultation.region_id == region.id)
        .order_by(Consultation.opens_at.desc(), Consultation.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total or 0


def public_consultations(session: Session, region: Region) -> list[Consultation]:
    """The region's consultations that the public may see (all but drafts), newest first."""
    return list(
        session.scalars(
            select(Consultation)
            .where(
                Consultation.region_id == region.id,
                Consultation.state != ConsultationState.DRAFT,
            )
            .order_by(Consultation.opens_at.desc(), Consultation.id.desc())
        )
    )


def open_and_upcoming(session: Session) -> tuple[list[Consultation], list[Consultation]]:
    """Every region's open consultations (the first to close first) and its scheduled ones
    (the first to open first): what anyone can react to now, or soon."""
    rows = session.scalars(
        select(Consultation)
        .where(Consultation.state.in_([ConsultationState.OPEN, ConsultationState.SCHEDULED]))
        .options(joinedload(Consultation.region))
        .order_by(Consultation.closes_at, Consultation.id)
    ).all()
    open_now = [c for c in rows if c.state is ConsultationState.OPEN]
    upcoming = sorted(
        (c for c in rows if c.state is ConsultationState.SCHEDULED), key=lambda c: c.opens_at
    )
    return open_now, upcoming


def region_consultation(
    session: Session, region: Region, consultation_id: int
) -> Consultation | None:
    """The consultation with this id, but only when it belongs to ``region``."""
    return session.scalar(
        select(Consultation).where(
            Consultation.id == consultation_id, Consultation.region_id == region.id
        )
    )


def consultation_by_slug(session: Session, slug: str) -> Consultation | None:
    return session.scalar(select(Consultation).where(Consultation.slug == slug))


def region_versions(session: Session, region: Region) -> list[tuple[Document, DocumentVersion]]:
    """Every version of every document of the region, to choose the one to consult on."""
    rows = session.execute(
        select(Document, DocumentVersion)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(Document.region_id == region.id)
        .order_by(Document.title, Document.id, DocumentVersion.number.desc())
    ).all()
    return [(row[0], row[1]) for row in rows]


def timeline(session: Session, consultation: Consultation) -> list[dict[str, Any]]:
    """State changes, closing changes and answer-date changes, oldest first, with the
    person who made them."""

    states = session.scalars(
        select(StateChange)
        .where(StateChange.consultation_id == consultation.id)
        .order_by(StateChange.changed_at, StateChange.id)
    ).all()
    closings = session.scalars(
        select(ClosingChange)
        .where(ClosingChange.consultation_id == consultation.id)
        .order_by(ClosingChange.changed_at, ClosingChange.id)
    ).all()
    answer_dates = session.scalars(
        select(AnswerDateChange)
        .where(AnswerDateChange.consultation_id == consultation.id)
        .order_by(AnswerDateChange.changed_at, AnswerDateChange.id)
    ).all()
    actor_ids = {c.actor_id for c in [*states, *closings, *answer_dates] if c.actor_id is not None}
    actors = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    entries: list[dict[str, Any]] = (
        [
            {"kind": "state", "at": c.changed_at, "change": c, "actor": actors.get(c.actor_id)}
            for c in states
        ]
        + [
            {"kind": "closing", "at": c.changed_at, "change": c, "actor": actors.get(c.actor_id)}
            for c in closings
        ]
        + [
            {
                "kind": "answers_due",
                "at": c.changed_at,
                "change": c,
                "actor": actors.get(c.actor_id),
            }
            for c in answer_dates
        ]
    )
    entries.sort(key=lambda entry: entry["at"])
    return entries


# -- creating and changing -----------------------------------------------------------------


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def unique_slug(session: Session, region: Region, title: str) -> str:
    """``jz22-regiovisie-jeugd``; ``-2``, ``-3`` … when taken. Consultations are never
    deleted, so a slug once given is never given again."""
    base = f"{region.code.lower()}-{slugify(title) or 'consultatie'}"
    base = base[: MAX_SLUG_LENGTH - 4].rstrip("-")
    taken = set(
        session.scalars(
            select(Consultation.slug).where(
                (Consultation.slug == base) | Consultation.slug.like(f"{base}-%")
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_details(session: Session, region: Region, details: ConsultationDetails) -> None:
    document = details.version.document
    if document is None or document.region_id != region.id:
        raise ConsultationError(
            _l("Choose a version of one of this region's documents."), field="version"
        )
    if not details.title.strip():
        raise ConsultationError(_l("Fill in a title."), field="title")
    if details.closes_at <= details.opens_at:
        raise ConsultationError(
            _l("The closing moment must come after the opening moment."), field="closes_on"
        )
    if (
        details.answers_due_on is not None
        and details.answers_due_on <= to_amsterdam(details.closes_at).date()
    ):
        raise ConsultationError(
            _l("The answers can only be due after the consultation closes."),
            field="answers_due_on",
        )
    if details.invited_group_ids:
        known = set(
            session.scalars(
                select(StakeholderGroup.id).where(
                    StakeholderGroup.id.in_(details.invited_group_ids),
                    StakeholderGroup.active.is_(True),
                )
            )
        )
        if known != set(details.invited_group_ids):
            raise ConsultationError(_l("Choose groups from the list."), field="invited_groups")


def _apply(consultation: Consultation, details: ConsultationDetails) -> None:
    """The details onto the consultation; its answer date only while a draft (once
    scheduled the promise is recorded, and moves with a reason: lifecycle)."""
    if consultation.state is ConsultationState.DRAFT or consultation.state is None:
        consultation.answers_due_on = details.answers_due_on
    consultation.version = details.version
    consultation.title = details.title.strip()
    consultation.introduction = details.introduction.strip()
    consultation.contact_name = details.contact_name.strip()
    consultation.contact_email = details.contact_email.strip()
    consultation.contact_phone = details.contact_phone.strip()
    consultation.opens_at = details.opens_at
    consultation.closes_at = details.closes_at
    wanted = list(dict.fromkeys(details.invited_group_ids))
    current = {g.stakeholder_group_id: g for g in consultation.invited_groups}
    for group_id, invited in current.items():
        if group_id not in wanted:
            consultation.invited_groups.remove(invited)
    for group_id in wanted:
        if group_id not in current:
            consultation.invited_groups.append(InvitedGroup(stakeholder_group_id=group_id))


def create_consultation(
    session: Session, actor: Actor | None, region: Region, details: ConsultationDetails
) -> Consultation:
    """A new draft; only the region's team sees it until it is scheduled and opens."""
    _check_details(session, region, details)
    consultation = Consultation(
        slug=unique_slug(session, region, details.title),
        region=region,
        created_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    consultation.invited_groups = []
    _apply(consultation, details)
    session.add(consultation)
    record_creation(session, actor, consultation)
    session.flush()
    return consultation


def update_consultation(
    session: Session,
    actor: Actor,
    consultation: Consultation,
    details: ConsultationDetails,
    now: datetime | None = None,
) -> Consultation:
    """Change everything while draft; while scheduled too, but it cannot open in the past.

    The slug stays: the public address may already be in a newsletter.
    """
    now = now or utcnow()
    if consultation.state not in EDITABLE_STATES:
        raise ConsultationError(
            _l("This consultation has opened; its details can no longer be changed.")
        )
    _check_details(session, consultation.region, details)
    if consultation.state is SCHEDULED:
        if details.opens_at <= now:
            raise ConsultationError(
                _l("A scheduled consultation cannot open in the past. Choose a later moment."),
                field="opens_on",
            )
        if not details.version.sections:
            raise ConsultationError(
                _l("The chosen version has no sections yet. Add text to it first."),
                field="version",
            )
    old_closing_day = to_amsterdam(consultation.closes_at).date()
    _apply(consultation, details)
    session.flush()
    if consultation.state is SCHEDULED and consultation.answers_due_on is not None:
        moved = to_amsterdam(consultation.closes_at).date() - old_closing_day
        if moved:
            move_answers_due(
                session,
                actor,
                consultation,
                consultation.answers_due_on + moved,
                str(_l("The closing date changed; the answer date moved with it.")),
                now,
            )
    return consultation


# -- the questionnaire -----------------------------------------------------------------------


@dataclass
class QuestionDetails:
    kind: QuestionKind
    text: str
    hint: str
    required: bool
    options: list[str]


def parse_options(text: str) -> list[str]:
    """One option per line; empty lines and surrounding spaces do not count."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def option_problem(kind: QuestionKind, options: list[str]) -> Any | None:
    """Why these options do not fit this kind of question (None: they do)."""
    if kind not in CHOICE_KINDS:
        return None
    if len(options) < MIN_OPTIONS:
        return _l("Give at least %(min)d options, one per line.", min=MIN_OPTIONS)
    if len(options) > MAX_OPTIONS:
        return _l("Give at most %(max)d options.", max=MAX_OPTIONS)
    too_long = [o for o in options if len(o) > MAX_OPTION_LENGTH]
    if too_long:
        return _l(
            "An option has at most %(max)d characters. Make this one shorter: %(option)s",
            max=MAX_OPTION_LENGTH,
            option=too_long[0][:40] + "…",
        )
    if len({o.casefold() for o in options}) != len(options):
        return _l("Each option may appear only once.")
    return None


def _check_questionnaire_editable(consultation: Consultation) -> None:
    if consultation.state not in EDITABLE_STATES:
        raise ConsultationError(
            _l("The questionnaire cannot change once the consultation has opened.")
        )


def _check_question(details: QuestionDetails) -> list[str]:
    if not details.text.strip():
        raise ConsultationError(_l("Write the question."), field="text")
    options = details.options if details.kind in CHOICE_KINDS else []
    problem = option_problem(details.kind, options)
    if problem is not None:
        raise ConsultationError(problem, field="options")
    return options


def add_question(
    session: Session, consultation: Consultation, details: QuestionDetails
) -> Question:
    _check_questionnaire_editable(consultation)
    options = _check_question(details)
    last = session.scalar(
        select(func.max(Question.position)).where(Question.consultation_id == consultation.id)
    )
    question = Question(
        consultation=consultation,
        position=(last or 0) + 1,
        kind=details.kind,
        text=details.text.strip(),
        hint=details.hint.strip(),
        required=details.required,
        options=options,
    )
    session.add(question)
    session.flush()
    return question


def update_question(session: Session, question: Question, details: QuestionDetails) -> Question:
    _check_questionnaire_editable(question.consultation)
    options = _check_question(details)
    question.kind = details.kind
    question.text = details.text.strip()
    question.hint = details.hint.strip()
    question.required = details.required
    question.options = options
    session.flush()
    return question


def remove_question(session: Session, question: Question) -> None:
    consultation = question.consultation
    _check_questionnaire_editable(consultation)
    consultation.questions.remove(question)
    session.delete(question)
    session.flush()
    _renumber(session, consultation, [q for q in consultation.questions if q is not question])


def move_question(session: Session, question: Question, step: int) -> None:
    """Move one place up (-1) or down (+1); at the top or bottom nothing happens."""
    consultation = question.consultation
    _check_questionnaire_editable(consultation)
    ordered = sorted(consultation.questions, key=lambda q: q.position)
    index = ordered.index(question)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(session, consultation, ordered)


def _renumber(session: Session, consultation: Consultation, ordered: list[Question]) -> None:
    """Positions 1..n in this order; via negative numbers, so the unique key never clashes."""
    for offset, question in enumerate(ordered, start=1):
        question.position = -offset
    session.flush()
    for offset, question in enumerate(ordered, start=1):
        question.position = offset
    session.flush()
    session.expire(consultation, ["questions"])


def region_question(
    session: Session, consultation: Consultation, question_id: int
) -> Question | None:
    return session.scalar(
        select(Question).where(
            Question.id == question_id, Question.consultation_id == consultation.id
        )
    )


# -- reading one consultation, as every public page does ------------------------------------


def public_consultation(session: Session, slug: str) -> Consultation | None:
    """The consultation with its version and document, in one query."""
    return session.scalar(
        select(Consultation)
        .where(Consultation.slug == slug)
        .options(
            joinedload(Consultation.version).joinedload(DocumentVersion.document),
            joinedload(Consultation.region),
        )
    )


def sections_of(session: Session, consultation: Consultation) -> list[Section]:
    return list(
        session.scalars(
            select(Section)
            .where(Section.version_id == consultation.version_id)
            .order_by(Section.position)
        )
    )


def section_by_anchor(session: Session, consultation: Consultation, anchor: str) -> Section | None:
    return session.scalar(
        select(Section).where(
            Section.version_id == consultation.version_id, Section.anchor == anchor
        )
    )


def phase(consultation: Consultation, now: datetime) -> str:
    """'open', 'not_yet' or 'closed', by the clock (a state may lag behind its moment)."""
    if consultation.accepts_comments_at(now):
        return "open"
    if consultation.has_closed or now >= consultation.closes_at:
        return "closed"
    return "not_yet"
