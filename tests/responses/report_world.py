"""A small answered consultation for the reactienota tests, built through the services.

It holds every kind of comment the report must treat differently: published texts, a text
without consent, a hidden one, a withdrawn one, a name with consent (16 or older), a name
with consent from someone under 16 (never shown), near-identical comments in one group, an
answer that was corrected, and a next version with a section linked to an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from consult.comments import services as comment_services
from consult.comments.models import Comment, HideReason, Submission
from consult.consultations import activities, lifecycle
from consult.consultations.models import ActivityKind, Consultation, ConsultationState
from consult.db import utcnow
from consult.moderation import services as moderation
from consult.responses.answers import services
from consult.responses.models import Answer, Disposition
from consult.responses.tracing import services as tracing
from consult.stakeholders.models import AgeBand
from tests import factories

PUBLIC_TEXT = "Meer hulp op school, zonder wachtlijst."
NAMED_TEXT = "Ik wil een vaste contactpersoon voor ons gezin."
SECRET_TEXT = "GEHEIME-TEKST: mijn dochter heeft een diagnose."
HIDDEN_TEXT = "VERBORGEN-TEKST: de wethouder is een idioot."
WITHDRAWN_TEXT = "INGETROKKEN-TEKST: laat maar."
YOUNG_TEXT = "Ik wil zelf kiezen wie er meepraat."
CAMPAIGN_TEXT = "Wij vragen de regio om pleegzorg tot 21 jaar te regelen voor elk kind."
INJECTION_TEXT = (
    'Kijk hier <img src="file:///etc/passwd"> en <link rel="stylesheet" '
    'href="http://evil.example/x.css"> <iframe src="http://evil.example/"></iframe>'
    '<script>alert(1)</script> <object data="file:///etc/shadow"></object>'
)
ADULT_NAME = "Bram Openbaar"
YOUNG_NAME = "Kim Jonger-Dan-Zestien"
SECRET_NAME = "Piet Zonder-Toestemming"
EMAILS = ("ouder@example.org", "jongere@example.org", "geheim@example.org", "bram@example.org")


@dataclass
class World:
    consultation: Consultation
    official: Any
    second_official: Any
    responder: Any
    comments: dict[str, Comment] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    submissions: dict[str, Submission] = field(default_factory=dict)


def _answer(
    session: Session,
    world: World,
    comments: list[Comment],
    disposition: Disposition,
    reason: str,
) -> Answer:
    """Approved by the world's official; published together later."""
    return factories.answer(
        session,
        world.consultation,
        comments,
        disposition,
        reason,
        responder=world.responder,
        official=world.official,
        state="approved",
    )


def build(session: Session, *, answer_all: bool = True, slug: str | None = None) -> World:
    # The extension and the answered state sign checkpoints: the app's key.
    with factories.app_context(session):
        return _build(session, answer_all=answer_all, slug=slug)


def _build(session: Session, *, answer_all: bool, slug: str | None) -> World:
    version = factories.document_version(session, locked=True)
    consultation = factories.consultation(
        session, version, state="open", opens_in_days=-40, closes_in_days=5, slug=slug
    )
    world = World(
        consultation=consultation,
        official=factories.region_user(session, "official"),
        second_official=factories.region_user(session, "official"),
        responder=factories.region_user(session, "responder"),
    )
    sub = factories.submission(
        session, consultation, [("s-1", PUBLIC_TEXT), (None, INJECTION_TEXT)], email=EMAILS[0]
    )
    world.submissions["parent"] = sub
    world.comments["public"], world.comments["injection"] = sub.comments

    sub = factories.submission(
        session,
        consultation,
        [("s-1", NAMED_TEXT)],
        group="care_provider",
        email=EMAILS[3],
        display_name=ADULT_NAME,
        publish_name=True,
    )
    world.submissions["named"] = sub
    world.comments["named"] = sub.comments[0]

    sub = factories.submission(
        session,
        consultation,
        [("s-2", YOUNG_TEXT)],
        group="young_person",
        email=EMAILS[1],
        age_band=AgeBand.FROM_12_TO_15,
        display_name=YOUNG_NAME,
        publish_name=True,
    )
    world.submissions["young"] = sub
    world.comments["young"] = sub.comments[0]

    sub = factories.submission(
        session,
        consultation,
        [("s-2", SECRET_TEXT)],
        publish_text=False,
        email=EMAILS[2],
        display_name=SECRET_NAME,
    )
    world.comments["secret"] = sub.comments[0]

    sub = factories.submission(
        session,
        consultation,
        [("s-3", HIDDEN_TEXT), ("s-3", WITHDRAWN_TEXT)],
        group="professional",
        email="prof@example.org",
    )
    world.comments["hidden"], world.comments["withdrawn"] = sub.comments
    moderation.hide_comment(
        session, world.official, world.comments["hidden"], HideReason.OFFENSIVE, "Scheldwoord."
    )
    comment_services.withdraw(session, world.comments["withdrawn"], utcnow())

    campaign = [
        factories.submission(
            session, consultation, [("s-3", CAMPAIGN_TEXT + suffix)], group="foster_parent"
        ).comments[0]
        for suffix in ("", " Groet.", "!")
    ]
    world.comments.update({f"campaign{i}": c for i, c in enumerate(campaign)})
    factories.comment_group(session, consultation, campaign, similarity=0.9)

    # An extension while open, and a school session that fed into the consultation.
    lifecycle.extend(
        session,
        world.official,
        consultation,
        consultation.closes_at + timedelta(days=7),
        "Herfstvakantie: scholen vroegen om meer tijd.",
    )
    young = factories.stakeholder_group(session, "young_person").id
    professional = factories.stakeholder_group(session, "professional").id
    activities.register_activity(
        session,
        world.official,
        consultation,
        activities.ActivityDetails(
            kind=ActivityKind.SCHOOL_SESSION,
            held_on=utcnow().date() - timedelta(days=3),
            place="Vmbo De Brug, klas 3",
            summary="Een les over de regiovisie; de leerlingen willen hulp op school.",
            participants={(young, AgeBand.FROM_12_TO_15): 24, (professional, None): 2},
        ),
    )
    lifecycle.record_state(session, consultation, ConsultationState.CLOSED, actor=None, at=utcnow())
    session.flush()
    if not answer_all:
        return world

    world.answers["school"] = _answer(
        session,
        world,
        [world.comments["public"], world.comments["named"]],
        Disposition.ADOPTED,
        "We nemen dit over in paragraaf 1.",
    )
    world.answers["young"] = _answer(
        session, world, [world.comments["young"]], Disposition.PARTLY_ADOPTED, "Deels."
    )
    world.answers["secret"] = _answer(
        session,
        world,
        [world.comments["secret"], world.comments["hidden"]],
        Disposition.NOT_ADOPTED,
        "Dit past niet in de regiovisie.",
    )
    world.answers["campaign"] = _answer(
        session, world, campaign, Disposition.ALREADY_COVERED, "Staat al in 3."
    )
    world.answers["general"] = _answer(
        session, world, [world.comments["injection"]], Disposition.NOTED, ""
    )
    services.publish(session, world.official, consultation)

    # A correction of the young person's answer, published the same way.
    correction = factories.correction(
        session,
        consultation,
        world.answers["young"],
        Disposition.ADOPTED,
        "Toch helemaal overgenomen.",
        "We lazen de reactie eerst verkeerd.",
        responder=world.responder,
        official=world.official,
        state="approved",
    )
    services.publish(session, world.official, consultation)
    world.answers["young_corrected"] = correction

    # The next version: section 1 changed because of the school answer.
    document = version.document
    later = factories.document_version(
        session,
        document=document,
        number=2,
        sections=[
            ("Inleiding", "<p>Waarom deze visie er is. Met hulp op school.</p>"),
            ("Wat we willen bereiken", "<p>Jeugdhulp dichtbij huis.</p>"),
            ("Hoe we samenwerken", "<p>Gemeenten kopen samen in.</p>"),
        ],
    )
    tracing.link(session, world.official, world.answers["school"], [later.sections[0]])
    session.flush()
    return world
