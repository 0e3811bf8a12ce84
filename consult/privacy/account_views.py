"""Deleting one's own account ("Account verwijderen"), from the account page.

The person types their password again: a session left open on a shared computer must not
be enough to erase someone. Then everything personal goes in one transaction (see
:mod:`consult.privacy.accounts`), the session ends, and a page says what happened.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from consult.accounts import services
from consult.accounts.passwords import verify_password
from consult.accounts.views import password_limit
from consult.comments.models import Submission
from consult.db import utcnow
from consult.extensions import db
from consult.organisations import services as organisations
from consult.privacy.accounts import AccountErasureRefused, erase_account
from consult.privacy.forms import DeleteAccountForm
from consult.privacy.submissions import name_in_published_report

bp = Blueprint("account_erasure", __name__, url_prefix="/account")

Page = str | tuple[str, int] | Response


def _what_goes(user) -> dict[str, int]:
    from sqlalchemy import select

    submissions = db.session.scalars(select(Submission).where(Submission.user_id == user.id))
    return {
        "roles": sum(len(kinds) for _region, kinds in services.roles_by_region(db.session, user)),
        "memberships": len(organisations.memberships_of(db.session, user)),
        "names_in_reports": sum(
            name_in_published_report(db.session, submission) for submission in submissions
        ),
    }


@bp.route("/verwijderen", methods=["GET", "POST"])
@login_required
@password_limit  # a wrong password here keeps the strict limit of the password forms
def delete() -> Page:
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    status = 200
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.password.data):
            form.password.errors.append(_("This is not your password."))
            status = 400
        else:
            try:
                erase_account(db.session, user, utcnow())
            except AccountErasureRefused as refused:
                db.session.rollback()
                form.form_errors.append(
                    _(
                        "You are the only administrator of %(organisations)s. Other members "
                        "would be left without an administrator. Ask us to make one of them "
                        "administrator first; then you can delete your account.",
                        organisations=", ".join(refused.organisations),
                    )
                )
                status = 409
            else:
                db.session.commit()
                session.clear()
                logout_user()  # after clear(): it marks the remember-me cookie for deletion
                return redirect(url_for(".deleted"))
    elif form.is_submitted():
        status = 400
    return render_template("privacy/delete_account.html", form=form, **_what_goes(user)), status


@bp.get("/verwijderd")
def deleted() -> Page:
    if current_user.is_authenticated:  # not deleted: this page is not about them
        return redirect(url_for("dashboard.account"))
    return render_template("privacy/account_deleted.html")
