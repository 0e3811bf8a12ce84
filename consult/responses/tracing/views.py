"""Tracing changes: which answers (and so which comments) changed which sections.

The team pages live under /regios/<code>/beheer/consultaties/<slug>: the region and the
consultation are loaded through the address, and the answer or section through the
consultation, so an id of another region answers 404. Only officials link (the rule
``consultation:answers:publish``). The public page of one changed section shows the
published answers behind it, with the comments whose senders agreed to publication.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from consult.comments.text import excerpt
from consult.consultations import lifecycle
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation
from consult.documents.models import Section
from consult.extensions import db
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.permissions import Permission, allowed, authorize
from consult.regions.models import Region
from consult.responses.loading import team_consultation
from consult.responses.models import Answer
from consult.responses.tracing import services as tracing

bp = Blueprint("tracing", __name__)

Page = str | tuple[str, int] | Response

TEAM = "/regios/<code>/beheer/consultaties/<slug>"
PERMISSION = Permission.CONSULTATION_ANSWERS_PUBLISH
# The filter on the section page: every answer, or answers to comments on one section of
# the consulted version ("geheel": on the document as a whole).
ALL, WHOLE_DOCUMENT = "alle", "geheel"


# -- loading ---------------------------------------------------------------------------------


def _traced(code: str, slug: str) -> tuple[Region, Consultation]:
    """The region and consultation of the URL, for an official of that region; else 404."""
    return team_consultation(code, slug, PERMISSION)


def _answer(consultation: Consultation, answer_id: int) -> Answer:
    answer = tracing.answer_in_consultation(db.session, consultation, answer_id)
    if answer is None:
        abort(404)
    return answer


def _later_section(consultation: Consultation, section_id: int) -> Section:
    section = tracing.later_section(db.session, consultation, section_id)
    if section is None:
        abort(404)
    return section


def _ids(name: str) -> set[int]:
    return {int(value) for value in request.form.getlist(name) if value.isdigit()}


def _say_what_changed(change: tracing.LinkChange) -> None:
    if not change.changed:
        flash(_("Nothing changed: the links were already like this."), "info")
        return
    parts = []
    if change.added:
        parts.append(ngettext("%(num)d link added", "%(num)d links added", change.added))
    if change.removed:
        parts.append(ngettext("%(num)d link removed", "%(num)d links removed", change.removed))
    flash(_("Saved: %(what)s.", what=", ".join(parts)), "success")


# -- the overview ----------------------------------------------------------------------------


@bp.get(TEAM + "/wijzigingen")
def overview(code: str, slug: str) -> Page:
    """The sections of the next version: which changed, and after how many comments."""
    region, consultation = _traced(code, slug)
    upcoming = lifecycle.next_version(db.session, consultation)
    return render_template(
        "responses/tracing_overview.html",
        region=region,
        consultation=consultation,
        document=consultation.version.document,
        consulted=consultation.version,
        upcoming=upcoming,
        traced=tracing.changed_sections(db.session, consultation) if upcoming else [],
        fixed=tracing.links_are_fixed(consultation),
    )


# -- one answer: which sections changed because of it ----------------------------------------


@bp.route(TEAM + "/antwoorden/<int:answer_id>/secties", methods=["GET", "POST"])
def answer_sections(code: str, slug: str, answer_id: int) -> Page:
    region, consultation = _traced(code, slug)
    answer = _answer(consultation, answer_id)
    upcoming = lifecycle.next_version(db.session, consultation)
    form = ConfirmForm()
    diff = tracing.version_diff(db.session, consultation, upcoming) if upcoming else None
    if request.method == "POST":
        if upcoming is None:
            flash(_("There is no next version yet to link sections of."), "error")
        elif not form.validate_on_submit():
            flash(_("The form had expired. Check what you entered and send it again."), "error")
        else:
            try:
                change = tracing.set_answer_sections(
                    db.session,
                    current_user,
                    answer,
                    shown=upcoming.sections,
                    chosen=[s for s in upcoming.sections if s.id in _ids("section")],
                )
            except tracing.TracingError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                _say_what_changed(change)
        return redirect(
            url_for(
                ".answer_sections", code=region.code, slug=consultation.slug, answer_id=answer.id
            )
        )
    linked = {link.section_id for link in answer.section_links}
    return render_template(
        "responses/tracing_answer.html",
        region=region,
        consultation=consultation,
        document=consultation.version.document,
        consulted=consultation.version,
        answer=answer,
        upcoming=upcoming,
        changes=tracing.changes_by_section(diff),
        linked=linked,
        fixed=tracing.links_are_fixed(consultation),
        superseded=answer.superseded_at is not None,
        form=form,
        locale=current_locale(),
    )


# -- one changed section: which answers caused it --------------------------------------------


def _filter(consultation: Consultation) -> tuple[str, Section | None]:
    """The "answers to comments on" filter from the address: all, whole document, a section."""
    chosen = request.values.get("onderdeel", ALL)
    if chosen == WHOLE_DOCUMENT:
        return chosen, None
    if chosen != ALL:
        for section in consultation.version.sections:
            if section.anchor == chosen:
                return chosen, section
    return ALL, None


@bp.route(TEAM + "/wijzigingen/<int:section_id>", methods=["GET", "POST"])
def section_answers(code: str, slug: str, section_id: int) -> Page:
    region, consultation = _traced(code, slug)
    section = _later_section(consultation, section_id)
    chosen_filter, consulted_section = _filter(consultation)
    answers = tracing.linkable_answers(
        db.session,
        consultation,
        consulted_section=consulted_section,
        whole_document=chosen_filter == WHOLE_DOCUMENT,
        linked_to=section,
    )
    form = ConfirmForm()
    back = url_for(
        ".section_answers",
        code=region.code,
        slug=consultation.slug,
        section_id=section.id,
        onderdeel=chosen_filter if chosen_filter != ALL else None,
    )
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form had expired. Check what you entered and send it again."), "error")
            return redirect(back)
        # Only the answers that were on the page: a filter never removes links it hid.
        shown_ids = _ids("shown")
        shown = [a for a in answers if a.id in shown_ids]
        chosen_ids = _ids("answer")
        try:
            change = tracing.set_section_answers(
                db.session,
                current_user,
                consultation,
                section,
                shown=shown,
                chosen=[a for a in shown if a.id in chosen_ids],
            )
        except tracing.TracingError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            _say_what_changed(change)
        return redirect(back)
    diff = tracing.version_diff(db.session, consultation, section.version)
    change = tracing.changes_by_section(diff).get(section.id)
    return render_template(
        "responses/tracing_section.html",
        region=region,
        consultation=consultation,
        document=consultation.version.document,
        consulted=consultation.version,
        section=section,
        change=change,
        answers=answers,
        linked={
            a.id for a in answers if any(link.section_id == section.id for link in a.section_links)
        },
        chosen_filter=chosen_filter,
        filters=(ALL, WHOLE_DOCUMENT),
        fixed=tracing.links_are_fixed(consultation),
        form=form,
        excerpt=excerpt,
    )


# -- public: what changed in one section, after which comments -------------------------------


@bp.get("/consultaties/<slug>/wijzigingen/<int:section_id>")
def changed_section(slug: str, section_id: int) -> Page:
    consultation = consultation_services.public_consultation(db.session, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, Permission.CONSULTATION_PAGE_VIEW, consultation, hide=True)
    section = _later_section(consultation, section_id)
    if not allowed(current_user, Permission.DOCUMENT_VERSION_VIEW, section.version):
        abort(404)
    entries = tracing.published_answers_for_section(db.session, consultation, section)
    diff = tracing.version_diff(db.session, consultation, section.version)
    consulted_anchor = db.session.scalar(
        select(Section.anchor).where(
            Section.version_id == consultation.version_id, Section.anchor == section.anchor
        )
    )
    return render_template(
        "responses/tracing_public.html",
        consultation=consultation,
        document=consultation.version.document,
        consulted=consultation.version,
        section=section,
        change=tracing.changes_by_section(diff).get(section.id),
        entries=entries,
        in_consulted_version=consulted_anchor is not None,
        locale=current_locale(),
    )
