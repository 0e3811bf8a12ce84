"""A real Consult served by gunicorn, for the browser tests and the journeys.

The server gets a database of its own (a SQLite file, or on PostgreSQL a database made for
this run and dropped afterwards), built and seeded with the ``consult`` command exactly as
``make run`` does, and an instance folder in a temporary directory.

The migrations and the regions are the same for every server of a run: ``consult db
upgrade`` and ``consult seed regions`` build them once, in a template (on PostgreSQL a
database that each server's is made from with ``CREATE DATABASE ... TEMPLATE``, on SQLite a
file each server's is copied from); each server then seeds its own demo data (its record's
checkpoints carry the server's own address, so they cannot be shared).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consult.config import PROJECT_ROOT
from tests.conftest import free_port

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 30


def server_database(
    server_url: str | None, tmp: Path, template: str | None = None
) -> Iterator[str]:
    """A database of its own (a generator: ``next`` gives its URL, ``close`` drops it); with
    ``template`` (from :func:`migrated_template`), a copy of that one."""
    if server_url is None:
        path = tmp / "live.sqlite3"
        if template is not None:
            copy_sqlite(make_url(template).database or "", path)
        yield f"sqlite:///{path}"
        return
    name = f"consult_live_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if template is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            source = make_url(template).database
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def copy_sqlite(source: str, target: Path) -> None:
    """A consistent copy of the SQLite database ``source`` (its WAL included)."""
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


# The run's templates, one per database server (None: SQLite): (URL, folder it lives in).
_TEMPLATES: dict[str | None, tuple[str, Path]] = {}


def migrated_template(server_url: str | None, tmp_root: Path) -> str:
    """The URL of a database migrated by ``consult db upgrade`` and seeded by ``consult seed
    regions``, made the first time a test of this run asks (in ``tmp_root``) and dropped by
    :func:`drop_templates` at the end of the run. Nobody connects to it: it is copied."""
    if server_url in _TEMPLATES:
        return _TEMPLATES[server_url][0]
    folder = tmp_root / f"template-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    if server_url is None:
        url = f"sqlite:///{folder / 'template.sqlite3'}"
    else:
        name = f"consult_template_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    _TEMPLATES[server_url] = (url, folder)
    env = consult_env(url, folder / "instance", "http://127.0.0.1")
    consult_command(env, "db", "upgrade")
    consult_command(env, "seed", "regions")
    return url


def drop_templates() -> None:
    """Drop the run's templates (tests/conftest.py calls this when the run ends)."""
    while _TEMPLATES:
        server_url, (url, _folder) = _TEMPLATES.popitem()
        if server_url is None:
            continue  # a file in the run's temporary folder
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                name = make_url(url).database
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def consult_env(database_url: str, instance: Path, base_url: str) -> dict[str, str]:
    """The environment of a served Consult (and its ``consult`` commands) on ``database_url``."""
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
            "CONSULT_INSTANCE_PATH": str(instance),
            "CONSULT_BASE_URL": base_url,
            # A browser fills the comment form faster than a person (issue 17's minimum
            # fill time); tests/comments/test_without_email.py tests that guard.
            "CONSULT_COMMENT_MIN_FILL_SECONDS": "0",
        }
    )
    return env


def consult_command(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "consult"), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, (
        f"consult {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn stopped at start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own http:// URL
                return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error page
        except OSError:
            time.sleep(0.2)
    raise AssertionError(
        f"gunicorn did not answer on {url} within {STARTUP_SECONDS}s:\n{log.read_text()}"
    )


@dataclass
class LiveConsult:
    """A served Consult: where it answers, its log, and what a test needs to reach its data
    through the services (the journeys prepare and move on consultations that way)."""

    url: str
    log: Path
    database_url: str
    instance_path: Path


@contextmanager
def serve_consult(
    database_server_url: str | None, tmp: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, Path]]:
    """Migrate, seed (regions and demo) and serve; yields the base URL and the server log.

    ``extra_env`` may set mail settings; ``{port}`` in its values becomes the server's port
    (for a ``CONSULT_BASE_URL`` whose mailed links must lead back here).
    """
    with serve_live_consult(database_server_url, tmp, extra_env) as live:
        yield live.url, live.log


@contextmanager
def serve_live_consult(
    database_server_url: str | None, tmp: Path, extra_env: dict[str, str] | None = None
) -> Iterator[LiveConsult]:
    """As :func:`serve_consult`, and also tells the server's database URL and instance."""
    template = migrated_template(database_server_url, tmp.parent)
    databases = server_database(database_server_url, tmp, template)
    database_url = next(databases)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = consult_env(database_url, tmp / "instance", base_url)
    env.update({key: value.format(port=port) for key, value in (extra_env or {}).items()})
    try:
        if env["CONSULT_DATABASE_URL"] != database_url:
            # A database the caller made: not from the template.
            consult_command(env, "db", "upgrade")
            consult_command(env, "seed", "regions")
        consult_command(env, "seed", "demo", "--quiet")
        log = tmp / "gunicorn.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                # No control socket: gunicorn 27 shares ~/.gunicorn/gunicorn.ctl between
                # servers, and tests run several at once.
                [
                    str(BIN / "gunicorn"),
                    *("-b", f"127.0.0.1:{port}", "-w", "1", "--no-control-socket"),
                    "wsgi:app",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(f"{base_url}/", server, log)
            yield LiveConsult(base_url, log, database_url, tmp / "instance")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
    finally:
        databases.close()
