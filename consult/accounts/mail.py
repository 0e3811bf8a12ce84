"""The emails about someone's account: confirmation, reset, change of address, notices.

Each mail says who it is for, what the link does, how long it works, and what to do when
the reader did not ask for it. They are rendered in the language of the request that
caused them, from ``templates/mail/accounts/``. Each goes into the outbox of the
request's transaction (``db.session``): the view commits, then it is sent.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _

from consult.accounts.models import User
from consult.accounts.services import make_token
from consult.extensions import db
from consult.mail import external_url
from consult.outbox import send_template


def _language_of(user: User) -> AbstractContextManager[None]:
    """Mail to an account's owner in the owner's language, not the visitor's who caused it."""
    return force_locale(user.locale) if user.locale else nullcontext()


def _valid_for(seconds: int) -> str:
    """ "48 hours", "1 hour": hours up to three days, so the reader knows exactly how long."""
    return format_timedelta(timedelta(seconds=seconds), granularity="hour", threshold=3)


def send_confirmation(user: User) -> None:
    """The link that proves ``user`` owns their address (and logs them in once)."""
    send_template(
        db.session,
        user.email,
        _("Confirm your email address for Consult"),
        "mail/accounts/confirm_email",
        user=user,
        link=external_url("accounts.confirm", token=make_token("confirm-email", user)),
        valid_for=_valid_for(current_app.config["EMAIL_TOKEN_MAX_AGE"]),
    )


def send_account_exists(user: User) -> None:
    """Someone registered with an address that has an account: tell its owner, nothing more.

    An unconfirmed owner gets a fresh confirmation link too; they probably forgot the first.
    """
    with _language_of(user):
        confirm_link = None
        if not user.is_confirmed:
            confirm_link = external_url("accounts.confirm", token=make_token("confirm-email", user))
        send_template(
            db.session,
            user.email,
            _("You already have a Consult account"),
            "mail/accounts/account_exists",
            user=user,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.forgot_password"),
            confirm_link=confirm_link,
            valid_for=_valid_for(current_app.config["EMAIL_TOKEN_MAX_AGE"]),
        )


def send_password_reset(user: User) -> None:
    send_template(
        db.session,
        user.email,
        _("Choose a new password for Consult"),
        "mail/accounts/reset_password",
        user=user,
        link=external_url("accounts.reset_password", token=make_token("reset-password", user)),
        valid_for=_valid_for(current_app.config["PASSWORD_RESET_MAX_AGE"]),
    )


def send_email_change(user: User, new_email: str) -> None:
    """The link to the new address, and a notice to the old one that a change was asked."""
    send_template(
        db.session,
        new_email,
        _("Confirm your new email address for Consult"),
        "mail/accounts/change_email",
        user=user,
        new_email=new_email,
        link=external_url(
            "accounts.confirm_email_change",
            token=make_token("change-email", user, new=new_email.strip()),
        ),
        valid_for=_valid_for(current_app.config["EMAIL_TOKEN_MAX_AGE"]),
    )
    send_email_change_requested(user, new_email)


def send_email_in_use(user: User, new_email: str) -> None:
    """``user`` asked to move to an address that has an account: no link, only notices.

    The owner of ``new_email`` learns that the address was offered and nothing changed;
    the old address gets the same notice as for any change, so the two cases look alike.
    """
    send_template(
        db.session,
        new_email,
        _("Your email address was entered on Consult"),
        "mail/accounts/email_in_use",
        login_link=external_url("accounts.login"),
        reset_link=external_url("accounts.forgot_password"),
    )
    send_email_change_requested(user, new_email)


def send_email_change_requested(user: User, new_email: str) -> None:
    with _language_of(user):
        send_template(
            db.session,
            user.email,
            _("Someone asked to change your email address on Consult"),
            "mail/accounts/email_change_requested",
            user=user,
            new_email=new_email,
            reset_link=external_url("accounts.forgot_password"),
        )


def send_password_changed(user: User) -> None:
    """A notice after the fact."""
    send_template(
        db.session,
        user.email,
        _("Your Consult password was changed"),
        "mail/accounts/password_changed",
        user=user,
        reset_link=external_url("accounts.forgot_password"),
    )
