"""Alembic, driven from the app: the migrations in ``migrations/`` run on the app's database."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.engine import Connection

from consult.config import PROJECT_ROOT


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _engine() -> Any:
    from consult.extensions import db

    return db.engine


def upgrade(revision: str = "head") -> None:
    with _engine().begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(revision: str) -> None:
    with _engine().begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def revision(message: str) -> None:
    with _engine().begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)


def current_revision() -> str | None:
    with _engine().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def differences() -> list[Any]:
    """What autogenerate would write: empty when the models and the migrations agree."""
    from consult import models  # noqa: F401 - registers every table on the metadata
    from consult.db import Base

    with _engine().connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"},
        )
        return compare_metadata(context, Base.metadata)
