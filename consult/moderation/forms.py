"""Forms of moderation: hide (reason and note), show again, dismiss reports, report a comment."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from consult.comments.models import HideReason
from consult.forms import strip_whitespace
from consult.moderation.services import MAX_NOTE_LENGTH

MAX_REPORT_NOTE_LENGTH = 1000


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _reason_choices() -> list[SelectChoice]:
    return [SelectChoice(reason.value, _sentence(reason.label)) for reason in HideReason]


def _reason_choices_with_prompt() -> list[SelectChoice]:
    """A select starts on "choose a reason", so nobody hides for the first reason by accident."""
    return [SelectChoice("", str(_l("Choose a reason"))), *_reason_choices()]


class HideForm(FlaskForm):
    reason = SelectField(
        _l("Reason"),
        choices=_reason_choices_with_prompt,
        validate_choice=True,
        validators=[InputRequired(_l("Choose a reason."))],
    )
    note = TextAreaField(
        _l("Explanation for the sender"),
        validators=[
            Optional(),
            Length(max=MAX_NOTE_LENGTH, message=_l("Write at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )

    OTHER_NEEDS_NOTE = _l("Explain why you hide this comment when you choose 'other reason'.")

    @property
    def hide_reason(self) -> HideReason:
        return HideReason(self.reason.data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.hide_reason is HideReason.OTHER and not self.note.data:
            self.note.errors = [*self.note.errors, self.OTHER_NEEDS_NOTE]
            return False
        return valid


class UnhideForm(FlaskForm):
    note = TextAreaField(
        _l("Why may this comment be seen again?"),
        validators=[
            InputRequired(_l("Explain why you show this comment again.")),
            Length(max=MAX_NOTE_LENGTH, message=_l("Write at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )


class ApproveForm(FlaskForm):
    """Only the CSRF token: the button says what happens."""


class RejectForm(HideForm):
    """Not approving a submission sent without e-mail: the reasons of hiding, and a note
    for the record (nobody is mailed: the sender reads the reason on the status page)."""

    OTHER_NEEDS_NOTE = _l("Explain why you do not approve it when you choose 'other reason'.")
    note = TextAreaField(
        _l("Explanation (optional)"),
        validators=[
            Optional(),
            Length(max=MAX_NOTE_LENGTH, message=_l("Write at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )


class DismissReportsForm(FlaskForm):
    """Only the CSRF token: the button says what happens."""


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("What is wrong with this comment?"),
        choices=_reason_choices,
        validate_choice=True,
        validators=[InputRequired(_l("Choose what is wrong with this comment."))],
    )
    note = TextAreaField(
        _l("Anything else the moderator should know? (optional)"),
        validators=[
            Optional(),
            Length(max=MAX_REPORT_NOTE_LENGTH, message=_l("Write at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )

    @property
    def hide_reason(self) -> HideReason:
        return HideReason(self.reason.data)
