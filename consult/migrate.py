"""Alembic, driven from the app: the migrations in ``migrations/`` run on the app's database.

``consult db upgrade|downgrade|revision|check`` are the commands.
"""

from __future__ import annotations

from typing import Any

import click
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import Connection

from consult.commands import CommandGroup, database_label
from consult.config import PROJECT_ROOT
from consult.db import Base, belongs_to_the_models
from consult.extensions import db


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _engine() -> Any:

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

    with _engine().connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite",
                "include_object": belongs_to_the_models,
            },
        )
        return compare_metadata(context, Base.metadata)


# -- database ------------------------------------------------------------------------------


@click.group("db", cls=CommandGroup)
def db_group() -> None:
    """Create and upgrade the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    upgrade(revision)
    click.echo(f"database at {database_label()} is at revision {current_revision()}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION (e.g. -1 or base)."""
    downgrade(revision)
    click.echo(f"database is at revision {current_revision()}")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    revision(message)


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Fail when the models and the migrations disagree."""
    found = differences()
    if found:
        for difference in found:
            click.echo(f"  {difference}")
        raise click.ClickException("the models and the migrations disagree")
    click.echo("the models and the migrations agree")
