"""``consult record ...``: verify the evidence record, sign a checkpoint, show the key."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from consult.cli import CommandGroup


@click.group("record", cls=CommandGroup)
def record_group() -> None:
    """The evidence record: verification, checkpoints and the signing key."""


@record_group.command("verify")
@click.option(
    "--consultation",
    "slug",
    metavar="SLUG",
    help="Check this consultation's chain (the tree and checkpoints are checked whole).",
)
@with_appcontext
def verify_command(slug: str | None) -> None:
    """Recompute every hash, chain, the tree and the checkpoints; exit 1 on a failure."""
    from consult.extensions import db
    from consult.record.verify import verify

    def progress(count: int) -> None:
        click.echo(f"  {count:,} events checked", err=True)

    try:
        report = verify(db.session, consultation=slug, progress=progress)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.session.rollback()  # verification only reads
    scope = f"consultation {slug}" if slug else "the whole record"
    click.echo(
        f"{scope}: {report.events:,} events ({report.checked_events:,} recomputed) in "
        f"{report.chains:,} chain(s), {report.nodes:,} tree nodes, {report.checkpoints:,} "
        f"checkpoint(s), {report.cross_checks} cross-check(s), {report.seconds:.1f} s"
    )
    if report.ok:
        click.echo("the record verifies")
        return
    click.echo(f"FAILED: {report.failures[0]}", err=True)
    if report.failures.total > 1:
        click.echo(f"  and {report.failures.total - 1} more failure(s):", err=True)
        for failure in report.failures[1:]:
            click.echo(f"  {failure}", err=True)
    sys.exit(1)


@record_group.command("checkpoint")
@with_appcontext
def checkpoint_command() -> None:
    """Sign a checkpoint of the tree now (when it grew since the latest one)."""
    from consult.extensions import db
    from consult.record import checkpoints
    from consult.record.models import CheckpointReason

    made = checkpoints.make(db.session, CheckpointReason.MANUAL)
    db.session.commit()
    if made is None:
        click.echo("nothing to sign: the record is empty or did not grow since the last checkpoint")
    else:
        click.echo(f"checkpoint {made.id}: {made.tree_size} events, root {made.root_hash}")


@record_group.command("key")
@with_appcontext
def key_command() -> None:
    """Print the public key that checkpoints are signed with (generated on first use)."""
    from consult.record import checkpoints, signing

    public = signing.public_bytes(signing.signing_key())
    click.echo(f"key id:       {signing.key_id(public)}")
    click.echo(f"public key:   {signing.public_key_b64()} (Ed25519, base64)")
    click.echo(f"note key:     {signing.verifier_key(checkpoints.origin(), public)}")
    click.echo(f"key file:     {signing.key_path()}")
