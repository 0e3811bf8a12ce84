"""The outbox: every mail is a row written in the transaction of the change that causes it.

A change that should send a mail (a receipt, a confirmation link, an answer, a follow
notice) calls :func:`send_template` (or :func:`enqueue` for a message built by hand) with
the change's session. The rendered message becomes an :class:`OutboxMail` row in that
transaction: a rollback leaves no row, a commit always leaves one, whether or not the mail
server answers. Background jobs follow the same rule through :class:`consult.jobs.Job`
rows (:func:`consult.jobs.start_after_commit`): a Job row is the outbox row of a job.

Delivery happens after the commit, by whoever runs the outbox:

- ``inline`` (tests): the rows of a commit are delivered right after it, in the process;
- ``thread`` (the embedded default): a thread of each app process, woken by each commit
  and polling every ``OUTBOX_POLL_SECONDS`` for retries;
- ``rq`` (Redis): ``consult jobs worker``, woken through Redis and polling as well. When
  Redis does not answer, the app process delivers in a thread of its own.

Claiming a row moves it from ``pending`` to ``sending`` in one UPDATE (``SKIP LOCKED`` on
PostgreSQL), so two workers never send one row. A row is marked ``sent`` right after the
mail server accepts it; a worker that dies between the two leaves a claim that goes stale
after ``OUTBOX_CLAIM_TIMEOUT_SECONDS`` and is sent again with the same ``Message-ID``, so
the receiving side can tell it is the same mail. A refused mail is tried again later
(30 s, 1 min, 2 min, ... at most an hour apart); after ``OUTBOX_MAX_ATTEMPTS`` it is
``dead``: platform admins see it at ``/beheer/uitgaande-mail`` and can send it again.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, LargeBinary, String, Text, and_, delete, func, or_, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult import jobs, mail, signals
from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum
from consult.extensions import db
from consult.health import without_password

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)


class OutboxState(LabelledEnum):
    PENDING = "pending", _l("waiting to be sent")
    SENDING = "sending", _l("being sent")
    SENT = "sent", _l("sent")
    DEAD = "dead", _l("not delivered")


class OutboxMail(Base):
    """One mail to send: its bytes, its recipient, and how far its delivery got.

    ``message`` holds the whole message as it goes out (``Message-ID`` included); it is
    emptied once the mail is sent, so the table does not keep what people were told.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The template (or kind) of the mail, e.g. "mail/comments/receipt": what staff see.
    kind: Mapped[str] = mapped_column(String(120))
    recipient: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[OutboxState] = enum_column(OutboxState, default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who holds the row while it is sent: a random token per claim, and since when.
    claim: Mapped[str] = mapped_column(String(32), default="")
    claimed_at: Mapped[datetime | None]
    # Why the last attempt failed; the recipient's address is masked in it.
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    @property
    def masked_recipient(self) -> str:
        return mask(self.recipient)


def mask(address: str) -> str:
    """``j***@e***.nl``: enough for staff to tell mails apart, not to read the address."""
    local, _at, domain = address.partition("@")
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""
    return f"{local[:1]}***@{name[:1]}***{dot}{tld}"


# -- writing rows in the change's transaction -------------------------------------------------

_QUEUED = "consult.outbox.queued"


def send_template(
    session: Session, to: str, subject: str, template: str, **context: object
) -> OutboxMail:
    """Render ``templates/<template>.txt`` (and ``.html``) now and put the mail in the outbox.

    Rendered in the caller's context (its language, its links), so delivery later needs
    nothing but the row. The mail goes out after ``session`` commits.
    """
    message = mail.render(to, subject, template, **context)
    return enqueue(session, message, kind=template)


def enqueue(session: Session, message: EmailMessage, *, kind: str) -> OutboxMail:
    """Put ``message`` in the outbox, in ``session``'s transaction, with a Message-ID of
    its own that every delivery of it keeps."""
    message_id = f"<outbox-{secrets.token_hex(12)}@{_mail_host()}>"
    del message["Message-ID"]
    message["Message-ID"] = message_id
    row = OutboxMail(
        kind=kind[:120],
        recipient=str(message["To"]),
        message_id=message_id,
        # As it goes over SMTP: CRLF line ends (smtplib sends bytes as they are).
        message=message.as_bytes(policy=message.policy.clone(linesep="\r\n")),
        state=OutboxState.PENDING,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    session.flush()
    session.info.setdefault(_QUEUED, []).append(row.id)
    return row


def _mail_host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "consult.invalid"


@orm_event.listens_for(Session, "after_commit")
def _deliver_committed(session: Session) -> None:
    queued = session.info.pop(_QUEUED, None)
    if not queued or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        wake(app, queued)
    except Exception:  # the mails are committed; the next poll sends them
        log.exception("could not start delivering outbox rows %s", queued)


@orm_event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


# -- delivering ------------------------------------------------------------------------------


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.failed + self.dead


BATCH = 50
WAKE_KEY = "consult:outbox:wake"


def _setting(app: Flask, name: str, default: int) -> int:
    return int(app.config.get(name, default))


def deliver_due(app: Flask, ids: Iterable[int] | None = None, *, limit: int = BATCH) -> Delivery:
    """Claim up to ``limit`` rows that are due (or only ``ids``), send them, mark them.

    Safe to run in several processes at once: each row is claimed by one of them.
    """
    result = Delivery()
    # On SQLite, not while a job of this process writes (see jobs.one_at_a_time_on_sqlite).
    with app.app_context(), jobs.one_at_a_time_on_sqlite(app):
        session = db.state(app).session_factory()
        try:
            now = utcnow()
            _bury_stale(app, session, now)
            token = secrets.token_hex(16)
            rows = _claim(app, session, token, now, ids, limit)
            if not rows:
                return result
            with mail.transport(app) as send:
                for row in sorted(rows, key=lambda r: r.id):
                    _deliver_one(app, session, send, row, token, result)
        finally:
            session.close()
    return result


def _due(app: Flask, now: datetime) -> Any:
    stale = now - timedelta(seconds=_setting(app, "OUTBOX_CLAIM_TIMEOUT_SECONDS", 300))
    return and_(
        or_(
            and_(OutboxMail.state == OutboxState.PENDING, OutboxMail.next_attempt_at <= now),
            and_(OutboxMail.state == OutboxState.SENDING, OutboxMail.claimed_at < stale),
        ),
        OutboxMail.attempts < _setting(app, "OUTBOX_MAX_ATTEMPTS", 10),
    )


def _claim(
    app: Flask,
    session: Session,
    token: str,
    now: datetime,
    ids: Iterable[int] | None,
    limit: int,
) -> list[OutboxMail]:
    """Claim what is due (or only ``ids``) under ``token``; the claimed rows, committed
    (read back by the claiming UPDATE itself: RETURNING, PostgreSQL and SQLite 3.35+)."""
    candidates = select(OutboxMail.id).where(_due(app, now))
    if ids is not None:
        candidates = candidates.where(OutboxMail.id.in_(list(ids)))
    candidates = candidates.order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        candidates = candidates.with_for_update(skip_locked=True)
    claiming = (
        update(OutboxMail)
        .where(OutboxMail.id.in_(candidates.scalar_subquery()))
        .values(
            state=OutboxState.SENDING,
            claim=token,
            claimed_at=now,
            attempts=OutboxMail.attempts + 1,
        )
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    if session.get_bind().dialect.update_returning:
        claimed = list(session.scalars(claiming.returning(OutboxMail)))
    else:  # an SQLite older than 3.35: read them back
        session.execute(claiming)
        claimed = list(session.scalars(select(OutboxMail).where(OutboxMail.claim == token)))
    session.commit()
    return claimed


def _bury_stale(app: Flask, session: Session, now: datetime) -> None:
    """A claim that went stale on its last allowed attempt: the worker died on it each
    time (or the server never answered); it is dead, for staff to look at."""
    stale = now - timedelta(seconds=_setting(app, "OUTBOX_CLAIM_TIMEOUT_SECONDS", 300))
    buried = session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.state == OutboxState.SENDING,
            OutboxMail.claimed_at < stale,
            OutboxMail.attempts >= _setting(app, "OUTBOX_MAX_ATTEMPTS", 10),
        )
        .values(state=OutboxState.DEAD, claim="", last_error="the sending stopped halfway")
        .execution_options(synchronize_session=False)
    )
    if buried.rowcount:  # type: ignore[attr-defined]
        session.commit()
    else:
        session.rollback()


def _deliver_one(
    app: Flask,
    session: Session,
    send: mail.Send,
    row: OutboxMail,
    token: str,
    result: Delivery,
) -> None:
    ours = and_(
        OutboxMail.id == row.id,
        OutboxMail.claim == token,
        OutboxMail.state == OutboxState.SENDING,
    )
    # Still ours, freshly: a slow batch never sends a row that went stale and was
    # claimed by another worker meanwhile. A claim younger than half the timeout cannot
    # have gone stale (no other worker may take it yet): no need to ask.
    timeout = _setting(app, "OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)
    if row.claimed_at is None or utcnow() - row.claimed_at > timedelta(seconds=timeout / 2):
        touched = session.execute(
            update(OutboxMail)
            .where(ours)
            .values(claimed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if touched.rowcount != 1:  # type: ignore[attr-defined]
            return
    if row.message is None:
        return
    try:
        send(row.id, row.recipient, row.message)
    except mail.MailError as error:
        attempts = row.attempts
        dead = attempts >= _setting(app, "OUTBOX_MAX_ATTEMPTS", 10)
        base = _setting(app, "OUTBOX_RETRY_SECONDS", 30)
        wait = min(base * 2 ** max(attempts - 1, 0), 3600)
        session.execute(
            update(OutboxMail)
            .where(ours)
            .values(
                state=OutboxState.DEAD if dead else OutboxState.PENDING,
                claim="",
                next_attempt_at=utcnow() + timedelta(seconds=wait),
                last_error=_describe(error, row.recipient),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        log.warning(
            "outbox mail %s (%s) not sent, attempt %s%s",
            row.id,
            row.kind,
            attempts,
            ": dead" if dead else f"; again in {wait} s",
        )
        if dead:
            result.dead += 1
        else:
            result.failed += 1
        return
    # Accepted by the mail server: marked at once. A crash before this commit sends it
    # again later, with the same Message-ID.
    session.execute(
        update(OutboxMail)
        .where(ours)
        .values(state=OutboxState.SENT, sent_at=utcnow(), claim="", message=None, last_error="")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    result.sent += 1


def _describe(error: Exception, recipient: str) -> str:
    text = f"{type(error.__cause__ or error).__name__}: {error}"
    return text.replace(recipient, mask(recipient))[:500]


# -- who delivers: inline, a thread of this process, or the worker ------------------------------


def runner(app: Flask) -> str:
    return jobs.runner(app)


def wake(app: Flask, ids: list[int]) -> None:
    """Deliver the rows ``ids`` that were just committed, the way this app does it."""
    how = runner(app)
    if how == "inline":
        deliver_due(app, ids)
        return
    if how == "rq":
        from redis.exceptions import RedisError

        try:
            connection = app.extensions.get("consult.outbox.redis")
            if connection is None:
                connection = app.extensions["consult.outbox.redis"] = jobs.redis_for(app)
            connection.lpush(WAKE_KEY, "1")
            connection.ltrim(WAKE_KEY, 0, 9)
            return
        except RedisError as error:
            log.warning(
                "cannot wake the outbox worker through Redis at %s (%s); sending from here",
                without_password(app.config["REDIS_URL"]),
                error,
            )
    ensure_thread(app).wake()


class Deliverer(threading.Thread):
    """Runs :func:`round_of_work` until stopped, waking early when told to."""

    def __init__(
        self, app: Flask, wait: Callable[[float], None] | None = None, name: str = "outbox"
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.app = app
        self.stopping = threading.Event()
        self._woken = threading.Event()
        self._wait = wait or self._wait_for_wake
        self.pid = os.getpid()

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self.stopping.set()
        self._woken.set()

    def _wait_for_wake(self, seconds: float) -> None:
        self._woken.wait(seconds)
        self._woken.clear()

    def run(self) -> None:
        poll = float(self.app.config.get("OUTBOX_POLL_SECONDS", 5))
        while not self.stopping.is_set():
            busy = False
            try:
                busy = round_of_work(self.app).claimed >= BATCH
            except Exception:  # the database may be away for a moment: try again later
                log.exception("the outbox round failed; trying again in %s s", poll)
            if not busy and not self.stopping.is_set():
                self._wait(poll)


def round_of_work(app: Flask) -> Delivery:
    """What each poll does: send the due mails, start the jobs nobody started."""
    delivery = deliver_due(app)
    jobs.start_unstarted(app)
    return delivery


_THREADS: dict[int, Deliverer] = {}
_THREADS_LOCK = threading.Lock()


def ensure_thread(app: Flask) -> Deliverer:
    """This process's delivery thread for ``app``, started when there is none yet (also
    after a fork: a forked process does not inherit its parent's threads)."""
    with _THREADS_LOCK:
        thread = _THREADS.get(id(app))
        if thread is None or thread.pid != os.getpid() or not thread.is_alive():
            thread = Deliverer(app)
            thread.start()
            _THREADS[id(app)] = thread
        return thread


def stop_threads(timeout: float = 10) -> None:
    """Stop every delivery thread of this process (the tests stop them after each test that
    started one, so none writes into a later test's database)."""
    with _THREADS_LOCK:
        threads = list(_THREADS.values())
        _THREADS.clear()
    for thread in threads:
        if thread.pid == os.getpid() and thread.is_alive():
            thread.stop()
            thread.join(timeout=timeout)


def start_with_requests(app: Flask) -> None:
    """In the embedded default, a process's first request starts its delivery thread, so
    mails left by a process that stopped go out without waiting for a new change."""
    if runner(app) != "thread":
        return

    @app.before_request
    def _deliverer_runs() -> None:
        thread = _THREADS.get(id(app))
        if thread is None or thread.pid != os.getpid():
            ensure_thread(app)


def work_with_redis(app: Flask, stop: threading.Event | None = None) -> Deliverer:
    """The outbox thread of ``consult jobs worker``: woken through Redis, polling too."""

    connection: Redis = jobs.redis_for(app, timeout=None)

    def wait(seconds: float) -> None:
        from redis.exceptions import RedisError

        try:
            connection.blpop([WAKE_KEY], timeout=max(int(seconds), 1))
        except RedisError as error:
            log.warning("outbox worker cannot reach Redis (%s); polling", error)
            (stop or threading.Event()).wait(seconds)

    thread = Deliverer(app, wait=wait, name="outbox-worker")
    thread.start()
    return thread


# -- what staff see and do ---------------------------------------------------------------------


def backlog(session: Session) -> int:
    """Mails not delivered yet: waiting, being sent, or dead."""
    return int(
        session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.state != OutboxState.SENT)
        )
        or 0
    )


def counts(session: Session) -> dict[OutboxState, int]:
    found = dict(
        session.execute(
            select(OutboxMail.state, func.count())
            .where(OutboxMail.state != OutboxState.SENT)
            .group_by(OutboxMail.state)
        ).all()
    )
    return {state: int(found.get(state, 0)) for state in OutboxState if state != OutboxState.SENT}


def dead_letters(session: Session, limit: int = 200) -> list[OutboxMail]:
    return list(
        session.scalars(
            select(OutboxMail)
            .where(OutboxMail.state == OutboxState.DEAD)
            .order_by(OutboxMail.id.desc())
            .limit(limit)
        )
    )


def retry(session: Session, mail_id: int | None = None) -> list[int]:
    """Send dead mails again (one, or all): back to pending, with fresh attempts."""
    query = select(OutboxMail.id).where(OutboxMail.state == OutboxState.DEAD)
    if mail_id is not None:
        query = query.where(OutboxMail.id == mail_id)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(ids), OutboxMail.state == OutboxState.DEAD)
            .values(state=OutboxState.PENDING, attempts=0, next_attempt_at=utcnow(), claim="")
            .execution_options(synchronize_session=False)
        )
        session.info.setdefault(_QUEUED, []).extend(ids)
    return ids


def forget_recipient(session: Session, address: str) -> int:
    """Delete every mail to ``address`` (an erasure): what was sent leaves no address
    behind, and what was not yet sent is not sent any more."""
    wanted = address.strip().casefold()
    removed = session.execute(
        delete(OutboxMail)
        .where(func.lower(OutboxMail.recipient) == wanted)
        .execution_options(synchronize_session=False)
    )
    return int(removed.rowcount)  # type: ignore[attr-defined]


def forget_old(session: Session, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete sent rows (their bytes are gone already) and dead ones (an address and a
    text nobody could deliver) older than ``older_than``: the outbox keeps no archive."""
    cutoff = utcnow() - older_than
    removed = session.execute(
        delete(OutboxMail).where(
            or_(
                and_(OutboxMail.state == OutboxState.SENT, OutboxMail.sent_at < cutoff),
                and_(OutboxMail.state == OutboxState.DEAD, OutboxMail.created_at < cutoff),
            )
        )
    )
    return int(removed.rowcount)  # type: ignore[attr-defined]


# -- commands ----------------------------------------------------------------------------------


@jobs.jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Do the queued jobs and due mails, then stop.")
@with_appcontext
def jobs_worker(burst: bool) -> None:
    """Do the queued jobs and deliver the outbox (needs CONSULT_REDIS_URL); without
    --burst it keeps waiting for more."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("CONSULT_REDIS_URL is not set: jobs run in the app itself")
    if burst:
        drain(app)
        jobs.work_from_queue(app, burst=True)
        drain(app)  # what the jobs put in the outbox
        return
    # RQ forks a process per job; the child must not use the connections this process's
    # outbox thread holds.
    engine = db.state(app).engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    work_with_redis(app)
    jobs.work_from_queue(app)


@jobs.jobs_group.command("deliver")
@with_appcontext
def deliver_command() -> None:
    """Send the mails that are due and start the jobs nobody started, once (for cron)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    delivery = drain(app)
    click.echo(f"{delivery.sent} sent, {delivery.failed} to retry, {delivery.dead} dead")


def drain(app: Flask) -> Delivery:
    """Rounds of work until a round finds nothing due."""
    total = Delivery()
    while True:
        delivery = round_of_work(app)
        total.sent += delivery.sent
        total.failed += delivery.failed
        total.dead += delivery.dead
        if delivery.claimed == 0:
            return total


def after_tick(app: Flask, *, session: Session, now: datetime, wait: bool) -> str | None:
    """The clock's tick keeps mail moving: ``consult consultations tick`` (cron) sends what
    is due and forgets rows older than 30 days; the tick before a request only wakes the thread."""
    if not wait:
        if runner(app) == "thread":
            ensure_thread(app).wake()
        return None
    # A thread of this process may hold mails (Redis was away): it finishes first, so
    # nothing dies half-sent with the command.
    thread = _THREADS.get(id(app))
    if thread is not None and thread.pid == os.getpid() and thread.is_alive():
        thread.stop()
        thread.join(timeout=60)
    delivery = drain(app)
    # A fresh transaction for the delete: on SQLite one that read before the delivery (or a
    # job's thread) wrote from another connection could not write any more.
    session.commit()
    forget_old(session)
    session.commit()
    if delivery.claimed:
        return f"outbox: {delivery.sent} sent, {delivery.failed} to retry, {delivery.dead} dead"
    return None


def init_app(app: Flask) -> None:
    """Connect the clock's receiver and, in the embedded default, the delivery thread."""
    signals.clock_ticked.connect(after_tick, weak=False)
    start_with_requests(app)
