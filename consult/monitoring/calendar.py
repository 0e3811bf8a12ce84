"""iCalendar feeds (RFC 5545) of every public consultation: when it opens, when it closes,
and the day its region promised an answer to every comment.

``/agenda.ics`` holds every region's consultations and ``/regios/<code>/agenda.ics`` one
region's, so a parent, a school or an advocacy group can subscribe in any calendar app.
Drafts never appear. Each consultation gives three events with stable UIDs (a moved date
updates the same event, with a higher SEQUENCE), in Dutch, the site's first language, and
the same for everyone, so caches may share the file; a conditional GET gets a 304.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, request, url_for
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response

from consult.consultations import lifecycle
from consult.consultations.models import (
    AnswerDateChange,
    ClosingChange,
    Consultation,
    ConsultationState,
)
from consult.extensions import db
from consult.regions import pages as region_pages
from consult.regions.models import Region

bp = Blueprint("calendar", __name__)

MIMETYPE = "text/calendar"
CACHE = "public, max-age=900"


def public_consultations(session: Session, region: Region | None = None) -> list[Consultation]:
    """Every consultation that is no longer a draft (of ``region``), by opening moment."""
    query = (
        select(Consultation)
        .where(Consultation.state != ConsultationState.DRAFT)
        .options(joinedload(Consultation.region))
        .order_by(Consultation.opens_at, Consultation.id)
    )
    if region is not None:
        query = query.where(Consultation.region_id == region.id)
    return list(session.scalars(query))


def _moves(session: Session, ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """How often each consultation's closing moment and answer day moved: the SEQUENCE of
    its events, so a calendar app replaces the old date instead of keeping both."""
    if not ids:
        return {}, {}
    closings = dict(
        session.execute(
            select(ClosingChange.consultation_id, func.count(ClosingChange.id))
            .where(ClosingChange.consultation_id.in_(ids))
            .group_by(ClosingChange.consultation_id)
        ).all()
    )
    answers = dict(
        session.execute(
            select(AnswerDateChange.consultation_id, func.count(AnswerDateChange.id))
            .where(AnswerDateChange.consultation_id.in_(ids))
            .group_by(AnswerDateChange.consultation_id)
        ).all()
    )
    return closings, answers


def _uid(consultation: Consultation, what: str) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"{consultation.slug}-{what}@{host}"


def calendar(consultations: list[Consultation], name: str, stamp: datetime) -> bytes:
    """The iCalendar file of ``consultations``; ``stamp`` is every event's DTSTAMP (the
    newest change, so the file is the same bytes until something changes)."""
    closings, answers = _moves(db.session, [c.id for c in consultations])
    feed = Calendar()
    feed.add("prodid", "-//Consult//Regiovisies jeugdhulp//NL")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", name)
    feed.add("x-wr-timezone", "Europe/Amsterdam")
    for consultation in consultations:
        page = url_for("public.consultation", slug=consultation.slug, _external=True)
        region = consultation.region.name
        due = lifecycle.answers_due(consultation)
        opened = Event()
        opened.add("uid", _uid(consultation, "opens"))
        opened.add("dtstamp", stamp)
        opened.add("dtstart", consultation.opens_at)
        opened.add("summary", _("Open for comment: %(title)s", title=consultation.title))
        opened.add(
            "description",
            _(
                "%(region)s asks for your comments on %(title)s until %(moment)s. %(page)s",
                region=region,
                title=consultation.title,
                moment=format_datetime(consultation.closes_at, "d MMMM y, HH:mm"),
                page=page,
            ),
        )
        opened.add("url", page)
        closed = Event()
        closed.add("uid", _uid(consultation, "closes"))
        closed.add("dtstamp", stamp)
        closed.add("dtstart", consultation.closes_at)
        closed.add("sequence", closings.get(consultation.id, 0))
        closed.add("summary", _("Last moment to comment: %(title)s", title=consultation.title))
        closed.add(
            "description",
            _(
                "After this moment %(region)s answers the comments, by %(day)s at the latest. "
                "%(page)s",
                region=region,
                day=format_date(due, "d MMMM y"),
                page=page,
            ),
        )
        closed.add("url", page)
        answered = Event()
        answered.add("uid", _uid(consultation, "answers"))
        answered.add("dtstamp", stamp)
        answered.add("dtstart", due)
        answered.add("dtend", due + timedelta(days=1))
        answered.add("sequence", answers.get(consultation.id, 0))
        answered.add("transp", "TRANSPARENT")
        answered.add("summary", _("Answers promised: %(title)s", title=consultation.title))
        answered.add(
            "description",
            _(
                "%(region)s promised an answer to every comment on %(title)s by this day. %(page)s",
                region=region,
                title=consultation.title,
                page=page,
            ),
        )
        answered.add("url", page)
        for event in (opened, closed, answered):
            feed.add_component(event)
    return feed.to_ical()


def _stamp(consultations: list[Consultation]) -> datetime:
    moments = [c.created_at for c in consultations]
    return max(moments) if moments else datetime(2026, 1, 1, tzinfo=UTC)


def _respond(body: bytes) -> Response:
    response = current_app.response_class(body, mimetype=MIMETYPE)
    response.headers["Cache-Control"] = CACHE
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/agenda.ics")
def national() -> Response:
    consultations = public_consultations(db.session)
    with force_locale(current_app.config["LANGUAGES"][0]):
        body = calendar(
            consultations, _("Consultations on youth care (Consult)"), _stamp(consultations)
        )
    return _respond(body)


@bp.get("/regios/<code>/agenda.ics")
def region(code: str) -> Response:
    found = region_pages.region_or_404(code.upper())
    consultations = public_consultations(db.session, found)
    with force_locale(current_app.config["LANGUAGES"][0]):
        body = calendar(
            consultations,
            _("Consultations of %(region)s (Consult)", region=found.name),
            _stamp(consultations),
        )
    return _respond(body)
