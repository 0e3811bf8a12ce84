"""The closed demo consultation: an earlier round in JZ22, now being answered.

"Inspraak jeugdhulp Utrecht Stad: uitvoeringsagenda 2026" closed a week ago, on its own
document: version 1 was open for comment, version 2 (the next version, already fixed)
rewrites five sections and adds one. About 120 comments came in, among them a letter
campaign of 30 near-identical letters about the school support workers (unanswered, so a
newcomer can answer it as a group), a few hidden by the moderator, a few withdrawn. About
half are answered and published (a few linked to the sections they changed, one
corrected); some answers were drafted by the first official and wait for the second.

The answers go through the real services (draft, approve, publish, correct, link), so the
demo obeys the same four-eyes rules as the app. Deterministic (``random.Random(2027)``)
except for the secrets and the moments, which follow the clock. A second run finds the
consultation by its slug and adds nothing.

Its whole history goes into the evidence record in the order it happened
(:mod:`consult.seeds.timeline`): scheduled, opened, the submissions and what became of
them, closed, the next version fixed, two participants' data erased, and every answer
drafted, approved and published at its own moment.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.codes import new_tracking_code
from consult.comments.models import (
    Comment,
    HideReason,
    ModerationAction,
    ModerationKind,
    Submission,
    SubmissionContact,
    SubmissionState,
)
from consult.consultations import activities, lifecycle
from consult.consultations.models import (
    ActivityKind,
    Consultation,
    ConsultationState,
    InvitedGroup,
    StateChange,
)
from consult.db import utcnow
from consult.documents.importing import SectionDraft
from consult.documents.models import Document, DocumentVersion, VersionSource
from consult.documents.services import create_version, version_hash
from consult.ledger.canonical import digest as content_hash
from consult.ledger.models import ActorRole
from consult.participation import services as participation
from consult.privacy.submissions import erase_submission_contact
from consult.regions.models import Municipality
from consult.regions.services import get_region
from consult.responses.answers import services as answering
from consult.responses.models import Answer, AnsweredComment, AnswerNotice, AnswerState
from consult.responses.tracing import services as tracing
from consult.seeds import content_of, paragraph_for
from consult.seeds import demo_closed_texts as texts
from consult.seeds import timeline as history
from consult.seeds.timeline import Timeline
from consult.stakeholders.models import AgeBand, StakeholderGroup

REGION_CODE = "JZ22"
MUNICIPALITY_CODE = "GM0344"
CLOSED_SLUG = "inspraak-jeugdhulp-utrecht-stad-uitvoeringsagenda-2026"
CLOSED_TITLE = "Inspraak jeugdhulp Utrecht Stad: uitvoeringsagenda 2026"
DOCUMENT_TITLE = "Uitvoeringsagenda jeugdhulp Utrecht Stad 2026"
SEED = 2027
# One in this many letters has its comments on one paragraph, where one fits plainly.
PARAGRAPH_EVERY = 3

OFFICIAL_EMAIL = "ambtenaar.utrecht@example.org"
TEAM_LEAD_EMAIL = "teamleider.utrecht@example.org"
RESPONDER_EMAIL = "beantwoorder.utrecht@example.org"
MODERATOR_EMAIL = "moderator.utrecht@example.org"
PARTICIPANT_EMAIL = "ouder@example.org"

SUMMARY = (
    "Wat de gemeente Utrecht in 2026 doet om de regiovisie jeugdhulp uit te voeren: korter "
    "wachten, hulp op school, één vaste hulpverlener, hulp na je 18e en meepraten. Dit is een "
    "fictief voorbeeld voor demonstraties."
)
INTRODUCTION = (
    "In de regiovisie staat wat we willen. In deze agenda staat wat we in 2026 gaan doen. "
    "Klopt dat met wat jij nodig hebt?\n\n"
    "Reageer op de stukken die jij belangrijk vindt. Je naam is niet nodig. We geven op elke "
    "reactie een antwoord."
)
NAMES = ["Sanne Willems", "Ahmed Benali", "Ilse de Graaf", "Ruben Koster", "Naima Ouali"]


@dataclass
class ClosedDemo:
    consultation: Consultation
    created: bool
    comments: int = 0
    published_answers: int = 0
    draft_answers: int = 0


@dataclass
class Letter:
    """One submission to make: its comments as (section number or None, text, tag)."""

    group: str
    comments: list[tuple[str | None, str, str]]
    age: str | None = None
    publish_text: bool = True
    display_name: str | None = None
    account: str | None = None
    erased: bool = False
    withdrawn: set[int] = field(default_factory=set)  # comment positions
    hidden: texts.Hidden | None = None


# -- what was sent --------------------------------------------------------------------------------


def campaign_letter(rng: random.Random, index: int) -> tuple[str, str]:
    """(stakeholder group, text) of the ``index``-th campaign letter: the same letter, each
    with small edits (school, neighbourhood, a sentence added, case and punctuation)."""
    school, wijk = texts.SCHOOLS[index % len(texts.SCHOOLS)]
    teacher = index % 8 == 5
    role = "leerkracht" if teacher else "ouder van een kind"
    extra = ""
    if index % 3 == 1:
        extra = " " + texts.CAMPAIGN_EXTRAS[(index // 3) % len(texts.CAMPAIGN_EXTRAS)]
    greeting = rng.choice(
        ["Beste gemeente Utrecht,", "Geachte gemeente,", "beste gemeente utrecht"]
    )
    bang = rng.choice([".", ".", "!", "!!"])
    signer = "een leerkracht van" if teacher else "een ouder van"
    closing = rng.choice(
        [
            f"\n\nMet vriendelijke groet,\n{signer} {school}",
            f"\n\nMet vriendelijke groet,\n{signer} {school}",
            "\n\nGroet,\neen bezorgde ouder" if not teacher else "",
            "",
        ]
    )
    text = texts.CAMPAIGN_LETTER.format(
        greeting=greeting,
        role=role,
        school=school,
        wijk=wijk,
        extra=extra,
        bang=bang,
        closing=closing,
    )
    if index % 7 == 3:
        text = text.replace(", kent de kinderen en helpt", " kent de kinderen en helpt")
    if index % 10 == 9:
        text = text.lower()
    return ("professional" if teacher else "parent"), text


def plan_letters(rng: random.Random) -> list[Letter]:
    letters: list[Letter] = []
    for index, point in enumerate(texts.POINTS):
        if index == texts.PARTICIPANT_POINT:
            continue
        letters.append(
            Letter(point.group, [(point.section, point.text, f"point:{index}")], age=point.age)
        )
    for index, echo in enumerate(texts.ECHOES):
        letters.append(
            Letter(
                echo.group,
                [(echo.section, echo.text, f"echo:{index}")],
                age=echo.age,
                withdrawn={1} if index in texts.WITHDRAWN_ECHOES else set(),
            )
        )
        if index in texts.REPEATED_ECHOES:
            ending = texts.ENDINGS[index % len(texts.ENDINGS)]
            letters.append(
                Letter(
                    echo.group,
                    [(echo.section, f"{echo.text} {ending}", f"echo:{index}")],
                    age=echo.age,
                )
            )
    for index, hidden in enumerate(texts.HIDDEN):
        letters.append(
            Letter(hidden.group, [(hidden.section, hidden.text, f"hidden:{index}")], hidden=hidden)
        )
    for index in range(texts.CAMPAIGN_SIZE):
        group, text = campaign_letter(rng, index)
        letters.append(
            Letter(
                group,
                [(texts.CAMPAIGN_SECTION, text, "campaign")],
                publish_text=index % 10 != 4,
            )
        )

    # Some people sent two things at once: join a few single comments into one submission.
    rng.shuffle(letters)
    joined: list[Letter] = []
    for letter in letters:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and len(previous.comments) == 1
            and previous.group == letter.group
            and previous.age == letter.age
            and not previous.hidden
            and not letter.hidden
            and not previous.withdrawn
            and not letter.withdrawn
            and previous.publish_text == letter.publish_text
            and rng.random() < 0.5
        ):
            previous.comments.extend(letter.comments)
            continue
        joined.append(letter)

    # The demo participant's account: a campaign letter and a question of their own.
    group, text = campaign_letter(rng, texts.CAMPAIGN_SIZE)
    point = texts.POINTS[texts.PARTICIPANT_POINT]
    joined.append(
        Letter(
            "parent",
            [
                (texts.CAMPAIGN_SECTION, text, "campaign"),
                (point.section, point.text, f"point:{texts.PARTICIPANT_POINT}"),
            ],
            account=PARTICIPANT_EMAIL,
        )
    )
    for letter in joined:
        if letter.group != "young_person" and letter.publish_text and rng.random() < 0.15:
            letter.display_name = rng.choice(NAMES)
        if letter.publish_text and rng.random() < 0.12:
            letter.publish_text = False
    for letter in rng.sample([x for x in joined if x.account is None and not x.hidden], 2):
        letter.erased = True
    return joined


# -- the rows -------------------------------------------------------------------------------------


def _user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_key == email.lower()))


def _add_versions(
    session: Session,
    document: Document,
    official: User | None,
    opens_at: datetime,
    closes_at: datetime,
    now: datetime,
) -> tuple[DocumentVersion, DocumentVersion]:
    first = create_version(
        session,
        official,
        document,
        [
            SectionDraft(heading=heading, body_html=html, number=number, level=2)
            for number, heading, html in texts.VERSION_1
        ],
        VersionSource.EDITOR,
        change_note="Concept voor de inspraakronde.",
    )
    first.created_at = opens_at - timedelta(days=20)
    first.content_hash = version_hash(first)
    first.locked_at = opens_at
    session.flush()

    drafts = [
        SectionDraft(
            heading=s.heading,
            body_html=texts.VERSION_2_CHANGES.get(s.number, s.body_html),
            number=s.number,
            level=s.level,
            anchor=s.anchor,
        )
        for s in first.sections
    ]
    number, heading, html = texts.VERSION_2_ADDED
    drafts.append(SectionDraft(heading=heading, body_html=html, number=number, level=2))
    second = create_version(
        session,
        official,
        document,
        drafts,
        VersionSource.EDITOR,
        change_note="Versie na de inspraak: wachttijden, schoolondersteuners, toekomstplan vanaf "
        "16, meepraten, rapportage en een nieuw onderdeel over reizen naar de hulp.",
    )
    second.created_at = closes_at + timedelta(days=1)
    second.content_hash = version_hash(second)
    # Fixed by the college, so participants can read the sections their answers link to.
    second.locked_at = now - timedelta(hours=30)
    session.flush()
    return first, second


def _make_submissions(
    session: Session,
    rng: random.Random,
    consultation: Consultation,
    version: DocumentVersion,
    letters: list[Letter],
    opens_at: datetime,
    closes_at: datetime,
    timeline: Timeline,
) -> dict[str, list[Comment]]:
    """Store the letters; returns the comments per tag ("point:3", "echo:0", "campaign").

    Their events go on the ``timeline``; two senders erase their data two days after
    closing (the erasure service, on the timeline)."""
    groups = {g.code: g for g in session.scalars(select(StakeholderGroup))}
    sections = {s.number: s for s in version.sections}
    utrecht = session.scalar(select(Municipality).where(Municipality.code == MUNICIPALITY_CODE))
    moderator = _user(session, MODERATOR_EMAIL)
    window = (closes_at - opens_at).total_seconds() - 7200
    tagged: dict[str, list[Comment]] = {}
    times = sorted(opens_at + timedelta(seconds=3600 + rng.uniform(0, window)) for _ in letters)
    for number, (letter, received_at) in enumerate(zip(letters, times, strict=True), start=1):
        user = _user(session, letter.account) if letter.account else None
        municipality = utrecht if rng.random() < 0.5 else None
        age = AgeBand(letter.age) if letter.age else None
        publish_name = letter.display_name is not None and letter.publish_text and not letter.erased
        nonce = secrets.token_hex(16)
        # Some comments are about one paragraph of their section (the most plainly related).
        chosen = [
            paragraph_for(sections[n] if n is not None else None, text, PARAGRAPH_EVERY, number)
            for n, text, _tag in letter.comments
        ]
        content = content_of(
            consultation_slug=consultation.slug,
            document_id=version.document_id,
            version_number=version.number,
            version_hash=version.content_hash,
            received_at=received_at,
            stakeholder_group=letter.group,
            age_band=age.value if age else None,
            municipality=municipality.code if municipality else None,
            organisation_id=None,
            organisation_name=None,
            organisation_verified=False,
            publish_text=letter.publish_text,
            publish_name=publish_name,
            comments=[
                (sections[n].anchor if n is not None else None, text, paragraph)
                for (n, text, _tag), paragraph in zip(letter.comments, chosen, strict=True)
            ],
            answers=[],
            nonce=nonce,
        )
        confirmed_at = received_at + timedelta(minutes=rng.uniform(1, 60))
        submission = Submission(
            consultation=consultation,
            tracking_code=new_tracking_code(),
            idempotency_key=secrets.token_hex(16),
            user_id=user.id if user else None,
            stakeholder_group=groups[letter.group],
            age_band=age,
            municipality=municipality,
            publish_text=letter.publish_text,
            publish_name=publish_name,
            state=SubmissionState.CONFIRMED,
            received_at=received_at,
            # From a confirmed account: confirmed on arrival.
            confirmed_at=received_at if user is not None else confirmed_at,
            content_hash=content_hash(content),
            content_nonce=nonce,
        )
        session.add(submission)
        if user is None:
            session.add(
                SubmissionContact(
                    submission=submission,
                    email=f"inspraak-{number:03d}@example.org",
                    display_name=letter.display_name if publish_name else None,
                    salt=secrets.token_hex(16),
                )
            )
        if letter.erased:
            erased_at = closes_at + timedelta(days=2)
            timeline.at(
                erased_at,
                lambda submission=submission, at=erased_at: erase_submission_contact(
                    session, submission, ActorRole.PARTICIPANT, at
                ),
            )
        for position, (section_number, text, tag) in enumerate(letter.comments, start=1):
            withdrawn_at = (
                received_at + (closes_at - received_at) * 0.5
                if position in letter.withdrawn
                else None
            )
            comment = Comment(
                submission=submission,
                consultation_id=consultation.id,
                section=sections[section_number] if section_number else None,
                paragraph=chosen[position - 1],
                position=position,
                body=text,
                created_at=received_at,
                withdrawn_at=withdrawn_at,
                is_public=letter.publish_text and withdrawn_at is None,
            )
            session.add(comment)
            tagged.setdefault(tag, []).append(comment)
            if letter.hidden is not None:
                hidden_at = received_at + timedelta(hours=rng.uniform(2, 30))
                reason = HideReason(letter.hidden.reason)
                comment.hidden_at = hidden_at
                comment.hidden_reason = reason
                comment.hidden_note = letter.hidden.note
                comment.is_public = False
                action = ModerationAction(
                    comment=comment,
                    kind=ModerationKind.HIDE,
                    reason=reason,
                    note=letter.hidden.note,
                    actor_id=moderator.id if moderator else None,
                    acted_at=hidden_at,
                )
                session.add(action)
                history.moderated(timeline, session, consultation, comment, action, moderator)
        history.submission(timeline, session, submission)
    session.flush()
    return tagged


def _answer_all(
    session: Session,
    consultation: Consultation,
    tagged: dict[str, list[Comment]],
    next_version: DocumentVersion,
    closes_at: datetime,
    now: datetime,
    timeline: Timeline,
) -> tuple[int, int]:
    """Draft, approve, publish, correct and link, through the answering services.

    Each step goes on the ``timeline`` at its own moment, so the services record them in
    the order they happened (a link waits until its answer is drafted)."""
    official = _user(session, OFFICIAL_EMAIL)
    lead = _user(session, TEAM_LEAD_EMAIL)
    responder = _user(session, RESPONDER_EMAIL)
    sections = {s.number: s for s in next_version.sections}
    answers: dict[str, Answer] = {}

    def covered(index: int) -> list[Comment]:
        comments = list(tagged.get(f"point:{index}", []))
        for number, echo in enumerate(texts.ECHOES):
            if echo.joins == index:
                comments.extend(
                    c for c in tagged.get(f"echo:{number}", []) if c.withdrawn_at is None
                )
        return comments

    def draft(key: str, at: datetime, drafter: User | None, *args: Any) -> None:
        def act() -> None:
            answers[key] = answering.draft_answer(session, drafter, consultation, *args, now=at)

        timeline.at(at, act)

    def approve(key: str, at: datetime, approver: User | None) -> None:
        timeline.at(at, lambda: answering.approve(session, approver, answers[key], now=at))

    def publish(key: str, at: datetime) -> None:
        timeline.at(
            at,
            lambda: answering.publish(session, official, consultation, [answers[key]], now=at),
        )

    def link(key: str, at: datetime, numbers: list[str]) -> None:
        timeline.at(
            at,
            lambda: tracing.link(
                session, official, answers[key], [sections[n] for n in numbers], now=at
            ),
        )

    first_batch = now - timedelta(days=4, hours=2)
    second_batch = now - timedelta(days=2, hours=3)
    published: list[str] = []
    for index in texts.PUBLISHED_POINTS:
        point = texts.POINTS[index]
        assert point.disposition is not None
        key = f"point:{index}"
        batch = first_batch if index < 15 else second_batch
        drafted_at = min(closes_at + timedelta(hours=3 + 2 * index), batch - timedelta(hours=6))
        # Most are drafted by the responder and approved by the official; a few by the
        # official and approved by the team lead.
        by_official = index in (13, 14, 15)
        drafter, approver = (official, lead) if by_official else (responder, official)
        draft(key, drafted_at, drafter, covered(index), point.disposition, point.reason)
        approve(key, batch - timedelta(hours=2), approver)
        publish(key, batch)
        if point.links:
            linked_at = max(next_version.created_at + timedelta(hours=2), drafted_at)
            link(key, linked_at, list(point.links))
        published.append(key)

    # The hidden comment with personal data still counts and gets an answer.
    for index, hidden in enumerate(texts.HIDDEN):
        if hidden.answer is None:
            continue
        disposition, reason = hidden.answer
        key = f"hidden:{index}"
        draft(
            key,
            first_batch - timedelta(hours=8),
            responder,
            tagged[key],
            disposition,
            reason,
        )
        approve(key, first_batch - timedelta(hours=2), official)
        publish(key, first_batch)
        published.append(key)

    # One answer was corrected after it was published.
    original = published[texts.CORRECTED_POINT]
    disposition, reason, note = texts.CORRECTION
    corrected_at = now - timedelta(hours=40)

    def correct() -> None:
        answers["correction"] = answering.correct(
            session, responder, answers[original], disposition, reason, note, now=corrected_at
        )

    timeline.at(corrected_at, correct)
    approve("correction", now - timedelta(hours=30), official)
    publish("correction", now - timedelta(hours=26))
    link("correction", now - timedelta(hours=25), ["3"])

    # Drafted by the official yesterday: a second official must approve them.
    drafts = 0
    for index in texts.DRAFT_POINTS:
        point = texts.POINTS[index]
        assert point.disposition is not None
        draft(
            f"draft:{index}",
            now - timedelta(hours=20 - index % 5),
            official,
            covered(index),
            point.disposition,
            point.reason,
        )
        drafts += 1
    return len(published) + 1, drafts


def _record_notices(session: Session, consultation: Consultation) -> None:
    """The participants were told about the answers published so far (by the mail job)."""
    rows = session.execute(
        select(Comment.submission_id, Answer.id, Answer.published_at)
        .join(AnsweredComment, AnsweredComment.answer_id == Answer.id)
        .join(Comment, Comment.id == AnsweredComment.comment_id)
        .where(
            Answer.consultation_id == consultation.id,
            Answer.state == AnswerState.PUBLISHED,
        )
        .distinct()
    ).all()
    contacts = {
        s.id: s
        for s in session.scalars(
            select(Submission).where(Submission.consultation_id == consultation.id)
        )
    }
    for submission_id, answer_id, published_at in rows:
        contact = contacts[submission_id].contact
        if contacts[submission_id].user_id is None and (contact is None or not contact.email):
            continue
        session.add(
            AnswerNotice(
                submission_id=submission_id,
                answer_id=answer_id,
                sent_at=published_at + timedelta(minutes=12),
            )
        )
    session.flush()


def _add_activity(
    timeline: Timeline,
    session: Session,
    consultation: Consultation,
    official: User | None,
    closes_at: datetime,
) -> None:
    """An evening meeting, registered by the official that night (the activities service)."""
    groups = {g.code: g for g in session.scalars(select(StakeholderGroup))}
    held = closes_at - timedelta(days=12)
    details = activities.ActivityDetails(
        kind=ActivityKind.MEETING,
        held_on=held.date(),
        place="Wijkcentrum De Leidsche Rijn",
        summary="Inloopavond voor ouders en leerkrachten over de schoolondersteuners en de "
        "wachttijden. Veel ouders vroegen om de schoolondersteuners te houden.",
        participants={
            (groups[code].id, AgeBand.FROM_16_TO_17 if code == "young_person" else None): count
            for code, count in (("parent", 31), ("professional", 9), ("young_person", 4))
        },
    )
    registered_at = held.replace(hour=21, minute=30)
    timeline.at(
        registered_at,
        lambda: activities.register_activity(
            session, official, consultation, details, now=registered_at
        ),
    )


ANSWER_DAYS = 5


def seed_closed_consultation(session: Session, *, now: datetime | None = None) -> ClosedDemo:
    """Create the closed demo consultation once; a second run finds it and adds nothing."""
    existing = session.scalar(select(Consultation).where(Consultation.slug == CLOSED_SLUG))
    if existing is not None:
        return ClosedDemo(existing, created=False)

    rng = random.Random(SEED)  # noqa: S311 - demo data, deterministic on purpose
    now = now or utcnow()
    region = get_region(session, REGION_CODE)
    if region is None:
        raise LookupError(f"region {REGION_CODE} is not seeded; run `consult seed regions`")
    official = _user(session, OFFICIAL_EMAIL)
    closes_at = (now - timedelta(days=7)).replace(hour=22, minute=59, second=0, microsecond=0)
    opens_at = (closes_at - timedelta(days=42)).replace(hour=8, minute=0)

    document = Document(
        region=region,
        title=DOCUMENT_TITLE,
        summary=SUMMARY,
        created_by_id=official.id if official else None,
        created_at=opens_at - timedelta(days=28),
    )
    session.add(document)
    session.flush()
    consulted, upcoming = _add_versions(session, document, official, opens_at, closes_at, now)

    consultation = Consultation(
        slug=CLOSED_SLUG,
        region_id=region.id,
        version=consulted,
        title=CLOSED_TITLE,
        introduction=INTRODUCTION,
        contact_name="Team Jeugd, gemeente Utrecht (demo)",
        contact_email="uitvoeringsagenda-jeugd@example.org",
        contact_phone="14 030",
        opens_at=opens_at,
        closes_at=closes_at,
        # The region promised its answers five days after closing, and is now late with
        # about half of them: what /landelijk and the task list flag.
        answers_due_on=lifecycle.to_amsterdam(closes_at).date() + timedelta(days=ANSWER_DAYS),
        state=ConsultationState.CLOSED,
        created_at=opens_at - timedelta(days=14),
        created_by_id=official.id if official else None,
    )
    session.add(consultation)
    session.flush()
    timeline = Timeline()
    for group in session.scalars(select(StakeholderGroup).where(StakeholderGroup.active.is_(True))):
        session.add(InvitedGroup(consultation=consultation, stakeholder_group_id=group.id))
    actor = official.id if official else None
    history.scheduled(timeline, session, consultation, official, opens_at - timedelta(days=5), now)
    history.opened(timeline, session, consultation, now)
    history.closed(timeline, session, consultation, now)
    # The next version, fixed by the college: published in this consultation's chain.
    timeline.at(
        upcoming.locked_at,
        lambda: lifecycle.version_published(
            session,
            consultation,
            upcoming,
            lifecycle.actor_role(official, consultation),
            upcoming.locked_at,
        ),
    )
    session.add_all(
        [
            StateChange(
                consultation=consultation,
                from_state=from_state,
                to_state=to_state,
                changed_at=moment,
                actor_id=who,
            )
            for from_state, to_state, moment, who in (
                (None, ConsultationState.DRAFT, opens_at - timedelta(days=14), actor),
                (
                    ConsultationState.DRAFT,
                    ConsultationState.SCHEDULED,
                    opens_at - timedelta(days=5),
                    actor,
                ),
                (ConsultationState.SCHEDULED, ConsultationState.OPEN, opens_at, None),
                (ConsultationState.OPEN, ConsultationState.CLOSED, closes_at, None),
            )
        ]
    )
    _add_activity(timeline, session, consultation, official, closes_at)
    session.flush()

    letters = plan_letters(rng)
    tagged = _make_submissions(
        session, rng, consultation, consulted, letters, opens_at, closes_at, timeline
    )
    published, drafts = _answer_all(
        session, consultation, tagged, upcoming, closes_at, now, timeline
    )
    timeline.run()
    history.signed(session, now)
    _record_notices(session, consultation)
    if official is not None:  # what the region did for children's voices (Lundy), as filled in
        participation.demo_lundy_statements(session, consultation, official)
    return ClosedDemo(
        consultation,
        created=True,
        comments=sum(len(c) for c in tagged.values()),
        published_answers=published,
        draft_answers=drafts,
    )
