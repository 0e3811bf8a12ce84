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
import uuid
from collections.abc import Iterator
from itertools import pairwise

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from consult import create_app, migrate
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.record import checkpoints, services
from consult.record.models import RecordEvent
from consult.record.verify import verify
from consult.regions.services import seed_regions
from tests import factories
from tests.conftest import app_settings

WRITERS = 6
APPENDS = 12


@pytest.fixture
def racing_app(tmp_path, database_server_url, smtp_server) -> Iterator:
    if database_server_url is None:
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
        admin = None
    else:
        name = f"consult_record_race_{uuid.uuid4().hex[:10]}"
        admin = create_engine(database_server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(database_server_url).set(database=name).render_as_string(hide_password=False)
    controller, _ = smtp_server
    app = create_app(app_settings(url, tmp_path, controller.port), "testing")
    with app.app_context():
        migrate.upgrade()
        seed_regions(db.session)
        db.session.commit()
    try:
        yield app
    finally:
        db.state(app).engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _committed(app, work) -> None:
    """Run ``work(session)`` and commit, again from the start while SQLite is locked."""
    for _attempt in range(200):
        session = db.state(app).session_factory()
        try:
            work(session)
            session.commit()
            return
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
                for _ in range(APPENDS):
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
