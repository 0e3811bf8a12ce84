"""The lifecycle of a consultation (draft → scheduled → open → closed → …) and its clock.

Officials schedule, unschedule, open early and extend; the clock (:func:`advance`) opens
and closes on time without anyone acting. Every state change is a :class:`StateChange`
row: who made it (None: the clock) and when it was due, so the record says "opened at
09:00" even when the first request after 09:00 came at 09:07.

Each change also writes its event to the evidence record in the same transaction (the
consultation's chain is its slug), followed by a signed ``state_change`` checkpoint; the
clock adds a regular (``hourly``) checkpoint when the tree grew and the latest is half a
minute old (so every new leaf is signed within a minute). Signing reads the instance's key, so
these functions run inside an app context (a request, a CLI command, a job).

Moments are entered in Europe/Amsterdam time and stored in UTC; :func:`to_utc` refuses a
wall-clock time that does not exist (the hour skipped when summer time starts).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time as monotonic_time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import signals
from consult.consultations.models import (
    AnswerDateChange,
    ClosingChange,
    Consultation,
    ConsultationState,
    StateChange,
)
from consult.db import utcnow
from consult.documents.models import DocumentVersion, Section
from consult.documents.services import lock_version as lock
from consult.extensions import db
from consult.ledger import checkpoints
from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.canonical import moment
from consult.ledger.models import (
    ActorRole,
    CheckpointReason,
    EventKind,
    RecordCheckpoint,
    RecordEvent,
)
from consult.permissions import Actor
from consult.regions.models import MAX_ANSWER_WEEKS

log = logging.getLogger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
USUAL_PERIOD = timedelta(weeks=6)
SHORTEST_ADVISED_PERIOD = timedelta(weeks=4)
DEFAULT_OPENING_TIME = time(9, 0)
DEFAULT_CLOSING_TIME = time(17, 0)
CLOCK_INTERVAL_SECONDS = 30

DRAFT = ConsultationState.DRAFT
SCHEDULED = ConsultationState.SCHEDULED
OPEN = ConsultationState.OPEN
CLOSED = ConsultationState.CLOSED
ANSWERED = ConsultationState.ANSWERED
REPORT_PUBLISHED = ConsultationState.REPORT_PUBLISHED
EDITABLE_STATES = frozenset({DRAFT, SCHEDULED})


class ConsultationError(ValueError):
    """A change the lifecycle does not allow; ``message`` is for the official, translated.

    ``field`` names the form field the problem belongs to, when there is one.
    """

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


# -- Amsterdam time ------------------------------------------------------------------------


class NonexistentTime(ValueError):
    """The wall-clock time is skipped when summer time starts (e.g. 02:30 on 29 March 2026)."""


def to_utc(day: date, clock: time, *, later: bool = True) -> datetime:
    """The UTC moment of ``day`` at ``clock`` in Amsterdam.

    When summer time ends, 02:00–03:00 happens twice; ``later`` picks the second one (for a
    closing moment that gives people the full hour), otherwise the first. A time that is
    skipped when summer time starts raises :class:`NonexistentTime`.
    """
    local = datetime.combine(day, clock).replace(tzinfo=AMSTERDAM, fold=1 if later else 0)
    moment = local.astimezone(UTC)
    back = moment.astimezone(AMSTERDAM)
    if (back.date(), back.time()) != (day, clock.replace(tzinfo=None)):
        raise NonexistentTime(f"{day} {clock} does not exist in Europe/Amsterdam")
    return moment


def to_amsterdam(moment: datetime) -> datetime:
    return moment.astimezone(AMSTERDAM)


def today_in_amsterdam(now: datetime | None = None) -> date:
    return to_amsterdam(now or utcnow()).date()


def default_period(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The suggested period: next Monday 09:00 to six weeks later 17:00, Amsterdam time."""
    today = today_in_amsterdam(now)
    monday = today + timedelta(days=(7 - today.weekday()) or 7)
    opens = to_utc(monday, DEFAULT_OPENING_TIME, later=False)
    closes = to_utc(monday + USUAL_PERIOD, DEFAULT_CLOSING_TIME)
    return opens, closes


def closing_day(consultation: Consultation) -> date:
    """The Amsterdam day on which the consultation closes."""
    return to_amsterdam(consultation.closes_at).date()


def default_answers_due(consultation: Consultation) -> date:
    """The region's usual promise: ``answer_weeks`` weeks after the closing day."""
    return closing_day(consultation) + timedelta(weeks=consultation.region.answer_weeks)


def answers_due(consultation: Consultation) -> date:
    """The day by which the region answers: the one it chose, else its usual promise."""
    return consultation.answers_due_on or default_answers_due(consultation)


def answers_due_problem(consultation: Consultation, due_on: date) -> ConsultationError | None:
    """Why ``due_on`` cannot be the answer date (None: it can): it must follow the closing."""
    if due_on <= closing_day(consultation):
        return ConsultationError(
            _l("The answers can only be due after the consultation closes."),
            field="answers_due_on",
        )
    if due_on > closing_day(consultation) + timedelta(weeks=MAX_ANSWER_WEEKS):
        return ConsultationError(
            _l("Promise the answers within half a year after closing."),
            field="answers_due_on",
        )
    return None


def is_short(opens_at: datetime, closes_at: datetime) -> bool:
    """Shorter than four weeks: allowed, but the official is warned."""
    return closes_at - opens_at < SHORTEST_ADVISED_PERIOD


# -- the officials' actions ------------------------------------------------------------------


def _record(
    session: Session,
    consultation: Consultation,
    to_state: ConsultationState,
    *,
    actor: Actor | None,
    changed_at: datetime,
) -> StateChange:
    change = StateChange(
        consultation=consultation,
        from_state=consultation.state if consultation.id is not None else None,
        to_state=to_state,
        changed_at=changed_at,
        actor_id=getattr(actor, "id", None),
    )
    session.add(change)
    consultation.state = to_state
    return change


def record_state(
    session: Session,
    consultation: Consultation,
    to_state: ConsultationState,
    *,
    actor: Actor | None,
    at: datetime,
) -> StateChange | None:
    """Record a later step of the lifecycle (answered, report published) made elsewhere;
    None when the consultation is in that state already (another request got there first).

    The answering and reporting services decide when; this keeps the one history. For
    :attr:`ConsultationState.ANSWERED` it writes the ``consultation_answered`` event and its
    checkpoint. For :attr:`ConsultationState.REPORT_PUBLISHED` it writes no event: the
    report's publication records ``report_published`` itself (with the report's hash) and
    makes the checkpoint after it, so the record holds one event for that step, not two.
    """
    _lock(session, consultation)
    if consultation.state is to_state:
        return None
    change = _record(session, consultation, to_state, actor=actor, changed_at=at)
    session.flush()
    if to_state is ANSWERED:
        record_event(
            session,
            EventKind.CONSULTATION_ANSWERED,
            consultation,
            actor_role(actor, consultation),
            at=at,
        )
        checkpoint_state_change(session, at)
    return change


# -- the evidence record -----------------------------------------------------------------------


def actor_role(actor: Actor | None, consultation: Consultation) -> ActorRole:
    """The role an official's act on ``consultation`` is recorded under."""
    return role_in_region(actor, consultation.region_id, prefer=ActorRole.OFFICIAL)


def record_event(
    session: Session,
    kind: EventKind,
    consultation: Consultation,
    role: ActorRole,
    *,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> RecordEvent:
    """An event about the consultation itself (object: its slug) in its chain."""
    return record.append(
        session,
        kind=kind,
        consultation=consultation,
        object_type="consultation",
        object_id=consultation.slug,
        actor_role=role,
        payload=payload or {},
        occurred_at=at,
    )


def checkpoint_state_change(session: Session, now: datetime) -> None:
    """Sign the tree right after a state change's event (needs an app context: the key)."""
    checkpoints.make(session, CheckpointReason.STATE_CHANGE, now)


def reason_hash(reason: str) -> str:
    """SHA-256 (hex) of an extension's reason as shown: the record binds it, small."""
    return hashlib.sha256(reason.strip().encode("utf-8")).hexdigest()


def period_payload(consultation: Consultation) -> dict[str, Any]:
    return {"opens_at": moment(consultation.opens_at), "closes_at": moment(consultation.closes_at)}


def version_object_id(version: DocumentVersion) -> str:
    """A version's id in the record: ``<document id>/<number>``."""
    return f"{version.document_id}/{version.number}"


def version_published(
    session: Session,
    consultation: Consultation,
    version: DocumentVersion,
    role: ActorRole,
    at: datetime,
) -> RecordEvent | None:
    """Record in ``consultation``'s chain that ``version`` (locked) is published, with its
    hash; once per chain (None when that chain already has it)."""
    if not version.is_locked or not version.content_hash:
        raise ValueError("only a locked version, with its content hash, is published")
    object_id = version_object_id(version)
    already = session.scalar(
        select(RecordEvent.id)
        .where(
            RecordEvent.chain == consultation.slug,
            RecordEvent.kind == EventKind.VERSION_PUBLISHED.value,
            RecordEvent.object_id == object_id,
        )
        .limit(1)
    )
    if already is not None:
        return None
    return record.append(
        session,
        kind=EventKind.VERSION_PUBLISHED,
        consultation=consultation,
        object_type="version",
        object_id=object_id,
        actor_role=role,
        payload={
            "number": version.number,
            "document_id": version.document_id,
            "content_hash": version.content_hash,
            "sections": len(version.sections),
            "locked_at": moment(version.locked_at),
        },
        occurred_at=at,
    )


def opened_payload(consultation: Consultation) -> dict[str, Any]:
    version = consultation.version
    return {
        **period_payload(consultation),
        "version": version.number,
        "document_id": version.document_id,
        "content_hash": version.content_hash,
    }


def next_version(session: Session, consultation: Consultation) -> DocumentVersion | None:
    """The newest version of the document after the consulted one, if the region made one."""
    consulted = consultation.version
    return session.scalars(
        select(DocumentVersion)
        .where(
            DocumentVersion.document_id == consulted.document_id,
            DocumentVersion.number > consulted.number,
        )
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    ).first()


def record_next_version(
    session: Session, consultation: Consultation, actor: Actor | None, now: datetime | None = None
) -> DocumentVersion | None:
    """Lock the version the region says it changed after this consultation (the document's
    newest after the consulted one) and record ``version_published`` for it in this
    consultation's chain. Called when the reactienota is first published; idempotent (a
    version already recorded in the chain is not recorded again). None: there is none."""

    upcoming = next_version(session, consultation)
    if upcoming is None:
        return None
    now = now or utcnow()
    lock(session, upcoming, at=now)
    version_published(session, consultation, upcoming, actor_role(actor, consultation), now)
    return upcoming


def record_creation(
    session: Session, actor: Actor | None, consultation: Consultation
) -> StateChange:
    change = StateChange(
        consultation=consultation,
        from_state=None,
        to_state=DRAFT,
        changed_at=consultation.created_at or utcnow(),
        actor_id=getattr(actor, "id", None),
    )
    session.add(change)
    return change


def _has_sections(session: Session, version: DocumentVersion) -> bool:
    return (
        session.scalar(select(Section.id).where(Section.version_id == version.id).limit(1))
        is not None
    )


def schedule_problems(
    session: Session, consultation: Consultation, now: datetime | None = None
) -> list[ConsultationError]:
    """Why this draft cannot be scheduled yet (empty: it can)."""
    now = now or utcnow()
    problems = []
    if consultation.state is not DRAFT:
        problems.append(ConsultationError(_l("Only a draft consultation can be scheduled.")))
    if consultation.opens_at <= now:
        problems.append(
            ConsultationError(
                _l("The opening moment has passed. Choose an opening moment in the future."),
                field="opens_on",
            )
        )
    if consultation.closes_at <= consultation.opens_at:
        problems.append(
            ConsultationError(
                _l("The closing moment must come after the opening moment."), field="closes_on"
            )
        )
    problem = answers_due_problem(consultation, answers_due(consultation))
    if problem is not None:
        problems.append(problem)
    if not _has_sections(session, consultation.version):
        problems.append(
            ConsultationError(
                _l("The chosen version has no sections yet. Add text to it first."),
                field="version",
            )
        )
    return problems


def _lock(session: Session, consultation: Consultation) -> None:
    """Re-read the row under a lock, so an official and the clock never both change it.

    The clock skips locked rows (SKIP LOCKED) and takes them on its next tick; an official
    who waited for the clock sees the state it left and gets a clear error if that matters.
    SQLite ignores FOR UPDATE but lets only one writer in at a time anyway.
    """
    session.refresh(consultation, with_for_update=True)


def schedule(
    session: Session, actor: Actor | None, consultation: Consultation, now: datetime | None = None
) -> StateChange:
    """Draft → scheduled: it will open by itself at its opening moment."""
    _lock(session, consultation)
    now = now or utcnow()
    problems = schedule_problems(session, consultation, now)
    if problems:
        raise problems[0]
    consultation.answers_due_on = answers_due(consultation)
    change = _record(session, consultation, SCHEDULED, actor=actor, changed_at=now)
    session.flush()
    role = actor_role(actor, consultation)
    record_event(
        session,
        EventKind.CONSULTATION_SCHEDULED,
        consultation,
        role,
        at=now,
        payload=period_payload(consultation),
    )
    record_event(
        session,
        EventKind.ANSWERS_DUE_SET,
        consultation,
        role,
        at=now,
        payload={"answers_due_on": consultation.answers_due_on.isoformat()},
    )
    checkpoint_state_change(session, now)
    return change


def unschedule(
    session: Session, actor: Actor | None, consultation: Consultation, now: datetime | None = None
) -> StateChange:
    """Scheduled → draft, as long as it has not opened."""
    _lock(session, consultation)
    now = now or utcnow()
    if consultation.state is not SCHEDULED or consultation.opens_at <= now:
        raise ConsultationError(
            _l("Only a scheduled consultation that has not opened yet can go back to draft.")
        )
    change = _record(session, consultation, DRAFT, actor=actor, changed_at=now)
    session.flush()
    record_event(
        session,
        EventKind.CONSULTATION_UNSCHEDULED,
        consultation,
        actor_role(actor, consultation),
        at=now,
        payload=period_payload(consultation),
    )
    checkpoint_state_change(session, now)
    return change


def lock_version(session: Session, version: DocumentVersion, now: datetime) -> None:
    """The version becomes immutable the moment a consultation opens on it."""

    lock(session, version, at=now)


def record_opening(
    session: Session, consultation: Consultation, role: ActorRole, at: datetime, now: datetime
) -> None:
    """Lock the version, then record it and the opening (at ``at``, its due moment) and
    sign (at ``now``): the version first, so the opening's event points to a text already
    in the chain. The seeds call it for the consultations they make open."""
    lock_version(session, consultation.version, at)
    version_published(session, consultation, consultation.version, role, at)
    record_event(
        session,
        EventKind.CONSULTATION_OPENED,
        consultation,
        role,
        at=at,
        payload=opened_payload(consultation),
    )
    checkpoint_state_change(session, now)
    signals.consultation_opened.send(session, consultation=consultation, at=at)


def open_now(
    session: Session, actor: Actor | None, consultation: Consultation, now: datetime | None = None
) -> StateChange:
    """An official opens a scheduled consultation early: its opening moment becomes now."""
    _lock(session, consultation)
    now = now or utcnow()
    if consultation.state is not SCHEDULED:
        raise ConsultationError(_l("Only a scheduled consultation can be opened early."))
    if consultation.closes_at <= now:
        raise ConsultationError(
            _l("The closing moment has passed. Extend the closing moment first."),
            field="closes_on",
        )
    consultation.opens_at = now
    change = _record(session, consultation, OPEN, actor=actor, changed_at=now)
    session.flush()
    record_opening(session, consultation, actor_role(actor, consultation), now, now)
    return change


def extend_problem(
    consultation: Consultation, new_closes_at: datetime, reason: str, now: datetime | None = None
) -> ConsultationError | None:
    """Why the closing moment cannot move to ``new_closes_at`` (None: it can)."""
    now = now or utcnow()
    if consultation.state not in (SCHEDULED, OPEN):
        return ConsultationError(
            _l("Only a scheduled or open consultation can be extended. A closed one stays closed.")
        )
    if consultation.state is OPEN and consultation.closes_at <= now:
        return ConsultationError(_l("This consultation has already closed."))
    if new_closes_at <= consultation.closes_at:
        return ConsultationError(
            _l(
                "The new closing moment must be later than the current one. "
                "It can never be earlier."
            ),
            field="closes_on",
        )
    if not (reason or "").strip():
        return ConsultationError(_l("Write why you extend the consultation."), field="reason")
    return None


def extend(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    new_closes_at: datetime,
    reason: str,
    now: datetime | None = None,
) -> ClosingChange:
    """Move the closing moment later (never earlier), with a reason kept in the record."""
    _lock(session, consultation)
    now = now or utcnow()
    problem = extend_problem(consultation, new_closes_at, reason, now)
    if problem is not None:
        raise problem
    change = ClosingChange(
        consultation=consultation,
        old_closes_at=consultation.closes_at,
        new_closes_at=new_closes_at,
        reason=reason.strip(),
        changed_at=now,
        actor_id=getattr(actor, "id", None),
    )
    session.add(change)
    old_closing_day = closing_day(consultation)
    consultation.closes_at = new_closes_at
    session.flush()
    role = actor_role(actor, consultation)
    record_event(
        session,
        EventKind.CONSULTATION_EXTENDED,
        consultation,
        role,
        at=now,
        payload={
            "old_closes_at": moment(change.old_closes_at),
            "new_closes_at": moment(new_closes_at),
            "reason_hash": reason_hash(change.reason),
        },
    )
    if consultation.answers_due_on is not None:
        # The promised time to answer stays as long as it was: the date moves with the
        # closing day, for the same reason, as its own event.
        shifted = consultation.answers_due_on + (closing_day(consultation) - old_closing_day)
        if shifted != consultation.answers_due_on:
            _move_answers_due(session, actor, consultation, shifted, change.reason, now, role)
    checkpoint_state_change(session, now)
    signals.consultation_extended.send(session, consultation=consultation, closes_at=new_closes_at)
    return change


# While the answers can still come: a move of their date is a promise kept or broken.
ANSWER_DATE_STATES = (SCHEDULED, OPEN, CLOSED)


def move_answers_due_problem(
    consultation: Consultation, due_on: date, reason: str
) -> ConsultationError | None:
    """Why the answer date cannot move to ``due_on`` (None: it can)."""
    if consultation.state not in ANSWER_DATE_STATES:
        return ConsultationError(
            _l("The answer date can be moved until every comment has its answer.")
        )
    if due_on == consultation.answers_due_on:
        return ConsultationError(
            _l("Choose another date than the current one."), field="answers_due_on"
        )
    problem = answers_due_problem(consultation, due_on)
    if problem is not None:
        return problem
    if not (reason or "").strip():
        return ConsultationError(_l("Write why the answers come on another date."), field="reason")
    return None


def move_answers_due(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    due_on: date,
    reason: str,
    now: datetime | None = None,
) -> AnswerDateChange:
    """Move the day the region promised its answers, with a reason kept in the record.

    Earlier or later: either is a public fact with its reason, as an extension is."""
    _lock(session, consultation)
    now = now or utcnow()
    problem = move_answers_due_problem(consultation, due_on, reason)
    if problem is not None:
        raise problem
    change = _move_answers_due(
        session, actor, consultation, due_on, reason.strip(), now, actor_role(actor, consultation)
    )
    checkpoint_state_change(session, now)
    return change


def _move_answers_due(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    due_on: date,
    reason: str,
    now: datetime,
    role: ActorRole,
) -> AnswerDateChange:
    previous = answers_due(consultation)
    change = AnswerDateChange(
        consultation=consultation,
        old_due_on=previous,
        new_due_on=due_on,
        reason=reason,
        changed_at=now,
        actor_id=getattr(actor, "id", None),
    )
    session.add(change)
    consultation.answers_due_on = due_on
    session.flush()
    record_event(
        session,
        EventKind.ANSWERS_DUE_SET,
        consultation,
        role,
        at=now,
        payload={
            "answers_due_on": due_on.isoformat(),
            "previous": previous.isoformat(),
            "reason_hash": reason_hash(reason),
        },
    )
    return change


# -- the clock -------------------------------------------------------------------------------


@dataclass
class Tick:
    opened: list[Consultation] = field(default_factory=list)
    closed: list[Consultation] = field(default_factory=list)
    hourly_checkpoint: RecordCheckpoint | None = None

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.closed)


def advance(session: Session, now: datetime | None = None) -> Tick:
    """Open what is due to open and close what is due to close; safe to run any time.

    Each change is recorded at the moment it was due, with no actor (the record's role:
    the clock), and signed in a checkpoint made ``now``; a regular checkpoint follows when
    one is due. Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has
    one writer anyway), so two app servers ticking at once never record a change twice,
    and a second run finds nothing.
    """
    now = now or utcnow()
    tick = Tick()
    due_to_open = session.scalars(
        select(Consultation)
        .where(Consultation.state == SCHEDULED, Consultation.opens_at <= now)
        .order_by(Consultation.id)
        .with_for_update(skip_locked=True)
    ).all()
    for consultation in due_to_open:
        _record(session, consultation, OPEN, actor=None, changed_at=consultation.opens_at)
        session.flush()
        record_opening(session, consultation, ActorRole.CLOCK, consultation.opens_at, now)
        tick.opened.append(consultation)
    session.flush()
    due_to_close = session.scalars(
        select(Consultation)
        .where(Consultation.state == OPEN, Consultation.closes_at <= now)
        .order_by(Consultation.id)
        .with_for_update(skip_locked=True)
    ).all()
    for consultation in due_to_close:
        _record(session, consultation, CLOSED, actor=None, changed_at=consultation.closes_at)
        session.flush()
        record_event(
            session,
            EventKind.CONSULTATION_CLOSED,
            consultation,
            ActorRole.CLOCK,
            at=consultation.closes_at,
            payload=period_payload(consultation),
        )
        checkpoint_state_change(session, now)
        signals.consultation_closed.send(
            session, consultation=consultation, at=consultation.closes_at
        )
        tick.closed.append(consultation)
    session.flush()
    if checkpoints.hourly_due(session, now):
        tick.hourly_checkpoint = checkpoints.make(session, CheckpointReason.HOURLY, now)
    return tick


@dataclass
class Clock:
    """Runs :func:`advance` at most once per ``interval`` seconds in this process."""

    interval: float = CLOCK_INTERVAL_SECONDS
    last_run: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def due(self) -> bool:
        return self.last_run is None or monotonic_time.monotonic() - self.last_run >= self.interval

    def reset(self) -> None:
        self.last_run = None


def clock_for(app: Flask) -> Clock:
    clock = app.extensions.get("consult.consultations.clock")
    if clock is None:
        clock = Clock(float(app.config.get("CONSULTATIONS_CLOCK_INTERVAL", CLOCK_INTERVAL_SECONDS)))
        app.extensions["consult.consultations.clock"] = clock
    return clock


def after_tick(app: Flask, session: Session, *, wait: bool = False) -> list[str]:
    """Tell the listeners that the clock ran (the daily follow email starts this way).

    Called after the clock's own commit, so nothing a listener does can undo the clock;
    what a listener says (for ``consult consultations tick`` to print) is returned.
    """
    said = []
    for _receiver, message in signals.clock_ticked.send(
        app, session=session, now=utcnow(), wait=wait
    ):
        if message:
            said.append(str(message))
    return said


def tick_in_own_transaction(app: Flask) -> Tick | None:
    """Advance in a session of its own and commit; log and carry on when that fails.

    Called before requests, so the page shows the right state; a failure here must never
    break the page itself.
    """

    clock = clock_for(app)
    if not clock.due() or not clock.lock.acquire(blocking=False):
        return None
    try:
        clock.last_run = monotonic_time.monotonic()
        session = db.state(app).session_factory()
        try:
            tick = advance(session)
            session.commit()
            if tick.changed:
                log.info(
                    "consultation clock: opened %s, closed %s",
                    [c.slug for c in tick.opened],
                    [c.slug for c in tick.closed],
                )
        except Exception:
            session.rollback()
            log.exception("consultation clock: could not open or close consultations")
            session.close()
            return None
        # After the clock's own commit: nothing a listener does can undo the clock.
        try:
            after_tick(app, session)
        except Exception:
            session.rollback()
            log.exception("consultation clock: a listener failed after the tick")
        finally:
            session.close()
        return tick
    finally:
        clock.lock.release()
