"""Forms of the admin pages: organisations (platform), a region's team and settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from consult.organisations.models import OrganisationKind
from consult.permissions import RegionRoleKind
from consult.regions.models import MAX_ANSWER_WEEKS


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name of the organisation"),
        validators=[DataRequired(_l("Enter the name of the organisation.")), Length(max=200)],
    )
    kind = SelectField(
        _l("Kind of organisation"),
        choices=[],
        validators=[DataRequired(_l("Choose what kind of organisation this is."))],
    )
    website = StringField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            URL(message=_l("Enter a full web address, starting with https://.")),
            Length(max=300),
        ],
    )

    def validate_website(self, field: StringField) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Enter a full web address, starting with https://."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Labels are translated per request, not once at import time.
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in OrganisationKind]


class VerificationForm(FlaskForm):
    """Says what the admin saw and wants, so a stale tab or a double submit cannot flip it."""

    verify = HiddenField(validators=[AnyOf(["yes", "no"])])


class RetryMailForm(FlaskForm):
    """Send one dead mail again, or all of them; the CSRF token is all it carries."""


class AddTeamMemberForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Fill in the email address of the person you want to add.")),
            Length(max=254, message=_l("An email address has at most %(max)d characters.")),
            Email(_l("Fill in an email address like name@example.nl.")),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(
                RegionRoleKind.OFFICIAL.value, _l("Official: runs consultations and the team")
            ),
            SelectChoice(
                RegionRoleKind.MODERATOR.value, _l("Moderator: hides comments, with a reason")
            ),
            SelectChoice(
                RegionRoleKind.RESPONDER.value, _l("Responder: drafts answers to comments")
            ),
        ],
        default=RegionRoleKind.RESPONDER.value,
        validate_choice=True,
        validators=[InputRequired(_l("Choose a role."))],
    )

    @property
    def role_kind(self) -> RegionRoleKind:
        return RegionRoleKind(self.role.data)


class SelfApprovalForm(FlaskForm):
    allow = BooleanField(_l("Officials may approve answers they drafted themselves"))


class AnswerWeeksForm(FlaskForm):
    weeks = IntegerField(
        _l("Weeks after closing"),
        validators=[
            InputRequired(_l("Fill in a number of weeks.")),
            NumberRange(
                min=1,
                max=MAX_ANSWER_WEEKS,
                message=_l("Choose between %(min)s and %(max)s weeks."),
            ),
        ],
    )


class RegionTermForm(FlaskForm):
    """One of the region's own words and its plain explanation (in Dutch, like the plan)."""

    term = StringField(
        _l("Word"),
        validators=[
            DataRequired(_l("Fill in the word.")),
            Length(max=80, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[lambda value: " ".join(value.split()) if value else value],
    )
    explanation = TextAreaField(
        _l("Explanation in plain words"),
        validators=[
            DataRequired(_l("Fill in the explanation.")),
            Length(max=400, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[lambda value: value.strip() if value else value],
    )
