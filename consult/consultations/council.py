"""The council step: each member municipality's council decides on the regiovisie.

After a consultation closes, the regiovisie goes to the councils of the region's member
municipalities; their vote is where participation becomes legally anchored. A region's
officials record each council's decision (the day, the outcome, a link to the decision in
the council's information system). One decision per municipality: a correction replaces
the row's values, and each entry, the first and every correction, is a
``council_decision_recorded`` event in the consultation's chain.

The member municipalities are those of the consultation's region on the day it closed
(the councils that were asked); a region that split or merged later keeps its own list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from consult.consultations.lifecycle import ConsultationError, to_amsterdam, today_in_amsterdam
from consult.consultations.models import (
    ADOPTING_OUTCOMES,
    Consultation,
    CouncilDecision,
    CouncilOutcome,
)
from consult.db import utcnow
from consult.ledger import services as record
from consult.ledger.actors import role_in_region
from consult.ledger.models import ActorRole, EventKind
from consult.permissions import Actor
from consult.regions.models import Municipality, RegionMembership
from consult.regions.services import membership_active_on

MAX_URL_LENGTH = 500


def members_day(consultation: Consultation) -> date:
    """The day whose member municipalities are asked: the (Amsterdam) day it closed."""
    return to_amsterdam(consultation.closes_at).date()


def council_members(session: Session, consultation: Consultation) -> list[Municipality]:
    """The municipalities whose councils decide on this consultation's regiovisie."""
    return list(
        session.scalars(
            select(Municipality)
            .join(RegionMembership, RegionMembership.municipality_id == Municipality.id)
            .where(
                RegionMembership.region_id == consultation.region_id,
                membership_active_on(members_day(consultation)),
            )
            .order_by(Municipality.name)
        )
    )


def decision_object_id(consultation: Consultation, municipality: Municipality) -> str:
    """The decision's id in the record: unique on the platform (slugs are)."""
    return f"{consultation.slug}/council/{municipality.code}"


def url_problem(url: str) -> Any | None:
    """Why ``url`` cannot be a decision's link (None: it can)."""
    if not url:
        return _l("Fill in the link to the decision in the council's information system.")
    if len(url) > MAX_URL_LENGTH:
        return _l("A link has at most %(max)d characters.", max=MAX_URL_LENGTH)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in url:
        return _l("Fill in a full web address that starts with https:// or http://.")
    return None


def decision_for(
    session: Session, consultation: Consultation, municipality: Municipality
) -> CouncilDecision | None:
    return session.scalar(
        select(CouncilDecision).where(
            CouncilDecision.consultation_id == consultation.id,
            CouncilDecision.municipality_id == municipality.id,
        )
    )


def record_decision(
    session: Session,
    actor: Actor | None,
    consultation: Consultation,
    municipality: Municipality,
    decided_on: date,
    outcome: CouncilOutcome,
    url: str,
    now: datetime | None = None,
) -> CouncilDecision:
    """Record (or correct) what ``municipality``'s council decided; one event per entry."""
    now = now or utcnow()
    url = (url or "").strip()
    if not consultation.has_closed:
        raise ConsultationError(
            _l("A council decides after the consultation has closed. Record its decision then.")
        )
    if municipality.id not in {m.id for m in council_members(session, consultation)}:
        raise ConsultationError(
            _l("Choose a municipality of this youth region."), field="municipality"
        )
    if decided_on > today_in_amsterdam(now):
        raise ConsultationError(
            _l("The date cannot be in the future. Record a decision after the council took it."),
            field="decided_on",
        )
    if decided_on < members_day(consultation):
        raise ConsultationError(
            _l(
                "A council decides after the consultation closed: choose %(day)s or later.",
                day=members_day(consultation).isoformat(),
            ),
            field="decided_on",
        )
    problem = url_problem(url)
    if problem is not None:
        raise ConsultationError(problem, field="url")
    decision = decision_for(session, consultation, municipality)
    if decision is None:
        decision = CouncilDecision(
            consultation_id=consultation.id, municipality_id=municipality.id, corrections=0
        )
        session.add(decision)
    else:
        if (decision.decided_on, decision.outcome, decision.url) == (decided_on, outcome, url):
            raise ConsultationError(
                _l("Nothing changed. Change the date, the outcome or the link to correct it.")
            )
        decision.corrections += 1
    decision.decided_on = decided_on
    decision.outcome = outcome
    decision.url = url
    decision.recorded_at = now
    decision.recorded_by_id = getattr(actor, "id", None)
    session.flush()
    record.append(
        session,
        kind=EventKind.COUNCIL_DECISION_RECORDED,
        consultation=consultation,
        object_type="council_decision",
        object_id=decision_object_id(consultation, municipality),
        actor_role=role_in_region(actor, consultation.region_id, prefer=ActorRole.OFFICIAL),
        payload=decision_payload(decision, municipality),
        occurred_at=now,
    )
    return decision


def decision_payload(decision: CouncilDecision, municipality: Municipality) -> dict[str, Any]:
    """What the record binds of a decision (the cross-check compares the live row with it)."""
    return {
        "municipality": municipality.code,
        "decided_on": decision.decided_on.isoformat(),
        "outcome": decision.outcome.value,
        "url": decision.url,
        "corrections": decision.corrections,
    }


# -- for the pages ----------------------------------------------------------------------------


@dataclass
class CouncilProgress:
    """How far the councils are: "adopted by 7 of 12 municipal councils"."""

    members: int = 0
    adopted: int = 0
    decided: int = 0
    by_outcome: dict[CouncilOutcome, int] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return self.decided > 0


@dataclass
class MemberDecision:
    municipality: Municipality
    decision: CouncilDecision | None


def decisions_of(session: Session, consultation: Consultation) -> list[MemberDecision]:
    """Every member municipality with its council's decision (None: not yet): two queries."""
    decisions = {
        d.municipality_id: d
        for d in session.scalars(
            select(CouncilDecision)
            .where(CouncilDecision.consultation_id == consultation.id)
            .options(joinedload(CouncilDecision.municipality))
        )
    }
    members = council_members(session, consultation)
    rows = [MemberDecision(m, decisions.pop(m.id, None)) for m in members]
    # A municipality that left the region later keeps its decision in the list.
    rows += [MemberDecision(d.municipality, d) for d in decisions.values()]
    return rows


def council_progress(session: Session, consultations: list[Any]) -> dict[int, CouncilProgress]:
    """Progress per consultation id, in two queries however many consultations there are.

    ``consultations`` need ``id``, ``region_id`` and ``closes_at`` (rows or models)."""
    progress = {c.id: CouncilProgress() for c in consultations}
    if not consultations:
        return progress
    region_ids = {c.region_id for c in consultations}
    memberships = session.execute(
        select(
            RegionMembership.region_id, RegionMembership.valid_from, RegionMembership.valid_to
        ).where(RegionMembership.region_id.in_(region_ids))
    ).all()
    by_region: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for region_id, valid_from, valid_to in memberships:
        by_region[region_id].append((valid_from, valid_to))
    for c in consultations:
        day = to_amsterdam(c.closes_at).date()
        progress[c.id].members = sum(
            1
            for valid_from, valid_to in by_region.get(c.region_id, ())
            if valid_from <= day and (valid_to is None or day < valid_to)
        )
    counts = session.execute(
        select(CouncilDecision.consultation_id, CouncilDecision.outcome, func.count())
        .where(CouncilDecision.consultation_id.in_(list(progress)))
        .group_by(CouncilDecision.consultation_id, CouncilDecision.outcome)
    ).all()
    for consultation_id, outcome, number in counts:
        item = progress[consultation_id]
        item.by_outcome[outcome] = number
        item.decided += number
        if outcome in ADOPTING_OUTCOMES:
            item.adopted += number
    return progress


def decisions_by_consultation(
    session: Session, consultation_ids: list[int]
) -> dict[int, list[CouncilDecision]]:
    """The decisions of these consultations with their municipality, in one query."""
    found: dict[int, list[CouncilDecision]] = {cid: [] for cid in consultation_ids}
    if not consultation_ids:
        return found
    for decision in session.scalars(
        select(CouncilDecision)
        .join(Municipality, Municipality.id == CouncilDecision.municipality_id)
        .where(CouncilDecision.consultation_id.in_(consultation_ids))
        .options(joinedload(CouncilDecision.municipality))
        .order_by(CouncilDecision.consultation_id, Municipality.name)
    ):
        found[decision.consultation_id].append(decision)
    return found
