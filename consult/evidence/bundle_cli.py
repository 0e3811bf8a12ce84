"""``consult record export SLUG -o bundle.zip``: a consultation's evidence bundle."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from consult.consultations.models import Consultation
from consult.evidence import bundle, witnessing
from consult.extensions import db
from consult.ledger import checkpoints

# A progress line per this many events, for consultations that have more than it.
PROGRESS_EVERY = 10_000


@click.command("export")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the zip (default: bewijsbundel-SLUG-SIZE.zip here).",
)
@click.option(
    "--no-checkpoint",
    is_flag=True,
    help="Anchor to the latest checkpoint as it is, without signing a new one first.",
)
@with_appcontext
def export_command(slug: str, output: Path | None, no_checkpoint: bool) -> None:
    """Write the evidence bundle of consultation SLUG: its events, proofs, checkpoints,
    keys, version texts and reactienota, with the offline verifier and a README."""
    from sqlalchemy import select

    session = db.session
    consultation = session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise click.ClickException(f"there is no consultation {slug}")
    if no_checkpoint:
        anchor = checkpoints.latest(session)
    else:
        anchor = bundle.make_anchor(session)
        session.commit()
        if anchor is not None:
            witnessing.cosign_anchor(session, anchor)  # so the bundle carries them
    if anchor is None:
        raise click.ClickException("the record has no signed checkpoint yet: nothing to anchor to")
    target = output or Path(bundle.file_name(consultation, anchor))
    shown: dict[str, int] = {}

    def progress(done: int, total: int, step: str) -> None:
        if total < PROGRESS_EVERY:
            return
        mark = done // PROGRESS_EVERY
        if done == total or mark > shown.get(step, 0):
            shown[step] = mark
            what = {"events": "events written", "proofs": "proofs computed"}.get(step)
            if what:
                click.echo(f"  {done:,} of {total:,} {what}", err=True)

    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as out:
            summary = bundle.build(session, consultation, out, checkpoint=anchor, progress=progress)
        os.replace(partial, target)
    except bundle.BundleError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        partial.unlink(missing_ok=True)
        session.rollback()  # the bundle only reads
    click.echo(
        f"{target}: {summary.events:,} events of {slug}, {summary.checkpoints:,} checkpoint(s), "
        f"anchored to a log of {summary.tree_size:,} events; {target.stat().st_size:,} bytes "
        f"in {summary.seconds:.1f} s"
    )
    click.echo("check it: unzip it, then run `python3 verify.py` in its folder")
