"""Forms for the organisation pages: invite, change a role, remove, accept, API tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.fields import EmailField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from consult.forms import strip_whitespace
from consult.organisations import tokens


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter the email address of the person you invite.")),
            Email(_l("Enter an email address like name@example.nl.")),
            Length(max=254),
        ],
    )


class RoleForm(FlaskForm):
    role = HiddenField(validators=[AnyOf(["member", "admin"])])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: removing a member and accepting an invitation."""


class ScopesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the API key"),
        validators=[
            DataRequired(_l("Give the API key a name, so you know later what it is for.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
        filters=[strip_whitespace],
    )
    scopes = ScopesField(
        _l("What may the API key do?"),
        choices=[SelectChoice(scope, label) for scope, label in tokens.SCOPES.items()],
        validators=[InputRequired(_l("Choose at least one thing the API key may do."))],
    )
    days = RadioField(
        _l("How long does the API key work?"),
        choices=[
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("365", _l("1 year")),
        ],
        default=str(tokens.DEFAULT_LIFETIME),
        validators=[InputRequired(_l("Choose how long the API key works."))],
    )
