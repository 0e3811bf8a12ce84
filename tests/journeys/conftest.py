"""A Consult served by gunicorn that sends its mail to a test SMTP server, for the journeys.

Served by ``tests/live.py`` like the browser tests' ``live_server`` (its own database,
migrated and seeded with the ``consult`` command), except that mail goes over SMTP to an
aiosmtpd server started here, so a journey can read the confirmation mail.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import Outbox, free_port
from tests.journeys.support import JOURNEY_ARTIFACTS
from tests.live import serve_consult


@dataclass
class JourneyServer:
    url: str
    outbox: Outbox


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
    with serve_consult(database_server_url, tmp, mail) as (url, log):
        try:
            yield JourneyServer(url=url, outbox=outbox)
        finally:
            # The server's log next to the screenshots: a 500 on the way is explained there.
            JOURNEY_ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, JOURNEY_ARTIFACTS / "gunicorn.log")
