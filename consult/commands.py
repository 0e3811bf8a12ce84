"""What every ``consult`` command group shares: one clear line for an unreachable database.

Each domain keeps its commands in its own ``cli.py`` (``consult region``, ``consult
record``, ...) as a :class:`CommandGroup`; :func:`consult.app.create_app` adds them all.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consult.extensions import db


def database_label(app: Flask | None = None) -> str:
    url = (app or current_app).config["DATABASE_URL"]
    return make_url(url).render_as_string(hide_password=True)


def database_unreachable(exc: OperationalError, app: Flask) -> click.ClickException:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return click.ClickException(
        f"cannot reach the database at {database_label(app)} ({reason}). "
        "Is it running, and is CONSULT_DATABASE_URL right?"
    )


class CommandGroup(click.Group):
    """A command group that turns an unreachable database into one clear line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            app = ctx.ensure_object(ScriptInfo).load_app()
            raise database_unreachable(exc, app) from exc


def session() -> Session:
    """The app's session, for a command that runs inside the app."""
    return db.session
