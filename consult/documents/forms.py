"""Forms of the documents workspace: a document, a new version, and a section."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from consult.forms import strip_whitespace

MAX_SUMMARY = 2000
MAX_CHANGE_NOTE = 1000
MAX_BODY = 100_000


class DocumentForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Fill in a title.")),
            Length(max=300, message=_l("A title has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    summary = TextAreaField(
        _l("Summary in plain language"),
        validators=[
            InputRequired(_l("Write a short summary.")),
            Length(max=MAX_SUMMARY, message=_l("A summary has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )


def _change_note() -> TextAreaField:
    return TextAreaField(
        _l("What changed (optional)"),
        validators=[
            Optional(),
            Length(max=MAX_CHANGE_NOTE, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )


class WordUploadForm(FlaskForm):
    word_file = FileField(_l("Word file (.docx)"))
    word_change_note = _change_note()

    def validate_word_file(self, field: FileField) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a Word file (.docx)."))


class MarkdownForm(FlaskForm):
    markdown_text = TextAreaField(
        _l("Markdown text"),
        validators=[
            Optional(),
            Length(max=1_000_000, message=_l("Use at most %(max)d characters.")),
        ],
    )
    markdown_file = FileField(_l("Or a Markdown file (.md or .txt)"))
    markdown_change_note = _change_note()

    def validate(self, extra_validators=None) -> bool:  # type: ignore[override]
        valid = super().validate(extra_validators)
        has_file = bool(
            self.markdown_file.data and getattr(self.markdown_file.data, "filename", "")
        )
        if not (self.markdown_text.data or "").strip() and not has_file:
            self.markdown_text.errors = [
                *self.markdown_text.errors,
                _l("Paste Markdown text or choose a Markdown file."),
            ]
            return False
        return valid


class ChangeNoteForm(FlaskForm):
    """Copying a version into a new draft: only a note on why."""

    change_note = _change_note()


LEVEL_CHOICES = [
    SelectChoice("1", _l("Chapter (level 1)")),
    SelectChoice("2", _l("Paragraph (level 2)")),
    SelectChoice("3", _l("Sub-paragraph (level 3)")),
]


class SectionForm(FlaskForm):
    heading = StringField(
        _l("Heading"),
        validators=[
            InputRequired(_l("Fill in a heading.")),
            Length(max=500, message=_l("A heading has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    number = StringField(
        _l("Number"),
        validators=[
            Optional(),
            Length(max=20, message=_l("A number has at most %(max)d characters.")),
        ],
        filters=[strip_whitespace],
    )
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES, default="1", validate_choice=True)
    body = TextAreaField(
        _l("Text"),
        validators=[
            Optional(),
            Length(max=MAX_BODY, message=_l("Use at most %(max)d characters.")),
        ],
    )


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])
