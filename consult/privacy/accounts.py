"""Deleting an account: the person's data goes, what they took part in stays as evidence.

The ``users`` row itself stays (moderation history, answers and grants point at it by id),
but nothing in it identifies anyone any more: the address becomes a unique placeholder
that can receive no mail, the name and language go, the password can never match, every
session ends, and the account is no longer confirmed, so it cannot log in or act. Roles in
regions and memberships of organisations are removed. Every submission sent from the
account has its contact data erased, each with its ``personal_data_erased`` event, and so
has every submission sent without an account from the same (confirmed) address.

All of it happens in the caller's transaction, or none of it: the one refusal (the person
is the only administrator of an organisation that has other members) is raised before
anything changes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from consult import outbox
from consult.accounts.models import RegionRole, User, new_session_nonce
from consult.comments.models import Submission
from consult.ledger.models import ActorRole
from consult.organisations.models import Organisation, OrganisationMember
from consult.privacy.submissions import erase_contacts_with_email, erase_submission_contact

# RFC 2606 reserves .invalid: an address under it can never receive mail.
PLACEHOLDER_DOMAIN = "invalid"
# Not an argon2 hash: verify_password refuses it, whatever is typed.
UNUSABLE_PASSWORD = "!erased"  # noqa: S105 - a marker, not a secret


class AccountErasureRefused(Exception):
    """The person is the only administrator of these organisations, which have other members
    who would be left without one. ``organisations``: their names."""

    def __init__(self, organisations: list[str]) -> None:
        super().__init__(", ".join(organisations))
        self.organisations = organisations


@dataclass
class AccountErasure:
    """What an erasure did, for the page and the CLI to report."""

    submissions: int = 0
    memberships: int = 0
    roles: int = 0
    organisations_left: list[str] = field(default_factory=list)


def placeholder_email() -> str:
    return f"gewist-{secrets.token_hex(8)}@{PLACEHOLDER_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email_key.endswith(f"@{PLACEHOLDER_DOMAIN}") and user.email_key.startswith(
        "gewist-"
    )


def sole_admin_of(session: Session, user: User) -> list[Organisation]:
    """The organisations where ``user`` is the only administrator and others are members."""
    memberships = session.scalars(
        select(OrganisationMember)
        .where(OrganisationMember.user_id == user.id, OrganisationMember.is_admin.is_(True))
        .options(selectinload(OrganisationMember.organisation).selectinload(Organisation.members))
    )
    stuck = []
    for membership in memberships:
        others = [m for m in membership.organisation.members if m.user_id != user.id]
        if others and not any(m.is_admin for m in others):
            stuck.append(membership.organisation)
    return sorted(stuck, key=lambda o: o.name.casefold())


def erase_account(
    session: Session,
    user: User,
    now: datetime,
    *,
    actor_role: ActorRole = ActorRole.PARTICIPANT,
    leave_organisations_without_admin: bool = False,
) -> AccountErasure:
    """Erase ``user``'s personal data and disable the account; flushes, never commits.

    Raises :class:`AccountErasureRefused` (before changing anything) when the person is the
    only administrator of an organisation with other members, unless a platform admin
    passes ``leave_organisations_without_admin``. ``actor_role`` is the role the record
    names: the participant themselves, or the platform admin answering a request by letter.
    """
    stuck = sole_admin_of(session, user)
    if stuck and not leave_organisations_without_admin:
        raise AccountErasureRefused([o.name for o in stuck])
    result = AccountErasure(organisations_left=[o.name for o in stuck])

    submissions = session.scalars(
        select(Submission)
        .where(Submission.user_id == user.id)
        .options(selectinload(Submission.contact), selectinload(Submission.consultation))
        .order_by(Submission.id)
    )
    for submission in submissions:
        result.submissions += erase_submission_contact(session, submission, actor_role, now)
    # Sent without being logged in, from the address this account proved to be theirs.
    if user.is_confirmed:
        result.submissions += erase_contacts_with_email(session, user.email, actor_role, now)

    for membership in session.scalars(
        select(OrganisationMember).where(OrganisationMember.user_id == user.id)
    ):
        session.delete(membership)
        result.memberships += 1
    for grant in session.scalars(select(RegionRole).where(RegionRole.user_id == user.id)):
        session.delete(grant)
        result.roles += 1
    session.flush()
    session.expire(user, ["region_roles"])

    outbox.forget_recipient(session, user.email)
    placeholder = placeholder_email()
    user.email = placeholder
    user.email_key = placeholder
    user.display_name = None
    user.locale = None
    user.password_hash = UNUSABLE_PASSWORD
    user.is_platform_admin = False
    user.email_confirmed_at = None
    user.last_login_at = None
    # Ends every session and remember-me cookie of this account at once.
    user.session_nonce = new_session_nonce()
    session.flush()
    return result
