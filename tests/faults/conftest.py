"""A real Consult under gunicorn, on a database of its own, for the fault tests.

Each test gets a fresh database (a SQLite file, or on PostgreSQL a database made for the
test and dropped afterwards), migrated and seeded with the regions and one open
consultation, and an instance folder (its signing key) that the server and the test share.
The server runs ``wsgi:app`` as production does; the test reads the database directly.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from consult.app import create_app
from consult.config import PROJECT_ROOT
from consult.extensions import db
from tests import factories
from tests.conftest import app_settings, free_port
from tests.live import BIN, STARTUP_SECONDS, migrated_template, server_database

TRACKING_CODE = re.compile(r"/ontvangst/([A-Z0-9-]+)/bewijs$")
READY_LINE = re.compile(r"consult-faults: worker (\d+) ready")


@dataclass
class World:
    """A fresh database with an open consultation, and the instance folder beside it."""

    database_url: str
    instance: Path
    slug: str

    def engine(self):
        return create_engine(self.database_url)

    def env(self, **settings: str) -> dict[str, str]:
        """The environment of a ``consult`` process (server or command) on this world."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("CONSULT_") and key not in {"FLASK_APP", "FLASK_DEBUG"}
        }
        env.update(
            {
                "CONSULT_ENV": "development",
                "CONSULT_DATABASE_URL": self.database_url,
                "CONSULT_SECRET_KEY": SECRET_KEY,
                "CONSULT_INSTANCE_PATH": str(self.instance),
                "CONSULT_RATELIMIT_KEY_PREFIX": f"consult-faults-{uuid.uuid4().hex[:8]}",
                # The load comes from many visitors behind one proxy (X-Forwarded-For).
                "CONSULT_TRUSTED_PROXIES": "1",
                # The visitors are programs that send a form the moment they have it.
                "CONSULT_COMMENT_MIN_FILL_SECONDS": "0",
            }
        )
        env.update({f"CONSULT_{key}": value for key, value in settings.items()})
        return env

    def consult(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the real ``consult`` command against this world's database."""
        return subprocess.run(
            [str(BIN / "consult"), *args],
            cwd=PROJECT_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


SECRET_KEY = secrets.token_urlsafe(48)


@pytest.fixture
def world(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    database_server_url: str | None,
    smtp_server,
) -> Iterator[World]:
    # Migrated and with the regions: a copy of the run's template (tests/live.py).
    template = migrated_template(database_server_url, tmp_path_factory.getbasetemp())
    databases = server_database(database_server_url, tmp_path, template)
    url = next(databases)
    instance = tmp_path / "instance"
    controller, _ = smtp_server
    try:
        app = create_app(app_settings(url, instance, controller.port), "testing")
        session: Session = db.state(app).session_factory()
        try:
            slug = factories.consultation(session, slug="fouten-test").slug
            session.commit()
        finally:
            session.close()
            db.state(app).engine.dispose()
        yield World(database_url=url, instance=instance, slug=slug)
    finally:
        databases.close()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The pids of the worker processes the gunicorn master runs now."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def ready_workers(self) -> list[int]:
        """The live workers that said they are ready (with ``announce_ready``)."""
        ready = {int(pid) for pid in READY_LINE.findall(self.log)}
        return [pid for pid in self.workers() if pid in ready]


@contextmanager
def gunicorn(
    env: dict[str, str], log_path: Path, *, workers: int = 1, announce_ready: bool = False
) -> Iterator[Server]:
    """``gunicorn wsgi:app`` with ``workers`` sync workers on a free 127.0.0.1 port;
    ``announce_ready``: each worker logs when it is ready (:meth:`Server.ready_workers`)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**env, "CONSULT_BASE_URL": base_url}
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "--timeout",
                "30",
                # Several servers may run at once (parallel test runs): no shared socket.
                "--no-control-socket",
                "--graceful-timeout",
                "5",
                *(
                    ["-c", str(Path(__file__).with_name("gunicorn_hooks.py"))]
                    if announce_ready
                    else []
                ),
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, base_url, log_path)
    try:
        _wait_until_up(base_url, process, log_path)
        yield server
    finally:
        # A quick stop (SIGINT): the test is done with the server, nothing waits on it.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server answers; a first request may wait on a Redis that does not answer
    (tests.live.wait_until_up gives up on a request after 2 s)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn stopped at start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/", timeout=15):  # noqa: S310 - our URL
                return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error page
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


def wait_for(check, *, seconds: float = 15, what: str = "the condition"):
    """Poll ``check`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:.0f} s")
        time.sleep(0.1)


# -- visitors --------------------------------------------------------------------------------

RETRIES = 12


@dataclass
class Sent:
    """One person's submission: the form's key, the text, the receipt's code (if any)."""

    key: str
    text: str
    code: str | None = None
    retries: int = 0
    problem: str = ""


class Visitor:
    """A browser: its own cookies and address, fills in the comment form and sends it.

    A request that fails (the connection drops, the proxy answers 502/503) is sent again
    as a browser's reload does: the same form with the same key and cookies.
    """

    def __init__(self, base_url: str, slug: str, address: str) -> None:
        import requests

        self.requests = requests
        self.form_url = f"{base_url}/consultaties/{slug}/reageren"
        self.http = requests.Session()
        self.http.headers.update({"Accept-Language": "en", "X-Forwarded-For": address})
        # X-RateLimit-Remaining of each answered post: the limits counted this visitor.
        self.remaining: list[str] = []

    def _again(self, send):
        """(response or None, retries): ``send`` until a server answers other than 5xx."""
        problem = ""
        for attempt in range(RETRIES):
            try:
                response = send()
            except self.requests.RequestException as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code not in (500, 502, 503, 504):
                    return response, attempt, ""
                problem = f"HTTP {response.status_code}"
            time.sleep(0.1 * (attempt + 1))
        return None, RETRIES, problem

    def send(self, text: str, **changes: str) -> Sent:
        from tests.comments.conftest import form_tokens, valid_data

        page, get_retries, problem = self._again(lambda: self.http.get(self.form_url, timeout=20))
        if page is None or page.status_code != 200:
            return Sent("", text, problem=problem or f"form: HTTP {page.status_code}")
        tokens = form_tokens(page.text)
        fields = {**tokens, **valid_data(text_1=text, **changes)}
        multipart = {name: (None, value) for name, value in fields.items()}
        answer, retries, problem = self._again(
            lambda: self.http.post(
                self.form_url, files=multipart, allow_redirects=False, timeout=20
            )
        )
        sent = Sent(tokens["idempotency_key"], text, retries=get_retries + retries)
        if answer is None:
            sent.problem = problem
            return sent
        if "X-RateLimit-Remaining" in answer.headers:
            self.remaining.append(answer.headers["X-RateLimit-Remaining"])
        found = TRACKING_CODE.search(answer.headers.get("Location", ""))
        if answer.status_code == 302 and found:
            sent.code = found.group(1)
        else:
            sent.problem = f"HTTP {answer.status_code} {answer.headers.get('Location', '')}"
        return sent
