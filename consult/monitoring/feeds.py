"""Atom feeds of what a follower cares about: national, per region, per consultation.

``/landelijk.atom``, ``/regios/<code>/nieuws.atom`` and ``/consultaties/<slug>/nieuws.atom``
list, newest first and at most 50, the public steps of every consultation in scope: it
opened, its closing date was moved (with the reason), it closed (with the day its answers
are promised), that day was moved (with the reason), the day passed while comments still
wait (late answers), answers were published (one entry per publication moment, with the
count), an edition of the reactienota was published, and a new version of the document
after the consulted one was published.

Everything comes from the history the database already keeps (state changes, closing
changes, published answers, published report editions, locked versions); nothing about a
draft consultation, a draft or approved answer, an unpublished edition or an unlocked
version ever appears. Each kind of step is one query limited to the feed's size, so a feed
costs the same few queries however long the history is.

The feeds are in Dutch (the site's first language) and the same for everyone, so caches may
share them; each answers a conditional GET (ETag, Last-Modified) with 304.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, redirect, url_for
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload
from werkzeug.wrappers import Response

from consult.consultations import lifecycle
from consult.consultations.models import (
    AnswerDateChange,
    ClosingChange,
    Consultation,
    ConsultationState,
    StateChange,
)
from consult.documents.models import Document, DocumentVersion
from consult.extensions import db
from consult.regions import services as regions
from consult.regions.models import Region
from consult.reports.models import ResponseReport
from consult.responses import queries
from consult.responses.models import Answer, AnsweredComment, AnswerState
from consult.web import atom
from consult.web.atom import element

bp = Blueprint("feeds", __name__)

FEED_SIZE = 50
# The answers quoted in one "answers published" entry; the rest are on the page.
ANSWERS_PER_ENTRY = 10
# The ``updated`` of a feed with no entries yet: fixed, so an empty feed's ETag holds still.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CACHE = "public, max-age=300"


@dataclass(frozen=True)
class News:
    """One public step of one consultation, before it is put into words."""

    kind: str  # opened, extended, closed, answers_due, overdue, answers, report, version
    key: str  # unique within the consultation and kind: the entry's id ends with it
    at: datetime
    consultation_id: int
    facts: dict[str, Any]


# -- what happened (queries) -------------------------------------------------------------------


def _in_scope(query: Select, region_id: int | None, consultation_id: int | None) -> Select:
    """Only consultations that are not drafts, and only those of the region or the one."""
    query = query.where(Consultation.state != ConsultationState.DRAFT)
    if region_id is not None:
        query = query.where(Consultation.region_id == region_id)
    if consultation_id is not None:
        query = query.where(Consultation.id == consultation_id)
    return query


def news(
    session: Session,
    *,
    region_id: int | None = None,
    consultation_id: int | None = None,
    limit: int = FEED_SIZE,
) -> list[News]:
    """The newest ``limit`` public steps in scope (everything when both ids are None)."""
    found: list[News] = []

    def scoped(query: Select) -> Select:
        return _in_scope(query, region_id, consultation_id).limit(limit)

    states = session.execute(
        scoped(
            select(StateChange.id, StateChange.to_state, StateChange.changed_at, Consultation.id)
            .join(Consultation, Consultation.id == StateChange.consultation_id)
            .where(StateChange.to_state.in_([ConsultationState.OPEN, ConsultationState.CLOSED]))
            .order_by(StateChange.changed_at.desc(), StateChange.id.desc())
        )
    )
    for change_id, to_state, at, cid in states:
        kind = "opened" if to_state is ConsultationState.OPEN else "closed"
        found.append(News(kind, str(change_id), at, cid, {}))

    closings = session.execute(
        scoped(
            select(
                ClosingChange.id,
                ClosingChange.changed_at,
                ClosingChange.old_closes_at,
                ClosingChange.new_closes_at,
                ClosingChange.reason,
                Consultation.id,
            )
            .join(Consultation, Consultation.id == ClosingChange.consultation_id)
            .order_by(ClosingChange.changed_at.desc(), ClosingChange.id.desc())
        )
    )
    for change_id, at, old, new, reason, cid in closings:
        facts = {"old": old, "new": new, "reason": reason}
        found.append(News("extended", str(change_id), at, cid, facts))

    moves = session.execute(
        scoped(
            select(
                AnswerDateChange.id,
                AnswerDateChange.changed_at,
                AnswerDateChange.old_due_on,
                AnswerDateChange.new_due_on,
                AnswerDateChange.reason,
                Consultation.id,
            )
            .join(Consultation, Consultation.id == AnswerDateChange.consultation_id)
            .order_by(AnswerDateChange.changed_at.desc(), AnswerDateChange.id.desc())
        )
    )
    for change_id, at, old, new, reason, cid in moves:
        facts = {"old": old, "new": new, "reason": reason}
        found.append(News("answers_due", str(change_id), at, cid, facts))

    # A promise broken: the answer day passed while comments still wait. The entry is dated
    # the first day after the promised one, and its key holds the promised day.
    today = lifecycle.today_in_amsterdam()
    late = session.scalars(
        scoped(
            select(Consultation)
            .where(
                Consultation.state == ConsultationState.CLOSED,
                Consultation.answers_due_on < today,
            )
            .order_by(Consultation.answers_due_on.desc(), Consultation.id.desc())
        )
    ).all()
    for cid, status in queries.answer_status(session, late, today).items():
        if status.overdue:
            day_after = status.due_on + timedelta(days=1)
            at = lifecycle.to_utc(day_after, time(0, 0), later=False)
            facts = {"due_on": status.due_on, "waiting": status.waiting}
            found.append(News("overdue", status.due_on.isoformat(), at, cid, facts))

    # Answers published together share their moment: one entry per moment.
    publications = session.execute(
        scoped(
            select(
                Consultation.id,
                Answer.published_at,
                func.count(func.distinct(Answer.id)),
                func.count(func.distinct(Answer.supersedes_id)),
                func.count(func.distinct(AnsweredComment.comment_id)),
                func.min(Answer.id),
            )
            .join(Consultation, Consultation.id == Answer.consultation_id)
            .outerjoin(AnsweredComment, AnsweredComment.answer_id == Answer.id)
            .where(Answer.state == AnswerState.PUBLISHED, Answer.published_at.is_not(None))
            .group_by(Consultation.id, Answer.published_at)
            .order_by(Answer.published_at.desc())
        )
    )
    answered: list[News] = []
    for cid, at, answers, corrections, comments, first_id in publications:
        facts = {"answers": answers, "corrections": corrections, "comments": comments}
        answered.append(News("answers", str(first_id), at, cid, facts))
    _add_answer_texts(session, answered)
    found.extend(answered)

    reports = session.execute(
        scoped(
            select(
                ResponseReport.edition,
                ResponseReport.published_at,
                ResponseReport.correction_note,
                Consultation.id,
            )
            .join(Consultation, Consultation.id == ResponseReport.consultation_id)
            .where(ResponseReport.published_at.is_not(None))
            .order_by(ResponseReport.published_at.desc(), ResponseReport.id.desc())
        )
    )
    for edition, at, note, cid in reports:
        found.append(News("report", str(edition), at, cid, {"edition": edition, "note": note}))

    # A later version of the consulted document is public once locked.
    consulted = aliased(DocumentVersion)
    later = aliased(DocumentVersion)
    versions = session.execute(
        scoped(
            select(
                later.document_id,
                later.number,
                later.locked_at,
                later.change_note,
                Document.title,
                Consultation.id,
            )
            .join(consulted, consulted.id == Consultation.version_id)
            .join(
                later,
                and_(later.document_id == consulted.document_id, later.number > consulted.number),
            )
            .join(Document, Document.id == later.document_id)
            .where(later.locked_at.is_not(None))
            .order_by(later.locked_at.desc(), later.id.desc())
        )
    )
    for document_id, number, at, note, title, cid in versions:
        facts = {"document_id": document_id, "number": number, "note": note, "document": title}
        found.append(News("version", str(number), at, cid, facts))

    found.sort(key=lambda item: (item.at, item.kind, item.key), reverse=True)
    return found[:limit]


def _add_answer_texts(session: Session, items: list[News]) -> None:
    """The published answers themselves, for the entries that say answers were published
    (and only those): at most ``ANSWERS_PER_ENTRY`` each, one query for the whole feed."""
    if not items:
        return
    moments = {(item.consultation_id, item.at): item for item in items}
    rows = session.execute(
        select(Answer.consultation_id, Answer.published_at, Answer.disposition, Answer.reason)
        .where(
            Answer.state == AnswerState.PUBLISHED,
            or_(
                *(
                    and_(Answer.consultation_id == cid, Answer.published_at == at)
                    for cid, at in moments
                )
            ),
        )
        .order_by(Answer.id)
    )
    for item in items:
        item.facts["texts"] = []
    for cid, at, disposition, reason in rows:
        item = moments.get((cid, at))
        if item is not None and len(item.facts["texts"]) < ANSWERS_PER_ENTRY:
            item.facts["texts"].append((disposition, reason))


def _consultations(session: Session, ids: set[int]) -> dict[int, Consultation]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Consultation)
        .where(Consultation.id.in_(ids))
        .options(joinedload(Consultation.region))
    )
    return {c.id: c for c in rows}


# -- in words --------------------------------------------------------------------------------


def _day(value: datetime) -> str:
    return format_date(value, "long")


def _words(item: News, consultation: Consultation) -> tuple[str, str, str]:
    """Title, summary and link of one entry (in the locale in force)."""
    title = consultation.title
    region = consultation.region.name
    page = url_for("public.consultation", slug=consultation.slug, _external=True)
    facts = item.facts
    if item.kind == "opened":
        return (
            _("Open for comment: %(title)s", title=title),
            _(
                "%(region)s asks for your comments on %(title)s. You can respond until %(day)s.",
                region=region,
                title=title,
                day=_day(consultation.closes_at),
            ),
            page,
        )
    if item.kind == "extended":
        summary = _(
            "The consultation now closes on %(new)s instead of %(old)s.",
            new=_day(facts["new"]),
            old=_day(facts["old"]),
        )
        if facts["reason"]:
            summary += " " + _("Reason: %(reason)s", reason=facts["reason"])
        return (
            _("More time to respond: %(title)s", title=title),
            summary,
            page,
        )
    if item.kind == "closed":
        summary = _(
            "You can no longer respond to %(title)s. %(region)s now answers the comments.",
            title=title,
            region=region,
        )
        if consultation.answers_due_on is not None:
            summary += " " + _(
                "It promised an answer to every comment by %(day)s.",
                day=format_date(consultation.answers_due_on, "long"),
            )
        return _("Closed: %(title)s", title=title), summary, page
    if item.kind == "answers_due":
        summary = _(
            "%(region)s now promises the answers by %(new)s instead of %(old)s.",
            region=region,
            new=format_date(facts["new"], "long"),
            old=format_date(facts["old"], "long"),
        )
        if facts["reason"]:
            summary += " " + _("Reason: %(reason)s", reason=facts["reason"])
        return _("Answer date moved: %(title)s", title=title), summary, page
    if item.kind == "overdue":
        return (
            _("Answers late: %(title)s", title=title),
            ngettext(
                "%(region)s promised an answer to every comment by %(day)s. "
                "%(num)d comment still waits.",
                "%(region)s promised an answer to every comment by %(day)s. "
                "%(num)d comments still wait.",
                facts["waiting"],
                region=region,
                day=format_date(facts["due_on"], "long"),
            ),
            page,
        )
    if item.kind == "answers":
        summary = ngettext(
            "%(region)s published answers to %(num)d comment.",
            "%(region)s published answers to %(num)d comments.",
            facts["comments"],
            region=region,
        )
        if facts["corrections"] == facts["answers"]:
            summary += " " + ngettext(
                "This answer corrects an earlier answer.",
                "These answers correct earlier answers.",
                facts["corrections"],
            )
        elif facts["corrections"]:
            summary += " " + ngettext(
                "%(num)d of them corrects an earlier answer.",
                "%(num)d of them correct an earlier answer.",
                facts["corrections"],
            )
        for disposition, reason in facts.get("texts", []):
            line = disposition.label.capitalize()
            summary += "\n\n" + (f"{line}: {reason}" if reason else f"{line}.")
        if facts["answers"] > len(facts.get("texts", [])):
            summary += "\n\n" + _("Every answer is on the consultation's page.")
        return (
            ngettext(
                "%(num)d answer published: %(title)s",
                "%(num)d answers published: %(title)s",
                facts["answers"],
                title=title,
            ),
            summary,
            page,
        )
    if item.kind == "report":
        link = url_for(
            "reactienota.public_edition",
            slug=consultation.slug,
            edition=facts["edition"],
            _external=True,
        )
        if facts["edition"] == 1:
            summary = _(
                "%(region)s published the reactienota: what it did with every comment.",
                region=region,
            )
        else:
            summary = _(
                "%(region)s published edition %(edition)s of the reactienota.",
                region=region,
                edition=facts["edition"],
            )
            if facts["note"]:
                summary += " " + _("What changed: %(note)s", note=facts["note"])
        return _("Reactienota published: %(title)s", title=title), summary, link
    # a new version
    link = url_for(
        "public.version",
        document_id=facts["document_id"],
        number=facts["number"],
        _external=True,
    )
    summary = _(
        "Version %(number)s of %(document)s is published, after the consultation.",
        number=facts["number"],
        document=facts["document"],
    )
    if facts["note"]:
        summary += " " + _("What changed: %(note)s", note=facts["note"])
    return _("New version: %(document)s", document=facts["document"]), summary, link


def _entry_id(item: News, consultation: Consultation) -> str:
    return atom.tag_uri(f"consultaties/{consultation.slug}/{item.kind}/{item.key}")


def _feed(
    *, scope: str, title: str, self_url: str, page_url: str, items: list[News]
) -> tuple[str, datetime]:
    consultations = _consultations(db.session, {item.consultation_id for item in items})
    language = current_app.config["LANGUAGES"][0]
    updated = items[0].at if items else EPOCH
    with force_locale(language):
        feed = atom.feed(language)
        element(feed, "id", atom.tag_uri(scope))
        element(feed, "title", title)
        element(feed, "updated", atom.moment(updated))
        author = element(feed, "author")
        element(author, "name", "Consult")
        element(author, "uri", url_for("public.home", _external=True))
        element(feed, "link", rel="self", type=atom.MIMETYPE, href=self_url)
        element(feed, "link", rel="alternate", type="text/html", href=page_url)
        for item in items:
            consultation = consultations[item.consultation_id]
            entry_title, summary, link = _words(item, consultation)
            entry = element(feed, "entry")
            element(entry, "id", _entry_id(item, consultation))
            element(entry, "title", entry_title)
            element(entry, "updated", atom.moment(item.at))
            element(entry, "link", rel="alternate", type="text/html", href=link)
            element(entry, "summary", summary, type="text")
        return atom.serialize(feed), updated


def _respond(body: str, updated: datetime) -> Response:
    return atom.response(body, updated=updated, cache=CACHE)


def _overview_url() -> str:
    return url_for("monitoring.overview", _external=True)


# -- the views -------------------------------------------------------------------------------


@bp.get("/landelijk.atom")
def national() -> Response:
    language = current_app.config["LANGUAGES"][0]
    with force_locale(language):
        title = _("Consult: news from all regions")
    body, updated = _feed(
        scope="landelijk",
        title=title,
        self_url=url_for("feeds.national", _external=True),
        page_url=_overview_url(),
        items=news(db.session),
    )
    return _respond(body, updated)


@bp.get("/regios/<code>/nieuws.atom")
def region(code: str) -> Response:
    if code != code.upper():
        return redirect(url_for("feeds.region", code=code.upper()), 301)
    found: Region | None = regions.get_region(db.session, code)
    if found is None:
        abort(404)
    language = current_app.config["LANGUAGES"][0]
    with force_locale(language):
        title = _("Consult: news from %(region)s", region=found.name)
    body, updated = _feed(
        scope=f"regios/{found.code}",
        title=title,
        self_url=url_for("feeds.region", code=found.code, _external=True),
        page_url=url_for("public.region", code=found.code, _external=True),
        items=news(db.session, region_id=found.id),
    )
    return _respond(body, updated)


@bp.get("/consultaties/<slug>/nieuws.atom")
def consultation(slug: str) -> Response:
    found = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    # A draft is nobody's news: not even the team's preview gets a feed.
    if found is None or found.state is ConsultationState.DRAFT:
        abort(404)
    language = current_app.config["LANGUAGES"][0]
    with force_locale(language):
        title = _("Consult: %(title)s", title=found.title)
    body, updated = _feed(
        scope=f"consultaties/{found.slug}",
        title=title,
        self_url=url_for("feeds.consultation", slug=found.slug, _external=True),
        page_url=url_for("public.consultation", slug=found.slug, _external=True),
        items=news(db.session, consultation_id=found.id),
    )
    return _respond(body, updated)
