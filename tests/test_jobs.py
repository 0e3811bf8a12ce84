"""Background jobs: progress in the Job row, failures, and RQ on a real Redis.

The RQ tests use ``CONSULT_TEST_REDIS_URL`` when it is set and otherwise the Redis every
development and CI machine runs on 127.0.0.1:6379, so they run on both CI passes. Each test
gets a queue of its own, so parallel runs and a developer's worker never take its jobs.
"""

from __future__ import annotations

import uuid

import pytest
from redis import Redis
from sqlalchemy import func, select

from consult import jobs
from consult.extensions import db
from consult.jobs import Job, JobState
from consult.reports import rendering
from consult.reports import services as reactienota
from consult.reports.models import ReportFile
from tests.comments.test_concurrency import racing_app  # noqa: F401 (a fixture)
from tests.conftest import redis_for_tests
from tests.responses import report_world

REDIS_URL = redis_for_tests()
TRACE: list[tuple[int, int, str]] = []


def count_to_three(session, job, progress):
    """A job for these tests: reports three steps and leaves a trace."""
    for step in range(1, 4):
        progress(step, 3, f"step {step}")
        TRACE.append((job.id, step, job.kind))


def fail(session, job, progress):
    progress(1, 2, "half way")
    raise RuntimeError("the disk is full")


@pytest.fixture
def rq_app(app, monkeypatch):
    """The test app running its jobs on RQ, on a queue that is this test's alone."""
    queue = f"consult-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setattr(jobs, "QUEUE_NAME", queue)
    yield app
    connection = Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"rq:*{queue}*"):
        connection.delete(key)


def test_progress_is_written_where_any_page_can_read_it(app, session):
    TRACE.clear()
    job = jobs.create(session, "count", "test:1")
    session.commit()
    jobs.start(app, job.id, "tests.test_jobs:count_to_three")  # inline in the tests
    session.expire_all()
    done = session.get(Job, job.id)
    assert done.state is JobState.DONE
    assert (done.done, done.total, done.step, done.percent) == (3, 3, "step 3", 100)
    assert done.started_at is not None
    assert done.finished_at is not None
    assert [(job.id, 1, "count"), (job.id, 2, "count"), (job.id, 3, "count")] == TRACE
    assert jobs.latest(session, "count", "test:1").id == job.id


def test_a_failing_job_is_marked_failed_with_its_error(app, session):
    job = jobs.create(session, "fail", "test:2")
    session.commit()
    jobs.start(app, job.id, "tests.test_jobs:fail")
    session.expire_all()
    failed = session.get(Job, job.id)
    assert failed.state is JobState.FAILED
    assert "the disk is full" in failed.error
    assert failed.finished_at is not None


def test_rq_runs_a_job_in_a_worker_on_redis(rq_app, session):
    TRACE.clear()
    job = jobs.create(session, "count", "test:3")
    session.commit()
    jobs.start(rq_app, job.id, "tests.test_jobs:count_to_three")
    # Queued on Redis, not done: nothing ran in this process yet.
    assert TRACE == []
    session.expire_all()
    assert session.get(Job, job.id).state is JobState.QUEUED
    assert Redis.from_url(REDIS_URL).llen(f"rq:queue:{jobs.QUEUE_NAME}") == 1
    assert jobs.queue_length(rq_app) == 1  # what /metrics shows

    jobs.work_from_queue(rq_app, burst=True)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done.state is JobState.DONE
    assert (done.done, done.total) == (3, 3)
    assert [step for _id, step, _kind in TRACE] == [1, 2, 3]
    assert Redis.from_url(REDIS_URL).llen(f"rq:queue:{jobs.QUEUE_NAME}") == 0
    assert jobs.queue_length(rq_app) == 0


def test_rq_makes_the_reactienota_pdf(rq_app, session):
    world = report_world.build(session)
    report = reactienota.generate(session, world.official, world.consultation)
    job = rendering.start_pdf(session, report)
    jobs.forget_planned(session)  # the test runs the work itself
    session.commit()
    jobs.start(rq_app, job.id, rendering.PDF_WORK)
    jobs.work_from_queue(rq_app, burst=True)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done.state is JobState.DONE, done.error
    assert (done.done, done.total) == (rendering.PDF_STEPS, rendering.PDF_STEPS)
    stored = session.scalars(
        select(ReportFile).where(ReportFile.report_id == report.id, ReportFile.format == "pdf")
    ).one()
    assert stored.data.startswith(b"%PDF-")


def test_a_job_that_never_finishes_is_shown_as_failed(session):
    from datetime import timedelta

    from consult.db import utcnow

    job = jobs.create(session, "count", "test:5")
    job.created_at = utcnow() - timedelta(seconds=jobs.STALE_AFTER_SECONDS + 1)
    assert jobs.is_stale(job)
    job.state = JobState.DONE
    assert not jobs.is_stale(job)


def test_the_worker_command_does_the_queued_jobs(rq_app, session):
    TRACE.clear()
    job = jobs.create(session, "count", "test:6")
    session.commit()
    jobs.start(rq_app, job.id, "tests.test_jobs:count_to_three")
    result = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(Job, job.id).state is JobState.DONE
    assert len(TRACE) == 3


def test_the_worker_command_needs_redis(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "CONSULT_REDIS_URL" in result.output


def read_report_read(session, job, progress):
    """Reads, reports progress (another connection writes), reads again: like the bundle."""
    session.scalar(select(func.count(Job.id)))
    progress(1, 2, "half")
    session.scalar(select(func.count(Job.id)))
    TRACE.append(job.id)


TRACE: list[int] = []


def test_threads_finish_their_jobs_on_a_database_of_their_own(
    racing_app,  # noqa: F811 (the fixture, imported above)
    monkeypatch,
):
    """The make run default: jobs in threads on a SQLite file (or PostgreSQL in that pass).
    A job that read before its progress was written must still end DONE (on SQLite such a
    transaction may not write any more), and two jobs at once must both finish."""
    app = racing_app
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "thread")
    TRACE.clear()
    with app.app_context():
        first = jobs.create(db.session, "test", "threads:1")
        second = jobs.create(db.session, "test", "threads:2")
        db.session.commit()
        ids = [first.id, second.id]
    threads = [jobs.start(app, job_id, "tests.test_jobs:read_report_read") for job_id in ids]
    for thread in threads:
        assert thread is not None
        thread.join(timeout=30)
    with app.app_context():
        done = {j.id: (j.state, j.done, j.error) for j in db.session.scalars(select(Job))}
    assert done == dict.fromkeys(ids, (JobState.DONE, 1, ""))
    assert sorted(TRACE) == ids
