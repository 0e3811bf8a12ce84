"""What follows listens to: the platform's signals (:mod:`consult.signals`) become notices.

A consultation that opens, a closing moment moved, answers or a reactienota published:
each is noted for every follower, in the transaction of the change (the mails go out from
a job after its commit). And once a day, the first clock tick after ``FOLLOWS_DIGEST_AT``
starts the daily email (:mod:`consult.follows.schedule`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from consult import jobs, signals
from consult.follows import schedule, services

log = logging.getLogger(__name__)


def _noting(event: str, moment: str) -> Any:
    def receiver(session: Session, *, consultation: Any, **values: datetime) -> None:
        services.notify(session, consultation, event, values[moment])

    receiver.__name__ = f"note_{event}"
    return receiver


_RECEIVERS = (
    (signals.consultation_opened, _noting(services.OPENED, "at")),
    (signals.consultation_extended, _noting(services.EXTENDED, "closes_at")),
    (signals.consultation_closed, _noting(services.CLOSED, "at")),
    (signals.answers_published, _noting(services.ANSWERS, "at")),
    (signals.next_version_published, _noting(services.NEW_VERSION, "at")),
    (signals.report_published, _noting(services.REACTIENOTA, "at")),
)


def start_daily_email(app: Flask, *, session: Session, now: datetime, wait: bool) -> str | None:
    """The day's digest, when it is due: queued once, then sent (see :mod:`.schedule`).

    From the request hook it starts after the commit like any job. ``consult consultations
    tick`` waits for it: on RQ a refused enqueue runs it in a thread here, and without a
    worker a thread would die with the command, so it is sent here and now.
    """
    try:
        digest = schedule.queue_if_due(session, schedule.digest_time(app.config), now)
        if digest is None:
            return None
        if not wait:
            jobs.start_after_commit(session, digest, services.DIGEST_WORK)
            session.commit()
            return None
        session.commit()
        if jobs.runner(app) == "rq":
            thread = jobs.start(app, digest.id, services.DIGEST_WORK)
            if thread is not None:
                thread.join()
        else:
            jobs.run(digest.id, services.DIGEST_WORK, app=app)
        return "sending the daily follow email"
    except Exception:  # the notices stay unsent; the next tick or cron sends them
        session.rollback()
        log.exception("could not start the daily follow email")
        return None


def connect() -> None:
    """Connect every receiver (once per process: blinker keeps the connections)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
    signals.clock_ticked.connect(start_daily_email, weak=False)
