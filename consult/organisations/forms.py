"""Forms for the organisation pages: invite, change a role, remove, accept."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields import EmailField
from wtforms.validators import AnyOf, DataRequired, Email, Length


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
