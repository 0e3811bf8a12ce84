"""``consult user create``: accounts and their roles, from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from consult.accounts import services as accounts
from consult.commands import CommandGroup
from consult.commands import session as _session
from consult.permissions import RegionRoleKind
from consult.regions.services import get_region

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
