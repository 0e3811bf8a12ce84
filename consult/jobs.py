"""Background work with visible progress: RQ on Redis when configured, a thread otherwise.

A job that cannot be queued because Redis does not answer runs in a thread of this process
instead (and the log says so): a job is never lost to a Redis outage. A job runs once
whichever runner gets it first: it is claimed by moving it from queued to running.

A :class:`Job` row is written in the transaction of the change that plans the job
(:func:`start_after_commit`), so it is that change's outbox row for the job, as an
:class:`consult.outbox.OutboxMail` is for a mail: a process that dies right after the
commit leaves a queued row, and the outbox's poll starts it (:func:`start_unstarted`).

A :class:`Job` row is the one place progress lives, whichever runner does the work, so a
page can show "page 12 of 40" from any app server. Work is a plain function that takes the
job id and reports progress through :func:`report_progress`.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult.commands import CommandGroup
from consult.db import Base, enum_column, utcnow
from consult.enums import LabelledEnum
from consult.extensions import db
from consult.health import without_password

if TYPE_CHECKING:
    from redis import Redis


class JobState(LabelledEnum):
    QUEUED = "queued", _l("waiting to start")
    RUNNING = "running", _l("working")
    DONE = "done", _l("ready")
    FAILED = "failed", _l("failed")


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the job does, e.g. "report-pdf", and the object it works on, e.g. "report:12".
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(120), index=True)
    state: Mapped[JobState] = enum_column(JobState, default=JobState.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # Shown to the person waiting, e.g. "rendering pages"; an error is logged, not shown.
    step: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # What runs it ("package.module:function"), so a job planned by a process that died
    # right after its commit is started by the next poll (:func:`start_unstarted`).
    work: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # When a poll started it again because nobody had (once per job).
    restarted_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        if self.state is JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


# -- running ---------------------------------------------------------------------------------

QUEUE_NAME = "consult"
# A job that has been running this long without finishing is shown as failed, so a page
# never waits forever on a worker that died.
STALE_AFTER_SECONDS = 60 * 60

log = logging.getLogger(__name__)

Work = Callable[[Session, "Job", "Progress"], None]


def create(session: Session, kind: str, subject: str) -> Job:
    """A new queued job; commit, then :func:`start` it."""
    job = Job(kind=kind, subject=subject, state=JobState.QUEUED)
    session.add(job)
    session.flush()
    return job


def latest(session: Session, kind: str, subject: str) -> Job | None:
    return session.scalars(
        select(Job).where(Job.kind == kind, Job.subject == subject).order_by(Job.id.desc()).limit(1)
    ).first()


def is_stale(job: Job, now: datetime | None = None) -> bool:
    if job.state not in (JobState.QUEUED, JobState.RUNNING):
        return False
    now = now or utcnow()
    return (now - job.created_at).total_seconds() > STALE_AFTER_SECONDS


def runner(app: Flask) -> str:
    """``rq`` (Redis), ``thread`` (in this process) or ``inline`` (in the request; tests)."""
    configured = app.config.get("JOBS_RUNNER")
    if configured:
        return str(configured)
    return "rq" if app.config.get("REDIS_URL") else "thread"


def start(app: Flask, job_id: int, work: str) -> threading.Thread | None:
    """Run ``work`` (``"package.module:function"``) for the committed job ``job_id``.

    Returns the thread when the job runs in one (the ``thread`` runner, or ``rq`` when
    Redis cannot be reached), so a caller that must wait for it can.
    """
    how = runner(app)
    if how == "rq":
        from redis.exceptions import RedisError

        try:
            _enqueue(app, job_id, work)
            return None
        except RedisError as error:
            log.warning(
                "cannot queue job %s (%s) on Redis at %s (%s); running it in this process instead",
                job_id,
                work,
                without_password(app.config["REDIS_URL"]),
                error,
            )
            how = "thread"
    if how == "inline":
        # As a worker would: outside the request that started it (no logged-in user, no
        # request language), in a context of its own.
        contextvars.Context().run(run, job_id, work, app=app)
        return None
    thread = threading.Thread(
        target=run, args=(job_id, work), kwargs={"app": app}, daemon=True, name=f"job-{job_id}"
    )
    thread.start()
    return thread


# -- starting jobs once their change is committed --------------------------------------------

_AFTER_COMMIT = "consult.jobs.after_commit"
_NOT_STARTED = "consult.jobs.not_started"


def start_after_commit(session: Session, job: Job, work: str) -> None:
    """Start ``job`` doing ``work`` when ``session``'s transaction commits.

    The one way a change starts background work: the job row is written in the change's
    transaction, and the work starts only once both are committed (a rollback drops the
    plan with the row). A job that cannot be started then stays queued, is logged, and is
    listed by :func:`not_started` for the caller to say so.
    """
    job.work = work
    planned = session.info.setdefault(_AFTER_COMMIT, [])
    if (job.id, work) not in planned:
        planned.append((job.id, work))


def planned(session: Session) -> list[tuple[int, str]]:
    """The (job id, work) pairs that start when ``session``'s transaction commits."""
    return list(session.info.get(_AFTER_COMMIT, []))


def forget_planned(session: Session) -> None:
    """Start nothing at the next commit (a test that runs the work itself)."""
    session.info.pop(_AFTER_COMMIT, None)


def not_started(session: Session) -> list[int]:
    """The jobs the last commit of ``session`` should have started but could not."""
    return list(session.info.get(_NOT_STARTED, []))


@orm_event.listens_for(Session, "after_commit")
def _start_committed(session: Session) -> None:
    planned = session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_NOT_STARTED, None)
    if not planned or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    failed = []
    for job_id, work in planned:
        try:
            start(app, job_id, work)
        except Exception:  # the change is committed; the queued job can be started again
            log.exception("could not start job %s (%s)", job_id, work)
            failed.append(job_id)
    if failed:
        session.info[_NOT_STARTED] = failed


@orm_event.listens_for(Session, "after_rollback")
def _forget_planned(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


# A queued job nobody started this long after its commit was planned by a process that
# died (or could not reach Redis): the poll starts it once more.
UNSTARTED_AFTER_SECONDS = 120


def start_unstarted(app: Flask) -> list[int]:
    """Start the jobs whose change committed but whose start never happened (once each).

    A second start is harmless: :func:`run` claims a job by moving it from queued to
    running, so only one runner does the work.
    """
    restarted = []
    with app.app_context():
        session = db.state(app).session_factory()
        try:
            now = utcnow()
            waiting = session.execute(
                select(Job.id, Job.work).where(
                    Job.state == JobState.QUEUED,
                    Job.work != "",
                    Job.restarted_at.is_(None),
                    Job.created_at < now - timedelta(seconds=UNSTARTED_AFTER_SECONDS),
                    Job.created_at > now - timedelta(seconds=STALE_AFTER_SECONDS),
                )
            ).all()
            session.rollback()
            for job_id, work in waiting:
                claimed = session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.restarted_at.is_(None))
                    .values(restarted_at=now)
                )
                session.commit()
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another poll has it
                log.warning("job %s (%s) was never started; starting it now", job_id, work)
                try:
                    start(app, job_id, work)
                except Exception:
                    log.exception("could not start job %s (%s)", job_id, work)
                    continue
                restarted.append(job_id)
        finally:
            session.close()
    return restarted


def redis_for(app: Flask, timeout: float | None = -1) -> Redis:
    """A Redis client for ``app``; ``timeout=None`` for one that may block (BLPOP)."""
    from redis import Redis

    if timeout == -1:
        timeout = app.config.get("REDIS_TIMEOUT_SECONDS", 2)
    return Redis.from_url(
        app.config["REDIS_URL"],
        socket_connect_timeout=app.config.get("REDIS_TIMEOUT_SECONDS", 2),
        socket_timeout=timeout,
    )


_redis = redis_for


def _enqueue(app: Flask, job_id: int, work: str) -> None:
    from rq import Queue

    queue = Queue(QUEUE_NAME, connection=_redis(app))
    queue.enqueue(run, job_id, work, job_timeout=STALE_AFTER_SECONDS, result_ttl=3600)


def queue_length(app: Flask) -> int | None:
    """Jobs waiting in the Redis queue, or None when jobs do not go through Redis (or it
    does not answer): for the metrics."""
    if runner(app) != "rq" or not app.config.get("REDIS_URL"):
        return None
    from redis import RedisError
    from rq import Queue

    try:
        return int(Queue(QUEUE_NAME, connection=_redis(app)).count)
    except RedisError:
        return None


class Progress:
    """Writes progress in a session of its own, so a page polling the job sees it at once."""

    def __init__(self, app: Flask, job_id: int) -> None:
        self.app = app
        self.job_id = job_id

    def __call__(self, done: int, total: int, step: str = "") -> None:
        session = db.state(self.app).session_factory()
        try:
            session.execute(
                update(Job).where(Job.id == self.job_id).values(done=done, total=total, step=step)
            )
            session.commit()
        finally:
            session.close()


def _resolve(work: str) -> Work:
    module, _, name = work.partition(":")
    func = getattr(importlib.import_module(module), name)
    return func  # type: ignore[no-any-return]


def run(job_id: int, work: str, app: Flask | None = None) -> None:
    """Do the work of one job; the entry point for RQ workers and threads alike.

    RQ calls it inside the app of ``consult jobs worker`` (:func:`work_from_queue`).
    """
    if app is None:
        if not has_app_context():
            raise RuntimeError("run Consult's jobs with `consult jobs worker`, inside the app")
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context(), one_at_a_time_on_sqlite(app):
        factory = db.state(app).session_factory
        session = factory()
        try:
            # Claimed by one runner only: an enqueue that reached Redis although it seemed
            # to fail (and so also runs here) is not done twice.
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.QUEUED)
                .values(state=JobState.RUNNING, started_at=utcnow())
            )
            session.commit()
            job = session.get(Job, job_id)
            if job is None:
                log.warning("job %s is gone", job_id)
                return
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("job %s is %s already; not running it again", job_id, job.state.value)
                return
            try:
                _resolve(work)(session, job, Progress(app, job_id))
                # The work's reads end here: on SQLite (WAL) a transaction that read before
                # Progress wrote from its own connection may not write any more.
                session.commit()
                session.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(state=JobState.DONE, finished_at=utcnow())
                )
                session.commit()
            except Exception as error:
                session.rollback()
                log.exception("job %s (%s) failed", job_id, work)
                failed = session.get(Job, job_id)
                if failed is not None:
                    failed.state = JobState.FAILED
                    failed.error = f"{type(error).__name__}: {error}"[:2000]
                    failed.finished_at = utcnow()
                    session.commit()
        finally:
            session.close()


# SQLite has one writer at a time, and a transaction that read before another connection
# wrote cannot write at all (SQLITE_BUSY_SNAPSHOT, "database is locked", which no busy
# timeout waits out). Two jobs in threads of one process (the embedded default: answers
# published start the answer mails and the follow mails) would fail each other, so on
# SQLite a process runs its jobs one after the other. Reentrant: an inline job may start
# another inline job inside it. PostgreSQL jobs run side by side.
_SQLITE_JOBS = threading.RLock()


@contextmanager
def one_at_a_time_on_sqlite(app: Flask) -> Iterator[None]:
    if db.state(app).engine.dialect.name != "sqlite":
        yield
        return
    with _SQLITE_JOBS:
        yield


def work_from_queue(app: Flask, *, burst: bool = False) -> None:
    """Run an RQ worker for Consult's queue in ``app``'s context (``consult jobs worker``)."""
    from redis import Redis
    from rq import Queue, SimpleWorker, Worker

    connection = Redis.from_url(app.config["REDIS_URL"])
    queue = Queue(QUEUE_NAME, connection=connection)
    # In burst mode (tests, cron) the work runs in this process, in this app's context.
    worker_class = SimpleWorker if burst else Worker
    with app.app_context():
        worker_class([queue], connection=connection).work(burst=burst)


# -- background jobs -----------------------------------------------------------------------


@click.group("jobs", cls=CommandGroup)
def jobs_group() -> None:
    """Background work (the reactienota's PDF, answer mails) and the outbox's mails."""


# `consult jobs worker` is defined in consult.outbox: it also runs the outbox.
