"""Drafting, approving, publishing and correcting answers to comments.

The four-eyes rule: an answer is drafted by a responder or official and approved by a
*different* official before it can be published, unless the region allows self-approval
(then the answer says so). Publishing is only possible once the consultation has closed;
drafting may start while it is open. When every comment that needs an answer has a
published one, the consultation moves to "answered".

A comment needs an answer when its submission was confirmed and it was not withdrawn;
hidden comments still need one (DOMAIN.md: the comment still counts and still gets an
answer). Each comment is covered by at most one open (draft or approved) answer and one
current published answer at a time.

Every step writes its event in the evidence record, in the same transaction, naming the
answer as ``answer:<id>`` and the actor by role: drafted, approved (self-approved or not),
published (with a hash of exactly what was published, see :func:`answer_content`) and
superseded by a correction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.comments.models import Comment, Submission
from consult.consultations import lifecycle
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.ledger import canonical as record_canonical
from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.models import ActorRole, EventKind
from consult.permissions import Actor
from consult.responses.models import (
    Answer,
    AnsweredComment,
    AnswerSection,
    AnswerState,
    Disposition,
)
from consult.responses.queries import (
    OPEN_STATES,
    current_answers,
    open_answers,
    unanswered_count,
)

MAX_REASON_LENGTH = 5000
MAX_NOTE_LENGTH = 2000

# Drafting may start while the consultation is open; corrections stay possible afterwards.
DRAFTING_STATES = frozenset(
    {
        ConsultationState.OPEN,
        ConsultationState.CLOSED,
        ConsultationState.ANSWERED,
        ConsultationState.REPORT_PUBLISHED,
    }
)
PUBLISHING_STATES = DRAFTING_STATES - {ConsultationState.OPEN}


class AnswerError(ValueError):
    """A step the answering rules do not allow; ``message`` is translated, for the person.

    ``field`` names the form field the problem belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# -- which comments need an answer --------------------------------------------------------------


# -- the evidence record --------------------------------------------------------------------------


def answer_object_id(answer_id: int | None) -> str | None:
    """An answer's public id in the record: ``answer:<id>`` (None for no answer)."""
    return None if answer_id is None else f"answer:{answer_id}"


def text_hash(text: str | None) -> str:
    """SHA-256 (hex) of a text as stored: the record binds the words without holding them."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def answered_comment_ids(session: Session, answer_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per answer, the public ids (``<tracking code>/<position>``) of the comments it
    answers, sorted; one query for any number of answers."""
    ids = sorted(set(answer_ids))
    found: dict[int, list[str]] = {answer_id: [] for answer_id in ids}
    if not ids:
        return found
    rows = session.execute(
        select(AnsweredComment.answer_id, Submission.tracking_code, Comment.position)
        .join(Comment, Comment.id == AnsweredComment.comment_id)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(AnsweredComment.answer_id.in_(ids))
    )
    for answer_id, code, position in rows:
        found[answer_id].append(f"{code}/{position}")
    for comments in found.values():
        comments.sort()
    return found


def answer_content(
    answer_id: int,
    disposition: str,
    reason: str | None,
    comments: Sequence[str],
    supersedes_id: int | None,
) -> dict[str, Any]:
    """What an ``answer_published`` event binds, from plain values (so the cross-check can
    rebuild it from the live rows): the disposition, a hash of the reason, the answered
    comments (sorted public ids) and the answer it corrects."""
    return {
        "answer": answer_object_id(answer_id),
        "disposition": disposition,
        "reason_hash": text_hash(reason),
        "comments": sorted(comments),
        "supersedes": answer_object_id(supersedes_id),
    }


def answer_content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of :func:`answer_content`."""
    return record_canonical.digest(content)


def answer_published_payload(answer: Answer, comments: Sequence[str]) -> dict[str, Any]:
    """The ``answer_published`` payload: :func:`answer_content` (without the id, which is
    the event's object) and its ``content_hash``."""
    content = answer_content(
        answer.id, answer.disposition.value, answer.reason, comments, answer.supersedes_id
    )
    payload = {key: value for key, value in content.items() if key != "answer"}
    payload["content_hash"] = answer_content_hash(content)
    return payload


def _record_answer(
    session: Session,
    actor: Actor | None,
    answer: Answer,
    kind: EventKind,
    payload: dict[str, Any],
    *,
    prefer: ActorRole,
    at: datetime | None,
) -> None:
    consultation = answer.consultation
    record.append(
        session,
        kind=kind,
        consultation=consultation,
        object_type="answer",
        object_id=f"answer:{answer.id}",
        actor_role=role_in_region(actor, consultation.region_id, prefer=prefer),
        payload=payload,
        occurred_at=at,
    )


def _record_draft(session: Session, actor: Actor, answer: Answer, *, revised: bool) -> None:
    _record_answer(
        session,
        actor,
        answer,
        EventKind.ANSWER_DRAFTED,
        {
            "disposition": answer.disposition.value,
            "comment_count": len(answer.links),
            "supersedes": answer_object_id(answer.supersedes_id),
            "revised": revised,
        },
        prefer=ActorRole.RESPONDER,
        at=answer.drafted_at,
    )


# -- drafting -------------------------------------------------------------------------------------


def _checked_text(disposition: Disposition, reason: str) -> str:
    reason = (reason or "").strip()
    if disposition.requires_reason and not reason:
        raise AnswerError(
            _("Explain why the comment is not adopted; the person who wrote it reads this."),
            field="reason",
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise AnswerError(
            _("Keep the reason under %(num)d characters.", num=MAX_REASON_LENGTH), field="reason"
        )
    return reason


def _require_drafting(consultation: Consultation) -> None:
    if consultation.state not in DRAFTING_STATES:
        raise AnswerError(_("Answers can be drafted once the consultation is open."))


def _free(session: Session, comments: Sequence[Comment], *, but: Answer | None = None) -> None:
    ids = [comment.id for comment in comments]
    taken = {
        comment_id: answer
        for comment_id, answer in {
            **open_answers(session, ids),
            **current_answers(session, ids),
        }.items()
        if but is None or answer.id != but.id
    }
    if taken:
        raise AnswerError(
            ngettext_taken(len(taken)),
            field="comments",
        )


def ngettext_taken(count: int) -> str:
    from flask_babel import ngettext

    return ngettext(
        "%(num)d of these comments already has an answer. Correct that answer instead.",
        "%(num)d of these comments already have an answer. Correct those answers instead.",
        count,
    )


def draft_answer(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    comments: Sequence[Comment],
    disposition: Disposition,
    reason: str,
    now: datetime | None = None,
) -> Answer:
    """One draft answer for ``comments`` (one comment, or a group answered together)."""
    _require_drafting(consultation)
    if not comments:
        raise AnswerError(_("Choose at least one comment to answer."), field="comments")
    if any(comment.consultation_id != consultation.id for comment in comments):
        raise AnswerError(_("A comment of another consultation cannot be answered here."))
    reason = _checked_text(disposition, reason)
    _free(session, comments)
    answer = Answer(
        consultation=consultation,
        disposition=disposition,
        reason=reason,
        state=AnswerState.DRAFT,
        drafted_at=now or utcnow(),
        drafted_by_id=getattr(actor, "id", None),
    )
    answer.links = [AnsweredComment(comment=comment) for comment in comments]
    session.add(answer)
    session.flush()
    _record_draft(session, actor, answer, revised=False)
    return answer


def revise_draft(
    session: Session,
    actor: Actor | None,
    answer: Answer,
    disposition: Disposition,
    reason: str,
    comments: Sequence[Comment] | None = None,
    now: datetime | None = None,
) -> Answer:
    """Change a draft (or an approved answer, which then needs approval again)."""
    if answer.state not in OPEN_STATES:
        raise AnswerError(_("A published answer cannot be changed; publish a correction instead."))
    answer.reason = _checked_text(disposition, reason)
    answer.disposition = disposition
    if comments is not None:
        if not comments:
            raise AnswerError(_("Choose at least one comment to answer."), field="comments")
        _free(session, comments, but=answer)
        keep = {comment.id for comment in comments}
        answer.links = [link for link in answer.links if link.comment_id in keep]
        have = {link.comment_id for link in answer.links}
        answer.links.extend(AnsweredComment(comment=c) for c in comments if c.id not in have)
    # Whoever changes it becomes the drafter, so they cannot approve their own change.
    answer.drafted_by_id = getattr(actor, "id", None)
    answer.drafted_at = now or utcnow()
    answer.state = AnswerState.DRAFT
    answer.approved_at = None
    answer.approved_by_id = None
    answer.self_approved = False
    session.flush()
    _record_draft(session, actor, answer, revised=True)
    return answer


def discard_draft(session: Session, answer: Answer) -> None:
    if answer.state not in OPEN_STATES:
        raise AnswerError(_("A published answer is never removed; publish a correction instead."))
    session.delete(answer)
    session.flush()


# -- approving and publishing ---------------------------------------------------------------------


def approve(
    session: Session, actor: Actor | None, answer: Answer, now: datetime | None = None
) -> Answer:
    """The second pair of eyes. The policy decides who; this refuses the wrong state."""
    if answer.state is not AnswerState.DRAFT:
        raise AnswerError(_("Only a draft answer can be approved."))
    actor_id = getattr(actor, "id", None)
    own = answer.drafted_by_id is not None and answer.drafted_by_id == actor_id
    if own and not answer.consultation.region.allow_self_approval:
        raise AnswerError(_("Someone else must approve an answer you drafted yourself."))
    answer.state = AnswerState.APPROVED
    answer.approved_at = now or utcnow()
    answer.approved_by_id = actor_id
    answer.self_approved = own
    session.flush()
    _record_answer(
        session,
        actor,
        answer,
        EventKind.ANSWER_APPROVED,
        {"self_approved": own},
        prefer=ActorRole.OFFICIAL,
        at=answer.approved_at,
    )
    return answer


@dataclass
class Publication:
    answers: list[Answer] = field(default_factory=list)
    superseded: list[Answer] = field(default_factory=list)
    # Set when this publication answered the last comment that was waiting.
    answered_consultation: bool = False


def approved_answers(session: Session, consultation: Consultation) -> list[Answer]:
    return list(
        session.scalars(
            select(Answer)
            .where(Answer.consultation_id == consultation.id, Answer.state == AnswerState.APPROVED)
            .order_by(Answer.id)
        )
    )


def publish(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    answers: Sequence[Answer] | None = None,
    now: datetime | None = None,
) -> Publication:
    """Publish approved answers (all of them, or ``answers``); corrections replace the old.

    The consultation is locked first and the chosen answers read again under that lock, so
    two officials publishing at once (or one double click) publish, and record, each
    answer once.
    """
    session.refresh(consultation, with_for_update=True)
    if consultation.state not in PUBLISHING_STATES:
        raise AnswerError(_("Answers are published after the consultation has closed."))
    now = now or utcnow()
    chosen = list(answers) if answers is not None else approved_answers(session, consultation)
    for answer in chosen:
        session.refresh(answer)
    if not chosen:
        raise AnswerError(_("There are no approved answers to publish."))
    publication = Publication()
    for answer in chosen:
        if answer.consultation_id != consultation.id:
            raise AnswerError(_("An answer of another consultation cannot be published here."))
        if answer.state is not AnswerState.APPROVED:
            raise AnswerError(_("Only approved answers can be published."))
        if answer.supersedes is not None:
            old = answer.supersedes
            if old.superseded_at is not None:
                raise AnswerError(_("That answer was already corrected."))
            old.superseded_at = now
            publication.superseded.append(old)
        answer.state = AnswerState.PUBLISHED
        answer.published_at = now
        answer.published_by_id = getattr(actor, "id", None)
        publication.answers.append(answer)
    session.flush()
    comments = answered_comment_ids(session, [answer.id for answer in publication.answers])
    for answer in publication.answers:
        _record_answer(
            session,
            actor,
            answer,
            EventKind.ANSWER_PUBLISHED,
            answer_published_payload(answer, comments[answer.id]),
            prefer=ActorRole.OFFICIAL,
            at=now,
        )
        if answer.supersedes is not None:
            _record_answer(
                session,
                actor,
                answer.supersedes,
                EventKind.ANSWER_SUPERSEDED,
                {"superseded_by": answer_object_id(answer.id)},
                prefer=ActorRole.OFFICIAL,
                at=now,
            )
    publication.answered_consultation = mark_answered_if_complete(session, consultation, actor, now)
    return publication


def mark_answered_if_complete(
    session: Session, consultation: Consultation, actor: Actor, now: datetime | None = None
) -> bool:
    """Move a closed consultation to "answered" once no comment is waiting for an answer."""
    if consultation.state is not ConsultationState.CLOSED:
        return False
    if unanswered_count(session, consultation):
        return False
    lifecycle.record_state(
        session, consultation, ConsultationState.ANSWERED, actor=actor, at=now or utcnow()
    )
    return True


def correct(
    session: Session,
    actor: Actor | None,
    answer: Answer,
    disposition: Disposition,
    reason: str,
    note: str,
    now: datetime | None = None,
) -> Answer:
    """A draft correction of a published answer, covering the same comments.

    It goes through approval like any answer; when published, the old one is marked
    superseded and both stay visible, dated.
    """
    if not answer.is_current:
        raise AnswerError(_("Only the current published answer can be corrected."))
    if session.scalar(select(Answer.id).where(Answer.supersedes_id == answer.id)) is not None:
        raise AnswerError(_("A correction of this answer is already being drafted."))
    note = (note or "").strip()
    if not note:
        raise AnswerError(_("Say what you corrected and why."), field="note")
    if len(note) > MAX_NOTE_LENGTH:
        raise AnswerError(
            _("Keep the note under %(num)d characters.", num=MAX_NOTE_LENGTH), field="note"
        )
    reason = _checked_text(disposition, reason)
    correction = Answer(
        consultation_id=answer.consultation_id,
        disposition=disposition,
        reason=reason,
        state=AnswerState.DRAFT,
        drafted_at=now or utcnow(),
        drafted_by_id=getattr(actor, "id", None),
        supersedes=answer,
        correction_note=note,
    )
    correction.links = [AnsweredComment(comment_id=link.comment_id) for link in answer.links]
    # The change the old answer caused is still there; the correction starts from it.
    correction.section_links = [
        AnswerSection(section_id=link.section_id, linked_by_id=getattr(actor, "id", None))
        for link in answer.section_links
    ]
    session.add(correction)
    session.flush()
    _record_draft(session, actor, correction, revised=False)
    return correction


def history(session: Session, comment: Comment) -> list[Answer]:
    """Every published answer the comment had, newest first (corrections included)."""
    return list(
        session.scalars(
            select(Answer)
            .join(AnsweredComment, AnsweredComment.answer_id == Answer.id)
            .where(AnsweredComment.comment_id == comment.id, Answer.state == AnswerState.PUBLISHED)
            .order_by(Answer.published_at.desc(), Answer.id.desc())
        )
    )
