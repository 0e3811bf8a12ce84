"""The participation page (public) and the Lundy checklist form (the region's officials).

``/consultaties/<slug>/deelname`` shows who was reached: counts per stakeholder group, age
band and municipality, the offline activities, and the region's account of the four Lundy
elements. Anyone may read it once the consultation is no longer a draft.

``/regios/<code>/beheer/consultaties/<id>/lundy`` is the form. It is loaded through the
region in the URL (another region's consultation id is a 404) and asks the policy
(``region:consultations:manage``): only the region's officials fill it in.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from consult.consultations import services
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n import current_locale
from consult.participation import posters, questionnaire
from consult.participation import services as participation
from consult.participation.forms import EMPTY_ROWS, LundyForm, PosterForm
from consult.participation.models import (
    MAX_LINKS,
    MAX_STATEMENT_LENGTH,
    LundyElement,
)
from consult.permissions import Permission, authorize
from consult.regions.models import Region
from consult.regions.services import get_region

bp = Blueprint("participation", __name__)

FORM = "/regios/<code>/beheer/consultaties/<int:consultation_id>/lundy"
# The name of the "more link rows" buttons; the value is the element.
MORE_ROWS = "meer_regels"


# -- the public page -----------------------------------------------------------------------------


@bp.get("/consultaties/<slug>/deelname")
def public(slug: str) -> str:
    consultation = consultation_services.public_consultation(db.session, slug)
    if consultation is None:
        abort(404)
    authorize(current_user, Permission.CONSULTATION_PAGE_VIEW, consultation, hide=True)
    reached = participation.reach(db.session, consultation)
    listed_channels, own_channels = participation.public_channel_counts(
        participation.channel_counts(db.session, consultation)
    )
    locale = current_locale()
    return render_template(
        "participation/page.html",
        consultation=consultation,
        reach=reached,
        questionnaire=questionnaire.results(db.session, consultation),
        group_label=lambda code: _capital(reached.group_label(code, locale)),
        band_label=lambda code: _capital(questionnaire.age_band_label(code)),
        statements=participation.statements(db.session, consultation),
        elements=list(LundyElement),
        locale=locale,
        listed_channels=listed_channels,
        own_channels=own_channels,
    )


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


@bp.app_template_filter("share")
def share(value: float) -> str:
    """A share from 0 to 1 as a whole percentage in the reader's language (0.4167: 42%)."""
    return format_percent(value, "#,##0%")


@bp.app_template_global()
def participation_url(consultation: Consultation) -> str:
    return url_for("participation.public", slug=consultation.slug)


@bp.app_template_global()
def lundy_progress(consultation: Consultation) -> dict[str, Any]:
    """For the consultation's workspace page: the elements still empty, and the form."""
    return {
        "empty": participation.empty_elements(db.session, consultation),
        "form_url": url_for(
            "participation.lundy",
            code=consultation.region.code,
            consultation_id=consultation.id,
        ),
    }


# -- the officials' form -------------------------------------------------------------------------


def _load(code: str, consultation_id: int) -> tuple[Region, Consultation]:
    region = get_region(db.session, code)
    if region is None:
        abort(404)
    authorize(current_user, Permission.REGION_CONSULTATIONS_MANAGE, region)
    consultation = services.region_consultation(db.session, region, consultation_id)
    if consultation is None:
        abort(404)
    return region, consultation


def _filled_form(consultation: Consultation) -> LundyForm:
    """The form as the statements stand, with empty link rows below the filled ones."""
    form = LundyForm(formdata=None)
    found = participation.statements(db.session, consultation)
    for element in LundyElement:
        sub = form.element(element)
        statement = found.get(element)
        if statement is not None:
            sub.what_we_did.data = statement.what_we_did
            for link in statement.evidence_links:
                sub.links.append_entry({"title": link["title"], "url": link["url"]})
        sub.fill_empty_rows()
    return form


def _problems(form: LundyForm) -> list[tuple[str, str]]:
    """Check every element; put each problem on its field; (field id, message) for the summary."""
    summary: list[tuple[str, str]] = []
    for element in LundyElement:
        sub = form.element(element)
        *_ignored, problems = participation.statement_problems(
            sub.what_we_did.data or "", sub.link_rows()
        )
        for problem in problems:
            if problem.row is not None and problem.field in ("title", "url"):
                target = getattr(sub.links.entries[problem.row], problem.field)
                where = _(
                    "%(element)s, link %(number)d", element=element.label, number=problem.row + 1
                )
            elif problem.field == "links":
                target = sub.links.entries[0].url if sub.links.entries else sub.what_we_did
                where = element.label
            else:
                target = sub.what_we_did
                where = element.label
            target.errors = [*target.errors, problem.message]
            summary.append((target.id, f"{where}: {problem.message}"))
    return summary


@bp.route(FORM, methods=["GET", "POST"])
def lundy(code: str, consultation_id: int) -> str | Response:
    region, consultation = _load(code, consultation_id)
    frozen = participation.is_frozen(consultation)
    summary: list[tuple[str, str]] = []
    if request.method == "POST":
        form = LundyForm()
        if frozen:
            flash(
                _(
                    "The reactienota is published with this checklist in it. The checklist "
                    "can no longer change."
                ),
                "error",
            )
            return redirect(request.path)
        if form.validate_on_submit():
            more = request.form.get(MORE_ROWS)
            if more in {e.value for e in LundyElement}:
                # Only more rows: nothing is saved, what was typed stays.
                form.element(LundyElement(more)).add_rows(EMPTY_ROWS)
                return _render(region, consultation, form, summary, frozen, focus=more)
            summary = _problems(form)
            if not summary:
                for element in LundyElement:
                    sub = form.element(element)
                    participation.save_statement(
                        db.session,
                        current_user,
                        consultation,
                        element,
                        sub.what_we_did.data or "",
                        sub.link_rows(),
                    )
                db.session.commit()
                flash(_("The Lundy checklist is saved."), "success")
                return redirect(
                    url_for(
                        "consultations.detail",
                        code=region.code,
                        consultation_id=consultation.id,
                        _anchor="lundy",
                    )
                )
    else:
        form = _filled_form(consultation)
    return _render(region, consultation, form, summary, frozen)


def _render(
    region: Region,
    consultation: Consultation,
    form: LundyForm,
    summary: list[tuple[str, str]],
    frozen: bool,
    focus: str | None = None,
) -> str:
    return render_template(
        "participation/form.html",
        region=region,
        consultation=consultation,
        form=form,
        summary=summary,
        frozen=frozen,
        elements=list(LundyElement),
        statements=participation.statements(db.session, consultation) if frozen else {},
        max_links=MAX_LINKS,
        max_text=MAX_STATEMENT_LENGTH,
        more_rows=MORE_ROWS,
        focus=focus,
    )


# -- the poster with a QR code (the region's officials) ------------------------------------------

POSTER = "/regios/<code>/beheer/consultaties/<int:consultation_id>/poster"


@bp.get(POSTER)
def poster(code: str, consultation_id: int) -> str | tuple[str, int] | Response:
    """Choose where the poster hangs, then download it (a GET: nothing changes).

    Loaded through the region in the URL and the policy, as the Lundy form: another
    region's consultation id is a 404, someone who is not its official a 403.
    """
    region, consultation = _load(code, consultation_id)
    form = PosterForm(request.args)
    if "channel" in request.args and form.validate():
        chosen = form.code()
        response = current_app.response_class(
            posters.poster_pdf(consultation, chosen), mimetype="application/pdf"
        )
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{posters.filename(consultation, chosen)}"'
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    return render_template(
        "participation/poster.html",
        region=region,
        consultation=consultation,
        form=form,
        counts=participation.channel_counts(db.session, consultation),
        example=posters.poster_url(consultation, form.code() if not form.errors else "poster"),
    ), (400 if form.errors else 200)
