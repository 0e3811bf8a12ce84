"""Public region pages and the region's own admin page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from consult.consultations import services as consultations
from consult.extensions import db
from consult.forms import ConfirmForm
from consult.permissions import allowed, authorize
from consult.regions import policy as _policy  # noqa: F401 - registers the region rules
from consult.regions import services
from consult.regions.forms import AddTeamMemberForm, MunicipalitySearchForm
from consult.regions.models import Region
from consult.responses.answers import workspace as answering
from consult.responses.answers.forms import SelfApprovalForm

bp = Blueprint("regions", __name__)

SORT_ORDERS = ("naam", "provincie", "code")


@bp.app_template_global()
def municipality_search_form() -> MunicipalitySearchForm:
    """A fresh search form, so any page (the home page) can show the search macro."""
    return MunicipalitySearchForm(formdata=None)


def _region_or_404(code: str) -> Region:
    region = services.get_region(db.session, code)
    if region is None:
        abort(404)
    return region


def _canonical(code: str) -> Response | None:
    """Region codes are upper case; a lower-case address moves there for good."""
    if code != code.upper():
        args = {**request.view_args, "code": code.upper()} if request.view_args else {}
        return redirect(url_for(request.endpoint or "regions.index", **args), 301)
    return None


@bp.get("/regios")
def index() -> str:
    day = services.today()
    order = request.args.get("volgorde", "naam")
    if order not in SORT_ORDERS:
        order = "naam"
    regions = services.active_regions(db.session, day)
    if order == "naam":
        regions.sort(key=lambda item: services.search_key(item[0].name))
    elif order == "provincie":
        regions.sort(key=lambda item: (item[0].provinces, services.search_key(item[0].name)))
    former = services.former_regions_with_successors(db.session, day)
    return render_template(
        "regions/index.html",
        day=day,
        order=order,
        regions=regions,
        former=former,
        municipality_count=sum(len(members) for _, members in regions),
        form=municipality_search_form(),
    )


@bp.get("/regios/zoeken")
def search() -> str:
    form = MunicipalitySearchForm(formdata=request.args)
    query = form.gemeente.data or ""
    matches: list[services.MunicipalityMatch] = []
    exact: list[services.MunicipalityMatch] = []
    searched = False
    if query and form.validate():
        searched = True
        matches = services.find_municipalities(db.session, query, services.today())
        key = services.search_key(query)
        exact = [m for m in matches if key in m.municipality.search_key.split(" | ")]
    return render_template(
        "regions/search.html",
        form=form,
        query=query,
        searched=searched,
        matches=matches,
        answer=exact[0] if len(exact) == 1 else None,
    )


@bp.get("/regios/<code>")
def detail(code: str) -> str | Response:
    if moved := _canonical(code):
        return moved
    region = _region_or_404(code)
    day = services.today()
    came_from, continued_by = services.successions_of(db.session, region)
    return render_template(
        "regions/detail.html",
        region=region,
        day=day,
        is_active=region.is_active_on(day),
        members=services.members_on(db.session, region, day),
        history=services.membership_history(db.session, region),
        came_from=came_from,
        continued_by=continued_by,
        may_admin=allowed(current_user, "region:admin:view", region),
        consultations=consultations.public_consultations(db.session, region),
    )


def _render_admin(region: Region, form: AddTeamMemberForm) -> str:
    may_manage = allowed(current_user, "region:team:manage", region)
    may_manage_settings = allowed(current_user, "region:settings:manage", region)
    team = services.region_team(db.session, region)
    recent, total = consultations.region_consultations(db.session, region, 1, 5)
    return render_template(
        "regions/admin.html",
        region=region,
        consultations=recent,
        consultation_total=total,
        team=team,
        form=form if may_manage else None,
        may_manage=may_manage,
        may_manage_settings=may_manage_settings,
        last_official_ids={g.id for g in team if services.is_last_official(db.session, g)},
    )


@bp.get("/regios/<code>/beheer")
def admin(code: str) -> str | Response:
    if moved := _canonical(code):
        return moved
    region = _region_or_404(code)
    authorize(current_user, "region:admin:view", region)
    return _render_admin(region, AddTeamMemberForm())


@bp.post("/regios/<code>/beheer/team")
def add_member(code: str) -> str | Response:
    region = _region_or_404(code)
    authorize(current_user, "region:team:manage", region)
    form = AddTeamMemberForm()
    if not form.validate_on_submit():
        return _render_admin(region, form)
    try:
        grant, created = services.add_team_member(
            db.session, current_user, region, form.email.data, form.role_kind
        )
    except services.TeamError:
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
    return redirect(url_for("regions.admin", code=region.code))


def _team_role_or_404(region: Region, role_id: int):
    grant = services.team_role(db.session, region, role_id)
    if grant is None:
        abort(404)
    return grant


@bp.route("/regios/<code>/beheer/team/<int:role_id>/verwijderen", methods=["GET", "POST"])
def remove_member(code: str, role_id: int) -> str | Response:
    region = _region_or_404(code)
    authorize(current_user, "region:team:manage", region)
    grant = _team_role_or_404(region, role_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "regions/remove_member.html",
            region=region,
            grant=grant,
            form=form,
            is_last_official=services.is_last_official(db.session, grant),
        )
    values = {"person": grant.user.email, "role": grant.role.label}
    try:
        services.remove_team_member(db.session, grant)
    except services.TeamError:
        flash(
            _(
                "%(person)s is the only official of this region and cannot be removed. "
                "Add another official first.",
                person=values["person"],
            ),
            "error",
        )
        return redirect(url_for("regions.admin", code=region.code))
    db.session.commit()
    flash(_("%(person)s is no longer %(role)s in this region.", **values), "success")
    if not allowed(current_user, "region:admin:view", region):
        return redirect(url_for("regions.detail", code=region.code))
    return redirect(url_for("regions.admin", code=region.code))


@bp.route("/regios/<code>/beheer/instellingen", methods=["GET", "POST"])
def settings(code: str) -> str | Response:
    """Region-wide settings: for now, whether officials may approve their own answers."""
    region = _region_or_404(code)
    authorize(current_user, "region:settings:manage", region)
    form = SelfApprovalForm(data={"allow": region.allow_self_approval})
    if form.validate_on_submit():
        changed = answering.set_self_approval(db.session, current_user, region, form.allow.data)
        db.session.commit()
        if not changed:
            flash(_("Nothing changed."), "info")
        elif region.allow_self_approval:
            flash(_("Officials may now approve answers they drafted themselves."), "success")
        else:
            flash(_("Every answer must again be approved by a second person."), "success")
        return redirect(url_for("regions.settings", code=region.code))
    return render_template("regions/settings.html", region=region, form=form)
