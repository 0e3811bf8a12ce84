"""Forms of the grouping pages: add a comment by tracking code, merge with another group.

The actions that need no input (group again, take a comment out, split, dissolve) use
:class:`consult.forms.ConfirmForm`: only the CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from consult.comments.codes import normalise
from consult.forms import strip_whitespace


class AddCommentForm(FlaskForm):
    """A tracking code; when its submission holds several comments, which one."""

    code = StringField(
        _l("Tracking code"),
        validators=[
            InputRequired(_l("Enter the tracking code of the comment.")),
            Length(max=40, message=_l("A tracking code has 12 letters and digits.")),
        ],
        filters=[strip_whitespace],
    )
    # Its choices are the comments of the submission with the code; the view checks the choice.
    comment = RadioField(
        _l("Which comment?"), coerce=int, validators=[Optional()], choices=[], validate_choice=False
    )

    def validate_code(self, field: Any) -> None:
        if normalise(field.data or "") is None:
            raise ValidationError(
                _l("This is not a valid tracking code. It looks like K7QX-M2PA-9R2N.")
            )

    @property
    def tracking_code(self) -> str:
        return normalise(self.code.data or "") or ""


class MergeForm(FlaskForm):
    other = SelectField(
        _l("Merge with group"),
        coerce=int,
        choices=[],
        validate_choice=True,
        validators=[InputRequired(_l("Choose a group."))],
    )
