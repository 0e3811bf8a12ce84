"""``consult seed regions|demo|load``: the youth regions, the demo and load data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from consult.commands import CommandGroup
from consult.commands import session as _session
from consult.regions.services import seed_regions
from consult.seeds.demo import DEMO_PASSWORD, seed_demo
from consult.seeds.demo_closed import CLOSED_SLUG
from consult.seeds.demo_consultation import DEMO_SLUG
from consult.seeds.load import seed_load

# -- seeds -------------------------------------------------------------------------------


@click.group("seed", cls=CommandGroup)
def seed_group() -> None:
    """Load the youth regions and the demo data."""


@seed_group.command("regions")
@with_appcontext
def seed_regions_command() -> None:
    """Load the CBS 2025 youth regions and municipalities (safe to run again)."""

    session = _session()
    result = seed_regions(session)
    session.commit()
    if result.changed:
        click.echo(
            f"regions: {result.regions_created} new, {result.regions_updated} updated; "
            f"municipalities: {result.municipalities_created} new, "
            f"{result.municipalities_updated} updated; "
            f"memberships: {result.memberships_created} new"
        )
    else:
        click.echo("regions are up to date")


@seed_group.command("demo")
@click.option("--quiet", is_flag=True, help="Do not print the demo log-ins.")
@with_appcontext
def seed_demo_command(quiet: bool) -> None:
    """Create demo users and an organisation (refused in production)."""

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "demo data has known passwords and is never seeded in production"
        )
    session = _session()
    accounts = seed_demo(session)
    session.commit()
    if quiet:
        return

    base_url = current_app.config["BASE_URL"]
    click.echo("")
    click.echo(f"Demo consultation (open, with 300 comments): {base_url}/consultaties/{DEMO_SLUG}")
    click.echo(f"Demo consultation (closed, being answered): {base_url}/consultaties/{CLOSED_SLUG}")
    click.echo(f"Demo log-ins for {base_url}/account/inloggen (password for all: {DEMO_PASSWORD})")
    for email, description in accounts:
        click.echo(f"  {email:<34} {description}")
    click.echo("")


@seed_group.command("load")
@click.option("--sections", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--comments", type=click.IntRange(min=0), default=20000, show_default=True)
@click.option("--region", "region_code", default="JZ21", show_default=True, help="Region code.")
@with_appcontext
def seed_load_command(sections: int, comments: int, region_code: str) -> None:
    """Create a large open consultation for benchmarks (a new one each run)."""

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("load data is for benchmarks and never seeded in production")
    session = _session()
    try:
        result = seed_load(
            session,
            sections,
            comments,
            region_code=region_code.upper(),
            progress=lambda message: click.echo(f"  {message}"),
        )
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics: without them PostgreSQL plans the comment joins of a table that
        # just grew by 20,000 rows as if it were empty (41 s instead of 0.4 s).
        bind = session.get_bind()
        with getattr(bind, "engine", bind).connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    click.echo(
        f"consultation {result.slug}: {result.sections} sections, {result.submissions} "
        f"submissions, {result.comments} comments in {result.seconds:.1f} s"
    )
    click.echo(f"  {current_app.config['BASE_URL']}/consultaties/{result.slug}")
