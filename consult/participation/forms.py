"""The Lundy checklist form: the four elements, each a text and rows of evidence links.

The rules (http(s) only, at most ten links, the length of the text) live in
:func:`consult.participation.services.statement_problems`, so the form, the CLI and
the seeds refuse the same things; the view puts its messages on these fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from consult.comments import channels
from consult.forms import strip_whitespace
from consult.participation.models import MAX_LINKS, LundyElement

# Empty link rows offered below the filled ones, and added by "more rows" (no script needed).
EMPTY_ROWS = 3


class EvidenceLinkForm(Form):
    title = StringField(_l("Link text"), filters=[strip_whitespace])
    url = StringField(_l("Web address"), filters=[strip_whitespace])


class ElementForm(Form):
    what_we_did = TextAreaField(
        _l("What did you do?"), filters=[strip_whitespace], render_kw={"rows": 6}
    )
    links = FieldList(FormField(EvidenceLinkForm), max_entries=MAX_LINKS)

    def link_rows(self) -> list[tuple[str, str]]:
        return [(entry.title.data or "", entry.url.data or "") for entry in self.links]

    def add_rows(self, count: int = EMPTY_ROWS) -> None:
        """``count`` more empty rows, never beyond the maximum."""
        for _ in range(count):
            if len(self.links.entries) >= MAX_LINKS:
                break
            self.links.append_entry()

    def fill_empty_rows(self, wanted: int = EMPTY_ROWS) -> None:
        """Add empty rows until ``wanted`` are empty, never beyond the maximum."""
        empty = sum(1 for title, url in self.link_rows() if not title and not url)
        for _ in range(max(0, wanted - empty)):
            if len(self.links.entries) >= MAX_LINKS:
                break
            self.links.append_entry()


class LundyForm(FlaskForm):
    space = FormField(ElementForm)
    voice = FormField(ElementForm)
    audience = FormField(ElementForm)
    influence = FormField(ElementForm)

    def element(self, element: LundyElement) -> ElementForm:
        return getattr(self, element.value).form


class PosterForm(FlaskForm):
    """Which poster to make: a place from the list, or a code of the region's own.

    A GET form (the result is a download, nothing changes), so no CSRF token.
    """

    class Meta:
        csrf = False

    channel = RadioField(
        _l("Where will the poster hang?"),
        choices=[
            *(SelectChoice(c.value, c.label) for c in channels.Channel),
            SelectChoice(channels.OWN, _l("Somewhere else: a code of your own")),
        ],
        default=channels.Channel.POSTER.value,
    )
    own_code = StringField(
        _l("Your own code (only for somewhere else)"),
        filters=[strip_whitespace],
        description=_l(
            "Up to 30 characters: small letters, digits and hyphens, e.g. obs-de-linde. "
            "Do not use a person's name."
        ),
    )

    def validate_own_code(self, field: StringField) -> None:
        if self.channel.data != channels.OWN:
            return
        if not field.data:
            raise ValidationError(_l("Type a code of your own, or choose a place from the list."))
        code = channels.normalise(field.data)
        if code is None:
            raise ValidationError(
                _l("Use at most 30 small letters, digits and hyphens, e.g. obs-de-linde.")
            )
        field.data = code

    def code(self) -> str:
        """The channel code of the validated form."""
        return str(self.own_code.data if self.channel.data == channels.OWN else self.channel.data)
