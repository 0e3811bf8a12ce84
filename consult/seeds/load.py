"""Load data for benchmarks: one large open consultation with many sections and comments.

``consult seed load --sections 200 --comments 20000`` must take seconds, not minutes, so
the rows go in with bulk inserts (``session.execute(insert(Model), rows)``) in chunks,
not one ORM object at a time. Each run makes a new consultation (``load-<timestamp>``),
so it can be repeated on the same database. The texts are Dutch-looking nonsense made
from a small vocabulary: realistic in length and shape, meaningless in content.

The evidence record gets what the services would have written: the version published and
the consultation opened, and each submission received and confirmed, in time order.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from consult.comments.codes import new_tracking_code
from consult.comments.models import Comment, Submission, SubmissionState
from consult.comments.services import submission_event_payload
from consult.consultations import lifecycle
from consult.consultations.models import Consultation, ConsultationState, InvitedGroup, StateChange
from consult.db import utcnow
from consult.documents.models import Document, DocumentVersion, Section, VersionSource
from consult.ledger.canonical import digest as content_hash
from consult.ledger.models import ActorRole, EventKind
from consult.ledger.services import Pending, append_many
from consult.regions.models import Municipality, RegionMembership
from consult.regions.services import get_region
from consult.seeds import content_of
from consult.stakeholders.models import AgeBand, StakeholderGroup

CHUNK = 5000
MULTI_COMMENT_SHARE = 0.3  # of submissions holding more than one comment

SUBJECTS = [
    "De gemeente", "Het wijkteam", "De jeugdhulp", "Elke jongere", "De aanbieder",
    "Het samenwerkingsverband", "De regio", "Een gezin", "De school", "Het steunpunt",
    "De huisarts", "De adviesraad", "Iedere ouder", "De jeugdarts", "Het jongerenwerk",
]  # fmt: skip
VERBS = [
    "zorgt voor", "werkt aan", "kijkt naar", "bespreekt", "verbetert", "regelt",
    "vraagt om", "let op", "meet", "organiseert", "betaalt", "ondersteunt",
]  # fmt: skip
OBJECTS = [
    "kortere wachttijden", "hulp dicht bij huis", "een vaste contactpersoon",
    "betere afspraken met scholen", "de overgang naar volwassenheid", "minder administratie",
    "crisishulp in het weekend", "pleegzorg tot 21 jaar", "de inbreng van jongeren",
    "eerlijke tarieven", "gegevens die veilig blijven", "een plan voor het hele gezin",
    "vervoer naar de hulp", "begrijpelijke taal", "nazorg na een opname",
]  # fmt: skip
TAILS = [
    "in de hele regio", "voor elk kind", "binnen acht weken", "samen met ouders",
    "vanaf volgend jaar", "in elke wijk", "zonder extra regels", "op school",
    "met hulp van ervaringsdeskundigen", "zolang dat nodig is",
]  # fmt: skip
OPINIONS = [
    "Ik vind dat", "Volgens mij", "Het is belangrijk dat", "Ik mis dat", "Goed dat",
    "Ik maak me zorgen of", "Wij vragen of", "Het zou helpen als",
]  # fmt: skip
TOPICS = [
    "Wachttijden", "Samenwerking met scholen", "Crisishulp", "Pleegzorg", "Inspraak",
    "Gegevens", "Bekostiging", "Jongeren van 18 tot 23", "Hulp dicht bij huis",
    "Aanbieders", "Administratie", "Nazorg", "Vervoer", "Taal", "Gezinnen",
]  # fmt: skip

GROUP_WEIGHTS = {
    "young_person": 25,
    "parent": 25,
    "foster_parent": 6,
    "experience_expert": 8,
    "care_provider": 8,
    "professional": 12,
    "advocacy_group": 6,
    "municipality": 4,
    "other": 6,
}

T = TypeVar("T")


@dataclass
class LoadResult:
    slug: str
    consultation_id: int
    sections: int
    submissions: int
    comments: int
    seconds: float


def _chunks(rows: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _comment_text(rng: random.Random) -> str:
    opening = f"{rng.choice(OPINIONS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)} geregeld wordt."
    body = _paragraph(rng, rng.randint(1, 4))
    if rng.random() < 0.25:
        return f"{opening} {body}\n\n{_paragraph(rng, rng.randint(1, 3))}"
    return f"{opening} {body}"


def _submission_sizes(rng: random.Random, comments: int) -> list[int]:
    """How many comments each submission holds: 1 for ~70% of them, 2 to 5 for the rest."""
    sizes: list[int] = []
    left = comments
    while left > 0:
        size = rng.randint(2, 5) if rng.random() < MULTI_COMMENT_SHARE else 1
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


def _arrival(
    consultation: Consultation,
    code: str,
    received: datetime,
    group: str,
    age: AgeBand | None,
    municipality: Any,
    items: list[tuple[int | None, str | None, str]],
    content: dict[str, Any],
    salt: str,
) -> SimpleNamespace:
    """What the submission service's recording reads of a submission, without loading the
    bulk-inserted rows back: the record gets the very payload the service would write."""
    return SimpleNamespace(
        consultation=consultation,
        tracking_code=code,
        received_at=received,
        confirmed_at=received,
        state=SubmissionState.CONFIRMED,
        content_hash=content_hash(content),
        stakeholder_group=SimpleNamespace(code=group),
        age_band=age,
        municipality=SimpleNamespace(code=municipality[1]) if municipality else None,
        organisation_verified=False,
        attributes_salt=salt,
        premoderated=False,  # sent from a confirmed account
        contact=None,
        comments=[
            SimpleNamespace(
                position=position, section=SimpleNamespace(anchor=anchor) if anchor else None
            )
            for position, (_section_id, anchor, _text) in enumerate(items, start=1)
        ],
    )


def _arrival_events(arrivals: Sequence[SimpleNamespace]) -> Iterator[Pending]:
    """Per submission, what the submission service records for one sent from a confirmed
    account: received, then confirmed at once."""
    for arrival in arrivals:
        yield Pending(
            kind=EventKind.SUBMISSION_RECEIVED,
            object_type="submission",
            object_id=arrival.tracking_code,
            actor_role=ActorRole.PARTICIPANT,
            occurred_at=arrival.received_at,
            payload=submission_event_payload(arrival),  # type: ignore[arg-type]
        )
        yield Pending(
            kind=EventKind.SUBMISSION_CONFIRMED,
            object_type="submission",
            object_id=arrival.tracking_code,
            actor_role=ActorRole.PARTICIPANT,
            occurred_at=arrival.confirmed_at,
            payload={"by": "account"},
        )


def seed_load(
    session: Session,
    sections: int,
    comments: int,
    *,
    region_code: str = "JZ21",
    progress: Callable[[str], None] | None = None,
    seed: int | None = None,
) -> LoadResult:
    """Create one open consultation with ``sections`` sections and ``comments`` comments."""
    if sections < 1 or comments < 0:
        raise ValueError("need at least one section and zero or more comments")
    started = time.perf_counter()
    report = progress or (lambda _message: None)
    rng = random.Random(seed)  # noqa: S311 - nonsense text, not secrets
    now = utcnow()
    region = get_region(session, region_code)
    if region is None:
        raise LookupError(f"there is no region {region_code}")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    slug = f"load-{stamp}"

    document = Document(
        region=region,
        title=f"Regiovisie belastingtest {stamp}",
        summary="Een grote testconsultatie om de snelheid van Consult te meten.",
    )
    session.add(document)
    session.flush()
    version = DocumentVersion(
        document_id=document.id,
        number=1,
        source=VersionSource.EDITOR,
        change_note="Gemaakt door consult seed load.",
    )
    session.add(version)
    session.flush()

    section_rows = []
    for position in range(1, sections + 1):
        chapter, part = divmod(position - 1, 10)
        number = f"{chapter + 1}.{part + 1}"
        paragraphs = "".join(
            f"<p>{_paragraph(rng, rng.randint(2, 5))}</p>" for _ in range(rng.randint(1, 3))
        )
        section_rows.append(
            {
                "version_id": version.id,
                "position": position,
                "anchor": f"s-{position}",
                "number": number,
                "heading": f"{rng.choice(TOPICS)} ({number})",
                "level": 3,
                "body_html": paragraphs,
            }
        )
    for chunk in _chunks(section_rows):
        session.execute(insert(Section), list(chunk))
    section_ids = list(
        session.execute(
            select(Section.id, Section.anchor)
            .where(Section.version_id == version.id)
            .order_by(Section.position)
        )
    )
    report(f"{sections} sections")

    consultation = Consultation(
        slug=slug,
        region_id=region.id,
        version_id=version.id,
        title=f"Belastingtest {stamp}",
        introduction="Een testconsultatie met veel reacties.",
        contact_name="Consult",
        contact_email="test@example.org",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=42),
        state=ConsultationState.OPEN,
    )
    session.add(consultation)
    session.flush()
    groups = {g.code: g.id for g in session.scalars(select(StakeholderGroup))}
    session.execute(
        insert(InvitedGroup),
        [
            {"consultation_id": consultation.id, "stakeholder_group_id": gid}
            for gid in groups.values()
        ],
    )
    session.add(
        StateChange(
            consultation_id=consultation.id,
            from_state=None,
            to_state=ConsultationState.OPEN,
            changed_at=consultation.opens_at,
        )
    )
    # Locks the version (its content hash, which every receipt names) and records it.
    lifecycle.record_opening(session, consultation, ActorRole.SYSTEM, consultation.opens_at, now)
    municipalities = list(
        session.execute(
            select(Municipality.id, Municipality.code)
            .join(RegionMembership, RegionMembership.municipality_id == Municipality.id)
            .where(RegionMembership.region_id == region.id, RegionMembership.valid_to.is_(None))
        )
    )

    # Plan every submission and its comments, then insert them chunk by chunk.
    sizes = _submission_sizes(rng, comments)
    group_codes = [c for c in GROUP_WEIGHTS if c in groups]
    weights = [GROUP_WEIGHTS[c] for c in group_codes]
    bands = list(AgeBand)
    window = 24 * 3600 - 60
    inserted_submissions = inserted_comments = 0
    plans: list[tuple[dict[str, Any], list[tuple[int | None, str | None, str]]]] = []

    def flush_plans() -> None:
        nonlocal inserted_submissions, inserted_comments
        if not plans:
            return
        ids = session.scalars(
            insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
            [row for row, _ in plans],
        ).all()
        comment_rows = []
        for submission_id, (row, items) in zip(ids, plans, strict=True):
            for position, (section_id, _anchor, text) in enumerate(items, start=1):
                comment_rows.append(
                    {
                        "submission_id": submission_id,
                        "consultation_id": consultation.id,
                        "section_id": section_id,
                        "position": position,
                        "body": text,
                        "created_at": row["received_at"],
                        "is_public": row["publish_text"],
                    }
                )
        for chunk in _chunks(comment_rows):
            session.execute(insert(Comment), list(chunk))
        inserted_submissions += len(plans)
        inserted_comments += len(comment_rows)
        plans.clear()
        if comments >= 2 * CHUNK or inserted_comments == comments:
            report(f"{inserted_comments} of {comments} comments")

    arrivals: list[SimpleNamespace] = []
    pending_comments = 0
    for size in sizes:
        group = rng.choices(group_codes, weights)[0]
        age = rng.choice(bands) if group == "young_person" else None
        municipality = rng.choice(municipalities) if municipalities and rng.random() < 0.8 else None
        received = now - timedelta(seconds=rng.uniform(60, window))
        publish_text = rng.random() < 0.9
        items: list[tuple[int | None, str | None, str]] = []
        for _ in range(size):
            if rng.random() < 0.1:
                items.append((None, None, _comment_text(rng)))
            else:
                section_id, anchor = rng.choice(section_ids)
                items.append((section_id, anchor, _comment_text(rng)))
        nonce = secrets.token_hex(16)
        content = content_of(
            consultation_slug=slug,
            document_id=document.id,
            version_number=1,
            version_hash=version.content_hash,
            received_at=received,
            stakeholder_group=group,
            age_band=age.value if age else None,
            municipality=municipality[1] if municipality else None,
            organisation_id=None,
            organisation_name=None,
            organisation_verified=False,
            publish_text=publish_text,
            publish_name=False,
            comments=[(anchor, text) for _, anchor, text in items],
            answers=[],
            nonce=nonce,
        )
        code = new_tracking_code()
        salt = secrets.token_hex(16)
        arrivals.append(
            _arrival(consultation, code, received, group, age, municipality, items, content, salt)
        )
        plans.append(
            (
                {
                    "consultation_id": consultation.id,
                    "tracking_code": code,
                    "idempotency_key": secrets.token_hex(16),
                    "stakeholder_group_id": groups[group],
                    "age_band": age,
                    "municipality_id": municipality[0] if municipality else None,
                    "organisation_verified": False,
                    "publish_text": publish_text,
                    "publish_name": False,
                    "state": SubmissionState.CONFIRMED,
                    "received_at": received,
                    "confirmed_at": received,
                    "content_hash": arrivals[-1].content_hash,
                    "content_nonce": nonce,
                    "attributes_salt": salt,
                },
                items,
            )
        )
        pending_comments += size
        if pending_comments >= CHUNK:
            flush_plans()
            pending_comments = 0
    flush_plans()
    session.flush()
    arrivals.sort(key=lambda arrival: arrival.received_at)
    recorded = append_many(session, consultation, _arrival_events(arrivals))
    report(f"{recorded} events recorded")
    return LoadResult(
        slug=slug,
        consultation_id=consultation.id,
        sections=sections,
        submissions=inserted_submissions,
        comments=inserted_comments,
        seconds=time.perf_counter() - started,
    )
