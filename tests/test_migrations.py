"""The models and the migrations describe the same schema, on SQLite and on PostgreSQL."""

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from consult import migrate
from consult.app import create_app
from consult.extensions import db
from tests.conftest import app_settings


def test_autogenerate_finds_no_difference(app):
    with app.app_context():
        assert migrate.differences() == []
        assert migrate.current_revision() == migrate.head_revision()


@pytest.fixture
def empty_database_url(tmp_path, database_server_url):
    if database_server_url is None:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"consult_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_run_up_down_and_up_again(empty_database_url, tmp_path, smtp_server):
    controller, _ = smtp_server
    other = create_app(app_settings(empty_database_url, tmp_path, controller.port), "testing")
    with other.app_context():
        migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "regions",
            "municipalities",
            "region_memberships",
            "users",
            "region_roles",
        } <= tables
        migrate.downgrade("base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade()
        assert migrate.differences() == []
        db.engine.dispose()
