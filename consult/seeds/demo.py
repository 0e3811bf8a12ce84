"""Demo data for ``make run``: people in every role, so a newcomer can try each view.

Never seeded in production (the CLI refuses): every demo account shares one known password.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.accounts import services as accounts
from consult.db import utcnow
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember
from consult.permissions import RegionRoleKind
from consult.regions.services import get_region, seed_regions
from consult.seeds.demo_closed import seed_closed_consultation
from consult.seeds.demo_consultation import seed_demo_consultation
from consult.seeds.demo_national import seed_national

DEMO_PASSWORD = "demo-wachtwoord-2026"  # noqa: S105 - printed by make run, refused in production

DEMO_ACCOUNTS = [
    ("beheer@example.org", "Platformbeheer Consult", "admin", None),
    ("ambtenaar.utrecht@example.org", "Anne de Vries", "official", "JZ22"),
    # A second official, so answers drafted by the first can be approved (four eyes).
    ("teamleider.utrecht@example.org", "Ilse Kramer", "official", "JZ22"),
    ("moderator.utrecht@example.org", "Samir El Amrani", "moderator", "JZ22"),
    ("beantwoorder.utrecht@example.org", "Joost Bakker", "responder", "JZ22"),
    ("ambtenaar.haaglanden@example.org", "Fatima Yilmaz", "official", "JZ24"),
    ("ouder@example.org", "Marieke Jansen", "participant", None),
    ("lid.jeugdstem@example.org", "Noah Visser", "organisation", None),
]

DEMO_ORGANISATION = (
    "Stichting Jeugdstem (demo)",
    "stichting-jeugdstem-demo",
    OrganisationKind.ADVOCACY_GROUP,
)


def seed_demo(session: Session) -> list[tuple[str, str]]:
    """Create (or find) the demo accounts; returns (email, what they can do) for printing."""
    seed_regions(session)
    printed = []
    name, slug, kind = DEMO_ORGANISATION
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        organisation = Organisation(name=name, slug=slug, kind=kind, verified_at=utcnow())
        session.add(organisation)
        session.flush()

    for email, display_name, role, region_code in DEMO_ACCOUNTS:
        user, _ = accounts.ensure_user(session, email, DEMO_PASSWORD, display_name=display_name)
        if role == "admin":
            user.is_platform_admin = True
            printed.append((email, "platform admin"))
        elif region_code is not None:
            region = get_region(session, region_code)
            assert region is not None, region_code
            accounts.grant_region_role(session, user, region, RegionRoleKind(role), granted_by=None)
            printed.append((email, f"{role} of {region.code} {region.name}"))
        elif role == "organisation":
            if not any(m.user_id == user.id for m in organisation.members):
                session.add(OrganisationMember(organisation=organisation, user=user, is_admin=True))
            printed.append((email, f"admin of {organisation.name}"))
        else:
            printed.append((email, "participant (parent)"))
    session.flush()

    seed_demo_consultation(session)
    seed_closed_consultation(session)
    seed_national(session, DEMO_PASSWORD)
    session.flush()
    return printed
