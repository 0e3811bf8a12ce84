"""``consult witness init|add-log|serve|status``: run a witness for one or more Consult logs.

Needs no database and no ``CONSULT_*`` settings: only its own directory (``--dir``).
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import click

from consult.witness import state
from consult.witness.server import make_server

DIRECTORY = click.option(
    "--dir",
    "directory",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The witness's directory: its key and state.",
)


def _open(directory: Path) -> state.Witness:
    try:
        return state.Witness(directory)
    except state.WitnessError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("witness")
def witness_group() -> None:
    """A C2SP witness: cosigns a log's checkpoints only when they extend what it saw."""


@witness_group.command("init")
@click.option(
    "--name", required=True, help="The witness's name, a schema-less URL (example.org/witness)."
)
@DIRECTORY
@click.option(
    "--log",
    "logs",
    nargs=2,
    multiple=True,
    metavar="ORIGIN VKEY",
    help="A log to witness: its origin and its note key (`consult record key`, /bewijs/sleutel).",
)
def init_command(name: str, directory: Path, logs: tuple[tuple[str, str], ...]) -> None:
    """Make a new key and an empty state in DIR; print the witness's verifier key."""
    try:
        witness = state.init(directory, name)
        for origin, vkey in logs:
            witness.add_log(origin, vkey)
    except state.WitnessError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"witness {name} in {directory}")
    click.echo(f"key file: {directory / state.KEY_FILE} (keep it secret, back it up)")
    click.echo(f"vkey: {witness.vkey}")
    click.echo("give the vkey and this witness's URL to the region (CONSULT_WITNESSES)")


@witness_group.command("add-log")
@DIRECTORY
@click.argument("origin")
@click.argument("vkey")
def add_log_command(directory: Path, origin: str, vkey: str) -> None:
    """Accept checkpoints of log ORIGIN signed with VKEY (run again for a rotated key)."""
    witness = _open(directory)
    try:
        added = witness.add_log(origin, vkey)
    except state.WitnessError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"accepting checkpoints of {origin} signed by {added}")


@witness_group.command("serve")
@DIRECTORY
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8480, show_default=True, help="Port (0: any free port).")
@click.option("--prefix", default="", help="A path prefix, such as /witness.")
def serve_command(directory: Path, host: str, port: int, prefix: str) -> None:
    """Answer the tlog-witness API (POST /add-checkpoint) until stopped."""
    witness = _open(directory)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    server = make_server(witness, host, port, prefix)
    address, bound = server.server_address[:2]
    click.echo(f"witness {witness.name} listening on http://{address!s}:{bound}{prefix}", err=True)
    click.echo(f"vkey: {witness.vkey}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@witness_group.command("status")
@DIRECTORY
def status_command(directory: Path) -> None:
    """The witness's vkey, its logs and the latest checkpoint it cosigned of each."""
    witness = _open(directory)
    click.echo(f"witness: {witness.name}")
    click.echo(f"vkey:    {witness.vkey}")
    logs = witness.state()["logs"]
    if not logs:
        click.echo("logs:    none (add one with `consult witness add-log`)")
    for origin, log in sorted(logs.items()):
        click.echo(f"log {origin}")
        for vkey in log["vkeys"]:
            click.echo(f"  key:       {vkey}")
        if "size" not in log:
            click.echo("  cosigned:  nothing yet")
            continue
        moment = datetime.datetime.fromtimestamp(log["cosigned_at"], datetime.UTC)
        click.echo(f"  size:      {log['size']}")
        click.echo(f"  root:      {log['root']}")
        click.echo(f"  cosigned:  {moment.isoformat(timespec='seconds')}")
    refused = witness.refused()
    if refused:
        last = refused[-1]
        click.echo(
            f"refused:   {len(refused)} checkpoint(s); the last of {last['origin']} "
            f"(size {last['size']}): {last['why']} (see {directory / state.REFUSED_FILE})"
        )
