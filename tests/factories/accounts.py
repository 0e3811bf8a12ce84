"""People: accounts through the account services, and roles in a region."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult.accounts import services as accounts
from consult.accounts.models import User
from consult.permissions import RegionRoleKind
from tests.conftest import TEST_PASSWORD
from tests.factories._support import next_number
from tests.factories.regions import region


def user(
    session: Session,
    email: str | None = None,
    *,
    password: str = TEST_PASSWORD,
    confirmed: bool = True,
    admin: bool = False,
    display_name: str | None = None,
    locale: str | None = None,
) -> User:
    """A person with an account; ``locale`` is the language they chose (None: none)."""
    email = email or f"person{next_number()}@example.org"
    person = accounts.create_user(
        session, email, password, display_name=display_name, confirmed=confirmed
    )
    person.is_platform_admin = admin
    if locale is not None:
        person.locale = locale
    session.flush()
    return person


def region_user(session: Session, role: str, region_code: str = "JZ22", **kwargs: object) -> User:
    """A confirmed person holding ``role`` (official, moderator, responder) in a region."""
    person = user(session, **kwargs)  # type: ignore[arg-type]
    accounts.grant_region_role(
        session, person, region(session, region_code), RegionRoleKind(role), granted_by=None
    )
    return person
