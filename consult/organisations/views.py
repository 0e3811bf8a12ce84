"""Organisation pages: the public page of a verified organisation, and its members.

The public page shows only what is public anyway: ``is_public`` comments sent on behalf of
the organisation while it was verified, with their current published answers. Never an
email address or a member's name. Members are managed by the organisation's admins; an
invitation is a signed link (7 days) bound to one organisation and one email address.
"""

from __future__ import annotations

from math import ceil

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from consult.extensions import db, limiter
from consult.mail import MailError, external_url, send_template
from consult.organisations import services
from consult.organisations.forms import ConfirmForm, InviteForm, RoleForm
from consult.organisations.models import Organisation, OrganisationMember
from consult.permissions import allowed, authorize

bp = Blueprint("organisations", __name__, url_prefix="/organisaties")

Page = str | tuple[str, int] | Response

# Each invitation is an email to someone: counted only when one went out (or failed to).
invite_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_ORGANISATION_INVITE", "10 per hour"),
    methods=["POST"],
    deduct_when=lambda response: response.status_code in (302, 503),
)


def _page_number() -> int:
    return max(request.args.get("pagina", 1, type=int) or 1, 1)


def _pages(total: int, per_page: int) -> int:
    return max(ceil(total / per_page), 1)


# -- public -----------------------------------------------------------------------------------


@bp.get("")
def index() -> Page:
    page = _page_number()
    rows, total = services.verified_organisations(db.session, page, services.PUBLIC_PER_PAGE)
    return render_template(
        "organisations/index.html",
        organisations=rows,
        total=total,
        page=page,
        pages=_pages(total, services.PUBLIC_PER_PAGE),
    )


@bp.get("/<key>")
def page(key: str) -> Page:
    organisation = services.public_organisation(db.session, key)
    if organisation is None:
        abort(404)
    authorize(current_user, "organisation:page:view", organisation, hide=True)
    number = _page_number()
    groups, total = services.public_comments(
        db.session, organisation, number, services.PUBLIC_PER_PAGE
    )
    return render_template(
        "organisations/page.html",
        organisation=organisation,
        groups=groups,
        total=total,
        page=number,
        pages=_pages(total, services.PUBLIC_PER_PAGE),
        may_see_members=allowed(current_user, "organisation:members:view", organisation),
    )


# -- members ----------------------------------------------------------------------------------


def _organisation(organisation_id: int, permission: str) -> Organisation:
    """The organisation, if the current user holds ``permission`` on it; 404 otherwise, so
    nobody learns which organisations exist beyond the public ones."""
    organisation = services.get_organisation(db.session, organisation_id)
    if organisation is None:
        abort(404)
    authorize(current_user, permission, organisation, hide=True)
    return organisation


def _member(organisation: Organisation, member_id: int) -> OrganisationMember:
    member = services.member_of(db.session, organisation, member_id)
    if member is None:
        abort(404)
    return member


def _members_page(organisation: Organisation, invite_form: InviteForm | None = None) -> str:
    may_manage = allowed(current_user, "organisation:members:manage", organisation)
    members = services.members_of(db.session, organisation)
    return render_template(
        "organisations/members.html",
        organisation=organisation,
        members=members,
        may_manage=may_manage,
        last_admin=services.last_admin_ids(members),
        invite_form=invite_form or InviteForm(),
        role_form=RoleForm(),
    )


@bp.get("/<int:organisation_id>/leden")
@login_required
def members(organisation_id: int) -> Page:
    organisation = _organisation(organisation_id, "organisation:members:view")
    return _members_page(organisation)


@bp.post("/<int:organisation_id>/leden/uitnodigen")
@login_required
@invite_limit
def invite(organisation_id: int) -> Page:
    organisation = _organisation(organisation_id, "organisation:members:manage")
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(organisation, form), 400
    email = form.email.data.strip()
    if services.is_member_email(db.session, organisation, email):
        flash(_("%(email)s is already a member of %(name)s.", email=email, name=organisation.name))
        return redirect(url_for(".members", organisation_id=organisation.id))
    link = external_url(
        "organisations.accept",
        organisation_id=organisation.id,
        token=services.make_invite_token(organisation, email),
    )
    try:
        send_template(
            email,
            _("You are invited to join %(name)s on Consult", name=organisation.name),
            "mail/organisations/invitation",
            organisation=organisation,
            link=link,
        )
    except MailError:
        flash(_("We could not send the invitation. Please try again later."), "error")
        return _members_page(organisation, form), 503
    flash(_("We sent an invitation to %(email)s. The link works for 7 days.", email=email))
    return redirect(url_for(".members", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/leden/<int:member_id>/verwijderen", methods=["GET", "POST"])
@login_required
def remove(organisation_id: int, member_id: int) -> Page:
    organisation = _organisation(organisation_id, "organisation:members:manage")
    member = _member(organisation, member_id)
    form = ConfirmForm()
    last_admin = services.is_last_admin(db.session, member)
    if form.validate_on_submit():
        try:
            services.remove_member(db.session, member)
        except services.LastAdminError:
            flash(_("An organisation needs at least one admin. Make someone else admin first."))
            return redirect(url_for(".members", organisation_id=organisation.id))
        db.session.commit()
        flash(_("The member has been removed."))
        if not allowed(current_user, "organisation:members:view", organisation):
            return redirect(url_for("accounts.overview"))
        return redirect(url_for(".members", organisation_id=organisation.id))
    return render_template(
        "organisations/remove.html",
        organisation=organisation,
        member=member,
        form=form,
        last_admin=last_admin,
    )


@bp.post("/<int:organisation_id>/leden/<int:member_id>/rol")
@login_required
def change_role(organisation_id: int, member_id: int) -> Page:
    organisation = _organisation(organisation_id, "organisation:members:manage")
    member = _member(organisation, member_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_admin(db.session, member, form.role.data == "admin")
    except services.LastAdminError:
        flash(_("An organisation needs at least one admin. Make someone else admin first."))
        return redirect(url_for(".members", organisation_id=organisation.id))
    db.session.commit()
    flash(_("The role has been changed."))
    return redirect(url_for(".members", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/uitnodiging/<token>", methods=["GET", "POST"])
@login_required
def accept(organisation_id: int, token: str) -> Page:
    organisation = services.get_organisation(db.session, organisation_id)
    if organisation is None:
        abort(404)
    try:
        invitation = services.read_invite_token(db.session, organisation, token)
    except services.InvitationError as error:
        message = (
            _("This invitation has expired. Ask the organisation for a new one.")
            if error.expired
            else _("This invitation link is not valid.")
        )
        return render_template("organisations/invitation.html", problem=message), 400
    if not allowed(current_user, "organisation:invitation:accept", invitation):
        message = _(
            "This invitation is for another email address. Log in with the account of the "
            "invited address, with a confirmed email address."
        )
        return render_template("organisations/invitation.html", problem=message), 403
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(db.session, invitation, current_user)
        except services.AlreadyMemberError:
            flash(_("You are already a member of %(name)s.", name=organisation.name))
            return redirect(url_for(".members", organisation_id=organisation.id))
        db.session.commit()
        flash(_("You are now a member of %(name)s.", name=organisation.name), "success")
        return redirect(url_for(".members", organisation_id=organisation.id))
    already = services.membership(db.session, organisation, current_user) is not None
    return render_template(
        "organisations/invitation.html",
        organisation=organisation,
        form=form,
        already=already,
        problem=None,
    )
