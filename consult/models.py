"""Imports every domain's models, so that metadata (and Alembic) sees all tables."""

from consult.accounts.models import RegionRole, RegionRoleKind, User
from consult.organisations.models import Organisation, OrganisationKind, OrganisationMember
from consult.regions.models import Municipality, Region, RegionMembership, RegionSuccession

__all__ = [
    "Municipality",
    "Organisation",
    "OrganisationKind",
    "OrganisationMember",
    "Region",
    "RegionMembership",
    "RegionRole",
    "RegionRoleKind",
    "RegionSuccession",
    "User",
]
