"""Following and unfollowing, and recording which followers an event concerns.

:func:`notify` is called where an event happens (a consultation opens, its closing moment
moves, answers or the reactienota are published), in the caller's transaction: it adds a
:class:`Notice` per follower and flushes. The mails go out later, from a job
(:mod:`consult.follows.sending`), so an event never waits for a mail server.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from consult import jobs
from consult.comments.models import Submission, SubmissionState
from consult.consultations.lifecycle import today_in_amsterdam
from consult.consultations.models import Consultation, ConsultationState
from consult.db import utcnow
from consult.follows.models import Follow, Frequency, Notice, TargetKind
from consult.responses import queries

log = logging.getLogger(__name__)

# The events a follower hears about; the key of each names its consultation.
OPENED = "opened"
CLOSES_SOON = "closes_soon"
EXTENDED = "extended"
ANSWERS = "answers"
REACTIENOTA = "reactienota"
NEW_VERSION = "new_version"
CLOSED = "closed"
OVERDUE = "overdue"
EVENTS = (OPENED, CLOSES_SOON, EXTENDED, CLOSED, OVERDUE, ANSWERS, REACTIENOTA, NEW_VERSION)

# The jobs that mail the notices (their work is in :mod:`consult.follows.sending`).
IMMEDIATE_KIND = "follow-mails"
DIGEST_KIND = "follow-digest"
IMMEDIATE_WORK = "consult.follows.sending:immediate_job"
DIGEST_WORK = "consult.follows.sending:digest_job"
CLOSES_SOON_WINDOW = timedelta(days=7)


def moment_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_key(consultation: Consultation, event: str, moment: datetime) -> str:
    """``consultation:<id>:<event>:<moment>``: the same event always gets the same key."""
    return f"consultation:{consultation.id}:{event}:{moment_key(moment)}"


# -- following -------------------------------------------------------------------------------


def follow_of(session: Session, user: Any, kind: TargetKind, target_id: int) -> Follow | None:
    return session.scalar(
        select(Follow).where(
            Follow.user_id == user.id, Follow.target_kind == kind, Follow.target_id == target_id
        )
    )


def follow(
    session: Session, user: Any, kind: TargetKind, target_id: int, frequency: Frequency
) -> Follow:
    """Follow ``target`` (or change how often, when already following it)."""
    existing = follow_of(session, user, kind, target_id)
    if existing is not None:
        existing.frequency = frequency
        session.flush()
        return existing
    created = Follow(user_id=user.id, target_kind=kind, target_id=target_id, frequency=frequency)
    session.add(created)
    session.flush()
    return created


def change_frequency(session: Session, follow: Follow, frequency: Frequency) -> Follow:
    follow.frequency = frequency
    session.flush()
    return follow


def unfollow(session: Session, follow: Follow) -> None:
    """Stop following; notices not sent yet go with it (ON DELETE CASCADE, and here)."""
    for notice in session.scalars(select(Notice).where(Notice.follow_id == follow.id)):
        session.delete(notice)
    session.delete(follow)
    session.flush()


def follows_of(session: Session, user: Any) -> list[Follow]:
    return follows_of_user_id(session, user.id)


def follows_of_user_id(
    session: Session, user_id: int, frequency: Frequency | None = None
) -> list[Follow]:
    query = select(Follow).where(Follow.user_id == user_id)
    if frequency is not None:
        query = query.where(Follow.frequency == frequency)
    return list(session.scalars(query.order_by(Follow.target_kind, Follow.target_id)))


def unfollow_all(session: Session, user_id: int, frequency: Frequency | None = None) -> int:
    """Stop every follow of one person, or every one of ``frequency`` (the links that stop
    all these emails, or the daily email); how many were stopped."""
    found = follows_of_user_id(session, user_id, frequency)
    for one in found:
        unfollow(session, one)
    return len(found)


# -- events ----------------------------------------------------------------------------------


def _organisations_of(session: Session, consultation: Consultation) -> list[int]:
    """Organisations that sent a (confirmed) submission to ``consultation``."""
    return list(
        session.scalars(
            select(Submission.organisation_id)
            .where(
                Submission.consultation_id == consultation.id,
                Submission.organisation_id.is_not(None),
                Submission.state == SubmissionState.CONFIRMED,
            )
            .distinct()
        )
    )


def followers(session: Session, consultation: Consultation) -> list[Follow]:
    """Every follow that concerns ``consultation``: of it, its region, its organisations.

    Follows of the consultation itself first, so a person who follows both hears of an
    event through (and with the frequency of) the consultation follow.
    """
    targets = [
        and_(Follow.target_kind == TargetKind.CONSULTATION, Follow.target_id == consultation.id),
        and_(Follow.target_kind == TargetKind.REGION, Follow.target_id == consultation.region_id),
    ]
    organisations = _organisations_of(session, consultation)
    if organisations:
        targets.append(
            and_(
                Follow.target_kind == TargetKind.ORGANISATION,
                Follow.target_id.in_(organisations),
            )
        )
    found = session.scalars(select(Follow).where(or_(*targets)).order_by(Follow.id)).all()
    order = {TargetKind.CONSULTATION: 0, TargetKind.REGION: 1, TargetKind.ORGANISATION: 2}
    return sorted(found, key=lambda f: (order[f.target_kind], f.id))


def notify(
    session: Session,
    consultation: Consultation,
    event: str,
    moment: datetime | None = None,
    key: str | None = None,
) -> list[Notice]:
    """Record a notice of ``event`` for every follower of ``consultation``; flush.

    A draft is never announced. Recording the same event again adds nothing (the key is
    the same, and UNIQUE(user_id, event_key) holds even under a race).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown follow event {event!r}")
    if consultation.state is ConsultationState.DRAFT:
        return []
    key = key or event_key(consultation, event, moment or utcnow())
    told = set(session.scalars(select(Notice.user_id).where(Notice.event_key == key)))
    added = []
    for found in followers(session, consultation):
        if found.user_id in told:
            continue
        told.add(found.user_id)
        notice = Notice(
            user_id=found.user_id,
            follow_id=found.id,
            event_key=key,
            event=event,
            consultation_id=consultation.id,
        )
        session.add(notice)
        added.append(notice)
    session.flush()
    if added:
        _send_after_commit(session)
    return added


# -- starting the mails once the event is committed -------------------------------------------


def _send_after_commit(session: Session) -> None:
    """Queue one sending job per transaction; it starts when the transaction commits.

    The caller (a view, the clock, a command) only commits; whoever records an event does
    not need to know that mails follow. A rollback drops the job with the notices; a job
    that cannot start leaves them for the next run (cron, the next event) to send.
    """
    if any(work == IMMEDIATE_WORK for _job, work in jobs.planned(session)):
        return
    jobs.start_after_commit(
        session, jobs.create(session, IMMEDIATE_KIND, "follows"), IMMEDIATE_WORK
    )


def note_closing_soon(session: Session, now: datetime | None = None) -> list[Notice]:
    """Notices for open consultations that close within seven days.

    Run by the daily job (``consult follows digest``), not by the clock: the clock ticks
    every 30 seconds before requests and must stay cheap, and a reminder a week ahead does
    not need to be on the minute. The key holds the closing moment, so an extension arms
    the reminder again, and a rerun on the same day adds nothing.
    """
    now = now or utcnow()
    soon = session.scalars(
        select(Consultation)
        .where(
            Consultation.state == ConsultationState.OPEN,
            Consultation.closes_at > now,
            Consultation.closes_at <= now + CLOSES_SOON_WINDOW,
        )
        .order_by(Consultation.id)
    ).all()
    added: list[Notice] = []
    for consultation in soon:
        added += notify(session, consultation, CLOSES_SOON, consultation.closes_at)
    return added


def note_overdue(session: Session, now: datetime | None = None) -> list[Notice]:
    """Notices for closed consultations whose promised answer day has passed while comments
    still wait. Run by the daily job, like the closing-soon reminder; the key holds the
    promised day, so a moved date that passes again is told again, and a rerun adds nothing.
    """
    now = now or utcnow()
    closed = session.scalars(
        select(Consultation)
        .where(Consultation.state == ConsultationState.CLOSED)
        .order_by(Consultation.id)
    ).all()
    added: list[Notice] = []
    for consultation_id, status in queries.answer_status(
        session, closed, today_in_amsterdam(now)
    ).items():
        if status.overdue:
            consultation = session.get(Consultation, consultation_id)
            assert consultation is not None
            key = f"consultation:{consultation.id}:{OVERDUE}:{status.due_on.isoformat()}"
            added += notify(session, consultation, OVERDUE, key=key)
    return added
