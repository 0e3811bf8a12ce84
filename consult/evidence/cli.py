"""``consult record ...``: verify the evidence record, sign a checkpoint, show the key."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from consult.commands import CommandGroup
from consult.db import utcnow
from consult.evidence import monitor
from consult.evidence.verify import verify
from consult.extensions import db
from consult.ledger import checkpoints, signing
from consult.ledger.canonical import moment
from consult.ledger.models import CheckpointReason, RecordCheckpoint

if TYPE_CHECKING:
    from consult.ledger.signing import RetiredKey


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
        f"checkpoint(s), {report.promises:,} promise(s), {report.cross_checks} cross-check(s), "
        f"{report.seconds:.1f} s"
    )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.ok:
        click.echo("the record verifies")
        return
    click.echo(f"FAILED: {report.failures[0]}", err=True)
    if report.failures.total > 1:
        click.echo(f"  and {report.failures.total - 1} more failure(s):", err=True)
        for failure in report.failures[1:]:
            click.echo(f"  {failure}", err=True)
    sys.exit(1)


@record_group.command("monitor")
@click.argument("url")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to keep the last checkpoint seen and the pinned key (JSON).",
)
@click.option(
    "--key",
    metavar="VKEY",
    help="The log's verifier key (name+hash+key, from /bewijs/sleutel); without it, the "
    "key pinned in the state file, or the site's key trusted on first use.",
)
def monitor_command(url: str, state_path: Path | None, key: str | None) -> None:
    """Follow another Consult's log (URL: its /bewijs/log): check the signed checkpoint,
    every new leaf against its entry, and that it extends the checkpoint seen before.
    Exit 0 with one line when all holds; 1 with what is wrong. For cron."""
    outcome = monitor.run(url, state_path, key, fetch=monitor.http_fetch)
    for note in outcome.notes:
        click.echo(f"note: {note}", err=True)
    if outcome.ok:
        click.echo(outcome.summary)
        return
    click.echo(outcome.summary, err=True)
    sys.exit(1)


@record_group.command("checkpoint")
@with_appcontext
def checkpoint_command() -> None:
    """Sign a checkpoint of the tree now (when it grew since the latest one)."""

    try:
        made = checkpoints.make(db.session, CheckpointReason.MANUAL)
    except checkpoints.OriginError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if made is None:
        click.echo("nothing to sign: the record is empty or did not grow since the last checkpoint")
    else:
        click.echo(f"checkpoint {made.id}: {made.tree_size} events, root {made.root_hash}")


@record_group.group("key", cls=CommandGroup, invoke_without_command=True)
@click.pass_context
@with_appcontext
def key_command(context: click.Context) -> None:
    """Print the public key that checkpoints are signed with (generated on first use), and
    the retired keys; ``rotate`` retires the current key."""
    if context.invoked_subcommand is not None:
        return

    public = signing.public_bytes(signing.signing_key())
    click.echo(f"key id:       {signing.key_id(public)}")
    click.echo(f"public key:   {signing.public_key_b64()} (Ed25519, base64)")
    origin = checkpoints.log_origin(db.session)
    db.session.rollback()
    click.echo(f"log name:     {origin}")
    click.echo(f"note key:     {signing.verifier_key(origin, public)}")
    click.echo(f"key file:     {signing.key_path()}")
    retired = signing.retired_keys()
    if not retired:
        click.echo("retired keys: none")
        return
    click.echo(f"retired keys: {len(retired)} (in {signing.retired_keys_path()})")
    for key in retired:
        click.echo(f"  {key.key_id}  {key.public_b64}  {_period(key)}")


def _period(key: RetiredKey) -> str:

    if key.signed_from is None or key.signed_until is None:
        return f"signed no checkpoint, retired {moment(key.retired_at)}"
    return (
        f"signed {moment(key.signed_from)} to {moment(key.signed_until)}, "
        f"retired {moment(key.retired_at)}"
    )


@key_command.command("rotate")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def rotate_command(yes: bool) -> None:
    """Retire the current key and make a new one, then sign a checkpoint with it.

    The retired key's public key and the period it signed go to record_retired_keys.json
    beside the key file; `verify` keeps trusting it for the checkpoints it signed.
    """
    from sqlalchemy import func, select

    if not signing.has_key():
        raise click.ClickException(
            f"there is no key in {signing.key_path()} yet; it is made with the first checkpoint"
        )
    old_id = signing.current_key_id()
    if not yes:
        click.confirm(f"Retire key {old_id} and sign from now on with a new key?", abort=True)
    first, last = db.session.execute(
        select(func.min(RecordCheckpoint.made_at), func.max(RecordCheckpoint.made_at)).where(
            RecordCheckpoint.key_id == old_id
        )
    ).one()
    try:
        checkpoints.signing_origin(db.session)  # refuse before retiring anything
    except checkpoints.OriginError as exc:
        raise click.ClickException(str(exc)) from exc
    retired, new_id = signing.rotate(first, last, utcnow())
    click.echo(f"retired key {retired.key_id} ({_period(retired)})")
    click.echo(f"new key:     {new_id} ({signing.public_key_b64()}, Ed25519, base64)")
    made = checkpoints.make(db.session, CheckpointReason.MANUAL)
    db.session.commit()
    if made is None:
        click.echo("no checkpoint signed: the record is still empty")
    else:
        click.echo(f"checkpoint {made.id}: {made.tree_size} events, signed by {made.key_id}")
    click.echo(f"back up the new key file {signing.key_path()}")


from consult.evidence.bundle_cli import export_command  # noqa: E402 - the evidence bundle

record_group.add_command(export_command)
