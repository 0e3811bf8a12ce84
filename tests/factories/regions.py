"""Regions: the seeded ones (tests/conftest.py seeds them once per run)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult.regions.models import Region
from consult.regions.services import get_region


def region(session: Session, code: str = "JZ22") -> Region:
    found = get_region(session, code)
    assert found is not None, f"region {code} is not seeded"
    return found
