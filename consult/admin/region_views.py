"""A region's own admin page: its consultations, its team and its settings.

Its team sees the page; officials add people to the team and take roles away, and change
the region's settings. Every action checks the region's own rules (``region:*``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from consult.accounts import team
from consult.admin.forms import (
    AddTeamMemberForm,
    AnswerWeeksForm,
    RegionTermForm,
    SelfApprovalForm,
)
from consult.consultations import services as consultations
from consult.extensions import db
from consult.forms import ConfirmForm
from consult.permissions import Permission, allowed, authorize
from consult.regions import pages
from consult.regions import services as regions
from consult.regions.models import Region

bp = Blueprint("region_admin", __name__)


def _render_admin(region: Region, form: AddTeamMemberForm) -> str:
    may_manage = allowed(current_user, Permission.REGION_TEAM_MANAGE, region)
    may_manage_settings = allowed(current_user, Permission.REGION_SETTINGS_MANAGE, region)
    members = team.region_team(db.session, region)
    recent, total = consultations.region_consultations(db.session, region, 1, 5)
    return render_template(
        "admin/region.html",
        region=region,
        consultations=recent,
        consultation_total=total,
        team=members,
        form=form if may_manage else None,
        may_manage=may_manage,
        may_manage_settings=may_manage_settings,
        last_official_ids={g.id for g in members if team.is_last_official(db.session, g)},
    )


@bp.get("/regios/<code>/beheer")
def index(code: str) -> str | Response:
    if moved := pages.canonical_redirect(code):
        return moved
    region = pages.region_or_404(code)
    authorize(current_user, Permission.REGION_ADMIN_VIEW, region)
    return _render_admin(region, AddTeamMemberForm())


@bp.post("/regios/<code>/beheer/team")
def add_member(code: str) -> str | Response:
    region = pages.region_or_404(code)
    authorize(current_user, Permission.REGION_TEAM_MANAGE, region)
    form = AddTeamMemberForm()
    if not form.validate_on_submit():
        return _render_admin(region, form)
    try:
        grant, created = team.add_team_member(
            db.session, current_user, region, form.email.data, form.role_kind
        )
    except team.TeamError:
        form.email.errors.append(
            _(
                "There is no confirmed account with this email address. "
                "Ask the person to register first, then add them again."
            )
        )
        return _render_admin(region, form)
    db.session.commit()
    values = {"person": grant.user.email, "role": grant.role.label}
    if created:
        flash(_("%(person)s is now %(role)s in this region.", **values), "success")
    else:
        flash(_("%(person)s was already %(role)s in this region.", **values), "info")
    return redirect(url_for("region_admin.index", code=region.code))


def _team_role_or_404(region: Region, role_id: int):
    grant = team.team_role(db.session, region, role_id)
    if grant is None:
        abort(404)
    return grant


@bp.route("/regios/<code>/beheer/team/<int:role_id>/verwijderen", methods=["GET", "POST"])
def remove_member(code: str, role_id: int) -> str | Response:
    region = pages.region_or_404(code)
    authorize(current_user, Permission.REGION_TEAM_MANAGE, region)
    grant = _team_role_or_404(region, role_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "admin/remove_member.html",
            region=region,
            grant=grant,
            form=form,
            is_last_official=team.is_last_official(db.session, grant),
        )
    values = {"person": grant.user.email, "role": grant.role.label}
    try:
        team.remove_team_member(db.session, grant)
    except team.TeamError:
        flash(
            _(
                "%(person)s is the only official of this region and cannot be removed. "
                "Add another official first.",
                person=values["person"],
            ),
            "error",
        )
        return redirect(url_for("region_admin.index", code=region.code))
    db.session.commit()
    flash(_("%(person)s is no longer %(role)s in this region.", **values), "success")
    if not allowed(current_user, Permission.REGION_ADMIN_VIEW, region):
        return redirect(url_for("public.region", code=region.code))
    return redirect(url_for("region_admin.index", code=region.code))


@bp.route("/regios/<code>/beheer/instellingen", methods=["GET", "POST"])
def settings(code: str) -> str | Response:
    """Region-wide settings: for now, whether officials may approve their own answers."""
    region = pages.region_or_404(code)
    authorize(current_user, Permission.REGION_SETTINGS_MANAGE, region)
    form = SelfApprovalForm(data={"allow": region.allow_self_approval})
    if form.validate_on_submit():
        changed = regions.set_self_approval(db.session, current_user, region, form.allow.data)
        db.session.commit()
        if not changed:
            flash(_("Nothing changed."), "info")
        elif region.allow_self_approval:
            flash(_("Officials may now approve answers they drafted themselves."), "success")
        else:
            flash(_("Every answer must again be approved by a second person."), "success")
        return redirect(url_for("region_admin.settings", code=region.code))
    return _settings_page(region, form, AnswerWeeksForm(data={"weeks": region.answer_weeks}))


def _settings_page(region: Region, form: SelfApprovalForm, weeks_form: AnswerWeeksForm) -> str:
    return render_template(
        "admin/region_settings.html", region=region, form=form, weeks_form=weeks_form
    )


@bp.post("/regios/<code>/beheer/instellingen/antwoordtermijn")
def answer_weeks(code: str) -> str | Response:
    """How many weeks after closing the region usually promises its answers."""
    region = pages.region_or_404(code)
    authorize(current_user, Permission.REGION_SETTINGS_MANAGE, region)
    weeks_form = AnswerWeeksForm()
    if not weeks_form.validate_on_submit():
        form = SelfApprovalForm(formdata=None, data={"allow": region.allow_self_approval})
        return _settings_page(region, form, weeks_form), 400
    assert weeks_form.weeks.data is not None
    if regions.set_answer_weeks(db.session, current_user, region, weeks_form.weeks.data):
        db.session.commit()
        flash(
            _(
                "Consultations you schedule from now on promise their answers %(weeks)s weeks "
                "after closing.",
                weeks=region.answer_weeks,
            ),
            "success",
        )
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("region_admin.settings", code=region.code))


# -- the region's own words, explained in its plan -----------------------------------------


def _terms_page(region: Region, form: RegionTermForm) -> str:
    return render_template(
        "admin/region_terms.html",
        region=region,
        form=form,
        terms=regions.region_terms(db.session, region.id),
        remove_form=ConfirmForm(),
    )


@bp.route("/regios/<code>/beheer/woorden", methods=["GET", "POST"])
def terms(code: str) -> str | Response | tuple[str, int]:
    """The region's own words (voorliggend veld, bekostiging): its plan explains them."""
    region = pages.region_or_404(code)
    authorize(current_user, Permission.REGION_SETTINGS_MANAGE, region)
    form = RegionTermForm()
    if form.is_submitted():
        if not form.validate():
            return _terms_page(region, form), 400
        saved = regions.save_term(db.session, region, form.term.data, form.explanation.data)
        db.session.commit()
        flash(_("“%(term)s” is explained in the plan from now on.", term=saved.term), "success")
        return redirect(url_for("region_admin.terms", code=region.code))
    return _terms_page(region, form)


@bp.post("/regios/<code>/beheer/woorden/<int:term_id>/verwijderen")
def remove_term(code: str, term_id: int) -> Response:
    region = pages.region_or_404(code)
    authorize(current_user, Permission.REGION_SETTINGS_MANAGE, region)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not regions.remove_term(db.session, region, term_id):
        abort(404)
    db.session.commit()
    flash(_("The word is removed."), "success")
    return redirect(url_for("region_admin.terms", code=region.code))
