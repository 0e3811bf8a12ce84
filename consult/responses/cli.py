"""``consult responses ...``: answering work that suits the command line.

``consult responses group --consultation SLUG`` groups near-identical comments (a letter
campaign) as the "Group similar comments again" button does, and says how long it took.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.commands import CommandGroup
from consult.consultations.services import consultation_by_slug
from consult.extensions import db
from consult.responses.grouping.services import regroup
from consult.responses.grouping.similarity import DEFAULT_THRESHOLD


@click.group("responses", cls=CommandGroup)
def responses_group() -> None:
    """Answers to comments."""


@responses_group.command("group")
@click.option("--consultation", "slug", required=True, help="The consultation's slug.")
@click.option(
    "--threshold",
    type=click.FloatRange(min=0.0, max=1.0, min_open=True),
    default=None,
    help="How similar two texts must be to share a group (default 0.7).",
)
@with_appcontext
def group_command(slug: str, threshold: float | None) -> None:
    """Group the consultation's similar comments; groups changed by hand stay as they are."""

    session = db.session
    consultation = consultation_by_slug(session, slug)
    if consultation is None:
        raise click.ClickException(f"there is no consultation {slug!r}")
    result = regroup(
        session, None, consultation, threshold=DEFAULT_THRESHOLD if threshold is None else threshold
    )
    session.commit()
    click.echo(
        f"{consultation.slug}: {result.groups} group(s) with {result.grouped_comments} "
        f"comment(s) in {result.seconds:.1f} s; {result.kept_groups} group(s) changed by hand "
        "left as they were"
    )
