"""Forms of the region pages: the municipality search and the region's team."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

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
