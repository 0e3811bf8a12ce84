"""``consult submissions ...``: housekeeping of submissions, for cron or a scheduler."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.comments.services import discard_unconfirmed
from consult.db import utcnow
from consult.extensions import db


@click.group("submissions")
def submissions_group() -> None:
    """Housekeeping of submitted comments."""


@submissions_group.command("discard-unconfirmed")
@with_appcontext
def discard_unconfirmed_command() -> None:
    """Discard submissions whose email link was not used within 72 hours."""

    count = discard_unconfirmed(db.session, utcnow())
    db.session.commit()
    click.echo(f"discarded {count} unconfirmed submission(s)")
