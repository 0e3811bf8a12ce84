"""A job that cannot be queued on Redis runs in this process, once, and the log says so."""

from __future__ import annotations

import logging

from consult import jobs
from consult.jobs import Job, JobState
from tests.conftest import free_port

TRACE: list[tuple[int, int]] = []


def count_to_three(session, job, progress):
    for step in range(1, 4):
        progress(step, 3, f"step {step}")
        TRACE.append((job.id, step))


def test_a_job_that_cannot_be_queued_runs_in_this_process(app, session, monkeypatch, caplog):
    # Redis (with a password, which the log must not show) where nothing listens.
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://:geheim@127.0.0.1:{free_port()}/0")
    TRACE.clear()
    job = jobs.create(session, "count", "faults:1")
    session.commit()

    with caplog.at_level(logging.WARNING, logger="consult.jobs"):
        thread = jobs.start(app, job.id, "tests.faults.test_job_fallback:count_to_three")
    assert thread is not None, "the job was neither queued nor started"
    thread.join(timeout=30)
    assert not thread.is_alive()

    session.expire_all()
    done = session.get(Job, job.id)
    assert done.state is JobState.DONE, done.error
    assert (done.done, done.total) == (3, 3)
    assert [(job.id, 1), (job.id, 2), (job.id, 3)] == TRACE
    assert "running it in this process instead" in caplog.text
    assert f"job {job.id}" in caplog.text
    assert "geheim" not in caplog.text


def test_a_job_runs_once_whichever_runner_gets_it(app, session, caplog):
    """An enqueue that reached Redis although it seemed to fail also runs here: the
    second runner finds the job taken and leaves it."""
    TRACE.clear()
    job = jobs.create(session, "count", "faults:2")
    session.commit()
    work = "tests.faults.test_job_fallback:count_to_three"

    jobs.run(job.id, work, app=app)
    with caplog.at_level(logging.WARNING, logger="consult.jobs"):
        jobs.run(job.id, work, app=app)

    assert [step for _id, step in TRACE] == [1, 2, 3]
    session.expire_all()
    assert session.get(Job, job.id).state is JobState.DONE
    assert "not running it again" in caplog.text
