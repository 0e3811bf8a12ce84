"""``consult consultations tick``: open and close consultations on time, from cron.

The app also does this on requests (at most every 30 seconds per process); a scheduled job
makes sure it happens on a quiet night too. Run it every minute, e.g. in a crontab:
``* * * * * cd /srv/consult && .venv/bin/consult consultations tick --quiet``.
The first tick after ``FOLLOWS_DIGEST_AT`` (07:00 Amsterdam time) also sends the day's
follow email (:mod:`consult.follows.schedule`).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.cli import CommandGroup


@click.group("consultations", cls=CommandGroup)
def consultations_group() -> None:
    """Consultations: their clock."""


@consultations_group.command("tick")
@click.option("--quiet", is_flag=True, help="Print nothing when nothing changed.")
@with_appcontext
def tick_command(quiet: bool) -> None:
    """Open consultations whose opening moment has come, close those whose closing has."""
    from flask import current_app

    from consult.consultations.lifecycle import advance, queue_digest, start_digest
    from consult.db import utcnow
    from consult.extensions import db

    session = db.session
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tick = advance(session)
    session.commit()
    digest = queue_digest(app, session, utcnow())
    session.commit()
    if digest is not None:
        from consult import jobs
        from consult.follows import sending

        click.echo("sending the daily follow email")
        if jobs.runner(app) == "rq":
            # Queued for a worker; if Redis refused, it runs in a thread here, and this
            # command must not exit (and kill it) before it is done.
            thread = start_digest(app, digest)
            if thread is not None:
                thread.join()
        else:  # a thread would die with this command: send it here and now
            jobs.run(digest.id, sending.DIGEST_WORK, app=app)
    for consultation in tick.opened:
        click.echo(f"opened {consultation.slug}")
    for consultation in tick.closed:
        click.echo(f"closed {consultation.slug}")
    if not tick.changed and not quiet:
        click.echo("nothing to open or close")
