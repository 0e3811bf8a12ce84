"""The seeds' history, written to the evidence record in the order it happened.

The seeds make their rows directly (a consultation opened ten days ago cannot be opened
through the lifecycle today), but the record must read as if every act went through the
services: one event per act, at its historic moment, each chain in time order. So a seed
collects the acts on a :class:`Timeline` and runs them sorted by moment; an act is either
a real service call with a historic ``now`` (answers, activities, erasure) or, where the
seed wrote the row itself, the event the service would have written, built by that
service's own payload function. Checkpoints are signed at the moment of seeding: that is
when they were made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from consult.comments import services as comments
from consult.comments.models import (
    Comment,
    CommentReport,
    ModerationAction,
    ModerationKind,
    Submission,
)
from consult.consultations import lifecycle
from consult.consultations.models import Consultation
from consult.ledger import checkpoints
from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.models import ActorRole, CheckpointReason, EventKind
from consult.moderation.services import moderation_event_payload


@dataclass
class Timeline:
    """Acts to run in the order they happened (acts at one moment: in the order added)."""

    steps: list[tuple[datetime, int, Callable[[], Any]]] = field(default_factory=list)

    def at(self, moment: datetime, act: Callable[[], Any]) -> None:
        self.steps.append((moment, len(self.steps), act))

    def run(self) -> None:
        for _moment, _order, act in sorted(self.steps, key=lambda step: step[:2]):
            act()
        self.steps.clear()


# -- the consultation ------------------------------------------------------------------------


def scheduled(
    timeline: Timeline,
    session: Session,
    consultation: Consultation,
    official: Any,
    at: datetime,
    now: datetime,
) -> None:
    """The official scheduled it at ``at`` (a checkpoint follows, signed ``now``)."""

    def act() -> None:
        lifecycle.record_event(
            session,
            EventKind.CONSULTATION_SCHEDULED,
            consultation,
            lifecycle.actor_role(official, consultation),
            at=at,
            payload=lifecycle.period_payload(consultation),
        )
        if consultation.answers_due_on is not None:  # the promise, stated when scheduled
            lifecycle.record_event(
                session,
                EventKind.ANSWERS_DUE_SET,
                consultation,
                lifecycle.actor_role(official, consultation),
                at=at,
                payload={"answers_due_on": consultation.answers_due_on.isoformat()},
            )
        lifecycle.checkpoint_state_change(session, now)

    timeline.at(at, act)


def opened(
    timeline: Timeline,
    session: Session,
    consultation: Consultation,
    now: datetime,
    role: ActorRole = ActorRole.CLOCK,
) -> None:
    """It opened at its opening moment (by the clock), on its locked version."""
    at = consultation.opens_at
    timeline.at(at, lambda: lifecycle.record_opening(session, consultation, role, at, now))


def closed(timeline: Timeline, session: Session, consultation: Consultation, now: datetime) -> None:
    """The clock closed it at its closing moment."""
    at = consultation.closes_at

    def act() -> None:
        lifecycle.record_event(
            session,
            EventKind.CONSULTATION_CLOSED,
            consultation,
            ActorRole.CLOCK,
            at=at,
            payload=lifecycle.period_payload(consultation),
        )
        lifecycle.checkpoint_state_change(session, now)

    timeline.at(at, act)


def signed(session: Session, now: datetime) -> None:
    """A checkpoint over everything seeded, so no seeded event waits for the clock."""
    checkpoints.make(session, CheckpointReason.MANUAL, now)


# -- submissions ---------------------------------------------------------------------------


def received(session: Session, submission: Submission) -> None:
    """``submission_received`` as the submission service writes it (without the
    confirmation: the seeds record that at its own moment)."""
    record.append(
        session,
        kind=EventKind.SUBMISSION_RECEIVED,
        consultation=submission.consultation,
        object_type="submission",
        object_id=submission.tracking_code,
        actor_role=ActorRole.PARTICIPANT,
        payload=comments.submission_event_payload(submission),
        occurred_at=submission.received_at,
    )


def submission(timeline: Timeline, session: Session, sent: Submission) -> None:
    """Its arrival; its confirmation (on arrival from an account, else by the email link);
    its discarding (the contact data erased, as the job does); its withdrawn comments.

    Call it once the submission's comments and contact are added (the arrival's payload
    commits to the contact as it was then)."""
    if sent.user_id is not None and sent.confirmed_at == sent.received_at:
        timeline.at(sent.received_at, lambda: comments.record_submission(session, sent))
    else:
        timeline.at(sent.received_at, lambda: received(session, sent))
        if sent.confirmed_at is not None:
            timeline.at(
                sent.confirmed_at,
                lambda: comments.record_confirmation(session, sent, by="email"),
            )
    if sent.discarded_at is not None:
        moment = sent.discarded_at

        def discard() -> None:
            if sent.contact is not None:
                comments.erase_contact(sent.contact, moment)
                session.flush()
            comments.record_discard(session, sent)

        timeline.at(moment, discard)
    for comment in sent.comments:
        if comment.withdrawn_at is not None:
            timeline.at(
                comment.withdrawn_at,
                lambda comment=comment: comments.record_withdrawal(session, comment),
            )


# -- moderation ----------------------------------------------------------------------------


def reported(
    timeline: Timeline,
    session: Session,
    consultation: Consultation,
    comment: Comment,
    report: CommentReport,
) -> None:
    """``comment_reported`` as the moderation service writes it (the reason code only)."""

    def act() -> None:
        record.append(
            session,
            kind=EventKind.COMMENT_REPORTED,
            consultation=consultation,
            object_type="comment",
            object_id=comments.comment_object_id(comment),
            actor_role=ActorRole.PARTICIPANT,
            payload={"reason": report.reason.value},
            occurred_at=report.reported_at,
        )

    timeline.at(report.reported_at, act)


def moderated(
    timeline: Timeline,
    session: Session,
    consultation: Consultation,
    comment: Comment,
    action: ModerationAction,
    moderator: Any,
) -> None:
    """``comment_hidden`` or ``comment_unhidden`` as the moderation service writes it."""
    hidden = action.kind is ModerationKind.HIDE
    kind = EventKind.COMMENT_HIDDEN if hidden else EventKind.COMMENT_UNHIDDEN

    def act() -> None:
        record.append(
            session,
            kind=kind,
            consultation=consultation,
            object_type="comment",
            object_id=comments.comment_object_id(comment),
            actor_role=role_in_region(
                moderator, consultation.region_id, prefer=ActorRole.MODERATOR
            ),
            payload=moderation_event_payload(action.reason, action.note),
            occurred_at=action.acted_at,
        )

    timeline.at(action.acted_at, act)
