"""Organisation pages: the public page of a verified organisation, and its members.

The public page shows only what is public anyway: ``is_public`` comments sent on behalf of
the organisation while it was verified, with their current published answers. Never an
email address or a member's name. Members are managed by the organisation's admins; an
invitation is a signed link (7 days) bound to one organisation and one email address.

The admins also manage the organisation's API tokens (``/organisaties/<id>/sleutels``):
make one (its secret is shown once, in the answer to the POST itself: never in a redirect,
the session or a flash message), see when each was last used, and revoke one.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from consult.db import utcnow
from consult.extensions import db, limiter
from consult.mail import external_url
from consult.organisations import services, tokens
from consult.organisations.forms import ConfirmForm, InviteForm, RoleForm, TokenForm
from consult.organisations.models import ApiToken, Organisation, OrganisationMember
from consult.outbox import send_template
from consult.permissions import Permission, allowed, authorize
from consult.web.arguments import page_count, page_number

bp = Blueprint("organisations", __name__, url_prefix="/organisaties")

Page = str | tuple[str, int] | Response

# Each invitation is an email to someone: counted only when one went out (or failed to).
invite_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_ORGANISATION_INVITE", "10 per hour"),
    methods=["POST"],
    deduct_when=lambda response: response.status_code in (302, 503),
)


# Making a token is rare: a few a day is plenty, and it bounds a stolen session's harm.
token_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_ORGANISATION_TOKEN", "20 per day"),
    methods=["POST"],
)


# -- public -----------------------------------------------------------------------------------


@bp.get("")
def index() -> Page:
    page = page_number()
    rows, total = services.verified_organisations(db.session, page, services.PUBLIC_PER_PAGE)
    return render_template(
        "organisations/index.html",
        organisations=rows,
        total=total,
        page=page,
        pages=page_count(total, services.PUBLIC_PER_PAGE),
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
    may_manage = allowed(current_user, Permission.ORGANISATION_MEMBERS_MANAGE, organisation)
    members = services.members_of(db.session, organisation)
    return render_template(
        "organisations/members.html",
        organisation=organisation,
        members=members,
        may_manage=may_manage,
        last_admin=services.last_admin_ids(members),
        invite_form=invite_form or InviteForm(),
        role_form=RoleForm(),
        may_manage_tokens=allowed(
            current_user, Permission.ORGANISATION_TOKENS_MANAGE, organisation
        ),
    )


@bp.get("/<int:organisation_id>/leden")
@login_required
def members(organisation_id: int) -> Page:
    organisation = _organisation(organisation_id, Permission.ORGANISATION_MEMBERS_VIEW)
    return _members_page(organisation)


@bp.post("/<int:organisation_id>/leden/uitnodigen")
@login_required
@invite_limit
def invite(organisation_id: int) -> Page:
    organisation = _organisation(organisation_id, Permission.ORGANISATION_MEMBERS_MANAGE)
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
    send_template(
        db.session,
        email,
        _("You are invited to join %(name)s on Consult", name=organisation.name),
        "mail/organisations/invitation",
        organisation=organisation,
        link=link,
    )
    db.session.commit()
    flash(_("We are sending an invitation to %(email)s. The link works for 7 days.", email=email))
    return redirect(url_for(".members", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/leden/<int:member_id>/verwijderen", methods=["GET", "POST"])
@login_required
def remove(organisation_id: int, member_id: int) -> Page:
    organisation = _organisation(organisation_id, Permission.ORGANISATION_MEMBERS_MANAGE)
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
        if not allowed(current_user, Permission.ORGANISATION_MEMBERS_VIEW, organisation):
            return redirect(url_for("dashboard.account"))
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
    organisation = _organisation(organisation_id, Permission.ORGANISATION_MEMBERS_MANAGE)
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
    if not allowed(current_user, Permission.ORGANISATION_INVITATION_ACCEPT, invitation):
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


# -- API tokens -------------------------------------------------------------------------------

TOKEN_MESSAGES = {
    "unverified": _l("Only a verified organisation can make API keys."),
    "too_many": _l("Your organisation has %(max)d working API keys. Revoke one first."),
    "scopes": _l("Choose at least one thing the API key may do."),
    "name": _l("Give the API key a name, so you know later what it is for."),
    "lifetime": _l("Choose how long the API key works."),
}


def _token(organisation: Organisation, token_id: int) -> ApiToken:
    token = tokens.token_of(db.session, organisation, token_id)
    if token is None:
        abort(404)
    return token


def _tokens_page(organisation: Organisation, form: TokenForm | None = None, **extra: object):
    response = current_app.make_response(
        render_template(
            "organisations/tokens.html",
            organisation=organisation,
            tokens=tokens.tokens_of(db.session, organisation),
            form=form or TokenForm(),
            may_create=allowed(current_user, Permission.ORGANISATION_TOKENS_CREATE, organisation),
            scopes=tokens.SCOPES,
            now=utcnow(),
            **extra,
        )
    )
    # The page may hold a secret shown once: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:organisation_id>/sleutels")
@login_required
def api_tokens(organisation_id: int) -> Page:
    organisation = _organisation(organisation_id, Permission.ORGANISATION_TOKENS_MANAGE)
    return _tokens_page(organisation)


@bp.post("/<int:organisation_id>/sleutels")
@login_required
@token_limit
def create_api_token(organisation_id: int) -> Page:
    organisation = _organisation(organisation_id, Permission.ORGANISATION_TOKENS_MANAGE)
    authorize(current_user, Permission.ORGANISATION_TOKENS_CREATE, organisation)
    form = TokenForm()
    if not form.validate_on_submit():
        response = _tokens_page(organisation, form)
        response.status_code = 400
        return response
    try:
        made = tokens.create_token(
            db.session,
            organisation,
            current_user,
            form.name.data,
            list(form.scopes.data or []),
            days=int(form.days.data),
        )
    except tokens.TokenError as error:
        db.session.rollback()
        message = TOKEN_MESSAGES.get(error.reason, TOKEN_MESSAGES["scopes"])
        form.form_errors.append(str(message) % {"max": tokens.MAX_TOKENS})
        response = _tokens_page(organisation, form)
        response.status_code = 400
        return response
    db.session.commit()
    return _tokens_page(organisation, TokenForm(formdata=None), new_token=made)


@bp.route("/<int:organisation_id>/sleutels/<int:token_id>/intrekken", methods=["GET", "POST"])
@login_required
def revoke_api_token(organisation_id: int, token_id: int) -> Page:
    organisation = _organisation(organisation_id, Permission.ORGANISATION_TOKENS_MANAGE)
    token = _token(organisation, token_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if tokens.revoke_token(db.session, token, current_user):
            db.session.commit()
            flash(_("The API key %(name)s no longer works.", name=token.name), "success")
        return redirect(url_for(".api_tokens", organisation_id=organisation.id))
    return render_template(
        "organisations/revoke_token.html", organisation=organisation, token=token, form=form
    )
