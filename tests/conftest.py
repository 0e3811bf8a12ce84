"""Test fixtures: a real database (SQLite or PostgreSQL), a real SMTP server, real Redis.

Which database: ``CONSULT_TEST_DATABASE_URL``. Unset, the suite runs on a SQLite file. Set
to a PostgreSQL server URL (``postgresql://postgres@127.0.0.1:5432/postgres``), the run
creates its own database there and drops it at the end. ``CONSULT_TEST_REDIS_URL`` puts
the rate limits on Redis. The schema is built by the migrations, not by ``create_all``,
so every test also exercises them.

Each test runs inside one transaction that is rolled back afterwards. The app's sessions
(one per request) and the ``session`` fixture share that connection, so data a test
creates is visible to the requests it makes. Do not keep an app context pushed while using
the client: Flask would reuse it, and with it ``g`` and the logged-in user, across requests.
A test that builds an extra app (``create_app(app_settings(...))``) must keep the rate-limit
settings ``app_settings`` gives it: Flask-Limiter keeps one storage for the whole process.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from consult import migrate
from consult import outbox as outbox_rows
from consult.app import create_app
from consult.extensions import db, limiter
from consult.public import kept
from consult.regions.services import seed_regions

TEST_PASSWORD = "correct horse battery staple"


# -- database ------------------------------------------------------------------------------


def _admin_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("CONSULT_TEST_DATABASE_URL")
    if not server or server.startswith("sqlite"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'consult-test.sqlite3'}"
        return
    name = f"consult_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(_admin_url(server)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _live_templates() -> Iterator[None]:
    """Drop the databases tests/live.py made as templates for the served Consults, once the
    run ends (after every fixture that served one: this one was set up first)."""
    yield
    from tests.live import drop_templates

    drop_templates()


@pytest.fixture(scope="session")
def database_server_url() -> str | None:
    """The PostgreSQL server URL of this run, for tests that make databases of their own."""
    server = os.environ.get("CONSULT_TEST_DATABASE_URL")
    return _admin_url(server) if server and not server.startswith("sqlite") else None


@dataclass
class FreshDatabase:
    """A database of a test's own, migrated and with the regions seeded: ``url``; ``drop()``
    makes it go away (it also goes when the test ends)."""

    url: str
    drop: Callable[[], None]


@pytest.fixture
def fresh_database(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, database_server_url: str | None
) -> Iterator[FreshDatabase]:
    """A copy of the run's migrated template (tests/live.py), not the shared test database:
    for tests that race or drop connections, commit for real, or lose the database."""
    from tests.live import migrated_template, server_database

    template = migrated_template(database_server_url, tmp_path_factory.getbasetemp())
    folder = tmp_path / "own-database"
    folder.mkdir()
    databases = server_database(database_server_url, folder, template)
    url = next(databases)

    def drop() -> None:
        databases.close()
        if database_server_url is None:
            # The folder too: SQLite would make a new empty file where the old one was.
            shutil.rmtree(folder, ignore_errors=True)

    try:
        yield FreshDatabase(url, drop)
    finally:
        drop()


# -- mail ----------------------------------------------------------------------------------


@dataclass
class Outbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address.lower() in m["X-Envelope-To"].lower()]

    @staticmethod
    def text_of(message: Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        raise AssertionError("message has no text part")

    def links_in(self, message: Message) -> list[str]:
        return re.findall(r"https?://\S+", self.text_of(message))


def redis_for_tests() -> str:
    """The Redis of the tests that need one whatever the pass (the RQ runner, Redis going
    away): the run's own, else ``CONSULT_TEST_SPARE_REDIS_URL`` (CI gives the SQLite pass
    a database of its own there, so the PostgreSQL pass beside it, which resets its rate
    limits on Redis, never deletes this pass's keys), else the machine's database 0."""
    return (
        os.environ.get("CONSULT_TEST_REDIS_URL")
        or os.environ.get("CONSULT_TEST_SPARE_REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Outbox]]:
    outbox = Outbox()
    controller = Controller(outbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, outbox
    finally:
        controller.stop()


@pytest.fixture
def outbox(smtp_server: tuple[Controller, Outbox]) -> Outbox:
    _, box = smtp_server
    box.clear()
    return box


# -- app -----------------------------------------------------------------------------------


def app_settings(database_url: str, instance: Path, smtp_port: int) -> dict[str, object]:
    redis_url = os.environ.get("CONSULT_TEST_REDIS_URL")
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "BASE_URL": "http://consult.test",
        "SERVER_NAME": "consult.test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": f"consult-test-{uuid.uuid4().hex[:8]}",
    }


@pytest.fixture(scope="session")
def app(
    database_url: str,
    smtp_server: tuple[Controller, Outbox],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Flask]:
    controller, _ = smtp_server
    app = create_app(
        app_settings(database_url, tmp_path_factory.mktemp("instance"), controller.port),
        environment="testing",
    )
    with app.app_context():
        migrate.upgrade()
        seed_regions(db.session)
        db.session.commit()
    yield app
    db.state(app).engine.dispose()


@pytest.fixture(autouse=True)
def _no_delivery_thread_left() -> Iterator[None]:
    """A test whose app started the outbox's delivery thread (the embedded default, or Redis
    away) stops it at its end: left running, it would write into later tests' databases."""
    yield
    outbox_rows.stop_threads()


@pytest.fixture(autouse=True)
def _nothing_kept_between_tests() -> Iterator[None]:
    """The consultation page keeps its plan and blocks per id (consult/public/kept.py); a
    rolled-back test gives its ids to the next one on SQLite, so each test starts empty."""
    kept.clear()
    yield
    kept.clear()


@pytest.fixture(autouse=True)
def _rolled_back_transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each test in a transaction that is rolled back, and start with fresh rate limits."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    state = db.state(app)
    connection = state.engine.connect()
    transaction = connection.begin()
    state.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        limiter.reset()
    try:
        yield
    finally:
        state.session_factory.configure(
            bind=state.engine, join_transaction_mode="conservative_savepoint"
        )
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the test's transaction; what it flushes, the app's requests can see."""
    test_session = db.state(app).session_factory()
    test_session.info["app"] = app  # for factories.app_context
    try:
        yield test_session
    finally:
        test_session.close()


@pytest.fixture
def quiet_housekeeping(app: Flask) -> Iterator[None]:
    """Hold back the request hooks that tick the consultation clock (every 30 s) and discard
    unconfirmed submissions (every 5 min), so a test that counts a page's queries counts
    only the page's own, however long the test takes."""
    from datetime import timedelta
    from time import monotonic

    from consult.consultations.lifecycle import clock_for
    from consult.db import utcnow

    clock = clock_for(app)
    saved = (clock.interval, clock.last_run, app.extensions.get("consult.comments.discarded_at"))
    clock.interval, clock.last_run = float("inf"), monotonic()
    app.extensions["consult.comments.discarded_at"] = utcnow() + timedelta(days=1)
    try:
        yield
    finally:
        clock.interval, clock.last_run = saved[0], saved[1]
        app.extensions["consult.comments.discarded_at"] = saved[2]


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    """An app (and request) context, for services that sign the record (a consultation's
    state change makes a checkpoint with the instance's key) and still translate their
    messages (in English: the tests read the msgids). Not for tests that use the client."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def make_client(app: Flask, language: str | None = None) -> FlaskClient:
    """A test client that asks for ``language`` (its Accept-Language) with every request;
    None: it asks for none, so the app answers in its default, Dutch. For the clients the
    fixtures below do not give: a second browser made halfway through a test, or a client
    of another app."""
    test_client = app.test_client()
    if language is not None:
        test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return test_client


# The client family: ``client`` asks for no language (the app's default, Dutch); the others
# say in their name how they differ from it.


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def english_client(app: Flask) -> FlaskClient:
    """A client that asks for English, so tests read the msgids whatever the catalogs say."""
    return make_client(app, "en")


@pytest.fixture
def other_english_client(app: Flask) -> FlaskClient:
    """A second English browser beside ``english_client``: someone's other session."""
    return make_client(app, "en")


@pytest.fixture
def quiet_english_client(app: Flask, quiet_housekeeping: None) -> FlaskClient:
    """An English client whose requests leave the housekeeping alone (``quiet_housekeeping``:
    no clock tick, no discarding), so the world a test built stays exactly as it was built."""
    return make_client(app, "en")


@pytest.fixture
def dutch_client(app: Flask) -> FlaskClient:
    """A client that asks for Dutch (Accept-Language: nl), for the Dutch side of a page."""
    return make_client(app, "nl")


# -- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for the whole run (Playwright allows one sync driver per thread);
    every test opens its own context, so cookies never leak between tests."""
    from tests.browser import launch_chromium

    with launch_chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def live_server(
    database_server_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT``) of a gunicorn serving a seeded Consult (see
    tests/live.py), one for the run: the browser tests of every folder share it."""
    from tests.live import serve_consult

    with serve_consult(database_server_url, tmp_path_factory.mktemp("live")) as (url, _log):
        yield url


# -- forms ---------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token from the form on ``path``, as a browser would find it."""
    response = client.get(path)
    found = CSRF_FIELD.search(response.get_data(as_text=True))
    assert found, f"no CSRF token in the form on {path} ({response.status_code})"
    return found.group(1)


def submit_form(
    client: FlaskClient, path: str, data: dict[str, object], *, action: str | None = None, **kwargs
):
    """GET the page with the form at ``path``, then POST ``data`` with its CSRF token."""
    token = csrf_token(client, path)
    return client.post(action or path, data={**data, "csrf_token": token}, **kwargs)


def log_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD):
    response = submit_form(client, "/account/inloggen", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


# -- CI: every test runs -------------------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped or expected-to-fail test fails the run: a skip hides a missing feature."""
    if not os.environ.get("CI") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    hidden = sum(len(reporter.stats.get(kind, [])) for kind in ("skipped", "xfailed", "xpassed"))
    if hidden:
        reporter.write_line(
            f"CI: {hidden} test(s) skipped or xfailed; every test must run in CI", red=True
        )
        session.exitstatus = 1
