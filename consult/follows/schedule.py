"""The daily follow email, started by the consultation clock once a day.

The clock ticks before requests (every 30 s per process) and from ``consult consultations
tick``. On the first tick after ``FOLLOWS_DIGEST_AT`` (Amsterdam time) it queues one
``follow-digest`` job for the day; the job row's subject names the day, so the next ticks,
other processes and a ``consult follows digest`` from cron on the same day see that the
day's run exists. Two servers ticking in the same instant may both queue one: the mails
are claimed under a lock and marked sent, so nobody gets a mail twice.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from consult import jobs
from consult.db import utcnow
from consult.follows.services import DIGEST_KIND
from consult.jobs import Job, JobState

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class ScheduleError(ValueError):
    """FOLLOWS_DIGEST_AT is not "HH:MM" or "off"."""


def digest_time(config: Any) -> time | None:
    """The configured moment of the day, or None when the clock should not send it."""
    value = str(config.get("FOLLOWS_DIGEST_AT") or "off").strip()
    if value.lower() == "off":
        return None
    hours, colon, minutes = value.partition(":")
    if not (colon and len(hours) == 2 and len(minutes) == 2 and (hours + minutes).isdigit()):
        raise ScheduleError(f"FOLLOWS_DIGEST_AT must be HH:MM or off, not {value!r}")
    try:
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise ScheduleError(f"FOLLOWS_DIGEST_AT must be HH:MM or off, not {value!r}") from error


def subject(day: date) -> str:
    return f"daily:{day.isoformat()}"


def today(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date()


def queue_if_due(session: Session, at: time | None, now: datetime) -> Job | None:
    """The day's digest job, when it is time and none exists yet; commit, then start it."""
    if at is None:
        return None
    local = now.astimezone(AMSTERDAM)
    if local.time() < at:
        return None
    day = subject(local.date())
    if jobs.latest(session, DIGEST_KIND, day) is not None:
        return None
    return jobs.create(session, DIGEST_KIND, day)


def mark_done_today(session: Session, now: datetime) -> None:
    """Note a run from cron as the day's run, so the clock leaves today alone."""
    day = subject(today(now))
    if jobs.latest(session, DIGEST_KIND, day) is None:
        job = jobs.create(session, DIGEST_KIND, day)
        job.state, job.started_at, job.finished_at = JobState.DONE, now, utcnow()
        job.step = "consult follows digest"
