"""The reactienota: generating, previewing, publishing and downloading its editions.

The region's team manages it at ``/regios/<code>/beheer/consultaties/<slug>/reactienota``:
every page there is loaded through the region in the URL and asks the policy
(``consultation:report:manage`` to act, ``consultation:report:preview`` to look), so a
consultation of another region answers 404. The public pages under
``/consultaties/<slug>/reactienota`` show only published editions; before the first one
is published they answer 404.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from consult import jobs
from consult.consultations import lifecycle
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation, ConsultationState
from consult.extensions import db
from consult.forms import ConfirmForm, strip_whitespace
from consult.i18n import current_locale
from consult.jobs import JobState
from consult.permissions import Permission, allowed, authorize
from consult.regions.models import Region
from consult.reports import rendering
from consult.reports import services as reactienota
from consult.reports.models import ResponseReport
from consult.responses import queries
from consult.responses.loading import team_consultation

log = logging.getLogger(__name__)

bp = Blueprint("reactienota", __name__)

MANAGE = "/regios/<code>/beheer/consultaties/<slug>/reactienota"
PUBLIC = "/consultaties/<slug>/reactienota"
SCHEMA_URL = "/schemas/reactienota-v1.json"
# While the PDF is being made, its part of the page updates itself this often (live-refresh.js).
REFRESH_SECONDS = 3

Page = str | tuple[str, int] | Response


class GenerateForm(FlaskForm):
    note = TextAreaField(
        _l("What does this edition correct, and why?"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=reactienota.MAX_NOTE_LENGTH)],
    )


# -- loading -------------------------------------------------------------------------------------


def _team(code: str, slug: str, permission: str) -> tuple[Region, Consultation]:
    """The region and consultation of the URL, for someone who holds ``permission``.

    Outside the region's team the consultation does not exist (404); a team member who may
    look but not act (a moderator or responder) is told so (403).
    """
    return team_consultation(code, slug, Permission.CONSULTATION_REPORT_PREVIEW, act=permission)


def _team_edition(consultation: Consultation, edition: int) -> ResponseReport:
    report = reactienota.edition_of(db.session, consultation, edition, published=False)
    if report is None:
        abort(404)
    return report


def _public(slug: str) -> Consultation:
    consultation = consultation_services.public_consultation(db.session, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, Permission.CONSULTATION_PAGE_VIEW, consultation, hide=True)
    return consultation


def _published(consultation: Consultation, edition: int) -> ResponseReport:
    report = reactienota.edition_of(db.session, consultation, edition)
    if report is None:
        abort(404)
    return report


def _manage_url(consultation: Consultation, **args: Any) -> str:
    return url_for(
        "reactienota.manage", code=consultation.region.code, slug=consultation.slug, **args
    )


# -- the team's page -----------------------------------------------------------------------------


def _start_pdf(report: ResponseReport) -> None:
    """Queue the PDF after the commit that made ``report``; say so when it cannot start."""
    rendering.start_pdf(db.session, report)
    db.session.commit()
    if jobs.not_started(db.session):
        flash(_("The PDF could not be started. Try again in a moment."), "warning")


@bp.get(MANAGE)
def manage(code: str, slug: str) -> Page:
    region, consultation = _team(code, slug, Permission.CONSULTATION_REPORT_PREVIEW)
    editions = reactienota.editions(db.session, consultation)
    draft = next((e for e in editions if not e.is_published), None)
    published = [e for e in editions if e.is_published]
    shown = draft or (published[0] if published else None)
    job = rendering.pdf_job(db.session, shown) if shown is not None else None
    working = job is not None and job.state in (JobState.QUEUED, JobState.RUNNING)
    if working and jobs.is_stale(job):  # type: ignore[arg-type]
        working = False
    has_pdf = shown is not None and reactienota.has_file(db.session, shown, "pdf")
    return render_template(
        "reports/report_manage.html",
        region=region,
        consultation=consultation,
        draft=draft,
        published=published,
        shown=shown,
        job=job,
        job_working=working,
        job_failed=job is not None and (job.state is JobState.FAILED or jobs.is_stale(job)),
        job_step=rendering.step_text(job) if job is not None else "",
        has_pdf=has_pdf,
        refresh=REFRESH_SECONDS if working else None,
        steps=rendering.PDF_STEPS,
        may_manage=allowed(current_user, Permission.CONSULTATION_REPORT_MANAGE, consultation),
        unanswered=queries.unanswered_count(db.session, consultation),
        can_generate=consultation.state in reactienota.GENERATING_STATES,
        form=GenerateForm(),
        confirm_form=ConfirmForm(),
        States=ConsultationState,
    )


@bp.post(MANAGE + "/maken")
def generate(code: str, slug: str) -> Page:
    _region, consultation = _team(code, slug, Permission.CONSULTATION_REPORT_MANAGE)
    form = GenerateForm()
    if not form.validate_on_submit():
        flash(_("The form had expired or the note is too long. Please try again."), "error")
        return redirect(_manage_url(consultation))
    try:
        report = reactienota.generate(
            db.session, current_user, consultation, correction_note=form.note.data or ""
        )
    except reactienota.ReportError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_manage_url(consultation))
    flash(
        _(
            "Edition %(edition)s is ready to preview. The PDF is being made.",
            edition=report.edition,
        ),
        "success",
    )
    _start_pdf(report)
    return redirect(_manage_url(consultation))


@bp.post(MANAGE + "/<int:edition>/pdf")
def remake_pdf(code: str, slug: str, edition: int) -> Page:
    _region, consultation = _team(code, slug, Permission.CONSULTATION_REPORT_MANAGE)
    report = _team_edition(consultation, edition)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if reactienota.has_file(db.session, report, "pdf") and report.is_published:
        flash(_("The PDF of a published edition is kept as it is."), "info")
        return redirect(_manage_url(consultation))
    _start_pdf(report)
    return redirect(_manage_url(consultation))


@bp.route(MANAGE + "/<int:edition>/publiceren", methods=["GET", "POST"])
def publish(code: str, slug: str, edition: int) -> Page:
    region, consultation = _team(code, slug, Permission.CONSULTATION_REPORT_MANAGE)
    report = _team_edition(consultation, edition)
    if report.is_published:
        return redirect(_manage_url(consultation))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            reactienota.publish(db.session, current_user, report)
        except reactienota.ReportError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(_manage_url(consultation))
        db.session.commit()
        flash(_("Edition %(edition)s of the reactienota is published.", edition=edition), "success")
        return redirect(_manage_url(consultation))
    return render_template(
        "reports/report_publish.html",
        region=region,
        consultation=consultation,
        report=report,
        form=form,
        has_pdf=reactienota.has_file(db.session, report, "pdf"),
        first=not reactienota.published_editions(db.session, consultation),
    )


@bp.get(MANAGE + "/<int:edition>/voorbeeld")
def preview(code: str, slug: str, edition: int) -> Page:
    region, consultation = _team(code, slug, Permission.CONSULTATION_REPORT_PREVIEW)
    report = _team_edition(consultation, edition)
    base = {"code": region.code, "slug": consultation.slug, "edition": edition}
    downloads = {
        "pdf": url_for("reactienota.preview_file", format="pdf", **base)
        if reactienota.has_file(db.session, report, "pdf")
        else None,
        "csv": url_for("reactienota.preview_file", format="csv", **base),
        "json": url_for("reactienota.preview_file", format="json", **base),
    }
    response = current_app.make_response(
        render_template(
            "reports/report.html",
            consultation=consultation,
            preview=True,
            manage_url=_manage_url(consultation),
            downloads=downloads,
            others=[],
            latest=None,
            **rendering.page_context(report, current_locale()),
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get(MANAGE + "/<int:edition>/voorbeeld.<any(pdf, csv, json):format>")
def preview_file(code: str, slug: str, edition: int, format: str) -> Response:
    _region, consultation = _team(code, slug, Permission.CONSULTATION_REPORT_PREVIEW)
    report = _team_edition(consultation, edition)
    response = _download(report, format)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- the public pages ----------------------------------------------------------------------------


def _public_page(consultation: Consultation, report: ResponseReport) -> Page:
    published = reactienota.published_editions(db.session, consultation)
    edition = report.edition
    downloads = {
        "pdf": url_for("reactienota.public_pdf", slug=consultation.slug, edition=edition)
        if reactienota.has_file(db.session, report, "pdf")
        else None,
        "csv": url_for("reactienota.public_csv", slug=consultation.slug, edition=edition),
        "json": url_for("reactienota.public_json", slug=consultation.slug, edition=edition),
    }
    return render_template(
        "reports/report.html",
        consultation=consultation,
        preview=False,
        downloads=downloads,
        others=[e for e in published if e.id != report.id],
        latest=published[0] if published else None,
        **rendering.page_context(report, current_locale()),
    )


@bp.get(PUBLIC)
def public(slug: str) -> Page:
    consultation = _public(slug)
    published = reactienota.published_editions(db.session, consultation)
    if not published:
        # Its address is known before it exists: say when to expect it, not "not found".
        due_on = lifecycle.answers_due(consultation)
        today = lifecycle.today_in_amsterdam()
        return render_template(
            "reports/expected.html",
            consultation=consultation,
            due_on=due_on,
            overdue=today > due_on,
            days_late=(today - due_on).days,
        )
    return _public_page(consultation, published[0])


@bp.get(PUBLIC + "/<int:edition>")
def public_edition(slug: str, edition: int) -> Page:
    consultation = _public(slug)
    return _public_page(consultation, _published(consultation, edition))


def _filename(report: ResponseReport, extension: str) -> str:
    return f"reactienota-{report.consultation.slug}-editie-{report.edition}.{extension}"


def _download(report: ResponseReport, format: str) -> Response:
    if format == "pdf":
        stored = reactienota.file_of(db.session, report, "pdf")
        if stored is None:
            abort(404)
        response = send_file(
            io.BytesIO(stored.data),
            mimetype="application/pdf",
            download_name=_filename(report, "pdf"),
            etag=stored.sha256,
            max_age=0,
        )
        return response
    if format == "csv":
        data = rendering.csv_bytes(report.content, current_locale())
        response = current_app.response_class(data, mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    else:
        data = rendering.json_bytes(report.content)
        response = current_app.response_class(data, mimetype="application/json")
        response.headers["Link"] = (
            f'<{url_for("reactienota.schema", _external=True)}>; rel="describedby"'
        )
    extension = "csv" if format == "csv" else "json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(report, extension)}"'
    )
    return response


@bp.get(PUBLIC + "/<int:edition>.pdf")
def public_pdf(slug: str, edition: int) -> Response:
    return _download(_published(_public(slug), edition), "pdf")


@bp.get(PUBLIC + "/<int:edition>.csv")
def public_csv(slug: str, edition: int) -> Response:
    return _download(_published(_public(slug), edition), "csv")


@bp.get(PUBLIC + "/<int:edition>.json")
def public_json(slug: str, edition: int) -> Response:
    return _download(_published(_public(slug), edition), "json")


@bp.get(SCHEMA_URL)
def schema() -> Response:
    """The JSON Schema of the reactienota's JSON file, at an address that stays the same."""
    response = current_app.response_class(
        rendering.SCHEMA_PATH.read_bytes(), mimetype="application/schema+json"
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.app_template_global()
def reactienota_url(consultation: Consultation) -> str | None:
    """The public reactienota of a consultation, once the report is published (for links)."""
    if consultation.state is not ConsultationState.REPORT_PUBLISHED:
        return None
    return url_for("reactienota.public", slug=consultation.slug)
