"""The demo consultation: a realistic draft regiovisie of JZ22 Utrecht Stad, open for comment,
with a few hundred varied comments from every stakeholder group.

Everything is built with the models directly and deterministically (``random.Random(2026)``):
the same texts, groups, states and answers on every database. Only what must be secret
(tracking codes, idempotency keys, salts) and the moments (relative to now) differ per run.
Running it again finds the consultation by its slug and adds nothing.

Its history goes into the evidence record as it happened (:mod:`consult.seeds.timeline`):
scheduled, its version published and opened, the activities, every submission, its
confirmation, withdrawals, reports and moderation, each at its own moment.
"""

from __future__ import annotations

import random
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.codes import new_tracking_code
from consult.comments.models import (
    Comment,
    CommentReport,
    HideReason,
    ModerationAction,
    ModerationKind,
    QuestionAnswer,
    Submission,
    SubmissionContact,
    SubmissionState,
)
from consult.consultations import activities
from consult.consultations.models import (
    ActivityKind,
    Consultation,
    ConsultationState,
    InvitedGroup,
    Question,
    QuestionKind,
    StateChange,
)
from consult.db import utcnow
from consult.documents.importing import SectionDraft, import_markdown
from consult.documents.models import Document, DocumentVersion, Section, VersionSource
from consult.documents.services import create_version, version_hash
from consult.ledger.canonical import digest as content_hash
from consult.organisations.models import Organisation
from consult.regions.models import Municipality
from consult.regions.services import get_region
from consult.seeds import content_of, paragraph_for
from consult.seeds import timeline as history
from consult.seeds.timeline import Timeline
from consult.stakeholders.models import AgeBand, StakeholderGroup

REGION_CODE = "JZ22"
MUNICIPALITY_CODE = "GM0344"  # Utrecht: the only member of JZ22 Utrecht Stad
DEMO_SLUG = "regiovisie-jeugdhulp-utrecht-stad-2026-2030"
DEMO_TITLE = "Regiovisie Jeugdhulp Utrecht Stad 2026–2030"
DEMO_SUBMISSIONS = 300
SEED = 2026
# One in this many submissions has its comments on one paragraph, where one fits plainly.
PARAGRAPH_EVERY = 5

OFFICIAL_EMAIL = "ambtenaar.utrecht@example.org"
MODERATOR_EMAIL = "moderator.utrecht@example.org"
PARTICIPANT_EMAIL = "ouder@example.org"
ORGANISATION_MEMBER_EMAIL = "lid.jeugdstem@example.org"
ORGANISATION_SLUG = "stichting-jeugdstem-demo"

SUMMARY = (
    "De gemeente Utrecht beschrijft in deze regiovisie hoe kinderen, jongeren en gezinnen de "
    "komende jaren op tijd de jeugdhulp krijgen die past. Korter wachten, dezelfde "
    "hulpverlener houden, hulp dicht bij huis en meepraten over de hulp staan centraal. "
    "Dit is een fictief voorbeeld voor demonstraties: namen en cijfers zijn verzonnen."
)

INTRODUCTION = (
    "Hoe moet de jeugdhulp in Utrecht de komende jaren werken? Daarover gaat dit plan. "
    "We noemen het de regiovisie.\n\n"
    "Jij weet zelf het best wat goed gaat en wat beter kan. Misschien heb je zelf hulp "
    "gehad, of iemand in je gezin. Misschien werk je in de jeugdhulp of op een school.\n\n"
    "Lees het plan en reageer op de stukken die jij belangrijk vindt. Je hoeft niet alles "
    "te lezen. Je naam is niet nodig. We geven op elke reactie een antwoord."
)

QUESTIONS = [
    (
        QuestionKind.SCALE,
        "Hoe goed past dit plan bij wat jij nodig hebt?",
        "1 is helemaal niet, 5 is heel goed.",
        True,
        [],
    ),
    (
        QuestionKind.SINGLE_CHOICE,
        "Wat vind jij het belangrijkst?",
        "Kies wat voor jou het meest telt.",
        False,
        [
            "Korter wachten op hulp",
            "Dezelfde hulpverlener houden",
            "Hulp dicht bij huis of op school",
            "Meepraten over de hulp",
            "Goede hulp als je 18 wordt",
        ],
    ),
    (
        QuestionKind.OPEN_TEXT,
        "Wil je ons nog iets anders vertellen?",
        "",
        False,
        [],
    ),
]

# Version 2, a draft after the consultation: a few sections rewritten, one added.
VERSION_2_CHANGES = {
    "2.2": (
        "<p>Het meeste wordt lokaal opgelost, samen met het voorliggend veld: het onderwijs, "
        "de jeugdgezondheidszorg, de huisarts en het jongerenwerk. Op elke school is een vaste "
        "jeugdhulpverlener. Voor zware en zeldzame vormen van hulp werken wij regionaal en waar "
        "nodig bovenregionaal samen, zodat die hulp beschikbaar blijft.</p>"
    ),
    "3.1": (
        "<p>Binnen vier jaar wacht geen kind langer dan zes weken op de start van "
        "specialistische jeugdhulp; de start is het eerste behandelgesprek, niet de intake. "
        "Wie wacht, krijgt een vaste contactpersoon en hulp om de wachttijd te overbruggen.</p>"
        "<p>Wij publiceren elke maand de wachttijden per vorm van hulp en per aanbieder, ook "
        "het aantal kinderen dat langer wacht dan zes weken.</p>"
    ),
    "3.4": (
        "<p>Jongeren die 18 worden, vallen niet tussen wal en schip. Wij beginnen uiterlijk op "
        "hun 16e met een toekomstplan voor wonen, inkomen, school of werk en hulp, samen met de "
        "jongere zelf en met de volwassenenzorg. Pleegzorg loopt standaard door tot 21 jaar.</p>"
    ),
    "5.1": (
        "<p>Jongeren, ouders, ervaringsdeskundigen, zorgaanbieders en belangenbehartigers "
        "praten niet alleen mee over deze visie, maar ook over de uitvoering. Wij richten een "
        "regionale adviesraad jeugd op; minstens de helft van de leden is jongere of "
        "ervaringsdeskundige, en leden krijgen een vergoeding. Volgen wij een advies niet, dan "
        "leggen wij uit waarom.</p>"
    ),
    "6.1": (
        "<p>Wij brengen samen met de aanbieders in beeld welke vragen er in wijken en "
        "gemeenten spelen. Zo kunnen wij eerder hulp bieden en voorkomen dat problemen groter "
        "worden. Wij gebruiken gegevens nooit om gezinnen of wijken als risico aan te merken, "
        "en jongeren en ouders praten mee over elk nieuw gebruik van gegevens.</p>"
    ),
}
VERSION_2_NEW_SECTION = (
    "5.3",  # inserted after this section
    (
        "5.4",
        "Een onafhankelijk steunpunt",
        "<p>Naar het voorbeeld van de ouder- en jeugdsteunpunten in het passend onderwijs "
        "richten wij een onafhankelijk steunpunt in. Het helpt jongeren en ouders om hun weg "
        "te vinden, om mee te praten en om een klacht in te dienen.</p>",
    ),
)

GROUP_WEIGHTS = {
    "young_person": 26,
    "parent": 24,
    "foster_parent": 7,
    "experience_expert": 8,
    "care_provider": 7,
    "professional": 10,
    "advocacy_group": 6,
    "municipality": 4,
    "other": 8,
}
AGE_WEIGHTS = {
    AgeBand.UNDER_12: 10,
    AgeBand.FROM_12_TO_15: 35,
    AgeBand.FROM_16_TO_17: 30,
    AgeBand.FROM_18_TO_23: 25,
}
TYPED_ORGANISATIONS = {
    "advocacy_group": [
        "Cliëntenraad Jeugd Utrecht",
        "Ouderinitiatief Wachtlijst Utrecht",
        "Jongerenplatform Overvecht",
    ],
    "care_provider": [
        "Jeugdhulp Vooruit Utrecht",
        "Gezinshuis De Linde",
        "Stichting Samen Sterk Jeugd",
    ],
    "foster_parent": ["Pleegouderkring Utrecht-West"],
}
NAMES = [
    "Sanne de Wit",
    "Mohamed Bouzid",
    "Eva van Dijk",
    "Thijs Mulder",
    "Priya Ramdin",
    "Kees Verhoeven",
    "Lotte Smit",
    "Yusuf Demir",
    "Femke Bos",
    "Daan Hendriks",
]
# Endings some people add; they vary the texts without changing what they say.
CLOSERS_ADULT = [
    "Ik hoop dat jullie hier echt iets mee doen.",
    "Graag hoor ik wat jullie hiermee doen.",
    "Dank voor de mogelijkheid om te reageren.",
    "Ik wil hier best meer over vertellen als dat helpt.",
    "Dit speelt bij veel gezinnen die ik ken.",
]
CLOSERS_YOUNG = [
    "Dat is wat ik ervan vind.",
    "Ik hoop dat jullie ernaar luisteren.",
    "Mijn vrienden denken er ook zo over.",
]


@dataclass
class DemoConsultation:
    consultation: Consultation
    created: bool
    submissions: int = 0
    comments: int = 0


# -- the document ------------------------------------------------------------------------------


def _read_data(name: str) -> str:
    return resources.files("consult.seeds").joinpath("data", name).read_text(encoding="utf-8")


def document_markdown() -> str:
    """The example regiovisie without its title and disclaimer (they go in the document)."""
    text = _read_data("regiovisie-voorbeeld.md")
    return text[text.index("\n## ") + 1 :]


def _add_versions(
    session: Session, document: Document, official: User | None, opens_at: datetime
) -> DocumentVersion:
    """Version 1 (imported, locked when the consultation opened) and a changed draft 2."""
    imported = import_markdown(document_markdown())
    first = create_version(
        session,
        official,
        document,
        imported.sections,
        VersionSource.MARKDOWN,
        change_note="Concept voor de inspraakronde.",
    )
    first.created_at = opens_at - timedelta(days=21)
    first.content_hash = version_hash(first)
    first.locked_at = opens_at
    session.flush()

    drafts = []
    for section in first.sections:
        drafts.append(
            SectionDraft(
                heading=section.heading,
                body_html=VERSION_2_CHANGES.get(section.number, section.body_html),
                number=section.number,
                level=section.level,
                anchor=section.anchor,
            )
        )
        if section.number == VERSION_2_NEW_SECTION[0]:
            number, heading, body = VERSION_2_NEW_SECTION[1]
            drafts.append(
                SectionDraft(heading=heading, body_html=body, number=number, level=section.level)
            )
    create_version(
        session,
        official,
        document,
        drafts,
        VersionSource.EDITOR,
        change_note="Concept na de eerste reacties: wachttijden, 18-min/18-plus, adviesraad, "
        "gegevens en een nieuw onderdeel over een onafhankelijk steunpunt.",
    )
    return first


# -- the submissions ---------------------------------------------------------------------------


@dataclass
class TextEntry:
    groups: list[str]
    sections: list[str]
    text: str
    ages: list[str] = field(default_factory=list)
    reason: str | None = None
    note: str = ""


def load_texts() -> tuple[list[TextEntry], list[TextEntry], list[str]]:
    data = tomllib.loads(_read_data("demo_comments.toml"))
    comments = [TextEntry(**entry) for entry in data["comment"]]
    moderated = [TextEntry(**entry) for entry in data["moderated"]]
    return comments, moderated, list(data["answers"]["open"])


def _user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_key == email.lower()))


@dataclass
class Plan:
    """One submission to make, before any row exists."""

    group: str
    age_band: AgeBand | None
    texts: list[tuple[str | None, str]]  # (section number or None, text)
    received_at: datetime
    state: SubmissionState
    publish_text: bool
    publish_name: bool
    municipality: bool
    organisation_name: str | None = None
    verified_organisation: bool = False
    user_email: str | None = None
    display_name: str | None = None
    answers: list[tuple[int, Any]] = field(default_factory=list)
    withdrawn: set[int] = field(default_factory=set)  # comment positions
    moderated: TextEntry | None = None
    moderation_outcome: str = ""  # "hidden", "reported", "hidden-then-shown", "reported-ok"


def _candidates(texts: list[TextEntry], group: str, age: AgeBand | None) -> list[TextEntry]:
    fitting = [t for t in texts if group in t.groups]
    if age is not None:
        by_age = [t for t in fitting if not t.ages or age.value in t.ages]
        fitting = by_age or fitting
    return fitting


def _vary(rng: random.Random, text: str, young: bool) -> str:
    if rng.random() < 0.3:
        closer = rng.choice(CLOSERS_YOUNG if young else CLOSERS_ADULT)
        return f"{text} {closer}" if "\n" not in text else f"{text}\n\n{closer}"
    return text


def plan_submissions(
    rng: random.Random, now: datetime, opens_at: datetime, count: int
) -> list[Plan]:
    texts, moderated, open_answers = load_texts()
    groups = list(GROUP_WEIGHTS)
    plans: list[Plan] = []
    window = (now - opens_at).total_seconds() - 7200

    def answers() -> list[tuple[int, Any]]:
        if rng.random() > 0.65:
            return []
        given: list[tuple[int, Any]] = [(1, rng.choices([1, 2, 3, 4, 5], [1, 3, 6, 5, 2])[0])]
        if rng.random() < 0.85:
            given.append((2, rng.choices(range(5), [9, 6, 5, 4, 3])[0]))
        if rng.random() < 0.4:
            given.append((3, rng.choice(open_answers)))
        return given

    for index in range(count):
        # Every group appears: the first nine submissions go round the groups once.
        group = (
            groups[index]
            if index < len(groups)
            else rng.choices(groups, [GROUP_WEIGHTS[g] for g in groups])[0]
        )
        age = None
        if group == "young_person":
            bands = list(AGE_WEIGHTS)
            age = (
                bands[index % 4]
                if index < 40
                else rng.choices(bands, [AGE_WEIGHTS[b] for b in bands])[0]
            )
        pool = _candidates(texts, group, age)
        how_many = 1 if rng.random() < 0.7 else rng.choice([2, 2, 3])
        chosen = rng.sample(pool, min(how_many, len(pool)))
        young = group == "young_person"
        comment_texts = [
            (rng.choice(entry.sections) if entry.sections else None, _vary(rng, entry.text, young))
            for entry in chosen
        ]
        roll = rng.random()
        if roll < 0.07:
            state = SubmissionState.PENDING
            received = now - timedelta(hours=rng.uniform(1, 48))
        elif roll < 0.08:
            state = SubmissionState.DISCARDED
            received = opens_at + timedelta(hours=rng.uniform(1, 72))
        else:
            state = SubmissionState.CONFIRMED
            received = opens_at + timedelta(seconds=3600 + rng.uniform(0, window))
        under_16 = age is not None and age.under_16
        publish_text = rng.random() > 0.15
        publish_name = not under_16 and publish_text and rng.random() < 0.2
        plan = Plan(
            group=group,
            age_band=age,
            texts=comment_texts,
            received_at=received,
            state=state,
            publish_text=publish_text,
            publish_name=publish_name,
            municipality=rng.random() < 0.75,
            display_name=rng.choice(NAMES) if publish_name else None,
            answers=answers(),
        )
        if group in TYPED_ORGANISATIONS and rng.random() < 0.4:
            plan.organisation_name = rng.choice(TYPED_ORGANISATIONS[group])
        if group == "parent" and rng.random() < 0.05:
            plan.user_email = PARTICIPANT_EMAIL
        if state is SubmissionState.CONFIRMED:
            for position in range(1, len(comment_texts) + 1):
                if rng.random() < 0.05:
                    plan.withdrawn.add(position)
        plans.append(plan)

    # A few on behalf of the verified demo organisation, by its member.
    advocacy = [t for t in texts if "advocacy_group" in t.groups]
    for entry in rng.sample(advocacy, 4):
        plans.append(
            Plan(
                group="advocacy_group",
                age_band=None,
                texts=[(rng.choice(entry.sections) if entry.sections else None, entry.text)],
                received_at=opens_at + timedelta(seconds=3600 + rng.uniform(0, window)),
                state=SubmissionState.CONFIRMED,
                publish_text=True,
                publish_name=False,
                municipality=False,
                verified_organisation=True,
                user_email=ORGANISATION_MEMBER_EMAIL,
                answers=answers(),
            )
        )

    # Texts a moderator hid (and two that are only reported so far).
    outcomes = ["hidden", "hidden", "hidden", "hidden", "hidden", "reported", "reported"]
    for entry, outcome in zip(moderated, outcomes, strict=True):
        age = AgeBand(entry.ages[0]) if entry.ages else None
        plans.append(
            Plan(
                group=entry.groups[0],
                age_band=age,
                texts=[(entry.sections[0] if entry.sections else None, entry.text)],
                received_at=opens_at + timedelta(seconds=3600 + rng.uniform(0, window)),
                state=SubmissionState.CONFIRMED,
                publish_text=True,
                publish_name=False,
                municipality=rng.random() < 0.5,
                moderated=entry,
                moderation_outcome=outcome,
            )
        )

    # Ordinary public comments someone reported: one hidden by mistake and shown again,
    # two reported by people who disagree (the moderator leaves them visible).
    public = [
        p
        for p in plans
        if p.state is SubmissionState.CONFIRMED
        and p.publish_text
        and not p.withdrawn
        and p.moderated is None
    ]
    for plan, outcome in zip(
        rng.sample(public, 3), ["hidden-then-shown", "reported-ok", "reported-ok"], strict=True
    ):
        plan.moderation_outcome = outcome

    plans.sort(key=lambda p: p.received_at)
    return plans


def _groups_by_code(session: Session) -> dict[str, StakeholderGroup]:
    return {g.code: g for g in session.scalars(select(StakeholderGroup))}


def _make_submissions(
    session: Session,
    rng: random.Random,
    consultation: Consultation,
    version: DocumentVersion,
    sections: dict[str, Section],
    questions: dict[int, Question],
    plans: list[Plan],
    now: datetime,
    timeline: Timeline,
) -> tuple[int, int]:
    groups = _groups_by_code(session)
    utrecht = session.scalar(select(Municipality).where(Municipality.code == MUNICIPALITY_CODE))
    organisation = session.scalar(
        select(Organisation).where(Organisation.slug == ORGANISATION_SLUG)
    )
    moderator = _user(session, MODERATOR_EMAIL)
    users = {
        email: _user(session, email) for email in (PARTICIPANT_EMAIL, ORGANISATION_MEMBER_EMAIL)
    }
    comment_count = 0
    for number, plan in enumerate(plans, start=1):
        user = users.get(plan.user_email) if plan.user_email else None
        org = organisation if plan.verified_organisation and user is not None else None
        # Some comments are about one paragraph of their section (the most plainly related).
        chosen = [
            paragraph_for(sections[n] if n is not None else None, text, PARAGRAPH_EVERY, number)
            for n, text in plan.texts
        ]
        anchors = [
            (sections[n].anchor if n is not None else None, text, paragraph)
            for (n, text), paragraph in zip(plan.texts, chosen, strict=True)
        ]
        municipality = utrecht if plan.municipality and utrecht is not None else None
        nonce = secrets.token_hex(16)
        content = content_of(
            consultation_slug=consultation.slug,
            document_id=version.document_id,
            version_number=version.number,
            version_hash=version.content_hash,
            received_at=plan.received_at,
            stakeholder_group=plan.group,
            age_band=plan.age_band.value if plan.age_band else None,
            municipality=municipality.code if municipality else None,
            organisation_id=org.id if org else None,
            organisation_name=None if org else plan.organisation_name,
            organisation_verified=org is not None,
            publish_text=plan.publish_text,
            publish_name=plan.publish_name,
            comments=anchors,
            answers=plan.answers,
            nonce=nonce,
        )
        confirmed_at = (
            plan.received_at + timedelta(minutes=rng.uniform(1, 90))
            if plan.state is SubmissionState.CONFIRMED
            else None
        )
        if confirmed_at is not None and user is not None:
            confirmed_at = plan.received_at  # sent from a confirmed account: at once
        submission = Submission(
            consultation=consultation,
            tracking_code=new_tracking_code(),
            idempotency_key=secrets.token_hex(16),
            user_id=user.id if user else None,
            stakeholder_group=groups[plan.group],
            age_band=plan.age_band,
            municipality=municipality,
            organisation=org,
            organisation_name=None if org else plan.organisation_name,
            organisation_verified=org is not None,
            publish_text=plan.publish_text,
            publish_name=plan.publish_name,
            state=plan.state,
            received_at=plan.received_at,
            confirmed_at=confirmed_at,
            discarded_at=(
                plan.received_at + timedelta(hours=72)
                if plan.state is SubmissionState.DISCARDED
                else None
            ),
            content_hash=content_hash(content),
            content_nonce=nonce,
        )
        session.add(submission)
        if user is None or plan.display_name:
            session.add(
                SubmissionContact(
                    submission=submission,
                    email=None if user else f"deelnemer-{number:03d}@example.org",
                    display_name=plan.display_name,
                    salt=secrets.token_hex(16),
                )
            )
        for position, (section_number, text) in enumerate(plan.texts, start=1):
            withdrawn_at = None
            if position in plan.withdrawn:
                withdrawn_at = plan.received_at + (now - plan.received_at) * rng.uniform(0.2, 0.9)
            comment = Comment(
                submission=submission,
                consultation_id=consultation.id,
                section=sections[section_number] if section_number else None,
                paragraph=chosen[position - 1],
                position=position,
                body=text,
                created_at=plan.received_at,
                withdrawn_at=withdrawn_at,
                is_public=(
                    plan.state is SubmissionState.CONFIRMED
                    and plan.publish_text
                    and withdrawn_at is None
                ),
            )
            session.add(comment)
            comment_count += 1
            if position == 1 and plan.moderation_outcome:
                _moderate(session, rng, comment, plan, moderator, now)
        for question_position, value in plan.answers:
            session.add(
                QuestionAnswer(
                    submission=submission, question_id=questions[question_position].id, value=value
                )
            )
        history.submission(timeline, session, submission)
        if plan.moderation_outcome:
            _record_moderation(timeline, session, consultation, submission.comments[0], moderator)
    session.flush()
    return len(plans), comment_count


def _record_moderation(
    timeline: Timeline,
    session: Session,
    consultation: Consultation,
    comment: Comment,
    moderator: User | None,
) -> None:
    """The reports and moderation of ``comment`` (made by :func:`_moderate`), as events."""
    session.flush()
    for report in session.scalars(
        select(CommentReport).where(CommentReport.comment_id == comment.id)
    ):
        history.reported(timeline, session, consultation, comment, report)
    for action in session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id == comment.id)
    ):
        history.moderated(timeline, session, consultation, comment, action, moderator)


def _moderate(
    session: Session,
    rng: random.Random,
    comment: Comment,
    plan: Plan,
    moderator: User | None,
    now: datetime,
) -> None:
    """Reports and moderation history for the demo, as a moderator would have left them."""
    actor_id = moderator.id if moderator else None
    reported_at = plan.received_at + (now - plan.received_at) * rng.uniform(0.1, 0.4)
    entry = plan.moderated
    reason = HideReason(entry.reason) if entry and entry.reason else HideReason.OFFENSIVE
    session.flush()  # the comment's id, for its reports
    reports = [
        CommentReport(
            comment_id=comment.id,
            reason=reason,
            note="" if n else "Dit hoort hier niet.",
            reported_at=reported_at + timedelta(minutes=17 * n),
        )
        for n in range(1 + int(rng.random() * 3))
    ]
    session.add_all(reports)
    if plan.moderation_outcome in ("hidden", "hidden-then-shown"):
        hidden_at = reported_at + (now - reported_at) * rng.uniform(0.05, 0.3)
        note = entry.note if entry else "Gemeld als beledigend; dat lijkt het te zijn."
        comment.hidden_at = hidden_at
        comment.hidden_reason = reason
        comment.hidden_note = note
        comment.is_public = False
        session.add(
            ModerationAction(
                comment=comment,
                kind=ModerationKind.HIDE,
                reason=reason,
                note=note,
                actor_id=actor_id,
                acted_at=hidden_at,
            )
        )
        for report in reports:
            report.handled_at = hidden_at
        if plan.moderation_outcome == "hidden-then-shown":
            shown_at = hidden_at + (now - hidden_at) * 0.5
            comment.hidden_at = None
            comment.hidden_reason = None
            comment.hidden_note = None
            comment.is_public = True
            session.add(
                ModerationAction(
                    comment=comment,
                    kind=ModerationKind.UNHIDE,
                    reason=None,
                    note="Bij nader inzien is dit een kritische maar nette reactie.",
                    actor_id=actor_id,
                    acted_at=shown_at,
                )
            )


# -- the consultation --------------------------------------------------------------------------


def seed_demo_consultation(
    session: Session, *, submissions: int = DEMO_SUBMISSIONS, now: datetime | None = None
) -> DemoConsultation:
    """Create the demo consultation of JZ22 once; a second run finds it and adds nothing."""
    existing = session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG))
    if existing is not None:
        return DemoConsultation(existing, created=False)

    rng = random.Random(SEED)  # noqa: S311 - demo data, deterministic on purpose
    now = now or utcnow()
    region = get_region(session, REGION_CODE)
    if region is None:
        raise LookupError(f"region {REGION_CODE} is not seeded; run `consult seed regions`")
    official = _user(session, OFFICIAL_EMAIL)
    opens_at = (now - timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    closes_at = (now + timedelta(days=32)).replace(hour=22, minute=59, second=0, microsecond=0)

    document = Document(
        region=region,
        title=DEMO_TITLE,
        summary=SUMMARY,
        created_by_id=official.id if official else None,
        created_at=opens_at - timedelta(days=21),
    )
    session.add(document)
    session.flush()
    version = _add_versions(session, document, official, opens_at)

    consultation = Consultation(
        slug=DEMO_SLUG,
        region_id=region.id,
        version=version,
        title=DEMO_TITLE,
        introduction=INTRODUCTION,
        contact_name="Team Jeugd, gemeente Utrecht (demo)",
        contact_email="regiovisie-jeugd@example.org",
        contact_phone="14 030",
        opens_at=opens_at,
        closes_at=closes_at,
        state=ConsultationState.OPEN,
        created_at=opens_at - timedelta(days=14),
        created_by_id=official.id if official else None,
    )
    session.add(consultation)
    session.flush()
    timeline = Timeline()
    for group in session.scalars(select(StakeholderGroup).where(StakeholderGroup.active.is_(True))):
        session.add(InvitedGroup(consultation=consultation, stakeholder_group_id=group.id))
    scheduled_at = opens_at - timedelta(days=3)
    history.scheduled(timeline, session, consultation, official, scheduled_at, now)
    history.opened(timeline, session, consultation, now)
    session.add_all(
        [
            StateChange(
                consultation=consultation,
                from_state=None,
                to_state=ConsultationState.DRAFT,
                changed_at=opens_at - timedelta(days=14),
                actor_id=official.id if official else None,
            ),
            StateChange(
                consultation=consultation,
                from_state=ConsultationState.DRAFT,
                to_state=ConsultationState.SCHEDULED,
                changed_at=scheduled_at,
                actor_id=official.id if official else None,
            ),
            StateChange(
                consultation=consultation,
                from_state=ConsultationState.SCHEDULED,
                to_state=ConsultationState.OPEN,
                changed_at=opens_at,
                actor_id=None,
            ),
        ]
    )
    questions = {}
    for position, (kind, text, hint, required, options) in enumerate(QUESTIONS, start=1):
        question = Question(
            consultation=consultation,
            position=position,
            kind=kind,
            text=text,
            hint=hint,
            required=required,
            options=options,
        )
        session.add(question)
        questions[position] = question
    session.flush()

    _add_activities(
        timeline, session, official, consultation, groups=_groups_by_code(session), now=now
    )

    sections = {s.number: s for s in version.sections}
    plans = plan_submissions(rng, now, opens_at, submissions)
    made, comments = _make_submissions(
        session, rng, consultation, version, sections, questions, plans, now, timeline
    )
    timeline.run()
    history.signed(session, now)
    return DemoConsultation(consultation, created=True, submissions=made, comments=comments)


DEMO_ACTIVITIES = [
    (
        ActivityKind.SCHOOL_SESSION,
        5,
        "Vmbo-school in Kanaleneiland, klas 3",
        "Een les van een uur over de regiovisie. De leerlingen vonden vooral dat hulp op "
        "school zelf moet kunnen, zonder wachtlijst, en dat je zelf mag kiezen wie er "
        "meepraat. Drie leerlingen vertelden dat ze lang hebben gewacht op hulp.",
        [("young_person", AgeBand.FROM_12_TO_15, 26), ("professional", None, 2)],
    ),
    (
        ActivityKind.MEETING,
        8,
        "Buurthuis De Leeuw, Overvecht",
        "Avond voor ouders en pleegouders, met tolk Arabisch en Turks. Belangrijkste punten: "
        "de reistijd naar specialistische hulp, één vast aanspreekpunt, en brieven in "
        "eenvoudige taal.",
        [("parent", None, 17), ("foster_parent", None, 4), ("experience_expert", None, 3)],
    ),
]


def _add_activities(
    timeline: Timeline,
    session: Session,
    official: User | None,
    consultation: Consultation,
    groups: dict[str, StakeholderGroup],
    now: datetime,
) -> None:
    """Two offline activities, so the public page shows who was reached outside the form:
    registered by the official the evening after, through the activities service."""
    for kind, days_ago, place, summary, participants in DEMO_ACTIVITIES:
        held = now - timedelta(days=days_ago)
        details = activities.ActivityDetails(
            kind=kind,
            held_on=held.date(),
            place=place,
            summary=summary,
            participants={(groups[code].id, band): count for code, band, count in participants},
        )
        registered_at = held + timedelta(hours=3)
        timeline.at(
            registered_at,
            lambda details=details, at=registered_at: activities.register_activity(
                session, official, consultation, details, now=at
            ),
        )
