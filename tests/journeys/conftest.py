"""A Consult served by gunicorn that sends its mail to a test SMTP server, for the journeys.

It is built like ``tests/web/conftest.py``'s ``live_server`` (its own database, migrated and
seeded with ``consult db upgrade``, ``seed regions`` and ``seed demo``), with two changes:
mail goes over SMTP to an aiosmtpd server started here, and ``CONSULT_BASE_URL`` carries the
port, so the links in the mail lead back to this server.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser

from consult import PROJECT_ROOT
from tests.browser import launch_chromium
from tests.conftest import Outbox, free_port
from tests.journeys.support import JOURNEY_ARTIFACTS
from tests.web.conftest import BIN, _consult, _server_database, _wait_until_up


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
    tmp = tmp_path_factory.mktemp("journeys")
    databases = _server_database(database_server_url, tmp)
    database_url = next(databases)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    smtp_port, outbox = journey_smtp
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONSULT_") and key not in {"FLASK_APP", "FLASK_DEBUG"}
    }
    env.update(
        {
            "CONSULT_ENV": "development",
            "CONSULT_DATABASE_URL": database_url,
            "CONSULT_SECRET_KEY": secrets.token_urlsafe(48),
            "CONSULT_INSTANCE_PATH": str(tmp / "instance"),
            "CONSULT_BASE_URL": base_url,
            "CONSULT_MAIL_SERVER": "127.0.0.1",
            "CONSULT_MAIL_PORT": str(smtp_port),
            "CONSULT_MAIL_USE_TLS": "false",
        }
    )
    try:
        _consult(env, "db", "upgrade")
        _consult(env, "seed", "regions")
        _consult(env, "seed", "demo", "--quiet")
        log = tmp / "gunicorn.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "1", "wsgi:app"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(f"{base_url}/", server, log)
            yield JourneyServer(url=base_url, outbox=outbox)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
            # The server's log next to the screenshots: a 500 on the way is explained there.
            JOURNEY_ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, JOURNEY_ARTIFACTS / "gunicorn.log")
    finally:
        databases.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per module; every journey opens its own context (own cookies)."""
    with launch_chromium() as launched:
        yield launched
