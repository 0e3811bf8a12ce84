"""``consult consultations tick``: open and close consultations on time, from cron.

The app also does this on requests (at most every 30 seconds per process); a scheduled job
makes sure it happens on a quiet night too. Run it every minute, e.g. in a crontab:
``* * * * * cd /srv/consult && .venv/bin/consult consultations tick --quiet``.
The first tick after ``FOLLOWS_DIGEST_AT`` (07:00 Amsterdam time) also sends the day's
follow email (through :data:`consult.signals.clock_ticked`).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from consult.commands import CommandGroup
from consult.consultations.lifecycle import advance, after_tick
from consult.extensions import db
from consult.ledger.checkpoints import OriginError, signing_origin


@click.group("consultations", cls=CommandGroup)
def consultations_group() -> None:
    """Consultations: their clock."""


@consultations_group.command("tick")
@click.option("--quiet", is_flag=True, help="Print nothing when nothing changed.")
@with_appcontext
def tick_command(quiet: bool) -> None:
    """Open consultations whose opening moment has come, close those whose closing has."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session = db.session
    try:
        signing_origin(session)  # refuse at once, even on a tick with nothing to sign
        tick = advance(session)
    except OriginError as exc:  # run without the site's CONSULT_BASE_URL: sign nothing
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    # The listeners' work (the daily follow email) finishes before the command exits.
    for line in after_tick(app, session, wait=True):
        click.echo(line)
    for consultation in tick.opened:
        click.echo(f"opened {consultation.slug}")
    for consultation in tick.closed:
        click.echo(f"closed {consultation.slug}")
    if not tick.changed and not quiet:
        click.echo("nothing to open or close")
