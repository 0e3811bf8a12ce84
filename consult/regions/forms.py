"""Forms of the region pages: the municipality search and the region's team."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from consult.accounts.models import RegionRoleKind

MAX_QUERY_LENGTH = 100


class MunicipalitySearchForm(FlaskForm):
    """ "In which region is my municipality?": a GET form, so it needs no CSRF token."""

    class Meta:
        csrf = False

    gemeente = StringField(
        _l("Your municipality"),
        validators=[
            Length(
                max=MAX_QUERY_LENGTH,
                message=_l("Type at most %(max)d characters."),
            )
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


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
