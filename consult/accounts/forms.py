"""The account forms. Passwords are never filled back in after a failed submit."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.fields import EmailField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from consult.accounts.services import MAX_PASSWORD_LENGTH, password_problem
from consult.i18n import LANGUAGE_NAMES


def _email_field(label: Any = None) -> EmailField:
    return EmailField(
        label or _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(_l("Enter an email address like name@example.nl.")),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a password."))]
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    return password, repeat


class NewPasswordMixin:
    """Checks ``password`` against the rules; ``email`` is the address it may not equal."""

    email_for_rules: str | None = None

    def validate_password(self, field: PasswordField) -> None:
        email = getattr(self, "email", None)
        address = email.data if email is not None else self.email_for_rules
        problem = password_problem(field.data or "", address)
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    email = _email_field()
    password, password_repeat = _new_password_fields()
    display_name = StringField(
        _l("Name (optional)"),
        validators=[Optional(), Length(max=120, message=_l("Use at most 120 characters."))],
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            # Too long to be anyone's password: the same answer as any wrong one.
            Length(
                max=MAX_PASSWORD_LENGTH, message=_l("The email address or password is incorrect.")
            ),
        ],
    )
    remember = BooleanField(_l("Stay logged in on this device"))


class EmailForm(FlaskForm):
    """Only an address: to send a confirmation link again, or a password-reset link."""

    email = _email_field()


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password, password_repeat = _new_password_fields()


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
    )
    password, password_repeat = _new_password_fields()


class ChangeEmailForm(FlaskForm):
    new_email = _email_field(_l("New email address"))
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password."))],
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=120, message=_l("Use at most 120 characters."))],
    )
    locale = SelectField(
        _l("Language for pages and emails"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
