"""Mailing followers: at once (one mail per event) or once a day (one mail per person).

A notice's ``sent_at`` is set in the transaction that puts its mail in the outbox
(:mod:`consult.outbox`), which delivers it after the commit and retries it until the mail
server takes it; a notice that was sent is never picked up again, so reruns never send
twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import render_template
from flask_babel import format_date, gettext, ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, selectinload

from consult.accounts.models import User
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.follows import services, tokens
from consult.follows.models import Follow, Frequency, Notice
from consult.i18n import in_language
from consult.jobs import Job, Progress
from consult.mail import build_message, external_url
from consult.outbox import enqueue

log = logging.getLogger(__name__)

# The jobs that send (queued by :mod:`~consult.follows.services` and the schedule).
IMMEDIATE_KIND = services.IMMEDIATE_KIND
DIGEST_KIND = services.DIGEST_KIND
IMMEDIATE_WORK = services.IMMEDIATE_WORK
DIGEST_WORK = services.DIGEST_WORK


class FollowMailsFailed(RuntimeError):
    """Some mails could not be sent; the next run retries them."""


@dataclass
class Result:
    sent: int = 0
    failed: int = 0


def describe(notice: Notice, consultation: Consultation | None) -> str:
    """One line saying what happened, in the current language."""
    title = consultation.title if consultation is not None else ""
    texts = {
        services.OPENED: gettext("%(title)s is open for comment.", title=title),
        services.CLOSES_SOON: gettext("%(title)s closes within 7 days.", title=title),
        services.EXTENDED: gettext("The closing date of %(title)s was extended.", title=title),
        services.CLOSED: gettext(
            "%(title)s is closed. The region promised an answer to every comment by %(day)s.",
            title=title,
            day=format_date(consultation.answers_due_on, "long")
            if consultation is not None and consultation.answers_due_on
            else "",
        ),
        services.OVERDUE: gettext(
            "The answers to %(title)s are late: the region promised them by %(day)s.",
            title=title,
            day=format_date(consultation.answers_due_on, "long")
            if consultation is not None and consultation.answers_due_on
            else "",
        ),
        services.ANSWERS: gettext(
            "Answers to the comments on %(title)s were published.", title=title
        ),
        services.REACTIENOTA: gettext("The reactienota of %(title)s was published.", title=title),
        services.NEW_VERSION: gettext(
            "A new version of the plan of %(title)s was published.", title=title
        ),
    }
    return texts.get(notice.event, title)


def unsubscribe_url(follow: Follow) -> str:
    return external_url("follows.unsubscribe", token=tokens.make(follow))


def unsubscribe_all_url(user: User, frequency: Frequency | None = None) -> str:
    return external_url("follows.unsubscribe_all", token=tokens.make_all(user, frequency))


def _send(
    session: Session, user: User, follow: Follow, notices: list[Notice], digest: bool
) -> None:
    """Build one mail and put it in the outbox of ``session``'s transaction."""
    locale = user.locale or "nl"
    with in_language(locale):
        items = []
        for notice in notices:
            consultation = _consultation(notice)
            link = (
                external_url("public.consultation", slug=consultation.slug)
                if consultation is not None
                else None
            )
            items.append((describe(notice, consultation), link))
        if digest:
            subject = ngettext(
                "Consult: %(num)d update on what you follow",
                "Consult: %(num)d updates on what you follow",
                len(items),
            )
        else:
            subject = "Consult: " + items[0][0]
        # The mail program's "unsubscribe" stops what this mail is: the daily email (all
        # the daily follows it lists), or the one follow an at-once mail is about.
        if digest:
            unsubscribe = unsubscribe_all_url(user, Frequency.DAILY)
        else:
            unsubscribe = unsubscribe_url(follow)
        text = render_template(
            "mail/follows/notices.txt",
            items=items,
            digest=digest,
            unsubscribe=unsubscribe,
            unsubscribe_all=unsubscribe_all_url(user),
            account=external_url("follows.account"),
        )
    message = build_message(user.email, subject, text)
    # RFC 2369 and RFC 8058: mail programs show an "unsubscribe" button that POSTs here.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # The address is one unbreakable word, often longer than the 78 characters a header
    # line should keep to; folding it would turn it into an RFC 2047 encoded word, which
    # mail programs do not read as a URL. RFC 5322 allows lines of up to 998 characters.
    # (The body was encoded already, so this changes the header lines only.)
    message.policy = message.policy.clone(max_line_length=998)
    enqueue(session, message, kind="mail/follows/notices")


def _consultation(notice: Notice) -> Consultation | None:
    session = object_session(notice)
    if session is None or notice.consultation_id is None:
        return None
    return session.get(Consultation, notice.consultation_id)


def _unsent(session: Session, frequency: Frequency) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice)
            .join(Follow, Follow.id == Notice.follow_id)
            .join(User, User.id == Notice.user_id)
            # Only confirmed addresses: nobody can sign someone else up for these mails.
            .where(
                Notice.sent_at.is_(None),
                Follow.frequency == frequency,
                User.email_confirmed_at.is_not(None),
            )
            .order_by(Notice.user_id, Notice.id)
            .options(selectinload(Notice.follow).selectinload(Follow.user))
        )
    )


def _deliver_batches(session: Session, batches: list[list[Notice]], digest: bool) -> Result:
    # The reads end here, so a slow mail server never holds a transaction open.
    session.commit()
    result = Result()
    for batch in batches:
        follow, user = batch[0].follow, batch[0].follow.user
        # Claimed again, locked: another run that sent them meanwhile leaves nothing here
        # (PostgreSQL skips rows a concurrent run holds; SQLite has one writer anyway).
        claimed = list(
            session.scalars(
                select(Notice)
                .where(Notice.id.in_([n.id for n in batch]), Notice.sent_at.is_(None))
                .order_by(Notice.id)
                .with_for_update(skip_locked=True)
            )
        )
        if not claimed:
            session.rollback()
            continue
        _send(session, user, follow, claimed, digest)
        now = utcnow()
        for notice in claimed:
            notice.sent_at = now
        session.commit()
        result.sent += 1
    return result


def send_immediate(session: Session) -> Result:
    """One mail per unsent notice of an 'at once' follow."""
    return _deliver_batches(session, [[n] for n in _unsent(session, Frequency.IMMEDIATE)], False)


def send_digest(session: Session) -> Result:
    """One mail per person listing their unsent notices of daily follows."""
    per_user: dict[int, list[Notice]] = {}
    for notice in _unsent(session, Frequency.DAILY):
        per_user.setdefault(notice.user_id, []).append(notice)
    return _deliver_batches(session, list(per_user.values()), True)


def daily(session: Session) -> Result:
    """The daily run: closing-soon reminders, then everything still unsent.

    Two runs at once (two app servers' clocks in the same instant) may both note the same
    reminder; the unique key refuses the second, and that run goes on to the sending,
    where each notice is claimed once.
    """
    try:
        with session.begin_nested():
            services.note_closing_soon(session)
            services.note_overdue(session)
        session.commit()
    except IntegrityError:
        session.rollback()
        log.info("closing-soon reminders were noted by another run at the same moment")
    first = send_immediate(session)
    second = send_digest(session)
    return Result(first.sent + second.sent, first.failed + second.failed)


# -- jobs ------------------------------------------------------------------------------------


def _finish(result: Result, progress: Progress) -> None:
    progress(result.sent + result.failed, result.sent + result.failed, "sending emails")
    if result.failed:
        raise FollowMailsFailed(f"{result.failed} follow mails could not be sent; run again")


def immediate_job(session: Session, job: Job, progress: Progress) -> None:
    _finish(send_immediate(session), progress)


def digest_job(session: Session, job: Job, progress: Progress) -> None:
    _finish(daily(session), progress)
