"""The national demo: a consultation in ten more regions, one in every state of a year.

So that ``/landelijk``, the map, the feeds and the API show what an advocacy user would see:
a draft, a scheduled one, one open, one closing within a week, one closed and being
answered, one whose answers are late, one answered and one with its reactienota published
(both with council decisions) and the rest in between. Dates are relative to today.
Every act goes through the real services with its historic moment (submit, draft,
approve, publish, the reactienota, council decisions), or writes the event the service
would have written (scheduled, opened, closed), so ``consult record verify`` passes. A
second run finds the slugs and adds nothing (one query).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.accounts import services as accounts
from consult.accounts.models import User
from consult.comments import services as comments
from consult.consultations import council, lifecycle
from consult.consultations.models import (
    Consultation,
    ConsultationState,
    CouncilOutcome,
    StateChange,
)
from consult.db import utcnow
from consult.documents.importing import SectionDraft
from consult.documents.models import Document, VersionSource
from consult.documents.services import create_version
from consult.ledger.models import ActorRole, EventKind
from consult.permissions import RegionRoleKind
from consult.regions.services import get_region
from consult.reports import services as reactienota
from consult.responses.answers import services as answering
from consult.responses.models import Disposition
from consult.seeds import timeline as history
from consult.stakeholders.models import StakeholderGroup

NATIONAL_OFFICIAL = ("ambtenaar.landelijk@example.org", "Ruben Hoekstra")
ADMIN_EMAIL = "beheer@example.org"
PARTICIPANT_EMAIL = "ouder@example.org"


@dataclass(frozen=True)
class Plan:
    code: str
    state: str  # draft, scheduled, open, closing, answering, late, answered, reported
    opens_in: int  # days from today
    closes_in: int
    comments: int = 0
    answered: int = 0
    councils: int = 0  # council decisions to record (adopted, one rejected if > 2)
    due_in: int | None = None  # answers due (days from today), None: the usual promise


PLANS = (
    Plan("JZ01", "answered", -150, -108, comments=6, answered=6, councils=7),
    Plan("JZ02", "late", -120, -78, comments=8, answered=3, due_in=-12),
    Plan("JZ04", "answering", -50, -8, comments=7, answered=2),
    Plan("JZ08", "open", -10, 32, comments=4),
    Plan("JZ10", "closing", -36, 5, comments=5),
    Plan("JZ13", "scheduled", 9, 51),
    Plan("JZ17", "draft", 30, 72),
    Plan("JZ24", "reported", -200, -158, comments=5, answered=5, councils=4),
    Plan("JZ30", "late", -140, -98, comments=6, answered=1, due_in=-30),
    Plan("JZ35", "open", -20, 22, comments=3),
    Plan("JZ39", "answering", -60, -15, comments=4, answered=3),
)

SECTIONS = (
    (
        "1",
        "Waar we naartoe willen",
        "<p>Elk kind groeit veilig op, zo dicht mogelijk bij huis.</p>",
    ),
    ("2", "Hulp dichtbij", "<p>Wijkteams bieden snel hulp, zonder wachtlijst.</p>"),
    ("3", "Samen inkopen", "<p>De gemeenten kopen specialistische jeugdhulp samen in.</p>"),
)
TEXTS = (
    "Zorg dat de wachttijd korter wordt dan zes weken.",
    "Betrek jongeren bij het kiezen van de zorgaanbieders.",
    "Ouders willen één vast contactpersoon.",
    "Maak de regiovisie ook beschikbaar in eenvoudige taal.",
    "Denk aan vervoer naar de hulp op het platteland.",
    "Meer aandacht voor jongeren vanaf 18 jaar.",
    "Werk samen met de scholen in de regio.",
    "Zorg voor genoeg pleeggezinnen.",
)
DISPOSITIONS = (
    Disposition.ADOPTED,
    Disposition.PARTLY_ADOPTED,
    Disposition.NOTED,
    Disposition.ALREADY_COVERED,
    Disposition.NOT_ADOPTED,
)


def slug_for(plan: Plan) -> str:
    return f"regiovisie-jeugd-{plan.code.lower()}-demo"


def _user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def seed_national(session: Session, password: str, *, now: datetime | None = None) -> int:
    """Seed the plans that are not there yet; returns how many consultations it made."""
    now = now or utcnow()
    existing = set(
        session.scalars(
            select(Consultation.slug).where(Consultation.slug.in_([slug_for(p) for p in PLANS]))
        )
    )
    todo = [plan for plan in PLANS if slug_for(plan) not in existing]
    if not todo:
        return 0
    official, _ = accounts.ensure_user(
        session, NATIONAL_OFFICIAL[0], password, display_name=NATIONAL_OFFICIAL[1]
    )
    admin = _user(session, ADMIN_EMAIL)
    parent = _user(session, PARTICIPANT_EMAIL)
    groups = list(session.scalars(select(StakeholderGroup).order_by(StakeholderGroup.position)))
    for plan in todo:
        region = get_region(session, plan.code)
        assert region is not None, plan.code
        accounts.grant_region_role(session, official, region, RegionRoleKind.OFFICIAL, None)
        _seed_one(session, plan, region, official, admin, parent, groups, now)
    history.signed(session, now)
    session.flush()
    return len(todo)


def _seed_one(session, plan, region, official, admin, parent, groups, now) -> None:
    day = timedelta(days=1)
    opens_at = (now + plan.opens_in * day).replace(hour=8, minute=0, second=0, microsecond=0)
    closes_at = (now + plan.closes_in * day).replace(hour=16, minute=0, second=0, microsecond=0)
    document = Document(
        region_id=region.id,
        title=f"Regiovisie jeugdhulp {region.name} 2027-2030",
        created_by_id=official.id,
        created_at=opens_at - 30 * day,
    )
    session.add(document)
    session.flush()
    version = create_version(
        session,
        official,
        document,
        [SectionDraft(heading=h, body_html=b, number=n, level=2) for n, h, b in SECTIONS],
        VersionSource.EDITOR,
        change_note="Concept voor de inspraak.",
    )
    version.created_at = opens_at - 30 * day
    consultation = Consultation(
        slug=slug_for(plan),
        region_id=region.id,
        version=version,
        title=f"Inspraak regiovisie jeugdhulp {region.name}",
        introduction="Wat vind jij van de plannen voor de jeugdhulp in onze regio? Vertel het ons.",
        contact_name="Team Jeugd",
        contact_email=f"jeugd.{plan.code.lower()}@example.org",
        opens_at=opens_at,
        closes_at=closes_at,
        state=ConsultationState.DRAFT,
        created_by_id=official.id,
        created_at=opens_at - 20 * day,
    )
    session.add(consultation)
    session.flush()
    session.add(
        StateChange(
            consultation=consultation,
            from_state=None,
            to_state=ConsultationState.DRAFT,
            changed_at=consultation.created_at,
            actor_id=official.id,
        )
    )
    if plan.state == "draft":
        session.flush()
        return
    scheduled_at = min(opens_at - 7 * day, now - day)
    consultation.answers_due_on = (
        lifecycle.today_in_amsterdam(now) + plan.due_in * day
        if plan.due_in is not None
        else lifecycle.default_answers_due(consultation)
    )
    _change(session, consultation, ConsultationState.SCHEDULED, scheduled_at, official.id)
    role = lifecycle.actor_role(official, consultation)
    lifecycle.record_event(
        session, EventKind.CONSULTATION_SCHEDULED, consultation, role, at=scheduled_at,
        payload=lifecycle.period_payload(consultation),
    )  # fmt: skip
    lifecycle.record_event(
        session, EventKind.ANSWERS_DUE_SET, consultation, role, at=scheduled_at,
        payload={"answers_due_on": consultation.answers_due_on.isoformat()},
    )  # fmt: skip
    if plan.state == "scheduled":
        session.flush()
        return
    _change(session, consultation, ConsultationState.OPEN, opens_at, None)
    lifecycle.record_opening(session, consultation, ActorRole.CLOCK, opens_at, now)
    sections = list(version.sections)
    last = min(closes_at, now) - timedelta(hours=2)
    sent = []
    for index in range(plan.comments):
        at = opens_at + (last - opens_at) * (index + 1) / (plan.comments + 1)
        group = groups[index % len(groups)]
        draft = comments.Draft(
            idempotency_key=secrets.token_hex(16),
            stakeholder_group=group,
            age_band=None,
            publish_text=True,
            user=parent,
            comments=[(sections[index % len(sections)], TEXTS[index % len(TEXTS)])],
        )
        submission, _ = comments.submit(session, consultation, draft, at)
        sent.extend(submission.comments)
    if plan.state in ("open", "closing"):
        session.flush()
        return
    _change(session, consultation, ConsultationState.CLOSED, closes_at, None)
    lifecycle.record_event(
        session, EventKind.CONSULTATION_CLOSED, consultation, ActorRole.CLOCK, at=closes_at,
        payload=lifecycle.period_payload(consultation),
    )  # fmt: skip
    session.flush()
    for index, comment in enumerate(sent[: plan.answered]):
        drafted = closes_at + (index + 1) * day
        answer = answering.draft_answer(
            session, admin, consultation, [comment], DISPOSITIONS[index % len(DISPOSITIONS)],
            "Dank voor je reactie. We nemen dit mee in de uitvoering van de regiovisie.",
            now=drafted,
        )  # fmt: skip
        answering.approve(session, official, answer, now=drafted + timedelta(hours=3))
        answering.publish(
            session, official, consultation, [answer], now=drafted + timedelta(hours=4)
        )
    if plan.state == "reported":
        published = closes_at + 30 * day
        report = reactienota.generate(session, official, consultation, now=published)
        reactienota.publish(session, official, report, now=published + timedelta(hours=1))
    members = council.council_members(session, consultation)
    decided = closes_at + 40 * day
    for index, municipality in enumerate(members[: plan.councils]):
        outcome = CouncilOutcome.REJECTED if index == 2 else CouncilOutcome.ADOPTED
        if index == 3:
            outcome = CouncilOutcome.ADOPTED_WITH_AMENDMENTS
        council.record_decision(
            session, official, consultation, municipality,
            lifecycle.today_in_amsterdam(decided + index * day),
            outcome, f"https://raad.example.nl/{municipality.code.lower()}/besluit-regiovisie",
            now=decided + index * day,
        )  # fmt: skip
    session.flush()


def _change(session, consultation, state, at, actor_id) -> None:
    session.add(
        StateChange(
            consultation=consultation,
            from_state=consultation.state,
            to_state=state,
            changed_at=at,
            actor_id=actor_id,
        )
    )
    consultation.state = state
    session.flush()
