"""The team's side of the comments: answers (drafted, approved, published) and groups."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.responses.answers import services
from consult.responses.models import Answer, CommentGroup, CommentGroupMember, Disposition
from tests.factories._support import app_context

ANSWER_STATES = ("draft", "approved", "published")


def answer(
    session: Session,
    consultation: Consultation,
    comments: Sequence[Comment],
    disposition: Disposition = Disposition.ADOPTED,
    reason: str = "We nemen dit over.",
    *,
    responder: User,
    official: User | None = None,
    state: str = "published",
) -> Answer:
    """An answer to ``comments`` through the answer services: drafted by ``responder``;
    unless ``state`` is "draft", approved by ``official``; and if "published" (the
    default), published by ``official``, on its own."""
    assert state in ANSWER_STATES, state
    drafted = services.draft_answer(
        session, responder, consultation, list(comments), disposition, reason
    )
    if state != "draft":
        _approve_and_publish(session, consultation, drafted, official, state)
    return drafted


def correction(
    session: Session,
    consultation: Consultation,
    answer: Answer,
    disposition: Disposition,
    reason: str,
    note: str,
    *,
    responder: User,
    official: User,
    state: str = "published",
) -> Answer:
    """A correction of ``answer`` by ``responder`` (``note``: what was wrong), approved by
    ``official``, and published on its own if ``state`` is "published" (the default)."""
    assert state in ANSWER_STATES[1:], state
    corrected = services.correct(session, responder, answer, disposition, reason, note)
    _approve_and_publish(session, consultation, corrected, official, state)
    return corrected


def _approve_and_publish(
    session: Session, consultation: Consultation, answer: Answer, official: User | None, state: str
) -> None:
    assert official is not None, "approving takes an official"
    services.approve(session, official, answer)
    if state == "published":
        with app_context(session):  # may answer the last comment: signed
            services.publish(session, official, consultation, [answer])


def comment_group(
    session: Session,
    consultation: Consultation,
    comments: Sequence[Comment],
    similarity: float | Sequence[float] = 1.0,
) -> CommentGroup:
    """A group of ``comments`` stored directly, made by nobody (as the system's regrouping
    makes one), the first standing for the group; ``similarity``: of every member, or one
    per member."""
    similarities = (
        [similarity] * len(comments) if isinstance(similarity, float | int) else similarity
    )
    group = CommentGroup(consultation_id=consultation.id, representative_id=comments[0].id)
    group.members = [
        CommentGroupMember(comment_id=comment.id, similarity=value)
        for comment, value in zip(comments, similarities, strict=True)
    ]
    session.add(group)
    session.flush()
    return group
