"""Platform administration: organisations and their verification, the outbox's dead mails."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from consult import outbox
from consult.admin.forms import OrganisationForm, RetryMailForm, VerificationForm
from consult.extensions import db
from consult.organisations import services as organisations
from consult.organisations.models import Organisation, OrganisationKind
from consult.permissions import Permission, authorize
from consult.web.arguments import whole_number

bp = Blueprint("admin", __name__, url_prefix="/beheer")
PER_PAGE = 25


@bp.before_request
@login_required
def _platform_admins_only() -> None:
    authorize(current_user, Permission.PLATFORM_ADMIN_VIEW)


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")


@bp.route("/organisaties", methods=["GET", "POST"])
def organisation_list() -> str | Response:
    page = max(request.args.get("pagina", 1, type=whole_number) or 1, 1)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = organisations.create_organisation(
                db.session,
                form.name.data or "",
                OrganisationKind(form.kind.data),
                form.website.data,
            )
        except organisations.OrganisationError:
            form.name.errors.append(_("An organisation with this name exists already."))
        else:
            db.session.commit()
            flash(_("%(name)s has been added.", name=organisation.name), "success")
            return redirect(url_for(".organisation_list"))
    rows, total = organisations.list_organisations(db.session, page, PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    if page > pages:
        abort(404)
    return render_template(
        "admin/organisations.html",
        organisations=rows,
        total=total,
        page=page,
        pages=pages,
        form=form,
    )


def _load(organisation_id: int) -> Organisation:
    organisation = organisations.get_organisation(db.session, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


@bp.route("/organisaties/<int:organisation_id>/verificatie", methods=["GET", "POST"])
def organisation_verification(organisation_id: int) -> str | Response:
    """GET asks for confirmation; POST verifies or withdraws the verification."""
    organisation = _load(organisation_id)
    authorize(current_user, Permission.PLATFORM_ORGANISATIONS_VERIFY, organisation)
    form = VerificationForm(verify="no" if organisation.is_verified else "yes")
    if form.validate_on_submit():
        verify = form.verify.data == "yes"
        if verify == organisation.is_verified:
            flash(_("Nothing changed: someone else already did this."), "info")
            return redirect(url_for(".organisation_list"))
        organisations.set_verified(db.session, organisation, current_user, verify)
        db.session.commit()
        message = (
            _("%(name)s is now verified.", name=organisation.name)
            if verify
            else _("The verification of %(name)s has been withdrawn.", name=organisation.name)
        )
        flash(message, "success")
        return redirect(url_for(".organisation_list"))
    return render_template("admin/verify.html", organisation=organisation, form=form)


# -- the outbox: mails that could not be delivered -----------------------------------------


@bp.get("/uitgaande-mail")
def outbox_page() -> str:
    """How many mails wait, and the dead ones (recipients masked), to send again."""
    return render_template(
        "admin/outbox.html",
        counts=outbox.counts(db.session),
        dead=outbox.dead_letters(db.session),
        States=outbox.OutboxState,
    )


@bp.route("/uitgaande-mail/opnieuw", methods=["GET", "POST"], defaults={"mail_id": None})
@bp.route("/uitgaande-mail/<int:mail_id>/opnieuw", methods=["GET", "POST"])
def outbox_retry(mail_id: int | None) -> str | Response:
    """GET asks for confirmation; POST sends one dead mail (or all of them) again."""
    authorize(current_user, Permission.PLATFORM_OUTBOX_RETRY)
    mail = None
    if mail_id is not None:
        mail = db.session.get(outbox.OutboxMail, mail_id)
        if mail is None or mail.state is not outbox.OutboxState.DEAD:
            abort(404)
    form = RetryMailForm()
    if form.validate_on_submit():
        retried = outbox.retry(db.session, mail_id)
        db.session.commit()
        flash(
            ngettext(
                "%(num)d mail will be sent again.",
                "%(num)d mails will be sent again.",
                len(retried),
            ),
            "success",
        )
        return redirect(url_for(".outbox_page"))
    dead = outbox.counts(db.session)[outbox.OutboxState.DEAD]
    return render_template("admin/outbox_retry.html", mail=mail, dead=dead, form=form)
