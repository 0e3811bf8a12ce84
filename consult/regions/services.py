"""Seeding, searching, splitting and merging youth regions.

Membership is dated, never overwritten: a split or merge ends the old memberships on the
day it takes effect and starts new ones, and records which region succeeded which.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.models import ActorRole, EventKind
from consult.permissions import Actor
from consult.regions.models import (
    MAX_ANSWER_WEEKS,
    Municipality,
    Region,
    RegionMembership,
    RegionSuccession,
    RegionTerm,
    SuccessionKind,
)

# The CBS 2025 layer describes the division in force on 1 January 2025.
SEED_VALID_FROM = date(2025, 1, 1)


class RegionError(ValueError):
    """A split or merge that cannot be carried out as asked; the message says why."""


def search_key(text: str) -> str:
    """Fold a name to lower-case ASCII words: "'s-Hertogenbosch" -> "s hertogenbosch"."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in letters).split()
    return " ".join(words)


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("consult.regions").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def membership_active_on(day: date):
    return and_(
        RegionMembership.valid_from <= day,
        or_(RegionMembership.valid_to.is_(None), RegionMembership.valid_to > day),
    )


def region_active_on(day: date):
    return and_(Region.valid_from <= day, or_(Region.valid_to.is_(None), Region.valid_to > day))


@dataclass
class SeedResult:
    regions_created: int = 0
    regions_updated: int = 0
    municipalities_created: int = 0
    municipalities_updated: int = 0
    memberships_created: int = 0

    @property
    def changed(self) -> bool:
        return any(vars(self).values())


def seed_regions(session: Session) -> SeedResult:
    """Load the CBS 2025 regions and municipalities; running it again changes nothing.

    A municipality that already has a membership (for example after a split) keeps it: the
    seed describes the starting point, not the present.
    """
    result = SeedResult()
    rows = _read_csv("jeugdregio_gemeenten_2025.csv")
    region_rows = _read_csv("jeugdregios.csv")
    aliases: dict[str, list[str]] = {}
    for row in _read_csv("municipality_aliases.csv"):
        aliases.setdefault(row["municipality_code"], []).append(row["alias"])

    regions = {r.code: r for r in session.scalars(select(Region))}
    for row in region_rows:
        provinces = "; ".join(p.strip() for p in row["province"].split(";"))
        region = regions.get(row["code"])
        if region is None:
            region = Region(
                code=row["code"], name=row["name"], provinces=provinces, valid_from=SEED_VALID_FROM
            )
            session.add(region)
            regions[region.code] = region
            result.regions_created += 1
        elif (region.name, region.provinces) != (row["name"], provinces):
            region.name, region.provinces = row["name"], provinces
            result.regions_updated += 1

    municipalities = {m.code: m for m in session.scalars(select(Municipality))}
    has_membership = set(session.scalars(select(RegionMembership.municipality_id).distinct()))
    session.flush()
    for row in rows:
        code = row["municipality_code"]
        names = aliases.get(code, [])
        wanted = {
            "name": row["municipality_name"],
            "province": row["province"],
            "aliases": "; ".join(names),
            "search_key": " | ".join(search_key(n) for n in [row["municipality_name"], *names]),
        }
        municipality = municipalities.get(code)
        if municipality is None:
            municipality = Municipality(code=code, **wanted)
            session.add(municipality)
            municipalities[code] = municipality
            result.municipalities_created += 1
        elif any(getattr(municipality, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(municipality, key, value)
            result.municipalities_updated += 1
        session.flush()
        if municipality.id not in has_membership:
            session.add(
                RegionMembership(
                    region=regions[row["region_code"]],
                    municipality=municipality,
                    valid_from=SEED_VALID_FROM,
                )
            )
            has_membership.add(municipality.id)
            result.memberships_created += 1
    session.flush()
    return result


def get_region(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code.upper()))


def active_regions(session: Session, day: date) -> list[tuple[Region, list[Municipality]]]:
    """Every region in force on ``day`` with its members on that day, in two queries."""
    regions = list(
        session.scalars(select(Region).where(region_active_on(day)).order_by(Region.code))
    )
    members: dict[int, list[Municipality]] = {r.id: [] for r in regions}
    rows = session.execute(
        select(RegionMembership.region_id, Municipality)
        .join(Municipality, RegionMembership.municipality_id == Municipality.id)
        .where(membership_active_on(day))
        .order_by(Municipality.name)
    )
    for region_id, municipality in rows:
        members.setdefault(region_id, []).append(municipality)
    return [(r, members[r.id]) for r in regions]


def former_regions(session: Session, day: date) -> list[Region]:
    return list(
        session.scalars(
            select(Region)
            .where(Region.valid_to.is_not(None), Region.valid_to <= day)
            .order_by(Region.code)
        )
    )


def members_on(session: Session, region: Region, day: date) -> list[Municipality]:
    return list(
        session.scalars(
            select(Municipality)
            .join(RegionMembership, RegionMembership.municipality_id == Municipality.id)
            .where(RegionMembership.region_id == region.id, membership_active_on(day))
            .order_by(Municipality.name)
        )
    )


def membership_history(session: Session, region: Region) -> list[RegionMembership]:
    return list(
        session.scalars(
            select(RegionMembership)
            .where(RegionMembership.region_id == region.id)
            .options(joinedload(RegionMembership.municipality))
            .order_by(RegionMembership.valid_from, RegionMembership.id)
        )
    )


def successions_of(
    session: Session, region: Region
) -> tuple[list[RegionSuccession], list[RegionSuccession]]:
    """(the regions this one came from, the regions that continued it)."""
    rows = list(
        session.scalars(
            select(RegionSuccession)
            .where(
                or_(
                    RegionSuccession.predecessor_id == region.id,
                    RegionSuccession.successor_id == region.id,
                )
            )
            .options(
                joinedload(RegionSuccession.predecessor), joinedload(RegionSuccession.successor)
            )
            .order_by(RegionSuccession.effective_on)
        )
    )
    came_from = [s for s in rows if s.successor_id == region.id]
    continued_by = [s for s in rows if s.predecessor_id == region.id]
    return came_from, continued_by


@dataclass
class MunicipalityMatch:
    municipality: Municipality
    region: Region | None


def find_municipalities(
    session: Session, query: str, day: date, limit: int = 20
) -> list[MunicipalityMatch]:
    """Municipalities whose name or alias contains ``query``, ignoring case and accents.

    Exact names come first, then names that start with the query, then the rest.
    """
    key = search_key(query)
    if not key:
        return []
    pattern = f"%{key.replace('%', '').replace('_', '')}%"
    candidates = list(
        session.scalars(
            select(Municipality)
            .where(Municipality.search_key.like(pattern))
            .order_by(Municipality.name)
        )
    )

    def rank(m: Municipality) -> tuple[int, str]:
        names = m.search_key.split(" | ")
        if key in names:
            return (0, m.name)
        if any(n.startswith(key) for n in names):
            return (1, m.name)
        return (2, m.name)

    candidates.sort(key=rank)
    candidates = candidates[:limit]
    regions = _regions_of(session, [m.id for m in candidates], day)
    return [MunicipalityMatch(m, regions.get(m.id)) for m in candidates]


def _regions_of(session: Session, municipality_ids: Sequence[int], day: date) -> dict[int, Region]:
    if not municipality_ids:
        return {}
    rows = session.execute(
        select(RegionMembership.municipality_id, Region)
        .join(Region, RegionMembership.region_id == Region.id)
        .where(RegionMembership.municipality_id.in_(municipality_ids), membership_active_on(day))
    )
    return dict(rows.all())


def count_active(session: Session, day: date) -> int:
    return (
        session.scalar(select(func.count()).select_from(Region).where(region_active_on(day))) or 0
    )


@dataclass
class RegionPart:
    """One region that comes out of a split: its new code, name and member municipalities."""

    code: str
    name: str
    municipality_codes: list[str] = field(default_factory=list)


def _check_new_code(session: Session, code: str) -> None:
    if get_region(session, code) is not None:
        raise RegionError(f"region code {code} is already in use")


def _end_region(session: Session, region: Region, day: date) -> list[RegionMembership]:
    if not region.is_active_on(day) or region.valid_from >= day:
        raise RegionError(
            f"region {region.code} is not in force on {day.isoformat()}, or only starts then"
        )
    current = [m for m in region.memberships if m.is_active_on(day)]
    for membership in current:
        if membership.valid_from >= day:
            raise RegionError(
                f"a membership of {region.code} only starts on {membership.valid_from.isoformat()}"
            )
        membership.valid_to = day
    region.valid_to = day
    return current


def _new_region(
    session: Session, code: str, name: str, provinces: Iterable[str], day: date
) -> Region:
    region = Region(
        code=code.upper(), name=name, provinces="; ".join(sorted(set(provinces))), valid_from=day
    )
    session.add(region)
    return region


def split_region(
    session: Session, code: str, parts: Sequence[RegionPart], effective_on: date
) -> list[Region]:
    """End region ``code`` on ``effective_on`` and continue its members in ``parts``.

    Every current member must go to exactly one part, so nobody falls between two regions.
    """
    region = get_region(session, code)
    if region is None:
        raise RegionError(f"there is no region {code}")
    if len(parts) < 2:
        raise RegionError("a split needs at least two new regions")
    for part in parts:
        _check_new_code(session, part.code)
    if len({p.code.upper() for p in parts}) != len(parts):
        raise RegionError("the new regions need different codes")

    current = {
        m.municipality.code: m.municipality
        for m in region.memberships
        if m.is_active_on(effective_on)
    }
    assigned = [c.upper() for part in parts for c in part.municipality_codes]
    unknown = sorted(set(assigned) - set(current))
    missing = sorted(set(current) - set(assigned))
    doubled = sorted({c for c in assigned if assigned.count(c) > 1})
    if unknown:
        raise RegionError(f"not members of {region.code}: {', '.join(unknown)}")
    if doubled:
        raise RegionError(f"assigned to more than one new region: {', '.join(doubled)}")
    if missing:
        raise RegionError(f"not assigned to a new region: {', '.join(missing)}")

    _end_region(session, region, effective_on)
    created = []
    for part in parts:
        members = [current[c.upper()] for c in part.municipality_codes]
        new = _new_region(
            session, part.code, part.name, (m.province for m in members), effective_on
        )
        for municipality in members:
            session.add(
                RegionMembership(region=new, municipality=municipality, valid_from=effective_on)
            )
        session.add(
            RegionSuccession(
                predecessor=region,
                successor=new,
                kind=SuccessionKind.SPLIT,
                effective_on=effective_on,
            )
        )
        created.append(new)
    session.flush()
    return created


def merge_regions(
    session: Session, codes: Sequence[str], new_code: str, new_name: str, effective_on: date
) -> Region:
    """End the regions ``codes`` on ``effective_on`` and continue all their members in one."""
    if len({c.upper() for c in codes}) < 2:
        raise RegionError("a merger needs at least two different regions")
    regions = []
    for code in codes:
        region = get_region(session, code)
        if region is None:
            raise RegionError(f"there is no region {code}")
        regions.append(region)
    _check_new_code(session, new_code)

    members: list[Municipality] = []
    for region in regions:
        members.extend(m.municipality for m in _end_region(session, region, effective_on))
    merged = _new_region(session, new_code, new_name, (m.province for m in members), effective_on)
    for municipality in members:
        session.add(
            RegionMembership(region=merged, municipality=municipality, valid_from=effective_on)
        )
    for region in regions:
        session.add(
            RegionSuccession(
                predecessor=region,
                successor=merged,
                kind=SuccessionKind.MERGE,
                effective_on=effective_on,
            )
        )
    session.flush()
    return merged


def _successors(session: Session, code: str, kind: SuccessionKind, day: date) -> set[str]:
    region = get_region(session, code)
    if region is None:
        return set()
    return {
        s.successor.code
        for s in session.scalars(
            select(RegionSuccession).where(
                RegionSuccession.predecessor_id == region.id,
                RegionSuccession.kind == kind,
                RegionSuccession.effective_on == day,
            )
        )
    }


def already_split(session: Session, code: str, new_codes: Sequence[str], day: date) -> bool:
    """True when exactly this split was carried out before (so running it again is a no-op)."""
    found = _successors(session, code, SuccessionKind.SPLIT, day)
    return bool(found) and found == {c.upper() for c in new_codes}


def already_merged(session: Session, codes: Sequence[str], new_code: str, day: date) -> bool:
    return all(
        _successors(session, code, SuccessionKind.MERGE, day) == {new_code.upper()}
        for code in codes
    )


# -- pages and the region's team -------------------------------------------------------------


def today() -> date:
    """Today in the Netherlands: a region's day starts at midnight in Amsterdam, not in UTC."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def former_regions_with_successors(
    session: Session, day: date
) -> list[tuple[Region, list[RegionSuccession]]]:
    """Regions that ended on or before ``day``, each with what continued it, in two queries."""
    regions = former_regions(session, day)
    continued: dict[int, list[RegionSuccession]] = {r.id: [] for r in regions}
    if regions:
        rows = session.scalars(
            select(RegionSuccession)
            .where(RegionSuccession.predecessor_id.in_(list(continued)))
            .options(joinedload(RegionSuccession.successor))
            .order_by(RegionSuccession.effective_on, RegionSuccession.id)
        )
        for succession in rows:
            continued[succession.predecessor_id].append(succession)
    return [(r, continued[r.id]) for r in regions]


# -- settings -------------------------------------------------------------------------------


def set_self_approval(session: Session, actor: Actor | None, region: Region, allow: bool) -> bool:
    """Allow (or stop allowing) officials to approve answers they drafted themselves.

    Off by default: the four-eyes rule. When on, each self-approved answer says so
    (``Answer.self_approved``) and the reactienota mentions it. Returns whether it changed.
    A change is an event in the record's platform chain (``region_setting_changed``).
    """
    return _change_setting(session, actor, region, "allow_self_approval", allow)


def set_answer_weeks(session: Session, actor: Actor | None, region: Region, weeks: int) -> bool:
    """How many weeks after closing the region usually promises its answers; whether it
    changed. Applies to consultations scheduled from now on (a promise made stays made),
    and is recorded in the platform chain like every region setting."""
    if not 1 <= weeks <= MAX_ANSWER_WEEKS:
        raise ValueError(f"answer weeks {weeks} outside 1..{MAX_ANSWER_WEEKS}")
    return _change_setting(session, actor, region, "answer_weeks", weeks)


def _change_setting(
    session: Session, actor: Actor | None, region: Region, setting: str, value: bool | int
) -> bool:
    """Set ``region.<setting>`` and record it in the platform chain; whether it changed."""
    if getattr(region, setting) == value:
        return False
    setattr(region, setting, value)
    session.flush()
    record.append(
        session,
        kind=EventKind.REGION_SETTING_CHANGED,
        consultation=None,
        object_type="region",
        object_id=region.code,
        actor_role=role_in_region(actor, region.id, prefer=ActorRole.OFFICIAL),
        payload={"setting": setting, "value": value},
    )
    return True


# -- the region's own words ------------------------------------------------------------------


def region_terms(session: Session, region_id: int) -> list[RegionTerm]:
    """The region's own words, alphabetical."""
    return list(
        session.scalars(
            select(RegionTerm)
            .where(RegionTerm.region_id == region_id)
            .order_by(func.lower(RegionTerm.term))
        )
    )


def save_term(session: Session, region: Region, term: str, explanation: str) -> RegionTerm:
    """Add a word with its explanation, or give a word the region has already a new one
    (the same word in other capitals counts as the same). A word list is help for readers,
    not evidence: nothing in the record changes with it."""
    term, explanation = " ".join(term.split()), explanation.strip()
    if not term or not explanation:
        raise ValueError("a region term needs a word and an explanation")
    existing = session.scalar(
        select(RegionTerm).where(
            RegionTerm.region_id == region.id, func.lower(RegionTerm.term) == term.lower()
        )
    )
    if existing is None:
        existing = RegionTerm(region_id=region.id, term=term, explanation=explanation)
        session.add(existing)
    else:
        existing.term, existing.explanation = term, explanation
    session.flush()
    return existing


def remove_term(session: Session, region: Region, term_id: int) -> bool:
    """Remove one of the region's words; whether it was there (another region's is not)."""
    term = session.get(RegionTerm, term_id)
    if term is None or term.region_id != region.id:
        return False
    session.delete(term)
    session.flush()
    return True
