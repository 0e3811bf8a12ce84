"""What every page of one consultation does first: find it, let the clock catch up, say
how long it is open. For the public pages (:mod:`consult.public`) and the comment form."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import abort
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from consult.consultations import lifecycle, services
from consult.consultations.models import Consultation, ConsultationState
from consult.extensions import db
from consult.permissions import Permission, authorize

log = logging.getLogger(__name__)


def consultation_or_404(slug: str) -> Consultation:
    consultation = services.public_consultation(db.session, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, Permission.CONSULTATION_PAGE_VIEW, consultation, hide=True)
    return consultation


def is_due(consultation: Consultation, now: datetime) -> bool:
    """Its opening or closing moment has passed, and the clock has not noticed yet."""
    if consultation.state is ConsultationState.SCHEDULED:
        return consultation.opens_at <= now
    if consultation.state is ConsultationState.OPEN:
        return consultation.closes_at <= now
    return False


def catch_up_clock(consultation: Consultation, now: datetime) -> None:
    """Open or close a consultation whose moment has come, before showing or using it.

    The clock runs on requests at most every 30 seconds; without this a consultation
    would say "not open yet" for up to that long after its opening moment.
    """
    if not is_due(consultation, now):
        return
    try:
        lifecycle.advance(db.session, now)
        db.session.commit()
    except SQLAlchemyError:  # the regular clock will do it; the page must still work
        db.session.rollback()
        log.exception("could not open or close consultation %s on time", consultation.slug)


def time_left(consultation: Consultation, now: datetime) -> str:
    """ "nog 12 dagen", "nog 5 uur", "gesloten op 3 maart 2027": the clock, in words."""
    phase = services.phase(consultation, now)
    if phase == "closed":
        return _("closed on %(day)s", day=format_date(consultation.closes_at, "long"))
    if phase == "not_yet":
        return _("opens on %(day)s", day=format_date(consultation.opens_at, "long"))
    left = consultation.closes_at - now
    if left.days >= 1:
        return ngettext("%(num)d day left", "%(num)d days left", left.days)
    hours = left.seconds // 3600
    if hours >= 1:
        return ngettext("%(num)d hour left", "%(num)d hours left", hours)
    minutes = max(1, left.seconds // 60)
    return ngettext("%(num)d minute left", "%(num)d minutes left", minutes)
