"""The ``consult`` command: database, seeds, users and regions.

Every command runs inside the app, goes through the domain services, and commits once.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask_babel import force_locale
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from consult.config import ConfigError


def _create_app() -> Flask:
    from consult.app import create_app

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"consult: {exc}", err=True)
        sys.exit(2)


def _database_label(app: Flask | None = None) -> str:
    url = (app or current_app).config["DATABASE_URL"]
    return make_url(url).render_as_string(hide_password=True)


def database_unreachable(exc: OperationalError, app: Flask) -> click.ClickException:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return click.ClickException(
        f"cannot reach the database at {_database_label(app)} ({reason}). "
        "Is it running, and is CONSULT_DATABASE_URL right?"
    )


class CommandGroup(click.Group):
    """A command group that turns an unreachable database into one clear line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OperationalError as exc:
            app = ctx.ensure_object(ScriptInfo).load_app()
            raise database_unreachable(exc, app) from exc


def _session() -> Any:
    from consult.extensions import db

    return db.session


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Consult: structured public comment on the regiovisies of the youth regions."""


# -- database ------------------------------------------------------------------------------


@click.group("db", cls=CommandGroup)
def db_group() -> None:
    """Create and upgrade the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    from consult import migrate

    migrate.upgrade(revision)
    click.echo(f"database at {_database_label()} is at revision {migrate.current_revision()}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION (e.g. -1 or base)."""
    from consult import migrate

    migrate.downgrade(revision)
    click.echo(f"database is at revision {migrate.current_revision()}")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from consult import migrate

    migrate.revision(message)


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Fail when the models and the migrations disagree."""
    from consult import migrate

    differences = migrate.differences()
    if differences:
        for difference in differences:
            click.echo(f"  {difference}")
        raise click.ClickException("the models and the migrations disagree")
    click.echo("the models and the migrations agree")


# -- seeds -------------------------------------------------------------------------------


@click.group("seed", cls=CommandGroup)
def seed_group() -> None:
    """Load the youth regions and the demo data."""


@seed_group.command("regions")
@with_appcontext
def seed_regions_command() -> None:
    """Load the CBS 2025 youth regions and municipalities (safe to run again)."""
    from consult.regions.services import seed_regions

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
    from consult.demo import DEMO_PASSWORD, seed_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "demo data has known passwords and is never seeded in production"
        )
    session = _session()
    accounts = seed_demo(session)
    session.commit()
    if quiet:
        return
    from consult.seeds.demo_closed import CLOSED_SLUG
    from consult.seeds.demo_consultation import DEMO_SLUG

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
    from consult.seeds.load import seed_load

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


# -- users ---------------------------------------------------------------------------------


@click.group("user", cls=CommandGroup)
def user_group() -> None:
    """Manage accounts and their roles."""


ROLE_CHOICES = ["admin", "official", "moderator", "responder", "participant"]


@user_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(ROLE_CHOICES),
    default="participant",
    show_default=True,
    help="admin is a platform admin; official, moderator and responder need --region.",
)
@click.option("--region", "region_code", help="Region code, e.g. JZ22, for a region role.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="CONSULT_NEW_USER_PASSWORD",
    help="Asked for when not given (or set CONSULT_NEW_USER_PASSWORD).",
)
@click.option("--name", "display_name", help="Name shown to colleagues.")
@with_appcontext
def user_create(
    email: str, role: str, region_code: str | None, password: str, display_name: str | None
) -> None:
    """Create a confirmed account for EMAIL, or add a role to an existing one."""
    from consult.accounts import services as accounts
    from consult.accounts.models import RegionRoleKind
    from consult.regions.services import get_region

    session = _session()
    region = None
    if role in {"official", "moderator", "responder"}:
        if not region_code:
            raise click.BadParameter("a region role needs --region CODE", param_hint="--region")
        region = get_region(session, region_code)
        if region is None:
            raise click.BadParameter(f"there is no region {region_code}", param_hint="--region")
    elif region_code:
        raise click.BadParameter(
            f"--region goes with a region role, not {role}", param_hint="--region"
        )

    existing = accounts.find_user_by_email(session, email)
    if existing is None:
        with force_locale("en"):
            problem = accounts.password_problem(password, email)
        if problem:
            raise click.BadParameter(str(problem), param_hint="--password")
    user, created = accounts.ensure_user(
        session, email, password, display_name=display_name, confirmed=True
    )
    if role == "admin":
        user.is_platform_admin = True
    if region is not None:
        accounts.grant_region_role(session, user, region, RegionRoleKind(role), granted_by=None)
    session.commit()
    what = "created" if created else "already existed (password unchanged); roles updated"
    where = f" in {region.code} {region.name}" if region else ""
    click.echo(f"{user.email} {what}: {role}{where}")


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
    from consult.regions import services

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
    from consult.regions import services

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


# -- background jobs -----------------------------------------------------------------------


@click.group("jobs", cls=CommandGroup)
def jobs_group() -> None:
    """Background work (the reactienota's PDF, answer mails) on RQ and Redis."""


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Do the queued jobs, then stop.")
@with_appcontext
def jobs_worker(burst: bool) -> None:
    """Do the queued jobs (needs CONSULT_REDIS_URL); without --burst it keeps waiting."""
    from consult import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("CONSULT_REDIS_URL is not set: jobs run in the app itself")
    jobs.work_from_queue(app, burst=burst)


def register_commands(app: Flask) -> None:
    from consult.comments.cli import submissions_group
    from consult.consultations.cli import consultations_group
    from consult.evidence.cli import record_group
    from consult.follows.cli import follows_group
    from consult.privacy.cli import privacy_group
    from consult.responses.cli import responses_group

    for group in (
        db_group,
        seed_group,
        jobs_group,
        user_group,
        region_group,
        consultations_group,
        submissions_group,
        responses_group,
        record_group,
        privacy_group,
        follows_group,
    ):
        app.cli.add_command(group)
