"""``consult privacy erase --email ADDRESS``: a request for erasure that came by letter.

The platform admin runs it for a person who asked (AVG article 17) without using the
site's own buttons: every submission contact with that address is erased (each with its
``personal_data_erased`` event, by the platform admin's role) and the account with that
address, if there is one, is deleted as the participant would delete it themselves.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.accounts import services as accounts
from consult.commands import CommandGroup
from consult.db import utcnow
from consult.extensions import db
from consult.ledger.models import ActorRole
from consult.privacy.accounts import AccountErasureRefused, erase_account
from consult.privacy.submissions import erase_contacts_with_email


@click.group("privacy", cls=CommandGroup)
def privacy_group() -> None:
    """Requests about personal data (AVG/GDPR)."""


@privacy_group.command("erase")
@click.option("--email", "email", required=True, help="The address the person wrote from.")
@click.option(
    "--leave-organisations-without-admin",
    is_flag=True,
    help="Delete the account even when it is the only admin of an organisation with members.",
)
@with_appcontext
def erase_command(email: str, leave_organisations_without_admin: bool) -> None:
    """Erase the email address and name of everything sent from ADDRESS, and its account."""

    address = email.strip()
    if "@" not in address:
        raise click.BadParameter("give the email address, like name@example.nl", "--email")
    session = db.session
    now = utcnow()
    role = ActorRole.PLATFORM_ADMIN
    user = accounts.find_user_by_email(session, address)
    submissions = erase_contacts_with_email(session, address, role, now)
    account = None
    if user is not None:
        try:
            account = erase_account(
                session,
                user,
                now,
                actor_role=role,
                leave_organisations_without_admin=leave_organisations_without_admin,
            )
        except AccountErasureRefused as refused:
            session.rollback()
            raise click.ClickException(
                "nothing was erased: this account is the only admin of "
                f"{', '.join(refused.organisations)}, which have other members. Make one of "
                "them an admin first, or run again with --leave-organisations-without-admin."
            ) from refused
        submissions += account.submissions
    session.commit()
    click.echo(f"submissions: contact data erased from {submissions}")
    if account is None:
        click.echo("account: none with this address")
    else:
        click.echo(
            f"account: deleted ({account.roles} region role(s) and "
            f"{account.memberships} organisation membership(s) removed)"
        )
        if account.organisations_left:
            click.echo(f"  left without an admin: {', '.join(account.organisations_left)}")
