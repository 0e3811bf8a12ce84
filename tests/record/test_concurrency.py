"""Appends from many connections at once: no chain forks, no leaf index twice or skipped.

The usual tests share one rolled-back transaction, which serialises everything. Here a
separate app and database commit for real, from threads that each have their own session
and connection, as the web workers do. On PostgreSQL the head row's ``FOR UPDATE`` lock
queues them; on SQLite one writer holds the database at a time, and a writer that finds
it locked rolls back and tries again, as a request would be retried.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import pairwise

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from consult.app import create_app
from consult.consultations.models import Consultation
from consult.evidence.verify import verify
from consult.extensions import db
from consult.ledger import checkpoints, services
from consult.ledger.models import RecordEvent
from tests import factories
from tests.conftest import FreshDatabase, app_settings

WRITERS = 6
APPENDS = 12


@pytest.fixture
def racing_app(tmp_path, fresh_database: FreshDatabase, smtp_server) -> Iterator:
    controller, _ = smtp_server
    app = create_app(app_settings(fresh_database.url, tmp_path, controller.port), "testing")
    try:
        yield app
    finally:
        db.state(app).engine.dispose()
        fresh_database.drop()


def _committed(app, work):
    """Run ``work(session)`` and commit, again from the start while SQLite is locked;
    what ``work`` returned."""
    for _attempt in range(200):
        session = db.state(app).session_factory()
        try:
            result = work(session)
            session.commit()
            return result
        except OperationalError as error:
            session.rollback()
            if "locked" not in str(error.orig):
                raise
            time.sleep(0.01)
        finally:
            session.close()
    raise AssertionError("the database stayed locked")


def test_parallel_appends_keep_every_chain_and_the_tree_whole(racing_app):
    with racing_app.app_context():
        setup = db.session
        slugs = [factories.consultation(setup).slug for _ in range(2)]
        setup.commit()

    start = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            with racing_app.app_context():
                start.wait(timeout=10)
                for n in range(APPENDS):
                    slug = [*slugs, None][(number + n) % 3]

                    def append(session, slug=slug, n=n):
                        consultation = (
                            session.scalar(select(Consultation).where(Consultation.slug == slug))
                            if slug
                            else None
                        )
                        services.append(
                            session,
                            kind="comment_reported",
                            consultation=consultation,
                            object_type="comment",
                            object_id=f"W{number}-{n}",
                            actor_role="participant",
                            payload={"writer": number, "number": n},
                        )

                    _committed(racing_app, append)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    def signer() -> None:
        try:
            with racing_app.app_context():
                start.wait(timeout=10)
                made = 0
                while made < APPENDS and any(t.is_alive() for t in threads[:WRITERS]):
                    # An empty tree gives no checkpoint: sign only once something landed.
                    checkpoint = _committed(
                        racing_app, lambda s: checkpoints.make(s, "state_change")
                    )
                    made += checkpoint is not None
                    time.sleep(0.01)
                if not made:  # the writers were quicker than the first signature
                    _committed(racing_app, lambda s: checkpoints.make(s, "state_change"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    threads.append(threading.Thread(target=signer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    with racing_app.app_context():
        session = db.session
        events = session.scalars(select(RecordEvent).order_by(RecordEvent.leaf_index)).all()
        assert [e.leaf_index for e in events] == list(range(WRITERS * APPENDS))
        assert {e.object_id for e in events} == {
            f"W{w}-{n}" for w in range(WRITERS) for n in range(APPENDS)
        }
        for chain in [*slugs, ""]:
            links = [e for e in events if e.chain == chain]
            assert [e.seq for e in links] == list(range(1, len(links) + 1))
            assert all(b.prev_hash == a.event_hash for a, b in pairwise(links))
        assert services.head(session).tree_size == WRITERS * APPENDS
        report = verify(session)
        assert report.ok, list(report.failures)
        assert report.checkpoints >= 1


SENDERS = 8
SUBMISSIONS = 4


def test_parallel_submissions_to_one_consultation_leave_one_unbroken_chain(racing_app):
    """Participants send at the same moment, through the submission service, each request
    on its own connection; one form is even sent by all of them at once (a double click
    times eight). The consultation's chain stays one line, each arrival is recorded once,
    and the record verifies, cross-checks included."""
    from consult.comments import services as comment_services
    from consult.comments.models import Submission
    from consult.db import utcnow

    with racing_app.app_context():
        setup = db.session
        slug = factories.consultation(setup).slug
        setup.commit()

    start = threading.Barrier(SENDERS)
    errors: list[BaseException] = []

    def sender(number: int) -> None:
        try:
            with racing_app.app_context():
                start.wait(timeout=10)
                for n in range(SUBMISSIONS):
                    key = "dezelfde-klik" if n == 0 else f"S{number}-{n}"

                    def send(session, key=key, n=n):
                        consultation = session.scalar(
                            select(Consultation).where(Consultation.slug == slug)
                        )
                        draft = comment_services.Draft(
                            idempotency_key=key,
                            stakeholder_group=factories.stakeholder_group(session, "parent"),
                            email=f"ouder{number}@example.org",
                            comments=[(None, f"Reactie {number}-{n}")],
                        )
                        comment_services.submit(session, consultation, draft, utcnow())

                    _committed(racing_app, send)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    with racing_app.app_context():
        session = db.session
        codes = set(session.scalars(select(Submission.tracking_code)).all())
        assert len(codes) == SENDERS * (SUBMISSIONS - 1) + 1
        chain = session.scalars(
            select(RecordEvent).where(RecordEvent.chain == slug).order_by(RecordEvent.seq)
        ).all()
        assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
        assert chain[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.event_hash for a, b in pairwise(chain))
        received = [e.object_id for e in chain if e.kind == "submission_received"]
        assert sorted(received) == sorted(codes)  # each once: the lost races wrote nothing
        assert sorted(e.leaf_index for e in chain) == list(range(len(chain)))
        checkpoints.make(session, "manual")
        session.commit()
        report = verify(session)
        assert report.ok, list(report.failures)
        assert report.checked_events == len(chain)


def test_a_late_confirmation_link_cannot_undo_the_discard_that_got_there_first(racing_app):
    """The participant's request loaded the submission as pending; before it confirms, the
    clock's discard commits on another connection. Confirming reads the row again under a
    lock and refuses, so the record never holds both "discarded" and "confirmed"."""
    from datetime import timedelta

    from consult.comments import services as comment_services
    from consult.comments.models import Submission, SubmissionState
    from consult.db import utcnow

    with racing_app.app_context():
        setup = db.session
        consultation = factories.consultation(setup)
        code = factories.submission(setup, consultation, confirmed=False).tracking_code
        setup.commit()

    with racing_app.app_context():
        # What the request read stays in memory, as in a request that read before the
        # clock committed (expire_on_commit would hide the race by reading it all again).
        request = db.state(racing_app).session_factory(expire_on_commit=False)
        try:
            submission = request.scalar(select(Submission).where(Submission.tracking_code == code))
            assert submission.state is SubmissionState.PENDING
            request.commit()

            later = utcnow() + timedelta(days=4)
            discarded = _committed(
                racing_app, lambda s: comment_services.discard_unconfirmed(s, later)
            )
            assert discarded == 1

            with pytest.raises(comment_services.SubmissionError):
                comment_services.confirm(request, submission, later)
            request.rollback()
        finally:
            request.close()

        session = db.session
        kinds = session.scalars(
            select(RecordEvent.kind).where(RecordEvent.object_id == code).order_by(RecordEvent.seq)
        ).all()
        assert "submission_confirmed" not in kinds
        assert kinds[-1] == "submission_discarded"
