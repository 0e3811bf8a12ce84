"""``consult region split|merge``: changes of the youth regions, keeping their history."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from flask.cli import with_appcontext

from consult.commands import CommandGroup
from consult.commands import session as _session
from consult.regions import services

# -- regions -------------------------------------------------------------------------------


@click.group("region", cls=CommandGroup)
def region_group() -> None:
    """Split and merge youth regions, keeping their history."""


def _parse_day(_ctx: Any, _param: Any, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use a date like 2026-01-01") from exc


@region_group.command("split")
@click.argument("code")
@click.option(
    "--into",
    "parts",
    multiple=True,
    required=True,
    metavar="CODE:NAME:GM0001,GM0002",
    help="A new region and its municipality codes; give --into once per new region.",
)
@click.option(
    "--on", "effective_on", required=True, callback=_parse_day, help="Date it takes effect."
)
@with_appcontext
def region_split(code: str, parts: tuple[str, ...], effective_on: date) -> None:
    """Split region CODE into new regions from a date; its history stays."""

    parsed = []
    for part in parts:
        try:
            new_code, name, members = part.split(":", 2)
        except ValueError as exc:
            raise click.BadParameter(
                f"{part!r} is not CODE:NAME:GM0001,GM0002", param_hint="--into"
            ) from exc
        parsed.append(
            services.RegionPart(
                new_code.strip().upper(),
                name.strip(),
                [m.strip().upper() for m in members.split(",") if m.strip()],
            )
        )

    session = _session()
    if services.already_split(session, code, [p.code for p in parsed], effective_on):
        click.echo(
            f"{code} was already split into {', '.join(p.code for p in parsed)} on {effective_on}"
        )
        return
    try:
        created = services.split_region(session, code, parsed, effective_on)
    except services.RegionError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(
        f"{code.upper()} split on {effective_on} into "
        + ", ".join(f"{r.code} {r.name}" for r in created)
    )


@region_group.command("merge")
@click.argument("codes", nargs=-1, required=True)
@click.option("--into", "new_code", required=True, help="Code of the merged region.")
@click.option("--name", "new_name", required=True, help="Name of the merged region.")
@click.option(
    "--on", "effective_on", required=True, callback=_parse_day, help="Date it takes effect."
)
@with_appcontext
def region_merge(codes: tuple[str, ...], new_code: str, new_name: str, effective_on: date) -> None:
    """Merge regions CODES into one new region from a date; their history stays."""

    session = _session()
    if services.already_merged(session, codes, new_code, effective_on):
        click.echo(
            f"{', '.join(codes)} were already merged into {new_code.upper()} on {effective_on}"
        )
        return
    try:
        merged = services.merge_regions(session, codes, new_code.upper(), new_name, effective_on)
    except services.RegionError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    merged_codes = ", ".join(c.upper() for c in codes)
    click.echo(f"{merged_codes} merged on {effective_on} into {merged.code} {merged.name}")
