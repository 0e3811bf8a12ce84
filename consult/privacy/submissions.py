"""Erasing a participant's personal data from a submission, on their own request.

The email address and the name live apart from the submission (:class:`SubmissionContact`),
and neither is part of what the receipt and the record hash, so erasing them leaves every
fingerprint, chain and cross-check as it was. The record learns *that* it happened: one
``personal_data_erased`` event naming which fields were erased, never their values. The
``submission_received`` event's commitment to the contact was made with the contact's own
salt; the salt goes too, so that commitment links to nobody any more.

A draft reactienota made before the erasure may still name the participant: the name is
taken out of it here as well (a published edition is frozen evidence and is not touched).

The sender reaches this through their account (the policy's ``submission:contact:erase``)
or through the link in the receipt mail, signed like the withdraw link and valid as long.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from consult import outbox
from consult.comments import codes
from consult.comments import services as submission_tokens
from consult.comments.models import Submission, SubmissionContact
from consult.comments.services import WITHDRAW_LINK_MAX_AGE, erase_contact
from consult.ledger import services as record
from consult.ledger.models import ActorRole, EventKind
from consult.reports import services as reactienota
from consult.reports.models import ResponseReport

# The erase link in the receipt mail lives as long as the withdraw link beside it.
ERASE_LINK_MAX_AGE = WITHDRAW_LINK_MAX_AGE
TOKEN_PURPOSE = "erase-contact"  # noqa: S105 - a signing salt name
# The fields of a contact that hold personal data, as the event names them.
PERSONAL_FIELDS = ("display_name", "email")


def personal_fields(contact: SubmissionContact | None) -> list[str]:
    """The names of the personal fields that still hold something, for the pages and event."""
    if contact is None:
        return []
    return [name for name in PERSONAL_FIELDS if getattr(contact, name)]


def is_erased(submission: Submission) -> bool:
    contact = submission.contact
    return contact is not None and contact.erased_at is not None


def erase_submission_contact(
    session: Session, submission: Submission, actor_role: ActorRole | str, now: datetime
) -> bool:
    """Erase the email address and name of ``submission``; True when erased now.

    Writes one ``personal_data_erased`` event (payload: the names of the fields that held
    data) in the caller's transaction. A contact erased before (by this, or when an
    unconfirmed submission was discarded) is left alone: no second event. A submission
    without a contact has nothing to erase.
    """
    contact = submission.contact
    if contact is None:
        return False
    # Two requests at once (a double click): the second waits here, then finds it done.
    session.flush()
    session.refresh(contact, with_for_update=True)
    if contact.erased_at is not None:
        return False
    fields = personal_fields(contact)
    if contact.email:  # the outbox's mails to this address go too, sent or not
        outbox.forget_recipient(session, contact.email)
    erase_contact(contact, now)
    session.flush()
    _forget_name_in_draft_report(session, submission)
    record.append(
        session,
        kind=EventKind.PERSONAL_DATA_ERASED,
        consultation=submission.consultation,
        object_type="submission",
        object_id=submission.tracking_code,
        actor_role=actor_role,
        payload={"fields": fields},
        occurred_at=now,
    )
    return True


def erase_contacts_with_email(
    session: Session, email: str, actor_role: ActorRole | str, now: datetime
) -> int:
    """Erase every submission contact with this address (any case); how many were erased."""
    wanted = email.strip().casefold()
    if not wanted:
        return 0
    query = (
        select(Submission)
        .join(SubmissionContact, SubmissionContact.submission_id == Submission.id)
        .where(SubmissionContact.email.is_not(None), SubmissionContact.erased_at.is_(None))
        .options(selectinload(Submission.contact), selectinload(Submission.consultation))
        .order_by(Submission.id)
    )
    if wanted.isascii():  # SQLite's lower() folds ASCII only; other addresses are rare
        query = query.where(func.lower(SubmissionContact.email) == wanted)
    candidates = session.scalars(query)
    matching = [s for s in candidates if s.contact and s.contact.email.strip().casefold() == wanted]
    return sum(erase_submission_contact(session, s, actor_role, now) for s in matching)


def _forget_name_in_draft_report(session: Session, submission: Submission) -> None:
    """Take the participant's name out of an unpublished reactienota of the consultation.

    Only the name of this submission's comments changes, and the content hash with it, so
    the official's preview still guards against every other change (publishing compares
    a fresh build with the stored hash). The draft's rendered files go: they may hold it.
    """

    draft = reactienota.draft_of(session, submission.consultation)
    if draft is None:
        return
    code = codes.display(submission.tracking_code)
    content = _without_name(draft.content, code)
    if content == draft.content:
        return
    draft.content = content
    draft.content_hash = reactienota.content_hash(content)
    for old in list(draft.files):
        session.delete(old)
    draft.files = []
    session.flush()


def name_in_published_report(session: Session, submission: Submission) -> bool:
    """Whether a published reactienota edition prints this sender's name.

    A published edition is evidence and never changes, so erasing cannot take the name
    out of it (a correction edition, made by the region, can); the erase page says so.
    """

    contact = submission.contact
    if not submission.publish_name or contact is None or not contact.display_name:
        return False
    code = codes.display(submission.tracking_code)
    published = session.scalars(
        select(ResponseReport.content).where(
            ResponseReport.consultation_id == submission.consultation_id,
            ResponseReport.published_at.is_not(None),
        )
    )
    return any(_without_name(content, code) != content for content in published)


def _without_name(value: Any, code: str) -> Any:
    """A copy of ``value`` with ``name`` set to None in every item of the comment ``code``."""
    if isinstance(value, list):
        return [_without_name(item, code) for item in value]
    if isinstance(value, dict):
        copy = {key: _without_name(item, code) for key, item in value.items()}
        if copy.get("code") == code and copy.get("name") is not None:
            copy["name"] = None
        return copy
    return value


# -- the link in the receipt mail ----------------------------------------------------------


def make_token(submission: Submission) -> str:
    return submission_tokens.make_token(TOKEN_PURPOSE, submission)


def read_token(session: Session, token: str, max_age: int = ERASE_LINK_MAX_AGE) -> Submission:
    """The submission an erase link was made for; raises ``TokenError`` otherwise."""
    return submission_tokens.read_token(session, TOKEN_PURPOSE, token, max_age)
