"""Register, confirm, log in and out, and manage one's own account.

Nothing on these pages tells whether an address has an account: registering, asking for a
new link and forgetting a password give the same answer either way, and only the mailbox
learns the difference. A wrong address and a wrong password get the same message.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from consult.accounts import lockout, services, sessions
from consult.accounts import mail as account_mail
from consult.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from consult.accounts.models import User
from consult.accounts.passwords import verify_password
from consult.extensions import db, limiter
from consult.i18n import current_locale, safe_next_url
from consult.permissions import works_in_a_region

bp = Blueprint("accounts", __name__, url_prefix="/account")

# What you sent from your account, on your account page: this many per page.

Page = str | tuple[str, int] | Response

# Limits are read per request, so tests and deployments can change them in the config.
login_limit = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
# The forms where someone already logged in (or holding a mailed link) types a password:
# no office full of people sends these at once, so they keep the strict limit.
password_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_PASSWORD_FORMS"], methods=["POST"]
)
# Only a request that sent (or tried to send) mail counts: someone fixing a typo in the
# form is not the flood this limit is for.
mail_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_ACCOUNT_MAIL"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code in (302, 503),
)

SENT_REASONS = ("registreren", "bevestigen", "wachtwoord", "email")


# -- helpers -------------------------------------------------------------------------------


def _start_session(user: User, *, remember: bool = False) -> None:
    """Log ``user`` in on a fresh session, so an id planted before log-in is worthless.

    Staff get no remember-me cookie: their sessions end after hours without use."""
    session.clear()
    login_user(user, remember=remember and not sessions.is_staff(user))
    sessions.mark_start()


def _link_problem(error: services.TokenError, *, kind: str) -> tuple[str, int]:
    """A mailed link that is spent, broken or too old: say which and offer the way on."""
    resend_form = EmailForm() if kind == "confirm" and error.expired else None
    return (
        render_template(
            "accounts/link_problem.html", expired=error.expired, kind=kind, resend_form=resend_form
        ),
        410 if error.expired else 400,
    )


def _remembered() -> bool:
    return current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies


# -- registration and confirmation ---------------------------------------------------------


@bp.route("/registreren", methods=["GET", "POST"])
@mail_limit
def register() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = services.register_user(
            db.session,
            form.email.data,
            form.password.data,
            display_name=form.display_name.data,
            locale=current_locale(),
        )
        if user is not None:
            account_mail.send_confirmation(user)
        else:
            existing = services.find_user_by_email(db.session, form.email.data)
            if existing is not None:
                account_mail.send_account_exists(existing)
        # The account and its mail in one commit: the mail goes out after it, retried
        # until the mail server takes it.
        db.session.commit()
        return redirect(url_for(".mail_sent", reden="registreren"))
    return render_template("accounts/register.html", form=form)


@bp.get("/email-verstuurd/<reden>")
def mail_sent(reden: str) -> str:
    if reden not in SENT_REASONS:
        abort(404)
    return render_template(
        "accounts/mail_sent.html",
        reason=reden,
        confirm_hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600,
        reset_hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )


@bp.get("/bevestigen/<token>")
def confirm(token: str) -> Page:
    try:
        user, _payload = services.read_token(
            db.session, "confirm-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"]
        )
    except services.TokenError as error:
        return _link_problem(error, kind="confirm")
    if user.is_confirmed:
        # The link logs in once; after that it only says the work is done.
        flash(_("Your email address was already confirmed. You can log in."), "info")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("dashboard.account"))
        return redirect(url_for(".login"))
    services.confirm_email(db.session, user)
    _start_session(user)
    db.session.commit()
    flash(_("Thank you, your email address is confirmed. You are now logged in."), "success")
    return redirect(url_for("dashboard.account"))


@bp.route("/bevestiging-opnieuw", methods=["GET", "POST"])
@mail_limit
def resend_confirmation() -> Page:
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(db.session, form.email.data)
        if user is not None and not user.is_confirmed:
            account_mail.send_confirmation(user)
            db.session.commit()
        return redirect(url_for(".mail_sent", reden="bevestigen"))
    return render_template("accounts/resend_confirmation.html", form=form)


# -- logging in and out --------------------------------------------------------------------


@bp.route("/inloggen", methods=["GET", "POST"])
@login_limit  # per client address; per account: lockout
def login() -> Page:
    next_url = safe_next_url(request.values.get("next"), fallback="")
    form = LoginForm()
    unconfirmed_form = None
    if form.validate_on_submit():
        # Checked before the password, so a right guess during the pause teaches nothing.
        until = lockout.locked_until(form.email.data)
        if until is not None:
            return _login_paused(until)
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            until = lockout.record_failure(form.email.data)
            if until is not None:
                return _login_paused(until)
            form.form_errors.append(_("The email address or password is incorrect."))
        elif not user.is_confirmed:
            # Only someone who knows the password learns that the account waits for this.
            unconfirmed_form = EmailForm(formdata=None, email=user.email)
        else:
            lockout.record_success(form.email.data)
            _start_session(user, remember=bool(form.remember.data))
            db.session.commit()
            flash(
                _("Welcome, %(name)s. You are logged in.", name=user.display_name or user.email),
                "success",
            )
            # A region's team lands on its work; everyone else on their account.
            landing = "dashboard.tasks" if works_in_a_region(user) else "dashboard.account"
            return redirect(next_url or url_for(landing))
    return render_template(
        "accounts/login.html", form=form, next_url=next_url, unconfirmed_form=unconfirmed_form
    )


def _login_paused(until: datetime) -> Response:
    """429: this account's log-ins are paused; say until when, in the visitor's time zone."""
    seconds = max(1, math.ceil((until - datetime.now(UTC)).total_seconds()))
    minutes = math.ceil(seconds / 60)
    response = make_response(
        render_template(
            "accounts/login_paused.html", until=format_time(until, "HH:mm"), minutes=minutes
        ),
        429,
    )
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/uitloggen")
def logout() -> Response:
    # Ended on the server too: a copy of this browser's cookies opens nothing afterwards.
    # The nonce is per person, so this ends the person's other sessions as well.
    if current_user.is_authenticated:
        services.end_sessions(db.session, current_user._get_current_object())
        db.session.commit()
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.home"))


@bp.post("/overal-uitloggen")
@login_required
def logout_everywhere() -> Response:
    services.end_sessions(db.session, current_user._get_current_object())
    db.session.commit()
    session.clear()
    logout_user()
    flash(_("You are logged out on every device."), "success")
    return redirect(url_for(".login"))


# -- forgotten password --------------------------------------------------------------------


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@mail_limit
def forgot_password() -> Page:
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(db.session, form.email.data)
        if user is not None:
            account_mail.send_password_reset(user)
            db.session.commit()
        return redirect(url_for(".mail_sent", reden="wachtwoord"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@password_limit
def reset_password(token: str) -> Page:
    try:
        user, _payload = services.read_token(
            db.session, "reset-password", token, current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except services.TokenError as error:
        return _link_problem(error, kind="reset")
    form = ResetPasswordForm()
    form.email_for_rules = user.email
    if form.validate_on_submit():
        services.set_password(db.session, user, form.password.data)
        # The link reached this mailbox, which is all a confirmation proves.
        services.confirm_email(db.session, user)
        lockout.record_success(user.email)  # the mailbox proves it: no pause any more
        _start_session(user)
        db.session.commit()
        flash(_("Your new password is saved. You are now logged in."), "success")
        return redirect(url_for("dashboard.account"))
    return render_template("accounts/reset_password.html", form=form)


# -- one's own account ---------------------------------------------------------------------


@bp.route("/wachtwoord", methods=["GET", "POST"])
@login_required
@password_limit
def change_password() -> Page:
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    form.email_for_rules = user.email
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            services.set_password(db.session, user, form.password.data)
            # The new nonce ends every other session; this one starts afresh and stays.
            _start_session(user, remember=_remembered())
            account_mail.send_password_changed(user)
            db.session.commit()
            flash(
                _("Your password is changed. You are logged out on all other devices."),
                "success",
            )
            return redirect(url_for("dashboard.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@mail_limit
@password_limit  # a wrong password answers 200, which the mail limit does not count
def change_email() -> Page:
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        new_email = form.new_email.data
        if not verify_password(user.password_hash, form.password.data):
            form.password.errors.append(_("This is not your password."))
        elif services.email_key(new_email) == user.email_key:
            form.new_email.errors.append(_("This is already your email address."))
        else:
            owner = services.find_user_by_email(db.session, new_email)
            if owner is None:
                account_mail.send_email_change(user, new_email)
            else:
                account_mail.send_email_in_use(user, new_email)
            db.session.commit()
            return redirect(url_for(".mail_sent", reden="email"))
    return render_template("accounts/change_email.html", form=form, user=user)


@bp.get("/email/bevestigen/<token>")
def confirm_email_change(token: str) -> Page:
    try:
        user, payload = services.read_token(
            db.session, "change-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"]
        )
    except services.TokenError as error:
        return _link_problem(error, kind="email")
    new_email = payload.get("new")
    if not isinstance(new_email, str):
        return _link_problem(services.TokenError(), kind="email")
    try:
        services.change_email(db.session, user, new_email)
    except services.AccountError:
        return render_template("accounts/email_taken.html"), 409
    db.session.commit()
    flash(_("Your email address is now %(email)s.", email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("dashboard.account"))
    return redirect(url_for(".login"))
