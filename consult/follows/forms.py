"""The follow form: how often to get email."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from consult.follows.models import Frequency


class FollowForm(FlaskForm):
    frequency = RadioField(
        _l("How often do you want email?"),
        choices=[
            SelectChoice(Frequency.IMMEDIATE.value, _l("An email at once")),
            SelectChoice(Frequency.DAILY.value, _l("One email a day")),
        ],
        default=Frequency.IMMEDIATE.value,
        validators=[InputRequired(message=_l("Choose how often you want email."))],
    )


class ConfirmForm(FlaskForm):
    """A button and a CSRF token."""
