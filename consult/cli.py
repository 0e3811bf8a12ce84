"""The ``consult`` command: Flask's own commands and every domain's, inside the app.

The groups live with their domains (``consult db`` in :mod:`consult.migrate`, ``consult
seed`` in :mod:`consult.seeds.cli`, ...); :func:`consult.app.create_app` adds them. Every
command goes through the domain services and commits once.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from consult.app import create_app
from consult.config import ConfigError
from consult.witness.cli import witness_group


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"consult: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Consult: structured public comment on the regiovisies of the youth regions."""


# The witness needs no app, database or settings: an outside organisation runs it alone.
main.add_command(witness_group)
