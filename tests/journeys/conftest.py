"""A Consult served by gunicorn that sends its mail to a test SMTP server, for the journeys.

Served by ``tests/live.py`` like the browser tests' ``live_server`` (its own database,
migrated and seeded with the ``consult`` command), except that mail goes over SMTP to an
aiosmtpd server started here, so a journey can read the confirmation mail.

``journey_app`` is an app in the test process on the server's own database and instance
folder, for what a journey leaves to the services or the clock (preparing a consultation,
closing it): what it commits, the server shows on the next page.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from consult.app import create_app
from consult.extensions import db
from tests.conftest import Outbox, app_settings, free_port
from tests.journeys.support import JOURNEY_ARTIFACTS
from tests.live import serve_live_consult


@dataclass
class JourneyServer:
    url: str
    outbox: Outbox
    database_url: str = ""
    instance_path: Path | None = None


@pytest.fixture(scope="session")
def journey_smtp() -> Iterator[tuple[int, Outbox]]:
    """An SMTP server of the journeys' own (nobody else clears its outbox): port and outbox."""
    outbox = Outbox()
    port = free_port()
    controller = Controller(outbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, outbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def journey_server(
    database_server_url: str | None,
    journey_smtp: tuple[int, Outbox],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[JourneyServer]:
    smtp_port, outbox = journey_smtp
    mail = {
        "CONSULT_BASE_URL": "http://127.0.0.1:{port}",
        "CONSULT_MAIL_SERVER": "127.0.0.1",
        "CONSULT_MAIL_PORT": str(smtp_port),
        "CONSULT_MAIL_USE_TLS": "false",
    }
    tmp = tmp_path_factory.mktemp("journeys")
    with serve_live_consult(database_server_url, tmp, mail) as live:
        try:
            yield JourneyServer(
                url=live.url,
                outbox=outbox,
                database_url=live.database_url,
                instance_path=live.instance_path,
            )
        finally:
            # The server's log next to the screenshots: a 500 on the way is explained there.
            JOURNEY_ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(live.log, JOURNEY_ARTIFACTS / "gunicorn.log")


@pytest.fixture(scope="session")
def journey_app(journey_server: JourneyServer, journey_smtp: tuple[int, Outbox]) -> Iterator[Flask]:
    """An app on the served Consult's database and instance folder (its signing key), for the
    services a journey's setup calls; use it inside ``app.test_request_context()``."""
    assert journey_server.instance_path is not None
    smtp_port, _ = journey_smtp
    settings = app_settings(journey_server.database_url, journey_server.instance_path, smtp_port)
    settings.update({"BASE_URL": journey_server.url, "SERVER_NAME": None})
    app = create_app(settings, environment="testing")
    try:
        yield app
    finally:
        db.state(app).engine.dispose()
