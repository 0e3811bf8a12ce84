"""``consult follows digest`` (daily, from cron) and ``consult follows send`` (any time).

``digest`` first records the "closes within 7 days" reminders, then sends what is unsent:
the immediate notices one by one, the daily ones as one mail per person. Run it once a day;
a failed mail is retried by the next run, a sent one is never sent again. The clock also
starts it once a day after ``FOLLOWS_DIGEST_AT`` (see :mod:`consult.follows.schedule`); a
run from cron counts as the day's run.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.commands import CommandGroup
from consult.db import utcnow
from consult.extensions import db
from consult.follows import schedule, sending


@click.group("follows", cls=CommandGroup)
def follows_group() -> None:
    """Emails to people who follow a region, consultation or organisation."""


def _report(result: object) -> None:
    sent, failed = getattr(result, "sent", 0), getattr(result, "failed", 0)
    click.echo(f"{sent} mails sent, {failed} failed")
    if failed:
        raise click.ClickException("some mails could not be sent; run again to retry them")


@follows_group.command("digest")
@with_appcontext
def digest_command() -> None:
    """The daily run: closing-soon reminders, then every unsent notice."""

    started = utcnow()
    result = sending.daily(db.session)
    schedule.mark_done_today(db.session, started)
    db.session.commit()
    _report(result)


@follows_group.command("send")
@with_appcontext
def send_command() -> None:
    """Send the unsent notices of follows that want an email at once."""

    _report(sending.send_immediate(db.session))
