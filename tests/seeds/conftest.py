"""The demo, seeded once for the run: ``demo`` and ``demo_session``.

``consult seed demo`` writes some 8,000 rows and 1,200 record events (about 3 s of CPU on a
quiet machine, 10 s on a busy CI pass). The tests that read what it made share one seeded
copy: a database of their own, copied from the run's migrated template (tests/live.py),
seeded and committed the first time a test asks for it. Each test then runs inside a
transaction on that database that is rolled back afterwards, as on the shared one
(tests/conftest.py), so what one test changes (a second seeding, a verify) the next does
not see. Tests that seed something else, or that need the demo's absence, keep ``session``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy.orm import Session

from consult.app import create_app
from consult.extensions import db
from consult.seeds.demo import seed_demo
from tests.conftest import Outbox, app_settings


@dataclass
class Demo:
    """The app on the seeded database, and what ``seed_demo`` returned (the log-ins)."""

    app: Flask
    printed: list[tuple[str, str]]


@pytest.fixture(scope="session")
def demo(
    database_server_url: str | None,
    smtp_server: tuple[Controller, Outbox],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Demo]:
    from tests.live import migrated_template, server_database

    template = migrated_template(database_server_url, tmp_path_factory.getbasetemp())
    folder = tmp_path_factory.mktemp("demo")
    databases = server_database(database_server_url, folder, template)
    url = next(databases)
    controller, _ = smtp_server
    app = create_app(app_settings(url, folder / "instance", controller.port), environment="testing")
    try:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            session = db.state(app).session_factory()
            session.info["app"] = app
            printed = seed_demo(session)
            session.commit()
            session.close()
        yield Demo(app, printed)
    finally:
        db.state(app).engine.dispose()
        databases.close()


@pytest.fixture
def demo_session(demo: Demo) -> Iterator[Session]:
    """A session on the seeded demo inside a rolled-back transaction, with the demo app's
    request context pushed (English; its signing key), as ``session`` and ``in_app`` give."""
    state = db.state(demo.app)
    connection = state.engine.connect()
    transaction = connection.begin()
    state.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    session = state.session_factory()
    session.info["app"] = demo.app  # for factories.app_context
    try:
        with demo.app.test_request_context(headers={"Accept-Language": "en"}):
            yield session
    finally:
        session.close()
        state.session_factory.configure(
            bind=state.engine, join_transaction_mode="conservative_savepoint"
        )
        transaction.rollback()
        connection.close()
