"""From SQLite to PostgreSQL, and backups that restore: tested as a region would use them.

The source is the demo of ``make run`` (regions, consultations, comments, answers, a
published reactienota and its record) on SQLite. The copy and the restore drills go to
databases of their own, on the PostgreSQL server of this run (or, in the SQLite pass, the
machine's), which are dropped afterwards.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from consult import transfer
from consult.app import create_app
from consult.consultations.models import Consultation, ConsultationState
from consult.extensions import db
from consult.ledger.models import RecordEvent
from tests.conftest import app_settings
from tests.live import server_database

LOCAL_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def postgresql_server(database_server_url: str | None) -> str:
    """PostgreSQL is where a copy goes, in the SQLite pass too: the machine's server."""
    return database_server_url or LOCAL_POSTGRESQL


def new_postgresql_database(server: str):
    """A new, empty database on ``server``, dropped afterwards."""
    return contextmanager(server_database)(server, Path("/nonexistent"))


def consult_app(database_url: str, instance: Path, smtp_port: int) -> Flask:
    instance.mkdir(parents=True, exist_ok=True)
    return create_app(app_settings(database_url, instance, smtp_port), environment="testing")


def run(app: Flask, *args: str, ok: bool = True) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    if ok:
        assert result.exit_code == 0, f"consult {' '.join(args)}:\n{result.output}"
    else:
        assert result.exit_code != 0, f"consult {' '.join(args)} should have failed"
    return result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, smtp_server) -> Iterator[Flask]:
    """The ``make run`` demo on SQLite, in an instance folder of its own."""
    controller, _ = smtp_server
    folder = tmp_path_factory.mktemp("demo")
    database = f"sqlite:///{folder / 'consult.sqlite3'}"
    app = consult_app(database, folder / "instance", controller.port)
    run(app, "db", "upgrade")
    run(app, "seed", "regions")
    run(app, "seed", "demo")
    yield app
    with app.app_context():
        db.engine.dispose()


def counts_of(app: Flask) -> dict[str, int]:
    with app.app_context():
        return transfer.row_counts(db.engine)


def open_consultation_page(app: Flask) -> tuple[str, str]:
    """Serve the restored data: the demo's open consultation's public page and its title."""
    with app.app_context():
        item = db.session.scalar(
            select(Consultation).where(Consultation.state == ConsultationState.OPEN).limit(1)
        )
        assert item is not None
        slug, title = item.slug, item.title
    response = app.test_client().get(f"/consultaties/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True), title


@pytest.fixture(scope="module")
def copy_on_postgresql(demo: Flask, postgresql_server: str, smtp_server, tmp_path_factory):
    """The demo copied into a new PostgreSQL database, with the demo's record key."""
    controller, _ = smtp_server
    with new_postgresql_database(postgresql_server) as url:
        output = run(demo, "db", "copy", "--to", url)
        # The same instance folder, so the same record key: the record must verify with it.
        copy = consult_app(url, Path(demo.instance_path), controller.port)
        yield copy, output
        with copy.app_context():
            db.engine.dispose()


def test_the_demo_copies_into_postgresql_and_its_record_verifies(demo, copy_on_postgresql):
    copy, output = copy_on_postgresql
    assert "the row counts match" in output
    assert "record_events:" in output  # progress, table by table
    expected = counts_of(demo)
    assert counts_of(copy) == expected
    assert expected["record_events"] > 100
    assert expected["comments"] > 10

    verified = run(copy, "record", "verify")
    assert "the record verifies" in verified
    assert f"{expected['record_events']:,} events" in verified

    page, title = open_consultation_page(copy)
    assert title in page

    # Every id sequence goes on after the highest id copied: the next row does not collide.
    with copy.app_context():
        last = db.session.scalar(select(func.max(RecordEvent.id)))
        following = db.session.scalar(
            text("SELECT nextval(pg_get_serial_sequence('record_events', 'id'))")
        )
        assert following == last + 1


def test_the_copy_refuses_a_database_that_is_not_empty(demo, postgresql_server):
    with new_postgresql_database(postgresql_server) as url:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (id integer primary key)"))
            connection.execute(text("INSERT INTO notes VALUES (1)"))
        output = run(demo, "db", "copy", "--to", url, ok=False)
        assert "is not empty (it has notes)" in output
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM notes")) == 1
            assert connection.scalar(text("SELECT to_regclass('record_events')")) is None
        engine.dispose()


def test_the_copy_goes_to_postgresql_only(demo, tmp_path):
    output = run(demo, "db", "copy", "--to", f"sqlite:///{tmp_path / 'other.sqlite3'}", ok=False)
    assert "the copy goes to PostgreSQL" in output
    assert not (tmp_path / "other.sqlite3").exists()


def backup_of(app: Flask, directory: Path) -> Path:
    output = run(app, "backup", "--to", str(directory))
    assert "it holds the record's signing key" in output
    [path] = directory.glob("consult-backup-*.tar")
    assert path.stat().st_mode & 0o077 == 0  # it holds the key: readable by its owner only
    return path


def test_restore_drill_on_sqlite(demo, tmp_path, smtp_server):
    controller, _ = smtp_server
    path = backup_of(demo, tmp_path / "backups")
    restored = consult_app(
        f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "instance", controller.port
    )
    output = run(restored, "restore", str(path))
    assert "restored record_signing_key" in output
    key = Path(restored.instance_path) / "record_signing_key"
    assert key.read_bytes() == (Path(demo.instance_path) / "record_signing_key").read_bytes()
    assert key.stat().st_mode & 0o077 == 0

    assert counts_of(restored) == counts_of(demo)
    assert "the record verifies" in run(restored, "record", "verify")
    page, title = open_consultation_page(restored)
    assert title in page


def test_restore_drill_on_postgresql(copy_on_postgresql, postgresql_server, tmp_path, smtp_server):
    controller, _ = smtp_server
    copy, _output = copy_on_postgresql
    path = backup_of(copy, tmp_path / "backups")
    with tarfile.open(path) as archive:
        assert sorted(archive.getnames()) == [
            "database.pgdump",
            "manifest.json",
            "record_signing_key",
        ]
    with new_postgresql_database(postgresql_server) as url:
        restored = consult_app(url, tmp_path / "instance", controller.port)
        run(restored, "restore", str(path))
        try:
            assert counts_of(restored) == counts_of(copy)
            assert "the record verifies" in run(restored, "record", "verify")
            page, title = open_consultation_page(restored)
            assert title in page
        finally:
            with restored.app_context():
                db.engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_is_written(demo, tmp_path, smtp_server):
    controller, _ = smtp_server
    path = backup_of(demo, tmp_path / "backups")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(path) as original, tarfile.open(damaged, "w") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read()
            if member.name == "database.sqlite3":
                data = data[:5000] + bytes([data[5000] ^ 1]) + data[5001:]
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    target = tmp_path / "restored.sqlite3"
    restored = consult_app(f"sqlite:///{target}", tmp_path / "instance", controller.port)
    output = run(restored, "restore", str(damaged), ok=False)
    assert "database.sqlite3 in the backup does not match its SHA-256" in output
    assert not (Path(restored.instance_path) / "record_signing_key").exists()
    assert (
        not target.exists() or not inspect(create_engine(f"sqlite:///{target}")).get_table_names()
    )


def test_a_restore_never_replaces_another_key(demo, tmp_path, smtp_server):
    controller, _ = smtp_server
    path = backup_of(demo, tmp_path / "backups")
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "record_signing_key").write_bytes(b"another key\n")
    restored = consult_app(f"sqlite:///{tmp_path / 'restored.sqlite3'}", instance, controller.port)
    output = run(restored, "restore", str(path), ok=False)
    assert "holds another key than the backup" in output
    assert (instance / "record_signing_key").read_bytes() == b"another key\n"


def test_a_restore_goes_into_an_empty_database_only(demo, tmp_path):
    path = backup_of(demo, tmp_path / "backups")
    # The demo's own database is not empty: restoring over it is refused.
    output = run(demo, "restore", str(path), ok=False)
    assert "is not empty" in output
    assert os.path.exists(make_url(demo.config["DATABASE_URL"]).database)
