"""Submitting comments, confirming, receipts, withdrawal, and reading the public comments.

A submission is stored whole or not at all, once per idempotency key. Its canonical
content (no email, no name) is hashed onto the receipt. ``Comment.is_public`` is kept here
(and by moderation): confirmed, consent to publish, not withdrawn, not hidden. The public
page reads only public comments, with a fixed number of queries whatever their number.

Each step writes its event in the evidence record, in the same transaction: a submission
received (and confirmed, at once or by its email link), discarded unconfirmed, a comment
withdrawn. The payloads are built by the small functions below (``submission_event_payload``,
``comment_object_id``), which the seeds use too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, and_, case, func, or_, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from consult.accounts.models import User
from consult.comments import canonical, channels, codes
from consult.comments.models import (
    Comment,
    QuestionAnswer,
    Submission,
    SubmissionContact,
    SubmissionState,
)
from consult.consultations.models import Consultation, Question
from consult.documents.models import Section
from consult.files.models import Attachment
from consult.files.uploads import CheckedFile
from consult.ledger import canonical as record_canonical
from consult.ledger import promises
from consult.ledger import services as record
from consult.ledger.models import ActorRole, EventKind, RecordEvent
from consult.organisations.models import (
    ApiSubmission,
    ApiToken,
    Organisation,
    OrganisationMember,
)
from consult.stakeholders.models import AgeBand, StakeholderGroup

MAX_COMMENT_LENGTH = 5000
CONFIRM_WITHIN = timedelta(hours=72)
FIRST_COMMENTS_PER_SECTION = 3
COMMENTS_PER_PAGE = 20
# A withdraw link works as long as the consultation is open; this only bounds its life.
WITHDRAW_LINK_MAX_AGE = 400 * 24 * 3600
# The signed links of the receipt mail; "erase-contact" is read by consult.privacy.
TOKEN_PURPOSES = ("confirm-submission", "withdraw-comment", "erase-contact")


class SubmissionError(Exception):
    """``reason``: closed (not accepting comments at this moment), discarded, answered
    (a questionnaire answer given already)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ParagraphRefused(ValueError):
    """A comment names a paragraph its section does not have (a changed or stale form)."""

    def __init__(self, position: int) -> None:
        super().__init__(f"comment {position}: no such paragraph in its section")
        self.position = position


def paragraph_of(section: Section | None, anchor: str | None) -> str | None:
    """``anchor`` when it is one of ``section``'s paragraphs; None for no anchor.

    Raises ValueError for an anchor the section does not have: the one rule every channel
    (the form, the API) goes through before a comment is stored."""
    if not anchor:
        return None
    if section is None or anchor not in (section.paragraph_anchors or []):
        raise ValueError(anchor)
    return anchor


class TokenError(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


# -- reading the public page ---------------------------------------------------------------


def listed_clause() -> Any:
    """SQL condition (on Comment joined to Submission) for "this comment has its place on
    the public pages": published now, or published once and since hidden by a moderator or
    withdrawn by its sender. The last two show as a trace without their text, so nothing
    disappears in silence."""
    return or_(
        Comment.is_public.is_(True),
        and_(
            Submission.state == SubmissionState.CONFIRMED,
            Submission.publish_text.is_(True),
            or_(Comment.hidden_at.is_not(None), Comment.withdrawn_at.is_not(None)),
        ),
    )


def listed_counts_by_paragraph(
    session: Session, consultation: Consultation
) -> dict[tuple[int | None, str | None], tuple[int, int]]:
    """Per (section id, paragraph anchor) (None: the whole section or document): the
    comments with a place on the public pages (traces included) and of those the published
    ones; one GROUP BY. :func:`per_section` adds them up per section."""
    rows = session.execute(listed_counts_query(consultation))
    return {
        (section_id, paragraph): (listed, public or 0)
        for section_id, paragraph, listed, public in rows
    }


def listed_counts_query(consultation: Consultation) -> Select[Any]:
    """(section id, paragraph anchor, listed, published) as :func:`listed_counts_by_paragraph`
    reads them: for a caller that reads them with other counts in one statement."""
    return (
        select(
            Comment.section_id,
            Comment.paragraph,
            func.count(Comment.id),
            func.sum(case((Comment.is_public.is_(True), 1), else_=0)),
        )
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Comment.consultation_id == consultation.id, listed_clause())
        .group_by(Comment.section_id, Comment.paragraph)
    )


def per_section(
    counts: dict[tuple[int | None, str | None], tuple[int, int]],
) -> dict[int | None, tuple[int, int]]:
    """:func:`listed_counts_by_paragraph` added up per section id."""
    totals: dict[int | None, tuple[int, int]] = {}
    for (section_id, _paragraph), (listed, public) in counts.items():
        before = totals.get(section_id, (0, 0))
        totals[section_id] = (before[0] + listed, before[1] + public)
    return totals


def listed_counts_by_section(
    session: Session, consultation: Consultation
) -> dict[int | None, tuple[int, int]]:
    """Per section id (None: the whole document): the comments with a place on the public
    pages (traces included) and of those the published ones; one GROUP BY."""
    return per_section(listed_counts_by_paragraph(session, consultation))


def confirmed_by_group_query(consultation: Consultation) -> Select[Any]:
    """(stakeholder group id, confirmed submissions) of the consultation: what "who has
    reacted" counts (:func:`counts_by_group`)."""
    return (
        select(Submission.stakeholder_group_id, func.count(Submission.id).label("n"))
        .where(
            Submission.consultation_id == consultation.id,
            Submission.state == SubmissionState.CONFIRMED,
        )
        .group_by(Submission.stakeholder_group_id)
    )


def counts_by_group(
    session: Session, consultation: Consultation
) -> list[tuple[StakeholderGroup, int]]:
    """Confirmed submissions per stakeholder group, in the groups' order, one GROUP BY."""
    counted = confirmed_by_group_query(consultation).subquery()
    rows = session.execute(
        select(StakeholderGroup, counted.c.n)
        .join(counted, counted.c.stakeholder_group_id == StakeholderGroup.id)
        .order_by(StakeholderGroup.position)
    )
    return [(group, n) for group, n in rows]


def public_comment_options() -> list[Any]:
    """What a public page shows of a comment's sender, loaded with it."""
    submission = joinedload(Comment.submission)
    return [
        submission.joinedload(Submission.stakeholder_group),
        submission.joinedload(Submission.municipality),
        submission.joinedload(Submission.organisation),
        submission.joinedload(Submission.contact),
    ]


def public_name(submission: Submission) -> str | None:
    """The name to show beside a published comment, or None.

    Only with consent, never for someone under 16, never once the contact data is erased.
    """
    contact = submission.contact
    if not submission.publish_name or contact is None or contact.erased_at is not None:
        return None
    if submission.age_band is not None and submission.age_band.under_16:
        return None
    return contact.display_name or None


# -- the form's choices --------------------------------------------------------------------


def questions_of(session: Session, consultation: Consultation) -> list[Question]:
    """The consultation's questions in their order. The rows read also fill
    ``consultation.questions`` when it is not loaded yet, so the content hash and the
    receipt read them again from memory, not from the database."""
    questions = list(
        session.scalars(
            select(Question)
            .where(Question.consultation_id == consultation.id)
            .order_by(Question.position)
        )
    )
    if "questions" not in consultation.__dict__ and consultation in session:
        set_committed_value(consultation, "questions", questions)
    return questions


# -- the questionnaire after sending ---------------------------------------------------------


def questions_to_answer_later(
    session: Session, submission: Submission, now: datetime
) -> list[Question]:
    """The questions of the submission's questionnaire it has no answer to yet, while its
    consultation takes comments; empty otherwise. The questionnaire never blocks a
    comment: it is offered after sending, on the receipt."""
    if submission.state is SubmissionState.DISCARDED:
        return []
    if not submission.consultation.accepts_comments_at(now):
        return []
    answered = {a.question_id for a in submission.answers}
    # The consultation's questions as the receipt already loaded them (by position).
    questions = sorted(submission.consultation.questions, key=lambda q: q.position)
    return [q for q in questions if q.id not in answered]


def answer_later(
    session: Session,
    submission: Submission,
    answers: list[tuple[Question, Any]],
    now: datetime,
) -> list[QuestionAnswer]:
    """Store answers given after sending, linked to the submission. Only questions still
    open (:func:`questions_to_answer_later`) may be answered; a given answer is never
    changed. The answers are marked with the moment, so the submission's content hash
    (what was sent) stays what the receipt proves."""
    if submission.state is SubmissionState.DISCARDED:
        raise SubmissionError("discarded")
    if not submission.consultation.accepts_comments_at(now):
        raise SubmissionError("closed")
    open_ids = {q.id for q in questions_to_answer_later(session, submission, now)}
    stored = []
    for question, value in answers:
        if question.id not in open_ids:
            raise SubmissionError("answered")
        answer = QuestionAnswer(question_id=question.id, value=value, answered_later_at=now)
        submission.answers.append(answer)
        stored.append(answer)
    session.flush()
    return stored


def verified_organisations_of(session: Session, user: User | None) -> list[Organisation]:
    """The verified organisations ``user`` may speak for."""
    if user is None:
        return []
    return list(
        session.scalars(
            select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.user_id == user.id, Organisation.verified_at.is_not(None))
            .order_by(Organisation.name)
        )
    )


# -- submitting ----------------------------------------------------------------------------


@dataclass
class Draft:
    """What the form delivered, already checked; the service only stores it."""

    idempotency_key: str
    stakeholder_group: StakeholderGroup
    age_band: AgeBand | None = None
    municipality: Any = None
    organisation: Organisation | None = None
    organisation_name: str | None = None
    publish_text: bool = False
    publish_name: bool = False
    display_name: str | None = None
    email: str | None = None
    user: User | None = None
    # (section or None for the whole document, text)
    comments: list[tuple[Section | None, str]] = field(default_factory=list)
    # Per comment, in the same order: the anchor of the paragraph of its section it is
    # about, or None (missing entries are None). Checked by submit: ParagraphRefused.
    paragraphs: list[str | None] = field(default_factory=list)
    # (question, value): text, option index, list of indexes, or 1-5
    answers: list[tuple[Question, Any]] = field(default_factory=list)
    files: list[CheckedFile] = field(default_factory=list)
    # Sent through the API with an organisation's token (its public prefix): confirmed on
    # arrival, as the organisation vouches for it, and recorded with the channel and prefix.
    api_token: str | None = None
    # The channel code the sender arrived with (a poster's link); checked again here.
    via: str | None = None


# The (consultation id, key) pairs this transaction looked up and found no submission for:
# :func:`submit` does not ask again (the unique key catches a submission stored since, as
# it would after a second look).
_ABSENT_KEYS = "consult.comments.absent_keys"


def find_by_key(session: Session, consultation: Consultation, key: str) -> Submission | None:
    found = session.scalar(
        select(Submission).where(
            Submission.consultation_id == consultation.id, Submission.idempotency_key == key
        )
    )
    if found is None:
        session.info.setdefault(_ABSENT_KEYS, set()).add((consultation.id, key))
    return found


@orm_event.listens_for(Session, "after_transaction_end")
def _forget_absent_keys(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outer transaction ended: what it saw is history
        session.info.pop(_ABSENT_KEYS, None)


def sent_by(session: Session, user: Any, page: int, per_page: int) -> tuple[list[Submission], int]:
    """One page of what ``user`` sent from their account, newest first, with its comments
    and consultation; submissions discarded unconfirmed are left out. (page, total)."""
    where = (Submission.user_id == user.id, Submission.state != SubmissionState.DISCARDED)
    total = session.scalar(select(func.count(Submission.id)).where(*where)) or 0
    rows = session.scalars(
        select(Submission)
        .where(*where)
        .order_by(Submission.received_at.desc(), Submission.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
        .options(
            joinedload(Submission.consultation).joinedload(Consultation.region),
            selectinload(Submission.comments),
        )
    )
    return list(rows), total


def find_by_code(session: Session, code: str) -> Submission | None:
    """The submission with its comments (at most a few: joined into the same query), its
    answers and attachments (one query each)."""
    return (
        session.execute(
            select(Submission)
            .where(Submission.tracking_code == code)
            .options(
                joinedload(Submission.consultation).joinedload(Consultation.version),
                joinedload(Submission.stakeholder_group),
                joinedload(Submission.municipality),
                joinedload(Submission.organisation),
                joinedload(Submission.contact),
                joinedload(Submission.comments).joinedload(Comment.section),
                selectinload(Submission.answers),
                selectinload(Submission.attachments),
            )
        )
        .unique()
        .scalar_one_or_none()
    )


def canonical_content(
    submission: Submission, *, with_attachments: bool | None = None
) -> dict[str, Any]:
    """What the receipt's hash proves: everything sent, except the contact data.

    Attachments (name, type, size, SHA-256) are part of it for submissions received since
    they joined the hash (their ``submission_received`` event counts them, so ``verify``
    knows, ``with_attachments``); left None, an older submission whose stored hash is the
    one without them keeps it (only for showing a receipt; never for verification)."""
    version = submission.consultation.version
    positions = {q.id: q.position for q in submission.consultation.questions}
    files = attachments_content(submission) if with_attachments is not False else None
    content = canonical.submission_content(
        consultation_slug=submission.consultation.slug,
        document_id=version.document_id,
        version_number=version.number,
        version_hash=version.content_hash,
        received_at=submission.received_at,
        stakeholder_group=submission.stakeholder_group.code,
        age_band=submission.age_band.value if submission.age_band else None,
        municipality=submission.municipality.code if submission.municipality else None,
        organisation_id=submission.organisation_id,
        organisation_name=submission.organisation_name,
        organisation_verified=submission.organisation_verified,
        publish_text=submission.publish_text,
        publish_name=submission.publish_name,
        comments=[
            (c.section.anchor if c.section else None, c.body, c.paragraph)
            for c in sorted(submission.comments, key=lambda c: c.position)
        ],
        answers=[
            (positions[a.question_id], a.value)
            for a in submission.answers
            if a.answered_later_at is None
        ],
        nonce=submission.content_nonce,
        attachments=files,
    )
    if with_attachments is None and files and submission.content_hash:
        without = {k: v for k, v in content.items() if k != "attachments"}
        if record_canonical.digest(without) == submission.content_hash:
            return without  # received before attachments joined the hash
    return content


def attachments_content(submission: Submission) -> list[tuple[str, str, int, str]]:
    """The attachments as the content hash holds them, in the order they were sent (their
    ids once stored; before, the order of the list, which is the order they are stored in)."""
    attached = list(submission.attachments)
    if all(a.id is not None for a in attached):
        attached.sort(key=lambda a: a.id)
    return [(a.filename, a.content_type, a.size, a.sha256) for a in attached]


# -- the evidence record -------------------------------------------------------------------


def comment_object_id(comment: Comment) -> str:
    """A comment's public id in the record: ``<tracking code>/<position>``."""
    return f"{comment.submission.tracking_code}/{comment.position}"


def contact_commitment(submission: Submission) -> str | None:
    """The record's commitment to the sender's contact: SHA-256 over the contact's own salt
    and the email address ("" when there is none). It binds the contact to the submission,
    and links to nobody once the address and the salt are erased. None without a contact
    (or after erasure), when there is nothing to commit to."""
    contact = submission.contact
    if contact is None or not contact.salt:
        return None
    return record_canonical.commitment(contact.salt, contact.email or "")


def attributes_opening(submission: Submission, api_token: str | None) -> dict[str, Any]:
    """What the ``attributes`` commitment of ``submission_received`` commits to: the
    sender's group, age band and municipality (together they can single out a child), and
    the API token's prefix when one sent it (left out under 16, so that a child's age band
    is never tied to a school or club; inside the commitment, so that its absence does
    not tell the age either)."""
    under_16 = submission.age_band is not None and submission.age_band.under_16
    return {
        "stakeholder_group": submission.stakeholder_group.code,
        "age_band": submission.age_band.value if submission.age_band else None,
        "municipality": submission.municipality.code if submission.municipality else None,
        "api_token": None if under_16 else api_token,
    }


def attributes_commitment(salt: str, opening: dict[str, Any]) -> str:
    """SHA-256(salt || RFC 8785 JSON of the opening), hex (:func:`attributes_opening`)."""
    return record_canonical.commitment(salt, opening)


def api_token_prefixes(session: Session, codes: list[str]) -> dict[str, str]:
    """Tracking code -> the prefix of the API token that sent it (for these submissions):
    what :func:`attributes_opening` needs to recompute a commitment."""
    rows = session.execute(
        select(Submission.tracking_code, ApiToken.prefix)  # two columns: (code, prefix)
        .join(ApiSubmission, ApiSubmission.submission_id == Submission.id)
        .join(ApiToken, ApiToken.id == ApiSubmission.token_id)
        .where(Submission.tracking_code.in_(codes))
    )
    return {row[0]: row[1] for row in rows}


def submission_event_payload(
    submission: Submission, *, api_token: str | None = None
) -> dict[str, Any]:
    """The ``submission_received`` payload: the receipt's content hash and what the record
    may show of everyone; never the email, a name or an organisation's name.

    The sender's group, age band, municipality (and a token's prefix) are behind a salted
    commitment (``attributes``), since the leaves are public (C2SP tiles) and together
    with the time they could single out a child; the salt is kept on the submission
    (``attributes_salt``, made here when it has none). ``channel`` says "api" for a
    submission an organisation sent with a token."""
    comments = sorted(submission.comments, key=lambda c: c.position)
    if not submission.attributes_salt:
        submission.attributes_salt = secrets.token_hex(16)
    payload = {
        "content_hash": submission.content_hash,
        "attributes": attributes_commitment(
            submission.attributes_salt, attributes_opening(submission, api_token)
        ),
        "comment_count": len(comments),
        "sections": [c.section.anchor if c.section else None for c in comments],
        "organisation_verified": bool(submission.organisation_verified),
        "contact": contact_commitment(submission),
        **name_commitment(submission),
    }
    if api_token is not None:
        payload["channel"] = "api"
    paragraphs = [getattr(c, "paragraph", None) for c in comments]  # the load seed's too
    if any(paragraphs):  # only then, so older events stay as they were
        payload["paragraphs"] = paragraphs
    if getattr(submission, "attachments", None):  # so verify knows the hash holds them
        payload["attachments"] = len(submission.attachments)
    if submission.premoderated:  # so verify knows a moderator, not a link, confirms it
        payload["channel"] = "no_email"
    return payload


def name_commitment(submission: Submission) -> dict[str, str]:
    """``{"shown_name": SHA-256(salt || "name:" || display name)}`` when the sender gave a
    name to publish (nothing otherwise, so older events stay as they were): a name changed
    in the database no longer matches. Erasing the contact blanks the salt, as for the
    e-mail address."""
    contact = submission.contact
    if contact is None or not contact.salt or not contact.display_name:
        return {}
    return {"shown_name": record_canonical.commitment(contact.salt, "name:" + contact.display_name)}


def record_submission(
    session: Session,
    submission: Submission,
    *,
    actor_role: ActorRole = ActorRole.PARTICIPANT,
    api_token: str | None = None,
    flush: bool = True,
) -> RecordEvent:
    """Write ``submission_received`` (at its moment of receipt) and, for a submission that
    was confirmed on arrival (sent from a confirmed account, or through the API with an
    organisation's token), ``submission_confirmed`` right after it. The seeds call this for
    the submissions they make. ``api_token`` (a token's public prefix) adds the channel
    and the prefix to the payload, so every use of a token is in the record.

    Under 16 the prefix is left out (the channel stays): the platform chain ties a prefix
    to its organisation, and a child's age band and municipality must not be tied to a
    school or club, just as their submission keeps no organisation.

    ``flush=False`` leaves the events for the caller's next flush (:func:`submit` writes
    them with the signed promise).

    Returns the ``submission_received`` event."""
    payload = submission_event_payload(submission, api_token=api_token)
    received = record.append(
        session,
        kind=EventKind.SUBMISSION_RECEIVED,
        consultation=submission.consultation,
        object_type="submission",
        object_id=submission.tracking_code,
        actor_role=actor_role,
        payload=payload,
        occurred_at=submission.received_at,
        # A second append reads the head again: it must find this one stored.
        flush=flush or submission.state is SubmissionState.CONFIRMED,
    )
    if submission.state is SubmissionState.CONFIRMED:
        by = "api_token" if api_token is not None else "account"
        record_confirmation(session, submission, by=by, actor_role=actor_role, flush=flush)
    return received


def record_confirmation(
    session: Session,
    submission: Submission,
    *,
    by: str,
    actor_role: ActorRole = ActorRole.PARTICIPANT,
    flush: bool = True,
) -> None:
    """``submission_confirmed``; ``by`` is "account" or "api_token" (on arrival), "email"
    (the link) or "moderator" (a submission sent without e-mail, approved)."""
    record.append(
        session,
        kind=EventKind.SUBMISSION_CONFIRMED,
        consultation=submission.consultation,
        object_type="submission",
        object_id=submission.tracking_code,
        actor_role=actor_role,
        payload={"by": by},
        occurred_at=submission.confirmed_at,
        flush=flush,
    )


def record_discard(session: Session, submission: Submission) -> None:
    """``submission_discarded``: the system gave up waiting for the email link."""
    record.append(
        session,
        kind=EventKind.SUBMISSION_DISCARDED,
        consultation=submission.consultation,
        object_type="submission",
        object_id=submission.tracking_code,
        actor_role=ActorRole.SYSTEM,
        payload={"contact_erased": True},
        occurred_at=submission.discarded_at,
    )


def record_withdrawal(session: Session, comment: Comment) -> None:
    """``comment_withdrawn``, by the participant."""
    record.append(
        session,
        kind=EventKind.COMMENT_WITHDRAWN,
        consultation=comment.submission.consultation,
        object_type="comment",
        object_id=comment_object_id(comment),
        actor_role=ActorRole.PARTICIPANT,
        occurred_at=comment.withdrawn_at,
    )


def offers_no_email_first(age_band: AgeBand | None) -> bool:
    """Whether the form offers the path without e-mail first: under 16, a child may have no
    address of their own (and needs none). Everyone may take it; only the order differs."""
    return age_band is not None and age_band.under_16


def _is_confirmed_sender(user: User | None) -> bool:
    return user is not None and user.is_confirmed


def submit(
    session: Session, consultation: Consultation, draft: Draft, now: datetime
) -> tuple[Submission, bool]:
    """Store a submission whole, once per idempotency key; (submission, newly created).

    A repeated key returns the submission stored the first time, even after closing (and
    writes nothing to the record again). A new one gets the log's signed promise of
    inclusion (:mod:`consult.ledger.promises`) in the same transaction. A new one is
    refused (SubmissionError "closed") outside the open period, by the clock. A new one is
    recorded (:func:`record_submission`) in the same savepoint, so a lost race leaves no
    event behind.

    Who confirms it: a confirmed account or an API token on arrival; the e-mail link
    otherwise; and when there is neither an account nor an address (the path without
    e-mail), a moderator (``premoderated``, state awaiting; :mod:`consult.moderation`).
    """
    if (consultation.id, draft.idempotency_key) not in session.info.get(_ABSENT_KEYS, ()):
        existing = find_by_key(session, consultation, draft.idempotency_key)
        if existing is not None:
            return existing, False
    if not consultation.accepts_comments_at(now):
        raise SubmissionError("closed")

    age_band = draft.age_band if draft.stakeholder_group.asks_age_band else None
    under_16 = age_band is not None and age_band.under_16
    publish_name = draft.publish_name and not under_16 and bool(draft.display_name)
    confirmed = _is_confirmed_sender(draft.user) or draft.api_token is not None
    email = None if confirmed else (draft.email or (draft.user.email if draft.user else None))
    # Nobody vouches for it (no account, no token) and no address can confirm it: a
    # moderator approves it before it counts or shows.
    premoderated = not confirmed and not email
    if confirmed:
        state = SubmissionState.CONFIRMED
    else:
        state = SubmissionState.AWAITING if premoderated else SubmissionState.PENDING
    # Under 16 nobody speaks for an organisation here: a name or an organisation could
    # identify a child, so neither is kept, whatever the form sent.
    organisation = None if under_16 else draft.organisation
    organisation_name = None if under_16 or organisation else draft.organisation_name
    organisation_verified = organisation is not None and organisation.is_verified
    try:
        with session.begin_nested():
            submission = Submission(
                consultation=consultation,
                tracking_code=codes.new_tracking_code(),
                idempotency_key=draft.idempotency_key,
                user_id=draft.user.id if draft.user else None,
                stakeholder_group=draft.stakeholder_group,
                age_band=age_band,
                municipality=draft.municipality,
                organisation=organisation,
                # The id too (not only at the flush): the content hash names it.
                organisation_id=organisation.id if organisation is not None else None,
                organisation_name=organisation_name,
                organisation_verified=organisation_verified,
                publish_text=draft.publish_text,
                publish_name=publish_name,
                state=state,
                premoderated=premoderated,
                received_at=now,
                confirmed_at=now if confirmed else None,
                content_nonce=secrets.token_hex(16),
                via_code=channels.normalise(draft.via),
                # Empty, not unloaded: nothing asks the database for what was not sent.
                comments=[],
                answers=[],
                attachments=[],
            )
            display_name = draft.display_name if publish_name else None
            submission.contact = SubmissionContact(
                email=email, display_name=display_name, salt=secrets.token_hex(16)
            )
            # Drawn after the contact's salt, as when the record's payload made it.
            submission.attributes_salt = secrets.token_hex(16)
            for position, (section, text) in enumerate(draft.comments, start=1):
                anchor = (
                    draft.paragraphs[position - 1] if position <= len(draft.paragraphs) else None
                )
                try:
                    paragraph = paragraph_of(section, anchor)
                except ValueError:
                    raise ParagraphRefused(position) from None
                submission.comments.append(
                    Comment(
                        consultation_id=consultation.id,
                        section=section,
                        paragraph=paragraph,
                        position=position,
                        body=text,
                        created_at=now,
                        is_public=confirmed and draft.publish_text,
                    )
                )
            for question, value in draft.answers:
                submission.answers.append(QuestionAnswer(question_id=question.id, value=value))
            for checked in draft.files:
                submission.attachments.append(
                    Attachment(
                        filename=checked.filename,
                        content_type=checked.content_type,
                        size=checked.size,
                        sha256=checked.sha256,
                        data=checked.data,
                        created_at=now,
                    )
                )
            # Hashed before it is stored, so each row is written once, complete.
            submission.content_hash = record_canonical.digest(canonical_content(submission))
            session.add(submission)
            # Stored before the record's head is locked: a lost race ends here, and the
            # head waits for no insert.
            session.flush()
            received = record_submission(
                session, submission, api_token=draft.api_token, flush=not has_app_context()
            )
            # The log's signed promise that this leaf is in its tree: the receipt carries it,
            # written in the flush of the event. (Every request, command and job has an app
            # and so the key; only test data built without an app gets no promise.)
            if has_app_context():
                promises.make(session, received)
    except IntegrityError:
        # Another request with the same key won the race: its submission is the answer.
        existing = find_by_key(session, consultation, draft.idempotency_key)
        if existing is None:
            raise
        return existing, False
    return submission, True


def refresh_public(submission: Submission) -> None:
    """Set each comment's ``is_public`` from :attr:`Comment.publishable` after the
    submission's state changed (confirmed by its link, approved by a moderator)."""
    for comment in submission.comments:
        comment.is_public = comment.publishable


def confirm(session: Session, submission: Submission, now: datetime) -> bool:
    """Confirm a submission sent without an account; True when it changed now.

    The moment of receipt stays the moment it arrived. A discarded one stays discarded.
    The row is locked and read again first: a double click, or the clock discarding it at
    the same moment, must not write a second or a contradicting event.
    """
    session.refresh(submission, with_for_update=True)
    if submission.state is SubmissionState.CONFIRMED:
        return False
    if submission.state is SubmissionState.DISCARDED:
        raise SubmissionError("discarded")
    submission.state = SubmissionState.CONFIRMED
    submission.confirmed_at = now
    refresh_public(submission)
    session.flush()
    record_confirmation(session, submission, by="email")
    return True


def erase_contact(contact: SubmissionContact, now: datetime) -> None:
    """Forget the email address and the name; the submission itself stays as it was.

    The salt goes too: with it, a guessed address could still be tested against the
    record's commitment; without it the commitment links to nobody.
    """
    contact.email = None
    contact.display_name = None
    contact.salt = ""
    # The salt of the commitment to group, age band and municipality goes too: the
    # record's leaf then links to nobody's details (the commitment stays and verifies).
    if contact.submission.attributes_salt:
        contact.submission.attributes_salt = ""
    if contact.erased_at is None:
        contact.erased_at = now


def discard_unconfirmed(session: Session, now: datetime) -> int:
    """Discard every submission still waiting for its email link after 72 hours.

    Its contact data (email address, name) is erased in the same transaction.
    """
    stale = list(
        session.scalars(
            select(Submission)
            .where(
                Submission.state == SubmissionState.PENDING,
                Submission.received_at <= now - CONFIRM_WITHIN,
            )
            .options(selectinload(Submission.contact), selectinload(Submission.consultation))
            .order_by(Submission.id)
            .with_for_update(skip_locked=True)
        )
    )
    if not stale:
        return 0
    ids = [s.id for s in stale]
    for submission in stale:
        submission.state = SubmissionState.DISCARDED
        submission.discarded_at = now
    session.execute(
        update(Comment)
        .where(Comment.submission_id.in_(ids))
        .values(is_public=False)
        .execution_options(synchronize_session=False)
    )
    # Nobody confirmed these: the address was never proven to be the sender's. Keep none
    # of the contact data; the rest stays, so the receipt's fingerprint still checks out.
    for submission in stale:
        if submission.contact is not None:
            erase_contact(submission.contact, now)
    session.flush()
    for submission in stale:
        record_discard(session, submission)
    return len(stale)


def withdraw(session: Session, comment: Comment, now: datetime) -> bool:
    """Withdraw a comment before closing; its text stays in the record. True when new."""
    # Lock only the comment row: the comment may have been loaded with its section joined
    # (an outer join), and PostgreSQL cannot lock the nullable side of one.
    session.refresh(comment, with_for_update={"of": Comment})  # a double click: once
    if comment.withdrawn_at is not None:
        return False
    if not comment.submission.consultation.accepts_comments_at(now):
        raise SubmissionError("closed")
    comment.withdrawn_at = now
    comment.is_public = False
    session.flush()
    record_withdrawal(session, comment)
    return True


def is_pending_expired(submission: Submission, now: datetime) -> bool:
    return (
        submission.state is SubmissionState.PENDING
        and submission.received_at <= now - CONFIRM_WITHIN
    )


# -- signed links --------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in TOKEN_PURPOSES:
        raise ValueError(purpose)
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"consult.{purpose}")


def make_token(purpose: str, submission: Submission) -> str:
    return _serializer(purpose).dumps({"s": submission.id, "c": submission.tracking_code})


def read_token(session: Session, purpose: str, token: str, max_age: int) -> Submission:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(expired=True) from exc
    except BadSignature as exc:
        raise TokenError() from exc
    if not isinstance(payload, dict):
        raise TokenError()
    submission = session.get(Submission, payload.get("s"))
    if submission is None or submission.tracking_code != payload.get("c"):
        raise TokenError()
    return submission


# -- the moment the consultation is in -----------------------------------------------------
